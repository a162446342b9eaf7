"""Helpers shared by the verbs: loading a patient, checking an ``If-Match`` version, writing the audit row."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from sqlalchemy.orm import Session

from ioguide.records import audit
from ioguide.records.models import Patient
from ioguide.services.context import Actor
from ioguide.services.errors import NotFoundError, StaleVersionError
from ioguide.validation import STRICT_INPUT

#: Input models of the records: the shared strict configuration, and no NaN or infinity (JSON has neither, but
#: Python's parser accepts the tokens, and a database would store them as null or refuse them).
RECORD_INPUT = ConfigDict(**STRICT_INPUT, allow_inf_nan=False)


def load_patient(session: Session, patient_id: int) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFoundError(f"no patient with id {patient_id}", "id")
    return patient


def check_version(current: int, expected: int, what: str) -> None:
    """``If-Match`` must name the current version (spec/api.md, "Versions"); else nothing changes (412)."""
    if current != expected:
        raise StaleVersionError(
            f"{what} is at version {current}, not {expected}: it changed since you read it; "
            "read it again and re-apply your change",
            "If-Match",
        )


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int,
    patient_id: int | None,
    before: Any,
    after: Any,
) -> None:
    """Append the audit row of a change, in the change's own transaction."""
    audit.append(
        session,
        username=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before,
        after=after,
        reason=actor.reason,
    )
