"""``ioguide import DICOM_DIR``: index the studies, series and instances of a folder, optionally de-identified.

:func:`index_datasets` is pure (headers in, a nested study/series/instance index out); :func:`import_folder` reads
the headers (pydicom, pixel data not loaded), skips files that are not DICOM (listed with the reason, exit 3),
and with ``--deidentify`` applies the PS3.15 basic profile (:mod:`ioguide.imaging.deidentify`). Until the
records store has imaging tables, the index and the identity mapping are returned as JSON (and, with ``--out``,
the de-identified copies and ``mapping.json`` are written there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ioguide.errors import InputError
from ioguide.imaging.deidentify import deidentify


def _text(ds: Dataset, keyword: str) -> str:
    value = ds.get(keyword, "")
    return "" if value is None else str(value)


def index_datasets(headers: list[tuple[str, Dataset]]) -> list[dict[str, Any]]:
    """Studies -> series -> instances from ``(file name, header)`` pairs, sorted by UID / instance number."""
    studies: dict[str, dict[str, Any]] = {}
    for name, ds in headers:
        study = studies.setdefault(
            _text(ds, "StudyInstanceUID"),
            {
                "study_instance_uid": _text(ds, "StudyInstanceUID"),
                "patient_id": _text(ds, "PatientID"),
                "study_date": _text(ds, "StudyDate"),
                "study_description": _text(ds, "StudyDescription"),
                "series": {},
            },
        )
        series = study["series"].setdefault(
            _text(ds, "SeriesInstanceUID"),
            {
                "series_instance_uid": _text(ds, "SeriesInstanceUID"),
                "modality": _text(ds, "Modality"),
                "series_number": _text(ds, "SeriesNumber"),
                "series_description": _text(ds, "SeriesDescription"),
                "frame_of_reference_uid": _text(ds, "FrameOfReferenceUID"),
                "instances": [],
            },
        )
        series["instances"].append(
            {
                "sop_instance_uid": _text(ds, "SOPInstanceUID"),
                "sop_class_uid": _text(ds, "SOPClassUID"),
                "instance_number": int(ds.get("InstanceNumber") or 0),
                "transfer_syntax_uid": _text(getattr(ds, "file_meta", Dataset()), "TransferSyntaxUID"),
                "file": name,
            }
        )
    out = []
    for study in sorted(studies.values(), key=lambda s: s["study_instance_uid"]):
        series_list = []
        for series in sorted(study["series"].values(), key=lambda s: s["series_instance_uid"]):
            series["instances"].sort(key=lambda i: (i["instance_number"], i["sop_instance_uid"]))
            series["instance_count"] = len(series["instances"])
            series_list.append(series)
        study["series"] = series_list
        out.append(study)
    return out


def import_folder(
    folder: Path, deidentify: bool = False, out: Path | None = None, salt: str = ""
) -> tuple[dict[str, Any], int]:
    """Index a folder (recursively); returns the JSON result and the exit status (3 when files were skipped)."""
    if not folder.is_dir():
        raise InputError.one("DICOM_DIR", f"not a folder: {folder}")
    if deidentify and not salt:
        raise InputError.one("--salt", "de-identification needs a secret --salt (pseudonyms must not be guessable)")
    if out is not None and not deidentify:
        raise InputError.one("--out", "--out writes de-identified copies: use it with --deidentify")
    headers: list[tuple[str, Dataset]] = []
    skipped = []
    uid_map: dict[str, str] = {}
    patient_map: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        try:
            ds = pydicom.dcmread(str(path), stop_before_pixels=not (deidentify and out is not None))
        except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            skipped.append({"file": rel, "reason": f"not a readable DICOM file ({exc})"})
            continue
        if deidentify:
            done: Dataset = _deidentify_dataset(ds, salt, uid_map, patient_map)
            if out is not None:
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                done.save_as(str(target), enforce_file_format=False)
            headers.append((rel, done))
            continue
        headers.append((rel, ds))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "mapping.json").write_text(
            json.dumps({"patients": patient_map, "uids": uid_map}, indent=1), encoding="utf-8"
        )
    result = {
        "summary": {
            "studies": len({_text(d, "StudyInstanceUID") for _, d in headers}),
            "series": len({_text(d, "SeriesInstanceUID") for _, d in headers}),
            "instances": len(headers),
            "skipped": len(skipped),
            "deidentified": deidentify,
        },
        "studies": index_datasets(headers),
        "skipped": skipped,
    }
    if deidentify:
        result["mapping"] = {"patients": patient_map, "uids": uid_map}
    return result, 3 if skipped else 0


def _deidentify_dataset(ds: Dataset, salt: str, uid_map: dict[str, str], patient_map: dict[str, str]) -> Dataset:
    done = deidentify(ds, salt)
    uid_map.update(done.uids)
    patient_map.update(done.patient_ids)
    return done.dataset
