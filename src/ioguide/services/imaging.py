"""Verbs joining imaging and the records store: index an imported DICOM folder, read the de-identification
mapping (admin only), and store a measured lesion as a timepoint measurement with its image reference.

Each verb is one write transaction with its audit rows (nothing is written when any part fails). Audit rows
never hold the originals of a de-identification: they say how many replacements were added, and the store keeps
the pairs in ``deid_mappings``, which only :func:`deid_mapping` (admin) reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import (
    DeidMapping,
    ImagingInstance,
    ImagingSeries,
    ImagingStudy,
    Lesion,
    Measurement,
    MeasurementImage,
    Patient,
    Timepoint,
)
from ioguide.services import results
from ioguide.services.casedoc import TimepointDoc, timepoint_doc
from ioguide.services.cases import case_with_timepoint, validate_case_within
from ioguide.services.common import load_patient, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import ConflictError, NotFoundError
from ioguide.validation import parse_model

#: ``mapping`` keys of :func:`ioguide.imaging.dicom_import.import_folder` -> ``deid_mappings.kind``. A date
#: offset (Retain Longitudinal Temporal Information) is kept as patient pseudonym -> "PSEUDONYM +N days".
MAPPING_KINDS = {"uids": "uid", "patients": "patient_id", "date_offsets": "date_offset"}


def _pairs(key: str, values: dict[str, Any]) -> dict[str, str]:
    if key == "date_offsets":
        return {patient: f"{patient} {int(days):+d} days" for patient, days in values.items()}
    return {str(k): str(v) for k, v in values.items()}


def _study_summary(study: ImagingStudy) -> dict[str, Any]:
    """The audited view of a study: UIDs and counts (no file paths, no originals)."""
    return {
        "study_instance_uid": study.study_instance_uid,
        "patient_id": study.patient_id,
        "deidentified": study.deidentified,
        "series": {s.series_instance_uid: len(s.instances) for s in study.series},
    }


def _add_mapping(session: Session, mapping: dict[str, dict[str, Any]]) -> int:
    """Insert the replacements not yet stored; an original already mapped to another pseudonym (a different
    ``--salt``) is a conflict: one original must keep one pseudonym, or imports stop being linked."""
    added = 0
    for key, kind in MAPPING_KINDS.items():
        pairs = _pairs(key, mapping.get(key, {}))
        if not pairs:
            continue
        originals = sorted(pairs)
        stored: dict[str, str] = {}
        for i in range(0, len(originals), 500):  # bounded IN lists (SQLite's parameter limit)
            query = select(DeidMapping.original, DeidMapping.pseudonym).where(
                DeidMapping.kind == kind, DeidMapping.original.in_(originals[i : i + 500])
            )
            stored.update({row.original: row.pseudonym for row in session.execute(query)})
        for original, pseudonym in sorted(pairs.items()):
            known = stored.get(original)
            if known is None:
                session.add(DeidMapping(kind=kind, original=original, pseudonym=pseudonym))
                added += 1
            elif known != pseudonym:
                raise ConflictError(
                    f"a {kind.replace('_', ' ')} of this folder was imported before under another pseudonym "
                    "(a different --salt): use the salt of the first import",
                    "--salt",
                )
    return added


def _instance(found: dict[str, Any], folder: str) -> ImagingInstance:
    return ImagingInstance(
        sop_instance_uid=found["sop_instance_uid"],
        sop_class_uid=found["sop_class_uid"],
        instance_number=found["instance_number"],
        transfer_syntax_uid=found["transfer_syntax_uid"],
        file=f"{folder}/{found['file']}" if folder else found["file"],
    )


def _merge_study(
    session: Session, found: dict[str, Any], patient_id: int | None, deidentified: bool, folder: str
) -> tuple[ImagingStudy, bool, int]:
    """Create the study, or link it to the patient and add the series and instances it lacks; returns it,
    whether anything changed, and the number of instances added."""
    uid = found["study_instance_uid"]
    study = session.scalar(select(ImagingStudy).where(ImagingStudy.study_instance_uid == uid))
    created = study is None
    if study is None:
        study = ImagingStudy(
            study_instance_uid=uid,
            patient_id=patient_id,
            dicom_patient_id=found["patient_id"] if deidentified else None,
            study_date=found["study_date"],
            study_description=found["study_description"],
            deidentified=deidentified,
            version=1,
        )
        session.add(study)
    elif patient_id is not None and study.patient_id not in (None, patient_id):
        raise ConflictError(
            f"study {uid} is linked to patient {study.patient_id} already, not {patient_id}", "--patient"
        )
    elif study.deidentified != deidentified:
        state = "de-identified" if study.deidentified else "not de-identified"
        raise ConflictError(f"study {uid} was imported {state} before; import it the same way", "--deidentify")
    series_added = instances_added = 0
    by_uid = {s.series_instance_uid: s for s in study.series}
    for series_in in found["series"]:
        series = by_uid.get(series_in["series_instance_uid"])
        if series is None:
            owner = session.scalar(
                select(ImagingSeries.study_id).where(
                    ImagingSeries.series_instance_uid == series_in["series_instance_uid"]
                )
            )
            if owner is not None:
                raise ConflictError(f"series {series_in['series_instance_uid']} belongs to another study", "DICOM_DIR")
            series = ImagingSeries(
                series_instance_uid=series_in["series_instance_uid"],
                modality=series_in["modality"],
                series_number=series_in["series_number"],
                series_description=series_in["series_description"],
                frame_of_reference_uid=series_in["frame_of_reference_uid"],
            )
            study.series.append(series)
            series_added += 1
        known = {i.sop_instance_uid for i in series.instances}
        for inst in series_in["instances"]:
            if inst["sop_instance_uid"] not in known:
                series.instances.append(_instance(inst, folder))
                known.add(inst["sop_instance_uid"])
                instances_added += 1
    changed = created or bool(series_added or instances_added)
    if not created and patient_id is not None and study.patient_id is None:
        study.patient_id = patient_id
        changed = True
    return study, changed, instances_added


def _refuse_the_other_way(
    session: Session, studies: list[dict[str, Any]], mapping: dict[str, dict[str, Any]] | None
) -> None:
    """A study is stored once: de-identified (under its pseudonym) or not (under its own UID), never both."""
    if mapping is not None:
        pseudonyms = {s["study_instance_uid"] for s in studies}
        originals = [orig for orig, new in mapping.get("uids", {}).items() if new in pseudonyms]
        clash = session.scalar(select(ImagingStudy.id).where(ImagingStudy.study_instance_uid.in_(originals)))
        if clash is not None:
            raise ConflictError("a study of this folder was imported without --deidentify before", "--deidentify")
        return
    uids = [s["study_instance_uid"] for s in studies]
    clash = session.scalar(select(DeidMapping.id).where(DeidMapping.kind == "uid", DeidMapping.original.in_(uids)))
    if clash is not None:
        raise ConflictError(
            "a study of this folder was imported de-identified before: use --deidentify with the same --salt",
            "--deidentify",
        )


def store_import(
    db: Database,
    actor: Actor,
    studies: list[dict[str, Any]],
    mapping: dict[str, dict[str, Any]] | None,
    folder: str,
    patient_id: int | None = None,
) -> dict[str, Any]:
    """Index an imported folder (the ``studies`` of :func:`~ioguide.imaging.dicom_import.import_folder`) in one
    transaction. Idempotent: what is stored already is left as it is and gets no audit row. ``mapping`` (the
    de-identification's, or None) is kept in ``deid_mappings``. Each instance's ``file`` is stored as
    ``folder/file``, or as ``file`` alone when ``folder`` is empty (a de-identified import: its pseudonymous name,
    no source path)."""
    require(actor, "radiologist")
    deidentified = mapping is not None
    with write_transaction(db) as session:
        if patient_id is not None:
            load_patient(session, patient_id)
        _refuse_the_other_way(session, studies, mapping)
        added = {"studies": 0, "series": 0, "instances": 0, "mappings": 0}
        if mapping is not None:
            added["mappings"] = _add_mapping(session, mapping)
            if added["mappings"]:
                record(
                    session,
                    actor,
                    "deid_mapping.extend",
                    "deid_mapping",
                    "-",
                    patient_id,
                    None,
                    {"added": added["mappings"]},
                )
        ids = []
        for found in studies:
            study = session.scalar(
                select(ImagingStudy).where(ImagingStudy.study_instance_uid == found["study_instance_uid"])
            )
            before = None if study is None else _study_summary(study)
            series_before = 0 if study is None else len(study.series)
            study, changed, n_instances = _merge_study(session, found, patient_id, deidentified, folder)
            session.flush()
            ids.append(study.id)
            added["studies"] += int(before is None)
            added["series"] += len(study.series) - series_before
            added["instances"] += n_instances
            if changed:
                if before is not None:
                    study.version += 1
                action = "imaging_study.create" if before is None else "imaging_study.update"
                after = _study_summary(study)
                record(session, actor, action, "imaging_study", study.id, study.patient_id, before, after)
        return {"added": added, "study_ids": ids}


def deid_mapping(db: Database, actor: Actor, pseudonym: str | None = None) -> list[dict[str, str]]:
    """The de-identification mapping (every pair, or the one whose pseudonym is given): admins only."""
    require(actor, "admin")
    with read_session(db) as session:
        query = select(DeidMapping).order_by(DeidMapping.kind, DeidMapping.original)
        if pseudonym is not None:
            query = query.where(DeidMapping.pseudonym == pseudonym)
        return [{"kind": m.kind, "original": m.original, "pseudonym": m.pseudonym} for m in session.scalars(query)]


def list_studies(db: Database, actor: Actor, patient_id: int | None = None) -> list[dict[str, Any]]:
    """Stored studies (optionally one patient's) with their series and instance counts."""
    require(actor, "viewer")
    with read_session(db) as session:
        query = select(ImagingStudy).order_by(ImagingStudy.study_instance_uid)
        if patient_id is not None:
            query = query.where(ImagingStudy.patient_id == patient_id)
        return [{**_study_summary(s), "id": s.id, "version": s.version} for s in session.scalars(query)]


@dataclass(frozen=True)
class ImageReference:
    """Where a diameter was measured: the image (file or series folder, with its SeriesInstanceUID when DICOM),
    the mask and label, and the ``ioguide measure`` output for that label (spec/imaging.md, without reasons)."""

    image: str
    mask: str
    label: int
    series_instance_uid: str | None
    measured: dict[str, Any]


def _lesion(patient: Patient, label: str) -> Lesion:
    for lesion in patient.lesions:
        if lesion.label == label:
            return lesion
    raise NotFoundError(f"patient {patient.id} has no lesion {label!r}", "--lesion")


def _stored_uid(session: Session, uid: str | None) -> str | None:
    """The UID as the store knows it: the pseudonym when the series was imported de-identified."""
    if uid is None:
        return None
    pseudonym = session.scalar(
        select(DeidMapping.pseudonym).where(DeidMapping.kind == "uid", DeidMapping.original == uid)
    )
    return pseudonym or uid


def _reference_dict(ref: MeasurementImage) -> dict[str, Any]:
    return {
        "series_instance_uid": ref.series_instance_uid,
        "image": ref.image,
        "mask": ref.mask,
        "label": ref.mask_label,
        "axis": ref.axis,
        "measured": ref.measured,
    }


def store_measurement(
    db: Database, actor: Actor, patient_id: int, lesion_label: str, date: dt.date, ref: ImageReference
) -> dict[str, Any]:
    """Record the lesion's diameter at ``date`` from a measurement: the long axis, or the short axis for a nodal
    lesion (RECIST 1.1, Eisenhauer 2009 §3.1 and §4.3.2), creating the timepoint when there is none. The case
    with the new value is validated exactly as ``POST``/``PUT .../timepoints`` validate it; the other lesions'
    measurements (and their image references) stay as they are. Audit rows: ``timepoint.create`` or
    ``timepoint.replace``, and ``measurement_image.create``/``.replace``."""
    require(actor, "radiologist")
    with write_transaction(db) as session:
        patient = load_patient(session, patient_id)
        lesion = _lesion(patient, lesion_label)
        if lesion.role != "target":
            raise InputError(
                [
                    Problem(
                        "--lesion", f"lesion {lesion_label!r} is a non-target lesion: it has a status, not a diameter"
                    )
                ]
            )
        axis = "short" if lesion.nodal else "long"
        diameter = float(ref.measured[f"{axis}_axis_mm"])
        timepoint = next((tp for tp in patient.timepoints if tp.date == date), None)
        before = None if timepoint is None else timepoint_doc(timepoint)
        raw: dict[str, Any] = dict(before) if before is not None else {"date": date.isoformat()}
        raw["diameters_mm"] = {**raw.get("diameters_mm", {}), lesion_label: diameter}
        case, index = case_with_timepoint(session, patient, raw, date, replace=timepoint is not None)
        validate_case_within(case, f"timepoints[{index}]")
        parse_model(TimepointDoc, raw)
        if timepoint is None:
            timepoint = Timepoint(patient=patient, date=date, version=1)
            session.add(timepoint)
        else:
            timepoint.version += 1
        measurement = next((m for m in timepoint.measurements if m.lesion_id == lesion.id), None)
        if measurement is None:
            measurement = Measurement(lesion=lesion, position=len(timepoint.measurements))
            timepoint.measurements.append(measurement)
        measurement.diameter_mm = diameter
        measurement.status = None
        patient.version += 1
        session.flush()
        record(
            session, actor, "timepoint.create" if before is None else "timepoint.replace", "timepoint",
            timepoint.id, patient.id, before, timepoint_doc(timepoint),
        )  # fmt: skip
        results.refresh_case(session, patient.id)
        series_uid = _stored_uid(session, ref.series_instance_uid)
        image = session.scalar(select(MeasurementImage).where(MeasurementImage.measurement_id == measurement.id))
        image_before = None if image is None else _reference_dict(image)
        if image is None:
            image = MeasurementImage(measurement_id=measurement.id)
            session.add(image)
        image.series_instance_uid = series_uid
        image.image = ref.image
        image.mask = ref.mask
        image.mask_label = ref.label
        image.axis = axis
        image.measured = ref.measured
        session.flush()
        after = _reference_dict(image)
        action = "measurement_image.create" if image_before is None else "measurement_image.replace"
        record(session, actor, action, "measurement_image", image.id, patient.id, image_before, after)
        return {
            "patient_id": patient.id,
            "lesion": lesion_label,
            "date": date.isoformat(),
            "diameter_mm": diameter,
            "axis": axis,
            "image_reference": after,
            "timepoint_version": timepoint.version,
            "patient_version": patient.version,
        }


def measurement_images(db: Database, actor: Actor, patient_id: int) -> list[dict[str, Any]]:
    """The image references of a patient's stored measurements, by date and lesion."""
    require(actor, "viewer")
    with read_session(db) as session:
        load_patient(session, patient_id)
        rows = session.execute(
            select(Timepoint.date, Lesion.label, Measurement.diameter_mm, MeasurementImage)
            .join(Measurement, MeasurementImage.measurement_id == Measurement.id)
            .join(Timepoint, Measurement.timepoint_id == Timepoint.id)
            .join(Lesion, Measurement.lesion_id == Lesion.id)
            .where(Timepoint.patient_id == patient_id)
            .order_by(Timepoint.date, Lesion.position)
        ).all()
        return [
            {"date": d.isoformat(), "lesion": label, "diameter_mm": mm, **_reference_dict(image)}
            for d, label, mm, image in rows
        ]
