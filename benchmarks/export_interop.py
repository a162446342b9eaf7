"""How fast ioguide exports, against what a user would otherwise do.

Run: ``python benchmarks/export_interop.py``. The demo study (examples/interop, 4 patients) is repeated to N
patients (new pseudonyms, same cases).
- FHIR: ioguide's ``patient_bundle`` (response engine, codes, checks) + ``json.dumps`` per patient, against
  parsing that same Bundle into fhircraft's R4 ``Bundle`` model and dumping it (what building through a typed FHIR
  library costs, without any of the clinical mapping). fhircraft's profile validation of one Bundle is shown too.
- SDTM + ADaM: ioguide's whole package from the raw input (``parse_study_export``, which assesses each patient
  once per criterion, then ``write_study``: SDTM DM..EX, ADaM ADSL/ADRS/ADTTE, every limit and CT term checked,
  CSV + XPORT v5 + two Define-XML checked against the XSD) against the bare minimum: DataFrames of the same rows
  written with ``pyreadstat.write_xport`` (no checks, no CSV, no define, no assessment).
"""

from __future__ import annotations

import copy
import json
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from ioguide.interop.adam import adam_datasets
from ioguide.interop.fhir import patient_bundle
from ioguide.interop.files import frame, write_study
from ioguide.interop.inputs import StudyExport, parse_study_export
from ioguide.interop.sdtm import study_datasets

ROOT = Path(__file__).resolve().parents[1]
DEMO = json.loads((ROOT / "examples" / "interop" / "study-iog01.json").read_text())


#: fhircraft takes about 0.6 s per Bundle here: beyond this many patients its column is skipped.
FHIRCRAFT_MAX = 40


def raw_study(n: int) -> dict[str, Any]:
    patients = []
    for i in range(n):
        p = copy.deepcopy(DEMO["patients"][i % len(DEMO["patients"])])
        p["subject"] = f"{i + 1:04d}"
        patients.append(p)
    return {"study": "IOG01", "patients": patients}


def study_of(n: int) -> StudyExport:
    return parse_study_export(raw_study(n))


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from fhircraft.fhir.resources.factory.core import FHIRModelFactory

    factory = FHIRModelFactory("R4")
    factory.disable_internet_access()
    start = time.perf_counter()
    bundle_model = factory.build(canonical_url="http://hl7.org/fhir/StructureDefinition/Bundle")
    model_build = time.perf_counter() - start

    print(
        "| N patients | ioguide FHIR ms | fhircraft R4 parse+dump ms | ioguide/fhircraft "
        "| ioguide SDTM+ADaM ms | bare XPT ms | ioguide/bare |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (4, 40, 200):
        study = study_of(n)
        bundles = [patient_bundle(p) for p in study.patients]

        def ours_fhir(study: StudyExport = study) -> None:
            for p in study.patients:
                json.dumps(patient_bundle(p))

        def fhircraft_fhir(bundles: list[dict[str, Any]] = bundles) -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for b in bundles:
                    bundle_model.model_validate(b).model_dump_json(exclude_none=True)

        datasets = study_datasets(study)
        datasets |= adam_datasets(datasets)
        frames = {name: frame(d) for name, d in datasets.items()}
        raw = raw_study(n)

        with tempfile.TemporaryDirectory() as tmp:

            def ours_sdtm(raw: dict[str, Any] = raw, tmp: str = tmp) -> None:
                write_study(parse_study_export(raw), Path(tmp) / "ours")

            def bare_sdtm(frames: dict[str, pd.DataFrame] = frames, tmp: str = tmp) -> None:
                for name, df in frames.items():
                    pyreadstat.write_xport(df, f"{tmp}/{name}.xpt", file_format_version=5, table_name=name)

            a = best(ours_fhir)
            b = best(fhircraft_fhir, 1) if n <= FHIRCRAFT_MAX else None
            c, d = best(ours_sdtm), best(bare_sdtm)
        other = "(skipped)" if b is None else f"{b * 1e3:.0f}"
        ratio = "" if b is None else f"{a / b:.3f}x"
        print(f"| {n} | {a * 1e3:.0f} | {other} | {ratio} | {c * 1e3:.0f} | {d * 1e3:.0f} | {c / d:.1f}x |")
    print(f"\nfhircraft: building the R4 Bundle model took {model_build:.1f} s (once per process).")


if __name__ == "__main__":
    main()
