"""Electronic signatures of a timepoint's response (21 CFR 11.50, 11.70, 11.200(a)).

A radiologist signs by re-entering their password. The signature records the user, the printed name, the time,
the meaning (e.g. "reviewed and approved"), the capacity (``radiologist`` or ``independent_reviewer``) and the
SHA-256 of the signed content: everything the timepoint's response is computed from (the criteria, settings,
lesions and the timepoints up to and including the signed one). Signatures are never changed; when the content
changes later, its hash no longer matches and the signature is shown **superseded** (:func:`list_signatures`).

For the SDTM export: :func:`independent_review` says, per timepoint date, whether a current (not superseded)
signature by an independent reviewer exists, so RS rows can name that evaluator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from argon2 import PasswordHasher
from pydantic import BaseModel, Field, StrictStr
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ioguide.errors import InputError
from ioguide.records.audit import canonical_json
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import Signature
from ioguide.services.casedoc import read_case
from ioguide.services.common import RECORD_INPUT, record
from ioguide.services.context import Actor, require
from ioguide.services.errors import NotFoundError
from ioguide.services.users import DEFAULT_HASHER, authenticate


class SignatureIn(BaseModel):
    """``POST /api/v1/patients/{id}/timepoints/{date}/signatures``."""

    model_config = RECORD_INPUT
    password: StrictStr = Field(min_length=1, max_length=1024)
    printed_name: StrictStr = Field(min_length=1, max_length=200)
    meaning: Literal["reviewed and approved", "authored"] = "reviewed and approved"
    capacity: Literal["radiologist", "independent_reviewer"] = "radiologist"


def signed_content(session: Session, patient_id: int, date: dt.date) -> tuple[dict[str, Any], str]:
    """The content a signature of ``date`` covers, and its SHA-256."""
    found = read_case(session, patient_id)
    if found is None:
        raise NotFoundError(f"no patient with id {patient_id}", "id")
    case = found[0]
    if not any(tp["date"] == date.isoformat() for tp in case["timepoints"]):
        raise NotFoundError(f"patient {patient_id} has no timepoint on {date}", "date")
    content = {**case, "timepoints": [tp for tp in case["timepoints"] if tp["date"] <= date.isoformat()]}
    return content, hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _out(row: Signature, current: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.timepoint_date.isoformat(),
        "user": row.username,
        "printed_name": row.printed_name,
        "meaning": row.meaning,
        "capacity": row.capacity,
        "signed_at": row.signed_at,
        "content_sha256": row.content_sha256,
        "superseded": current != row.content_sha256,
    }


def sign_timepoint(
    db: Database,
    actor: Actor,
    patient_id: int,
    date: dt.date,
    data: SignatureIn,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> dict[str, Any]:
    """Sign one timepoint's response; the password must be the signer's own (re-entered at signing)."""
    require(actor, "radiologist")
    if authenticate(db, actor.username, data.password, hasher) is None:
        raise InputError.one("password", "the password does not match the signed-in user's: not signed (21 CFR 11.200)")
    with write_transaction(db) as session:
        _content, digest = signed_content(session, patient_id, date)
        values = {
            "patient_id": patient_id,
            "timepoint_date": date,
            "username": actor.username,
            "printed_name": data.printed_name,
            "capacity": data.capacity,
            "meaning": data.meaning,
            "signed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "content_sha256": digest,
        }
        new_id = session.execute(insert(Signature).values(**values).returning(Signature.id)).scalar_one()
        row = session.get(Signature, new_id)
        assert row is not None
        out = _out(row, digest)
        record(session, actor, "signature.create", "signature", new_id, patient_id, None, out)
        return out


def list_signatures(db: Database, actor: Actor, patient_id: int) -> list[dict[str, Any]]:
    """Every signature of the patient, oldest first, each marked ``superseded`` when its content changed since."""
    require(actor, "viewer")
    with read_session(db) as session:
        rows = session.scalars(select(Signature).where(Signature.patient_id == patient_id).order_by(Signature.id)).all()
        current: dict[dt.date, str | None] = {}
        for row in rows:
            if row.timepoint_date not in current:
                try:
                    current[row.timepoint_date] = signed_content(session, patient_id, row.timepoint_date)[1]
                except NotFoundError:  # the timepoint was removed since: the signature covers nothing current
                    current[row.timepoint_date] = None
        return [_out(row, current[row.timepoint_date]) for row in rows]


def independent_review(db: Database, actor: Actor, patient_id: int) -> dict[str, bool]:
    """Per timepoint date (ISO): is there a current signature by an independent reviewer? (SDTM RS evaluator)"""
    out: dict[str, bool] = {}
    for signature in list_signatures(db, actor, patient_id):
        independent = signature["capacity"] == "independent_reviewer" and not signature["superseded"]
        out[signature["date"]] = out.get(signature["date"], False) or independent
    return out
