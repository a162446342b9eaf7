"""``ioguide import DICOM_DIR``: index the studies, series and instances of a folder, optionally de-identified.

:func:`index_datasets` is pure (headers in, a nested study/series/instance index out); :func:`import_folder` reads
the headers (pydicom, pixel data not loaded), skips files that are not DICOM (listed with the reason, exit 3),
and with ``--deidentify`` applies the PS3.15 Annex E profile (:mod:`ioguide.imaging.deidentify`), quarantining
images with burned-in text. The index and the identity mapping are returned as JSON (and, with ``--out``, the
de-identified copies, named by pseudonym and UIDs only, and a 0600 ``mapping.json`` are written there).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ioguide.errors import InputError
from ioguide.imaging.deidentify import Options, burned_in_reason, deidentify, output_name


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
    folder: Path,
    deidentify: bool = False,
    out: Path | None = None,
    salt: str = "",
    options: Options | None = None,
    accept_burned_in: bool = False,
) -> tuple[dict[str, Any], int]:
    """Index a folder (recursively); returns the JSON result and the exit status (3 when files were skipped or
    quarantined).

    With ``deidentify``: images whose pixels may carry text (:func:`~ioguide.imaging.deidentify.burned_in_reason`)
    are quarantined (listed, neither indexed nor written) unless ``accept_burned_in``; the index names each
    instance by its pseudonymous path (:func:`~ioguide.imaging.deidentify.output_name`), never by the source's;
    with ``out`` the copies are written there under that name and the mapping goes to ``out/mapping.json``,
    readable by its owner only (0600).
    """
    if not folder.is_dir():
        raise InputError.one("DICOM_DIR", f"not a folder: {folder}")
    if deidentify and not salt:
        raise InputError.one("--salt", "de-identification needs a secret --salt (pseudonyms must not be guessable)")
    if out is not None and not deidentify:
        raise InputError.one("--out", "--out writes de-identified copies: use it with --deidentify")
    if not deidentify and (options not in (None, Options()) or accept_burned_in):
        raise InputError.one("--deidentify", "the de-identification options need --deidentify")
    headers: list[tuple[str, Dataset]] = []
    skipped: list[dict[str, str]] = []
    quarantined: list[dict[str, str]] = []
    mapping: dict[str, dict[str, Any]] = {"patients": {}, "uids": {}}
    burned_in_accepted = 0
    names: set[str] = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(path.relative_to(folder))
        try:
            ds = pydicom.dcmread(str(path), stop_before_pixels=not (deidentify and out is not None))
        except (InvalidDicomError, OSError, EOFError, ValueError, KeyError, TypeError) as exc:
            skipped.append({"file": rel, "reason": f"not a readable DICOM file ({exc})"})
            continue
        if not deidentify:
            headers.append((rel, ds))
            continue
        if not _text(ds, "PatientID").strip():
            skipped.append({"file": rel, "reason": "no PatientID: no patient pseudonym or date offset can be given"})
            continue
        reason = burned_in_reason(ds)
        if reason is not None and not accept_burned_in:
            quarantined.append({"file": rel, "reason": f"{reason}; not de-identified (--accept-burned-in to take it)"})
            continue
        burned_in_accepted += reason is not None
        done = _deidentify_dataset(ds, salt, options or Options(), mapping)
        name = output_name(done)
        if name in names:
            skipped.append({"file": rel, "reason": "the same SOPInstanceUID as another file of the folder"})
            continue
        names.add(name)
        if out is not None:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            done.save_as(str(out / name), enforce_file_format=False)
        headers.append((name, done))
    if out is not None:
        write_private_json(out / "mapping.json", mapping)
    result: dict[str, Any] = {
        "summary": {
            "studies": len({_text(d, "StudyInstanceUID") for _, d in headers}),
            "series": len({_text(d, "SeriesInstanceUID") for _, d in headers}),
            "instances": len(headers),
            "skipped": len(skipped),
            "quarantined": len(quarantined),
            "deidentified": deidentify,
        },
        "studies": index_datasets(headers),
        "skipped": skipped,
        "quarantined": quarantined,
    }
    if deidentify:
        result["summary"]["burned_in_accepted"] = burned_in_accepted
        result["mapping"] = mapping
    return result, 3 if skipped or quarantined else 0


def write_private_json(path: Path, value: Any) -> None:
    """Write ``value`` as JSON readable and writable by its owner only (0600), also when the file existed: the
    file is made under a temporary name with mode 0600 and then renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=1)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)


def _deidentify_dataset(ds: Dataset, salt: str, options: Options, mapping: dict[str, dict[str, Any]]) -> Dataset:
    done = deidentify(ds, salt, options)
    mapping["uids"].update(done.uids)
    mapping["patients"].update(done.patient_ids)
    if done.date_offsets:
        mapping.setdefault("date_offsets", {}).update(done.date_offsets)
    return done.dataset
