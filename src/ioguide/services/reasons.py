"""A correction needs a reason: a change to a clinical value already stored is refused without one, a first entry
is not (21 CFR 11.10(e): audit trails record changes "so as not to obscure previously recorded information";
ICH E6(R3) §4.2 / ALCOA+: the reason for a change to source data is documented)."""

from __future__ import annotations

from typing import Any

from ioguide.errors import InputError
from ioguide.services.context import Actor
from ioguide.services.docdiff import MISSING, differences

#: The field a missing reason is reported against: the API's header (the web form maps it to its own field).
REASON_FIELD = "X-Reason"


def corrected(before: Any, after: Any) -> list[str]:
    """The paths of values ``before`` held that ``after`` changes or removes (new values are not corrections)."""
    if before is None:
        return []
    return [path for path, old, _new in differences(before, after) if old is not MISSING]


def require_reason(actor: Actor, before: Any, after: Any) -> None:
    """Refuse (422, naming the values) a correction of stored values by an actor who gave no reason."""
    if actor.reason and actor.reason.strip():
        return
    changed = corrected(before, after)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise InputError.one(
            REASON_FIELD,
            f"a correction of stored values ({shown}) needs a reason for the change (21 CFR 11.10(e)); "
            "first entries do not",
        )


def require_stated_reason(actor: Actor, what: str, field: str = REASON_FIELD) -> None:
    """Refuse ``what`` (a choice that always needs a reason, such as a scan that replaces the baseline or a
    correction of a graded event) by an actor who gave none."""
    if not (actor.reason or "").strip():
        raise InputError.one(field, f"{what} needs a reason for the change (kept in the audit trail)")
