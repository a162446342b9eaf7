"""``ioguide measure``, ``ioguide radiomics``, ``ioguide import`` and ``ioguide export seg|sr``: parse, call
:mod:`ioguide.imaging`, render. Formats: ``spec/imaging.md``; choices where the spec is silent: ``docs/imaging.md``.

Exit status: 0 done, 2 bad input (one ``field: message`` line per problem on standard error, ``{"errors": ...}``
on standard output with ``--format json``), 3 a batch (or an import) finished but some case failed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ioguide.cli.imaging_args import IMAGE, LABEL, MASK, ROI, _read_params, _require
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, run_produced
from ioguide.errors import InputError, Problem


def _measure_volume(image_path: Path, mask_path: Path, label: int | None, roi: str | None) -> tuple[Any, Any]:
    from ioguide.imaging.measure import measure_labels
    from ioguide.imaging.volumes import load_image, load_mask

    image = load_image(image_path)
    labels = load_mask(mask_path, image, roi)
    found = [m.as_dict() for m in measure_labels(labels, image.grid, label)]
    return image, found[0] if label is not None else found


def _measure(image_path: Path, mask_path: Path, label: int | None, roi: str | None) -> Any:
    return _measure_volume(image_path, mask_path, label, roi)[1]


def _store_options(db: str | None, patient: int | None, lesion: str | None, date: str | None, label: int | None) -> tuple[str, int, str, dt.date]:  # fmt: skip
    """``measure --store`` needs one label, the database and where the diameter goes."""
    problems = [
        Problem(name, "required with --store")
        for name, value in (("--label", label), ("--db", db), ("--patient", patient), ("--lesion", lesion), ("--date", date))
        if value is None
    ]  # fmt: skip
    if problems:
        raise InputError(problems)
    try:
        when = dt.date.fromisoformat(str(date))
    except ValueError:
        raise InputError.one("--date", f"{date!r} is not a date (YYYY-MM-DD)") from None
    return str(db), int(patient or 0), str(lesion), when


def _measure_and_store(
    image_path: Path, mask_path: Path, label: int | None, roi: str | None,
    db: str | None, patient: int | None, lesion: str | None, date: str | None,
) -> dict[str, Any]:  # fmt: skip
    from ioguide.cli.records_common import open_migrated
    from ioguide.services.context import cli_actor
    from ioguide.services.imaging import ImageReference, store_measurement

    url, patient_id, lesion_label, when = _store_options(db, patient, lesion, date, label)
    image, measured = _measure_volume(image_path, mask_path, label, roi)
    series_uid = str(image.datasets[0].get("SeriesInstanceUID", "")) or None if image.datasets else None
    ref = ImageReference(
        image=str(image_path.resolve()),
        mask=str(mask_path.resolve()),
        label=int(measured["label"]),
        series_instance_uid=series_uid,
        measured={k: v for k, v in measured.items() if k != "reasons"},
    )
    database = open_migrated(url)
    try:
        # an unknown patient or lesion, a conflict or a refused role: exit 2 with field: message (cli/io.py)
        stored = store_measurement(database, cli_actor(), patient_id, lesion_label, when, ref)
    finally:
        database.dispose()
    return {**measured, "stored": stored}


def _render_measure(result: Any) -> str:
    lines = []
    for m in result if isinstance(result, list) else [result]:
        lines.append(
            f"label {m['label']}: long axis {m['long_axis_mm']} mm x short axis {m['short_axis_mm']} mm on slice "
            f"{m['slice_index']}; volume {m['volume_ml']} mL (mesh {m['mesh_volume_ml']} mL); "
            f"max 3D diameter {m['max_3d_diameter_mm']} mm"
        )
        lines += [f"  - {r}" for r in m["reasons"]]
        if "stored" in m:
            st = m["stored"]
            lines.append(
                f"stored: {st['lesion']} = {st['diameter_mm']} mm ({st['axis']} axis) on {st['date']}, "
                f"patient {st['patient_id']}"
            )
    return "\n".join(lines)


def measure(
    image: Path = IMAGE, mask: Path = MASK, label: int | None = LABEL, roi: str | None = ROI,
    store: bool = typer.Option(False, "--store", help="Record the diameter as the lesion's measurement at --date."),
    db: str | None = typer.Option(None, "--db", help="With --store: the records store's SQLAlchemy URL."),
    patient: int | None = typer.Option(None, "--patient", help="With --store: the stored patient's id."),
    lesion: str | None = typer.Option(None, "--lesion", help="With --store: the lesion id of the case (T1, N1, ...)."),
    date: str | None = typer.Option(None, "--date", help="With --store: the timepoint date (created when missing)."),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:  # fmt: skip
    """RECIST long and short axis, volumes and maximum 3D diameter of each lesion label (spec/imaging.md).

    With --label: one JSON object; without: a JSON array, one object per label. With --store (and --label, --db,
    --patient, --lesion, --date): the long axis (short axis for a nodal lesion) becomes that lesion's diameter at
    that timepoint, with the image reference kept (docs/imaging.md)."""

    def produce() -> Any:
        image_path, mask_path = _require(image, "image"), _require(mask, "mask")
        if store:
            return _measure_and_store(image_path, mask_path, label, roi, db, patient, lesion, date)
        given = [name for name, v in (("--db", db), ("--patient", patient), ("--lesion", lesion), ("--date", date)) if v is not None]  # fmt: skip
        if given:
            raise InputError([Problem(name, "only used with --store") for name in given])
        return _measure(image_path, mask_path, label, roi)

    run_produced(fmt, produce, _render_measure)


def _radiomics_one(image_path: Path, mask_path: Path, label: int | None, roi: str | None, params: Any) -> Any:
    from ioguide.imaging.measure import select_labels
    from ioguide.imaging.radiomics import extract_labels, parse_params
    from ioguide.imaging.volumes import load_image, load_mask

    parsed = parse_params(params)
    image = load_image(image_path)
    labels = load_mask(mask_path, image, roi)
    out = [r.as_dict() for r in extract_labels(image.array, labels, image.grid, select_labels(labels, label), parsed)]
    return out[0] if label is not None or len(out) == 1 else out


def _render_features(result: Any) -> str:
    lines = []
    for r in result if isinstance(result, list) else [result]:
        lines.append(f"label {r['label']} ({r['settings']['library']} {r['settings']['library_version']})")
        lines += [f"  {tag:<28} {r[tag]:.6g}" for tag in r["native_names"]]
    return "\n".join(lines)


def _radiomics_batch(
    manifest: Path, out: Path | None, params: Any, jobs: int, scheduler: str | None
) -> tuple[dict[str, Any], int]:
    from rich.console import Console
    from rich.progress import Progress

    from ioguide.imaging.batch import parse_manifest, run_batch, write_rows
    from ioguide.imaging.radiomics import parse_params, settings_echo

    if out is None:
        raise InputError.one("--out", "the batch form needs --out FEATURES.csv")
    if jobs < 1:
        raise InputError.one("--jobs", f"{jobs} is below 1")
    parsed = parse_params(params)
    try:
        text = manifest.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, UnicodeDecodeError) as exc:
        raise InputError.one("--manifest", f"cannot read {manifest}: {exc}") from None
    cases = parse_manifest(text, manifest.parent)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("radiomics", total=len(cases))
        per_case = run_batch(cases, params, jobs, scheduler, lambda case: progress.advance(task))
    rows = [row for case_rows in per_case for row in case_rows]
    write_rows(rows, out)
    failed = [r["case_id"] for rows_ in per_case for r in rows_ if r["error"]]
    summary = {
        "cases": len(cases),
        "lesions": sum(1 for r in rows if not r["error"]),
        "failed_cases": sorted(set(failed)),
        "out": str(out),
        "settings": settings_echo(parsed),
    }
    return summary, 3 if failed else 0


def radiomics(
    image: Path = IMAGE, mask: Path = MASK, label: int | None = LABEL, roi: str | None = ROI,
    params: Path | None = typer.Option(None, "--params", help="YAML with setting: and featureClass: (pyradiomics names)."),
    manifest: Path | None = typer.Option(None, "--manifest", help="Batch: CSV with case_id,image,mask[,label]."),
    out: Path | None = typer.Option(None, "--out", help="Batch: output CSV, one row per lesion."),
    jobs: int = typer.Option(1, "--jobs", help="Batch: local worker processes."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Batch: Dask scheduler address (tcp://host:8786)."),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:  # fmt: skip
    """IBSI-tagged radiomics features of a lesion (or of every lesion of a manifest with --manifest)."""
    if manifest is None:
        run_produced(
            fmt,
            lambda: _radiomics_one(_require(image, "image"), _require(mask, "mask"), label, roi, _read_params(params)),
            _render_features,
        )
        return
    status: list[int] = []

    def compute() -> dict[str, Any]:
        summary, code = _radiomics_batch(manifest, out, _read_params(params), jobs, scheduler)
        status.append(code)
        return summary

    run_produced(
        fmt,
        compute,
        lambda s: f"{s['lesions']} lesions from {s['cases']} cases -> {s['out']}; failed: {s['failed_cases']}",
    )
    if status and status[0]:
        raise typer.Exit(status[0])


@dataclass(frozen=True)
class _ImportOptions:
    deidentify: bool
    salt: str
    retain_dates: bool
    clean_descriptors: bool
    accept_burned_in: bool


def _import(
    folder: Path, how: _ImportOptions, out: Path | None, db: str | None, patient: int | None
) -> tuple[dict[str, Any], int]:
    from ioguide.imaging.deidentify import Options
    from ioguide.imaging.dicom_import import import_folder

    def run(out: Path | None) -> tuple[dict[str, Any], int]:
        options = Options(retain_longitudinal=how.retain_dates, clean_descriptors=how.clean_descriptors)
        return import_folder(folder, how.deidentify, out, how.salt, options, how.accept_burned_in)

    if db is None:
        if patient is not None:
            raise InputError.one("--patient", "only used with --db (the records store)")
        return run(out)
    if out is not None:
        raise InputError.one("--out", "with --db the mapping is kept in the records store, not in files")
    from ioguide.cli.records_common import open_migrated
    from ioguide.services.context import cli_actor
    from ioguide.services.imaging import store_import

    result, code = run(None)
    mapping = result.pop("mapping", None)
    # de-identified instances are stored under their pseudonymous names, never under the source folder's path
    source = "" if how.deidentify else str(folder.resolve())
    database = open_migrated(db)
    try:
        result["stored"] = store_import(database, cli_actor(), result["studies"], mapping, source, patient)
    finally:
        database.dispose()
    return result, code


def _render_import(result: dict[str, Any]) -> str:
    shown = dict(result["summary"])
    if "stored" in result:
        shown["stored"] = result["stored"]["added"]
    return json.dumps(shown)


def import_dicom(
    folder: Path = typer.Argument(..., help="A folder of DICOM files (searched recursively)."),
    deidentify: bool = typer.Option(False, "--deidentify", help="Apply DICOM PS3.15 Annex E (Table E.1-1 Basic Profile)."),
    out: Path | None = typer.Option(None, "--out", help="Write de-identified copies and mapping.json (0600) here (no --db)."),
    salt: str = typer.Option("", "--salt", help="Secret mixed into pseudonyms and new UIDs (keep it private)."),
    retain_dates: bool = typer.Option(False, "--retain-dates", help="PS3.15 Retain Longitudinal Temporal Information (Modified Dates): shift dates by a per-patient offset."),
    clean_descriptors: bool = typer.Option(False, "--clean-descriptors", help="PS3.15 Clean Descriptors: keep descriptions made only of safe words."),
    accept_burned_in: bool = typer.Option(False, "--accept-burned-in", help="De-identify images with burned-in text too (else quarantined)."),
    db: str | None = typer.Option(None, "--db", help="Index into the records store at this URL (else print JSON)."),
    patient: int | None = typer.Option(None, "--patient", help="With --db: link the studies to this stored patient."),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:  # fmt: skip
    """Index the studies, series and instances of a DICOM folder (optionally de-identified); with --db into the
    records store (the de-identification mapping too, readable by admins only), else as JSON."""
    status: list[int] = []

    def compute() -> dict[str, Any]:
        how = _ImportOptions(deidentify, salt, retain_dates, clean_descriptors, accept_burned_in)
        result, code = _import(folder, how, out, db, patient)
        status.append(code)
        return result

    run_produced(fmt, compute, _render_import)
    if status and status[0]:
        raise typer.Exit(status[0])


def register(app: typer.Typer) -> None:
    """Add the imaging commands to the ``ioguide`` app (one call in ``ioguide.cli.main``)."""
    app.command("measure")(measure)
    app.command("radiomics")(radiomics)
    app.command("import")(import_dicom)
