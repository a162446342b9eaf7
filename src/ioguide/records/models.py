"""ORM tables: programs, patients, lesions, timepoints with per-lesion measurements and new lesions, procedures,
toxicity events, users and the audit trail.

Patients carry a study pseudonym (``study_id``), never a direct identifier. Every stored object has an integer
``version`` that each change increments (optimistic concurrency, ``spec/api.md`` "Versions"). The schema is made
by the Alembic migrations in ``migrations/``; these classes must stay in step with them (a test compares both).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: ``BIGINT`` on PostgreSQL, ``INTEGER PRIMARY KEY`` (rowid, autoincrementing) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    version: Mapped[int] = mapped_column(default=1)


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    study_id: Mapped[str] = mapped_column(String(64), unique=True)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(16))
    criteria: Mapped[str | None] = mapped_column(String(32))
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    treatment_start: Mapped[dt.date | None] = mapped_column(Date)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    withdrawal_date: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)

    program: Mapped[Program] = relationship()
    lesions: Mapped[list[Lesion]] = relationship(
        back_populates="patient", order_by="Lesion.position", cascade="all, delete-orphan"
    )
    timepoints: Mapped[list[Timepoint]] = relationship(
        back_populates="patient", order_by="Timepoint.date", cascade="all, delete-orphan"
    )


class Lesion(Base):
    __tablename__ = "lesions"
    __table_args__ = (UniqueConstraint("patient_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    organ: Mapped[str] = mapped_column(String(100))
    nodal: Mapped[bool] = mapped_column(Boolean, default=False)
    injected: Mapped[bool] = mapped_column(Boolean, default=False)
    injected_from: Mapped[dt.date | None] = mapped_column(Date)
    pleural: Mapped[bool] = mapped_column(Boolean, default=False)
    slice_position_mm: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(back_populates="lesions")


class Timepoint(Base):
    __tablename__ = "timepoints"
    __table_args__ = (UniqueConstraint("patient_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)

    patient: Mapped[Patient] = relationship(back_populates="timepoints")
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="timepoint", order_by="Measurement.position", cascade="all, delete-orphan"
    )
    new_lesions: Mapped[list[NewLesion]] = relationship(
        back_populates="timepoint", order_by="NewLesion.position", cascade="all, delete-orphan"
    )


class Measurement(Base):
    """One lesion at one timepoint: a target's diameter (or ``too_small`` / ``not_evaluated``), or a
    non-target's status."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("timepoint_id", "lesion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timepoint_id: Mapped[int] = mapped_column(ForeignKey("timepoints.id", ondelete="CASCADE"), index=True)
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    diameter_mm: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(32))

    timepoint: Mapped[Timepoint] = relationship(back_populates="measurements")
    lesion: Mapped[Lesion] = relationship()


class NewLesion(Base):
    __tablename__ = "new_lesions"
    __table_args__ = (UniqueConstraint("timepoint_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    timepoint_id: Mapped[int] = mapped_column(ForeignKey("timepoints.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    organ: Mapped[str] = mapped_column(String(100))
    nodal: Mapped[bool] = mapped_column(Boolean, default=False)
    diameter_mm: Mapped[float | None] = mapped_column(Float)
    equivocal: Mapped[bool] = mapped_column(Boolean, default=False)
    increased: Mapped[bool] = mapped_column(Boolean, default=False)
    typical_hcc: Mapped[bool] = mapped_column(Boolean, default=False)

    timepoint: Mapped[Timepoint] = relationship(back_populates="new_lesions")


class Procedure(Base):
    """An injection, biopsy, ablation, embolization or CAR-T infusion; ``details`` holds the kind's fields."""

    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    complication: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    complication_grade: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(default=1)
    #: The submission's key (a form's hidden key or the API's ``Idempotency-Key``): the same key records once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    lesions: Mapped[list[ProcedureLesion]] = relationship(
        order_by="ProcedureLesion.position", cascade="all, delete-orphan"
    )


class ProcedureLesion(Base):
    """A lesion treated by a procedure, with what went into it."""

    __tablename__ = "procedure_lesions"
    __table_args__ = (UniqueConstraint("procedure_id", "lesion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="CASCADE"), index=True)
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesions.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    volume_ml: Mapped[float | None] = mapped_column(Float)

    lesion: Mapped[Lesion] = relationship()


class ToxicityEvent(Base):
    __tablename__ = "toxicity_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    input: Mapped[dict[str, Any]] = mapped_column(JSON)
    grade: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)


class User(Base):
    __tablename__ = "users"
    #: ids are never reused (a token names the id): AUTOINCREMENT on SQLite, a sequence on PostgreSQL
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it from the class)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)
    #: Named by every token of this user; incremented to revoke them all (sign-out, disable, role, password).
    token_version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: When the password was last set (ISO 8601 UTC); None for users created before migration 0005.
    password_changed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class AuditEntry(Base):
    """One row of the append-only audit trail; ``hash`` is the HMAC of the row's content, ``seq``, ``prev_hash``
    and ``key_id`` (:mod:`ioguide.records.audit`; rows from before migration 0003 carry a plain SHA-256 and
    ``key_id`` ``legacy-sha256``).

    ``at``, ``before`` and ``after`` are stored as text (ISO 8601 UTC and canonical JSON) so that the hash
    recomputed from the stored row is byte-for-byte what was hashed on insert, on every database.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(100))
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    key_id: Mapped[str] = mapped_column(String(32))


class AccessLogEntry(Base):
    """One read of a patient's record (who, which patient, when, through which verb): append-only (migration
    0003's triggers refuse UPDATE and DELETE), readable by admins (:mod:`ioguide.services.access_log`)."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    username: Mapped[str] = mapped_column(String(64), index=True)
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(40))


class Signature(Base):
    """An electronic signature of one timepoint's response (21 CFR 11.50, 11.70): who signed (user name and
    printed name), when, with which meaning, in which capacity, and the SHA-256 of the signed content. Never
    changed: a later change to the content makes the stored hash differ from the content's, which marks the
    signature superseded (:mod:`ioguide.services.signatures`)."""

    __tablename__ = "signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    timepoint_date: Mapped[dt.date] = mapped_column(Date)
    username: Mapped[str] = mapped_column(String(64))
    printed_name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))


class ImagingStudy(Base):
    """A DICOM study indexed by ``ioguide import`` (migration 0002); ``dicom_patient_id`` is the pseudonym when
    the import was de-identified and empty otherwise (the store keeps no direct identifier)."""

    __tablename__ = "imaging_studies"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="SET NULL"), index=True)
    study_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    dicom_patient_id: Mapped[str | None] = mapped_column(String(64))
    study_date: Mapped[str] = mapped_column(String(8))
    study_description: Mapped[str] = mapped_column(String(200))
    deidentified: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(default=1)

    series: Mapped[list[ImagingSeries]] = relationship(
        order_by="ImagingSeries.series_instance_uid", cascade="all, delete-orphan"
    )


class ImagingSeries(Base):
    __tablename__ = "imaging_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("imaging_studies.id", ondelete="CASCADE"), index=True)
    series_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    modality: Mapped[str] = mapped_column(String(16))
    series_number: Mapped[str] = mapped_column(String(16))
    series_description: Mapped[str] = mapped_column(String(200))
    frame_of_reference_uid: Mapped[str] = mapped_column(String(64))

    instances: Mapped[list[ImagingInstance]] = relationship(
        order_by="ImagingInstance.instance_number", cascade="all, delete-orphan"
    )


class ImagingInstance(Base):
    __tablename__ = "imaging_instances"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("imaging_series.id", ondelete="CASCADE"), index=True)
    sop_instance_uid: Mapped[str] = mapped_column(String(64), unique=True)
    sop_class_uid: Mapped[str] = mapped_column(String(64))
    instance_number: Mapped[int] = mapped_column(Integer)
    transfer_syntax_uid: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(1000))


class DeidMapping(Base):
    """One de-identification replacement (``kind`` ``uid`` or ``patient_id``): original -> pseudonym. Only the
    admin role may read it (:func:`ioguide.services.imaging.deid_mapping`); audit rows never carry originals."""

    __tablename__ = "deid_mappings"
    __table_args__ = (UniqueConstraint("kind", "original"), UniqueConstraint("kind", "pseudonym"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    original: Mapped[str] = mapped_column(String(200))
    pseudonym: Mapped[str] = mapped_column(String(200))


class MeasurementImage(Base):
    """Where a stored diameter was measured (``ioguide measure --store``): the series or file, the mask and its
    label, the axis used (``long``, or ``short`` for a nodal lesion) and the measure output (end points in
    patient mm). Deleted with its measurement when the timepoint is replaced."""

    __tablename__ = "measurement_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    measurement_id: Mapped[int] = mapped_column(ForeignKey("measurements.id", ondelete="CASCADE"), unique=True)
    series_instance_uid: Mapped[str | None] = mapped_column(String(64))
    image: Mapped[str] = mapped_column(String(1000))
    mask: Mapped[str] = mapped_column(String(1000))
    mask_label: Mapped[int] = mapped_column(Integer)
    axis: Mapped[str] = mapped_column(String(8))
    measured: Mapped[dict[str, Any]] = mapped_column(JSON)


class DerivedResult(Base):
    """A result derived from a patient's records by the clinical core (migration 0004): the response under one
    criteria (``kind`` ``response``) or the toxicity grades (``kind`` ``toxicity``, ``criteria`` ``""``), with
    the patient's ``case_version`` and the rule set (``ruleset``) that produced it. Written in the transaction of
    the write that changed its inputs; ``ioguide reassess`` refreshes the stale ones after a rule change.

    ``result`` is the core's output (``spec/response.md`` for a response), or null when the case cannot be
    assessed under that criteria, then ``problems`` says why. ``summary`` is the same result cut to what the cohort
    plots read (dates, days, % changes, responses; no reasons), so that a plot of every patient reads little.
    ``current_response``, ``response_date``,
    ``best_response`` and ``last_scan`` repeat what lists filter and sort on, so that they do it in SQL.
    """

    __tablename__ = "derived_results"
    __table_args__ = (UniqueConstraint("patient_id", "kind", "criteria"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[str] = mapped_column(String(32))
    case_version: Mapped[int] = mapped_column(Integer)
    ruleset: Mapped[str] = mapped_column(String(80), index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    problems: Mapped[list[str] | None] = mapped_column(JSON)
    current_response: Mapped[str | None] = mapped_column(String(32))
    response_date: Mapped[dt.date | None] = mapped_column(Date)
    best_response: Mapped[str | None] = mapped_column(String(32))
    last_scan: Mapped[dt.date | None] = mapped_column(Date)
    computed_at: Mapped[str] = mapped_column(String(40))
