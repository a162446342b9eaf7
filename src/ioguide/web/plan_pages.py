"""The injection plan recorded as done: a form pre-filled from the plan (volume per lesion, needle, guidance,
approach), editable, that stores what was given.

The plan is computed again on the server from the same choices (agent, visit, cap policy, date); the form's values
are parsed into the procedure service's typed input (the same parser as the procedure form) and stored through
``services.plans.record_given`` with the form's hidden random key, so a form sent twice stores one procedure.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ioguide.errors import InputError
from ioguide.services import plans, procedures
from ioguide.services.errors import ConflictError
from ioguide.serving.context import get_context
from ioguide.web.records_pages import _by_field, _problems, procedure_document
from ioguide.web.routes import PageRoute, User, _form, _go, _plan_context, _with_reason, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: The plan's choices the form carries (hidden) so that the server computes the same plan again.
CHOICES = ("agent", "visit", "cap_policy", "on")


def _given_context(planned: plans.PatientPlan) -> dict[str, Any]:
    return {
        **planned.as_context(),
        "lesions": planned.lesions,
        "approaches": get_args(procedures.Approach),
        "guidances": get_args(procedures.Guidance),
        "gauge_range": plans.gauge_range(planned.agent),
    }


def _plan_url(patient_id: int, planned: plans.PatientPlan) -> str:
    choices = f"agent={planned.agent}&visit={planned.visit}&cap_policy={planned.cap_policy}&on={planned.on}"
    return f"/patients/{patient_id}/plan?{choices}"


@router.get("/patients/{patient_id}/plan/done", response_class=HTMLResponse)
def given_form(
    request: Request,
    actor: User,
    patient_id: int,
    agent: Annotated[str | None, Query(max_length=100)] = None,
    visit: Annotated[str | None, Query(pattern="^(first|subsequent)?$")] = None,
    cap_policy: Annotated[str | None, Query(pattern="^(truncate|skip)?$")] = None,
    on: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The form pre-filled from the plan, with a new random key (one key per opened form)."""
    planned = _plan_context(request, actor, patient_id, agent, visit, cap_policy, on)
    procs = procedures.list_procedures(get_context(request).db, actor, patient_id)
    values = {**plans.given_form(planned, procs), "idempotency_key": secrets.token_urlsafe(24)}
    status = 200 if planned.result is not None else 422
    return page(request, "plan_done.html", status=status, actor=actor, values=values, errors={}, general=[],
                **_given_context(planned))  # fmt: skip


@router.post("/patients/{patient_id}/plan/done", response_class=HTMLResponse)
async def record_given(request: Request, actor: User, patient_id: int) -> Response:
    """Store what the form says was given; errors next to their field with the typed values kept, nothing saved."""
    form = await _form(request)
    planned = _plan_context(
        request, actor, patient_id, form.get("agent"), form.get("visit"), form.get("cap_policy"), form.get("on", "")
    )
    lesion_ids = [str(lesion["id"]) for lesion in planned.lesions]
    doc = procedure_document({**form, "kind": "injection", "agent": planned.agent}, lesion_ids)
    key = form.get("idempotency_key") or None
    try:
        plans.record_given(get_context(request).db, _with_reason(actor, form), patient_id, planned, doc, key)
    except (InputError, ConflictError) as err:
        errors, general = _by_field(_problems(err))
        return page(request, "plan_done.html", status=422, actor=actor, values=form, errors=errors, general=general,
                    **_given_context(planned))  # fmt: skip
    return _go(request, _plan_url(patient_id, planned) + "&saved=injection#done")
