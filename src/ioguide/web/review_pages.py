"""The radiologist's review pages: reclassify a lesion, review and sign a timepoint's response, re-date or delete
a scan or a procedure.

Each route parses the form into the service's typed input, calls the same service verb as the API (same role
check, messages and audit row) and renders; errors come back next to their field with the typed values kept and
nothing saved. The rules live in ``services/lesions.py``, ``services/signatures.py`` and
``services/corrections.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from ioguide.errors import InputError, Problem
from ioguide.services import cases, corrections, lesions, patients, procedures, signatures
from ioguide.services.errors import ConflictError, NotFoundError, ServiceError, StaleVersionError
from ioguide.services.reasons import REASON_FIELD
from ioguide.serving.context import get_context
from ioguide.web.records_pages import _by_field, _optional_number
from ioguide.web.routes import PageRoute, User, _form, _go, _with_reason, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: The form field a service's problem field is shown next to (the API's reason header is the form's reason box).
_FORM_FIELD = {REASON_FIELD: "reason_for_change", "If-Match": ""}


def _errors(
    err: InputError | ServiceError | ValidationError, shown: tuple[str, ...]
) -> tuple[dict[str, list[str]], list[str]]:
    """Problems next to the form's ``shown`` fields; any other (the path's date, the version, the whole case) is
    listed above the form, so that no refusal goes unsaid."""
    if isinstance(err, InputError):
        problems = err.problems
    elif isinstance(err, ServiceError):
        problems = (Problem(err.field, err.message),)
    else:
        problems = tuple(Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in err.errors())
    mapped = [Problem(_FORM_FIELD.get(p.field, p.field), p.message) for p in problems]
    by_field, general = _by_field(tuple(p for p in mapped if p.field.split("[")[0].split(".")[0] in shown))
    general += [p.message for p in mapped if p.field.split("[")[0].split(".")[0] not in shown]
    return by_field, general


def _status(err: Exception) -> int:
    return 412 if isinstance(err, StaleVersionError) else 409 if isinstance(err, ConflictError) else 422


def _version(form: dict[str, str]) -> int:
    text = form.get("version", "")
    return int(text) if text.isdigit() else 0


def _role(text: str) -> lesions.Role:
    if text == "target":
        return "target"
    if text == "non_target":
        return "non_target"
    raise InputError.one("role", "choose target or non-target")


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError.one(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


# --- reclassify a lesion ----------------------------------------------------------------------------------------


def _lesion_values(lesion: dict[str, Any]) -> dict[str, str]:
    return {"role": lesion["role"], "injected_from": lesion.get("injected_from", ""), "version": str(lesion["version"])}


def _lesion_page(
    request: Request, actor: Any, patient_id: int, lesion_id: str, values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None, general: list[str] | None = None, status: int = 200,
    saved: bool = False,
) -> HTMLResponse:  # fmt: skip
    db = get_context(request).db
    lesion = lesions.get_lesion(db, actor, patient_id, lesion_id)
    case, _ = cases.get_case(db, actor, patient_id)
    key = "diameters_mm" if lesion["role"] == "target" else "non_target"
    scans = [(tp["date"], tp[key].get(lesion_id)) for tp in case["timepoints"]]
    return page(request, "lesion_edit.html", status=status, actor=actor, lesion=lesion,
                patient=patients.get_patient(db, actor, patient_id), values=values or _lesion_values(lesion),
                errors=errors or {}, general=general or [], scans=scans, saved=saved)  # fmt: skip


@router.get("/patients/{patient_id}/lesions/{lesion_id}/edit", response_class=HTMLResponse)
def edit_lesion_form(
    request: Request, actor: User, patient_id: int, lesion_id: str, saved: str | None = None
) -> HTMLResponse:
    return _lesion_page(request, actor, patient_id, lesion_id, saved=saved == "reclassified")


@router.post("/patients/{patient_id}/lesions/{lesion_id}/edit", response_class=HTMLResponse)
async def reclassify_lesion(request: Request, actor: User, patient_id: int, lesion_id: str) -> Response:
    form = await _form(request)
    try:
        role: lesions.Role = _role(form.get("role", ""))
        injected_from = _date(form["injected_from"], "injected_from") if form.get("injected_from") else None
        baseline = _optional_number(form.get("baseline_diameter_mm"))
        if isinstance(baseline, str):
            raise InputError.one("baseline_diameter_mm", f"{baseline!r} is not a number of mm")
        out = lesions.reclassify_lesion(
            get_context(request).db, _with_reason(actor, form), patient_id, lesion_id, role,
            injected_from, _version(form), baseline,
        )  # fmt: skip
    except (InputError, ServiceError) as err:
        errors, general = _errors(err, ("role", "injected_from", "baseline_diameter_mm", "reason_for_change"))
        values = dict(form)
        if isinstance(err, StaleVersionError):
            values["version"] = str(
                lesions.get_lesion(get_context(request).db, actor, patient_id, lesion_id)["version"]
            )
        return _lesion_page(request, actor, patient_id, lesion_id, values, errors, general, _status(err))
    if out["not_carried"]:  # the scans whose value must be read again under the new role: shown on the lesion page
        return _go(request, f"/patients/{patient_id}/lesions/{lesion_id}/edit?saved=reclassified")
    return _go(request, f"/patients/{patient_id}?saved=lesion+{lesion_id}+reclassified#responses")


# --- review and sign a timepoint --------------------------------------------------------------------------------


def _review_page(
    request: Request, actor: Any, patient_id: int, date: dt.date, values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None, general: list[str] | None = None, status: int = 200,
    saved: str | None = None,
) -> HTMLResponse:  # fmt: skip
    db = get_context(request).db
    patient = patients.get_patient(db, actor, patient_id)
    cases.get_timepoint(db, actor, patient_id, date)  # 404 for a date with no scan
    case, _ = cases.get_case(db, actor, patient_id)
    own = case.get("criteria") or "recist1.1"
    result: dict[str, Any] | None = None
    problems: list[str] = []
    try:
        result = cases.assess_patient(db, actor, patient_id, own)
    except InputError as err:  # the case does not fit its own criteria: said, not hidden
        problems = [str(p) for p in err.problems]
    row = next((t for t in (result or {}).get("timepoints", []) if t["date"] == date.isoformat()), None)
    subsets = [  # itRECIST: the injected and non-injected lesions' own responses on this scan
        (name, next((t for t in subset["timepoints"] if t["date"] == date.isoformat()), None))
        for name, subset in (result or {}).get("subsets", {}).items()
    ]
    signed = [s for s in signatures.list_signatures(db, actor, patient_id) if s["date"] == date.isoformat()]
    return page(request, "timepoint_review.html", status=status, actor=actor, patient=patient, date=date,
                own_criteria=own, row=row, subsets=subsets, problems=problems, signed=signed, saved=saved,
                values=values or {}, errors=errors or {}, general=general or [])  # fmt: skip


@router.get("/patients/{patient_id}/timepoints/{date}/review", response_class=HTMLResponse)
def review_timepoint(
    request: Request, actor: User, patient_id: int, date: dt.date, saved: str | None = None
) -> HTMLResponse:
    return _review_page(request, actor, patient_id, date, saved="signature" if saved == "signature" else None)


@router.post("/patients/{patient_id}/timepoints/{date}/review", response_class=HTMLResponse)
async def sign_timepoint(request: Request, actor: User, patient_id: int, date: dt.date) -> Response:
    form = await _form(request)
    ctx = get_context(request)
    document = {
        "password": form.get("password", ""),
        "printed_name": form.get("printed_name", "").strip(),
        "meaning": "reviewed and approved",
        "capacity": form.get("capacity", "radiologist"),
    }
    try:
        data = signatures.SignatureIn.model_validate(document)
        signatures.sign_timepoint(ctx.db, actor, patient_id, date, data, ctx.settings.hasher)
    except (ValidationError, InputError, ServiceError) as err:
        errors, general = _errors(err, ("printed_name", "capacity", "password"))
        values = {k: v for k, v in form.items() if k != "password"}  # a password is never sent back
        return _review_page(request, actor, patient_id, date, values, errors, general, _status(err))
    return _go(request, f"/patients/{patient_id}/timepoints/{date}/review?saved=signature")


# --- re-date or delete a scan or a procedure --------------------------------------------------------------------


def _record(request: Request, actor: Any, patient_id: int, kind: str, key: str) -> dict[str, Any]:
    db = get_context(request).db
    if kind == "scan":
        return cases.get_timepoint(db, actor, patient_id, _date(key, "date"))
    for item in procedures.list_procedures(db, actor, patient_id):
        if str(item["id"]) == key:
            return item
    raise NotFoundError(f"patient {patient_id} has no procedure {key}", "procedure_id")


def _correct_page(
    request: Request, actor: Any, patient_id: int, kind: str, key: str, values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None, general: list[str] | None = None, status: int = 200,
) -> HTMLResponse:  # fmt: skip
    record = _record(request, actor, patient_id, kind, key)
    patient = patients.get_patient(get_context(request).db, actor, patient_id)
    return page(request, "record_correct.html", status=status, actor=actor, patient=patient, kind=kind, key=key,
                record=record, values=values or {"new_date": record["date"]}, errors=errors or {},
                general=general or [])  # fmt: skip


@router.get("/patients/{patient_id}/scans/{date}/correct", response_class=HTMLResponse)
def correct_scan_form(request: Request, actor: User, patient_id: int, date: dt.date) -> HTMLResponse:
    return _correct_page(request, actor, patient_id, "scan", date.isoformat())


@router.get("/patients/{patient_id}/procedures/{procedure_id}/correct", response_class=HTMLResponse)
def correct_procedure_form(request: Request, actor: User, patient_id: int, procedure_id: int) -> HTMLResponse:
    return _correct_page(request, actor, patient_id, "procedure", str(procedure_id))


@router.post("/patients/{patient_id}/scans/{date}/correct", response_class=HTMLResponse)
async def correct_scan(request: Request, actor: User, patient_id: int, date: dt.date) -> Response:
    form = await _form(request)
    db = get_context(request).db
    writer, version = _with_reason(actor, form), _version(form)
    try:
        if form.get("action") == "delete":
            corrections.delete_timepoint(db, writer, patient_id, date, version)
        else:
            new_date = _date(form.get("new_date", ""), "new_date")
            corrections.redate_timepoint(db, writer, patient_id, date, new_date, version)
    except (InputError, ConflictError, StaleVersionError) as err:
        return _refused(request, actor, patient_id, "scan", date.isoformat(), form, err)
    return _done(request, patient_id, f"scan {date}", form)


@router.post("/patients/{patient_id}/procedures/{procedure_id}/correct", response_class=HTMLResponse)
async def correct_procedure(request: Request, actor: User, patient_id: int, procedure_id: int) -> Response:
    form = await _form(request)
    db = get_context(request).db
    writer, version = _with_reason(actor, form), _version(form)
    try:
        if form.get("action") == "delete":
            corrections.delete_procedure(db, writer, patient_id, procedure_id, version)
        else:
            new_date = _date(form.get("new_date", ""), "new_date")
            corrections.redate_procedure(db, writer, patient_id, procedure_id, new_date, version)
    except (InputError, ConflictError, StaleVersionError) as err:
        return _refused(request, actor, patient_id, "procedure", str(procedure_id), form, err)
    return _done(request, patient_id, "procedure", form)


def _refused(
    request: Request, actor: Any, patient_id: int, kind: str, key: str, form: dict[str, str], err: Exception
) -> HTMLResponse:
    assert isinstance(err, InputError | ServiceError)
    errors, general = _errors(err, ("new_date", "reason_for_change"))
    return _correct_page(request, actor, patient_id, kind, key, dict(form), errors, general, _status(err))


def _done(request: Request, patient_id: int, what: str, form: dict[str, str]) -> Response:
    done = "deleted" if form.get("action") == "delete" else "re-dated"
    anchor = "#lesions" if what.startswith("scan") else "#procedures"
    return _go(request, f"/patients/{patient_id}?saved={what.replace(' ', '+')}+{done}{anchor}")
