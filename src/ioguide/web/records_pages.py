"""The coordinator's pages: enrol a patient, declare baseline lesions, record a procedure, find a patient by
pseudonym, read the audit trail.

Each route parses the form into the service's typed input, calls the same service verb as the API (same role
check, same validation messages, same audit row) and renders; errors come back next to their field with the typed
values kept. Nothing here holds a clinical rule: which criteria a disease allows is
:func:`ioguide.criteria.applicability.offered_criteria`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ioguide.criteria.applicability import DISEASES, offered_criteria
from ioguide.errors import InputError, Problem
from ioguide.interop.terminology import SITES
from ioguide.labels import label
from ioguide.services import audit, cases, patients, procedures
from ioguide.services.errors import ConflictError
from ioguide.serving.context import get_context
from ioguide.web.routes import PageRoute, User, _form, _go, _with_reason, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)

ORGANS: tuple[str, ...] = tuple(sorted(SITES))
PROCEDURE_KINDS: tuple[str, ...] = ("injection", "biopsy", "ablation", "embolization", "infusion")
AUDIT_PAGE = 50


def _problems(err: InputError | ConflictError | ValidationError) -> tuple[Problem, ...]:
    if isinstance(err, InputError):
        return err.problems
    if isinstance(err, ConflictError):
        return (Problem(err.field, err.message),)
    return tuple(Problem(".".join(str(p) for p in e["loc"]) or "form", e["msg"]) for e in err.errors())


def _by_field(problems: tuple[Problem, ...]) -> tuple[dict[str, list[str]], list[str]]:
    """Problems by the form field named by their first path element (``lesions[0].volume_ml`` -> ``lesions``)."""
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        head = problem.field.split("[")[0].split(".")[0] if problem.field else ""
        if head:
            by_field.setdefault(head, []).append(problem.message)
        else:
            general.append(str(problem))
    return by_field, general


def _optional_int(text: str | None) -> int | str | None:
    text = (text or "").strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _optional_number(text: str | None) -> float | str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


# --- find a patient ---------------------------------------------------------------------------------------------


@router.get("/patients", response_class=HTMLResponse)
def find_patient(request: Request, actor: User, q: Annotated[str, Query(max_length=64)] = "") -> Response:
    """Search by study pseudonym (the header's search box on every page); one exact match opens the patient."""
    text = q.strip()
    found = patients.find_patients(get_context(request).db, actor, text) if text else []
    exact = [p for p in found if p["study_id"].lower() == text.lower()]
    if len(exact) == 1:
        return _go(request, f"/patients/{exact[0]['id']}")
    return page(request, "patient_search.html", actor=actor, q=text, found=found)


# --- enrol a patient --------------------------------------------------------------------------------------------


def _offer(disease: str, organs: str = "") -> dict[str, Any]:
    chosen = disease if disease in DISEASES else "solid_tumour"
    offered = offered_criteria(chosen, [o for o in organs.split(",") if o.strip()])
    return {"disease": chosen, "offered": offered.criteria, "not_offered": offered.reasons}


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_form(request: Request, actor: User) -> HTMLResponse:
    return page(request, "patient_new.html", actor=actor, values={}, errors={}, general=[], diseases=DISEASES,
                **_offer("solid_tumour"))  # fmt: skip


@router.get("/patients/new/criteria", response_class=HTMLResponse)
def offered_criteria_part(
    request: Request,
    actor: User,
    disease: Annotated[str, Query(max_length=40)] = "solid_tumour",
    criteria: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The criteria select for the chosen disease (htmx swaps it in when the disease changes); a choice made
    already is kept when the new disease still allows it."""
    return page(request, "_criteria_select.html", actor=actor, values={"criteria": criteria}, **_offer(disease))


@router.post("/patients/new", response_class=HTMLResponse)
async def create_patient(request: Request, actor: User) -> Response:
    form = await _form(request)
    offer = _offer(form.get("disease", ""))
    criteria = form.get("criteria") or None
    document = {
        "study_id": form.get("study_id", "").strip(),
        "program": form.get("program", "").strip(),
        "birth_year": _optional_int(form.get("birth_year")),
        "sex": form.get("sex") or None,
        "criteria": criteria,
    }
    problems: tuple[Problem, ...] = ()
    if criteria is not None and criteria not in offer["offered"]:
        problems = (Problem("criteria", f"{label(criteria)} is not offered for {DISEASES[offer['disease']]}"),)
    created: dict[str, Any] | None = None
    if not problems:
        try:
            data = patients.PatientIn.model_validate(document)
            created = patients.create_patient(get_context(request).db, _with_reason(actor, form), data)
        except (ValidationError, ConflictError, InputError) as err:
            problems = _problems(err)
    if created is None:
        errors, general = _by_field(problems)
        return page(request, "patient_new.html", status=422, actor=actor, values=form, errors=errors,
                    general=general, diseases=DISEASES, **offer)  # fmt: skip
    return _go(request, f"/patients/{created['id']}/lesions?saved=patient")


# --- baseline lesions -------------------------------------------------------------------------------------------


def _lesions_context(request: Request, actor: Any, patient_id: int) -> dict[str, Any]:
    db = get_context(request).db
    case, _ = cases.get_case(db, actor, patient_id)
    return {"patient": patients.get_patient(db, actor, patient_id), "case": case, "organs": ORGANS}


@router.get("/patients/{patient_id}/lesions", response_class=HTMLResponse)
def lesions_page(
    request: Request, actor: User, patient_id: int, saved: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    context = _lesions_context(request, actor, patient_id)
    return page(request, "lesions.html", actor=actor, saved=saved, values={}, errors={}, general=[], **context)


def lesion_document(form: dict[str, str]) -> dict[str, Any]:
    """The ``spec/response.md`` lesion object a lesion form describes (injected from baseline or from a date)."""
    doc: dict[str, Any] = {
        "id": form.get("id", "").strip(),
        "role": form.get("role", ""),
        "organ": form.get("organ", "").strip(),
        "nodal": form.get("nodal") == "on",
    }
    injected = form.get("injected", "no")
    if injected == "baseline":
        doc["injected"] = True
    elif injected == "from":
        doc["injected_from"] = form.get("injected_from", "")
    if form.get("pleural") == "on":
        doc["pleural"] = True
    return doc


@router.post("/patients/{patient_id}/lesions", response_class=HTMLResponse)
async def add_lesion(request: Request, actor: User, patient_id: int) -> Response:
    form = await _form(request)
    doc = lesion_document(form)
    try:
        cases.add_lesion(get_context(request).db, _with_reason(actor, form), patient_id, doc)
    except (InputError, ConflictError) as err:
        errors, general = _by_field(_problems(err))
        context = _lesions_context(request, actor, patient_id)
        return page(request, "lesions.html", status=422, actor=actor, saved=None, values=form, errors=errors,
                    general=general, **context)  # fmt: skip
    return _go(request, f"/patients/{patient_id}/lesions?saved=lesion+{doc['id']}")


# --- procedures -------------------------------------------------------------------------------------------------


def procedure_document(form: dict[str, str], lesion_ids: list[str]) -> dict[str, Any]:
    """The procedure object (``POST /api/v1/patients/{id}/procedures``) a procedure form describes."""
    kind = form.get("kind", "")
    doc: dict[str, Any] = {"kind": kind, "date": form.get("date", "")}
    for name in ("agent", "embolic", "notes"):
        if form.get(name, "").strip():
            doc[name] = form[name].strip()
    for name in ("approach", "guidance", "modality", "route"):
        if form.get(name):
            doc[name] = form[name]
    for name in ("needle_gauge", "cores"):
        if (whole := _optional_int(form.get(name))) is not None:
            doc[name] = whole
    for name in ("concentration_mg_ml", "needle_length_mm", "dose_cells"):
        if (number := _optional_number(form.get(name))) is not None:
            doc[name] = number
    treated = []
    for lesion_id in lesion_ids:
        if form.get(f"lesion_{lesion_id}") == "on":
            item: dict[str, Any] = {"lesion_id": lesion_id}
            if (volume := _optional_number(form.get(f"volume_{lesion_id}"))) is not None:
                item["volume_ml"] = volume
            treated.append(item)
    if treated:
        doc["lesions"] = treated
    return doc


def _procedure_context(request: Request, actor: Any, patient_id: int, kind: str) -> dict[str, Any]:
    db = get_context(request).db
    case, _ = cases.get_case(db, actor, patient_id)
    return {
        "patient": patients.get_patient(db, actor, patient_id),
        "lesions": case["lesions"],
        "kind": kind if kind in PROCEDURE_KINDS else "injection",
        "kinds": PROCEDURE_KINDS,
        "approaches": get_args(procedures.Approach),
        "guidances": get_args(procedures.Guidance),
        "routes": get_args(procedures.Route),
        "required": procedures.REQUIRED,
    }


@router.get("/patients/{patient_id}/procedures/new", response_class=HTMLResponse)
def new_procedure_form(
    request: Request, actor: User, patient_id: int, kind: Annotated[str, Query(max_length=20)] = "injection"
) -> HTMLResponse:
    context = _procedure_context(request, actor, patient_id, kind)
    values = {"date": dt.date.today().isoformat(), "kind": context["kind"]}
    return page(request, "procedure_new.html", actor=actor, values=values, errors={}, general=[], **context)


@router.post("/patients/{patient_id}/procedures", response_class=HTMLResponse)
async def record_procedure(request: Request, actor: User, patient_id: int) -> Response:
    form = await _form(request)
    context = _procedure_context(request, actor, patient_id, form.get("kind", ""))
    doc = procedure_document(form, [lesion["id"] for lesion in context["lesions"]])
    try:
        data = procedures.ProcedureIn.model_validate(doc)
        procedures.record_procedure(get_context(request).db, _with_reason(actor, form), patient_id, data)
    except (ValidationError, InputError, ConflictError) as err:
        errors, general = _by_field(_problems(err))
        return page(request, "procedure_new.html", status=422, actor=actor, values=form, errors=errors,
                    general=general, **context)  # fmt: skip
    return _go(request, f"/patients/{patient_id}?saved={doc['kind']}#procedures")


# --- audit trail and exports ------------------------------------------------------------------------------------


def _date_or_none(text: str, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError.one(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    actor: User,
    patient: Annotated[str, Query(max_length=12, pattern="^[0-9]*$")] = "",
    user: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The audit trail, newest first, filtered by patient, user, action and date; every reason shown."""
    filters = {"patient": patient, "user": user, "action": action, "since": since, "until": until}
    try:
        first, last = _date_or_none(since, "since"), _date_or_none(until, "until")
    except InputError as err:
        rows = {"items": [], "total": 0, "offset": 0}
        return page(request, "audit.html", status=422, actor=actor, rows=rows, filters=filters, page_size=AUDIT_PAGE,
                    general=[str(p) for p in err.problems])  # fmt: skip
    rows = audit.list_audit(
        get_context(request).db, actor, int(patient) if patient else None, AUDIT_PAGE, offset,
        user=user or None, action=action or None, since=first, until=last, newest_first=True,
    )  # fmt: skip
    return page(request, "audit.html", actor=actor, rows=rows, filters=filters, page_size=AUDIT_PAGE, general=[])
