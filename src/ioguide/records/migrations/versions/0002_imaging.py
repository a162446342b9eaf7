"""Imaging: DICOM studies, series and instances indexed by ``ioguide import``, the de-identification mapping
(original -> pseudonymous UID or patient identifier, read only by admins), and the image reference of a
measurement made by ``ioguide measure --store``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "imaging_studies",
        _id(),
        sa.Column(
            "patient_id", sa.Integer(), sa.ForeignKey("patients.id", ondelete="SET NULL"), nullable=True, index=True
        ),
        sa.Column("study_instance_uid", sa.String(64), nullable=False, unique=True),
        sa.Column("dicom_patient_id", sa.String(64)),
        sa.Column("study_date", sa.String(8), nullable=False),
        sa.Column("study_description", sa.String(200), nullable=False),
        sa.Column("deidentified", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "imaging_series",
        _id(),
        sa.Column(
            "study_id",
            sa.Integer(),
            sa.ForeignKey("imaging_studies.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("series_instance_uid", sa.String(64), nullable=False, unique=True),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("series_number", sa.String(16), nullable=False),
        sa.Column("series_description", sa.String(200), nullable=False),
        sa.Column("frame_of_reference_uid", sa.String(64), nullable=False),
    )
    op.create_table(
        "imaging_instances",
        _id(),
        sa.Column(
            "series_id",
            sa.Integer(),
            sa.ForeignKey("imaging_series.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("sop_instance_uid", sa.String(64), nullable=False, unique=True),
        sa.Column("sop_class_uid", sa.String(64), nullable=False),
        sa.Column("instance_number", sa.Integer(), nullable=False),
        sa.Column("transfer_syntax_uid", sa.String(64), nullable=False),
        sa.Column("file", sa.String(1000), nullable=False),
    )
    op.create_table(
        "deid_mappings",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("original", sa.String(200), nullable=False),
        sa.Column("pseudonym", sa.String(200), nullable=False),
        sa.UniqueConstraint("kind", "original"),
        sa.UniqueConstraint("kind", "pseudonym"),
    )
    op.create_table(
        "measurement_images",
        _id(),
        sa.Column(
            "measurement_id",
            sa.Integer(),
            sa.ForeignKey("measurements.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("series_instance_uid", sa.String(64)),
        sa.Column("image", sa.String(1000), nullable=False),
        sa.Column("mask", sa.String(1000), nullable=False),
        sa.Column("mask_label", sa.Integer(), nullable=False),
        sa.Column("axis", sa.String(8), nullable=False),
        sa.Column("measured", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    for table in ("measurement_images", "deid_mappings", "imaging_instances", "imaging_series", "imaging_studies"):
        op.drop_table(table)
