"""The toxicity pages beyond CRS/ICANS entry: record any CTCAE v5.0 term (searchable over NCI's whole table) and
correct a stored CRS, ICANS or CTCAE event with a reason.

Routes parse the form into the ``spec/toxicity.md`` input, call the same service verbs as the API
(``record_toxicity``, ``correct_toxicity``) and render; which fields a term reads and which grades it has come from
the core (:mod:`ioguide.toxicity.ctcae`, :mod:`ioguide.toxicity.ctcae_catalog`), never from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from ioguide.errors import InputError, Problem
from ioguide.services import engine, patients, toxicity
from ioguide.services.errors import StaleVersionError
from ioguide.serving.context import get_context
from ioguide.toxicity.ctcae import CATALOG_VERSION, catalog_term, select_term
from ioguide.toxicity.ctcae_catalog import CatalogTerm, load_catalog, term_key
from ioguide.toxicity.ctcae_tables import Term
from ioguide.web import forms
from ioguide.web.records_pages import _optional_int, _optional_number
from ioguide.web.routes import PageRoute, User, _form, _go, _with_reason, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: Search results shown at once; the page says how many more matched (nothing dropped silently).
SHOWN_RESULTS = 40
#: Input fields that are yes / no / not known (an unanswered question stays unanswered: the grader says so).
TRI_STATE = ("symptomatic", "physiologic_consequences", "on_anticoagulation")
WHOLE_NUMBERS = ("stools_over_baseline_per_day",)
STALE_MESSAGE = "Someone changed this since you opened it: nothing was saved. Open the event again to see their change."


# --- searching NCI's table --------------------------------------------------------------------------------------


def search_terms(text: str) -> dict[str, Any]:
    """The catalogue terms matching ``text`` (name, key, organ class or MedDRA code), then for a clinical word that
    is no CTCAE term (``aliases.yaml``: "haemorrhage") or a misspelling the suggested terms with the alias's note."""
    catalog = load_catalog(CATALOG_VERSION)
    needle = text.strip()
    if not needle:
        return {"q": "", "terms": [], "more": 0, "note": None}
    found = catalog.search(needle)
    note = None
    if len(found) < SHOWN_RESULTS:
        names, note = catalog.suggest(needle, limit=10)
        keys = {t.key for t in found}
        for name in names:
            entry = catalog.find(name)
            if entry is not None and entry.key not in keys:
                found.append(entry)
                keys.add(entry.key)
    return {"q": needle, "terms": found[:SHOWN_RESULTS], "more": max(0, len(found) - SHOWN_RESULTS), "note": note}


# --- one term's form --------------------------------------------------------------------------------------------


def term_context(key: str) -> dict[str, Any]:
    """NCI's entry for the term and, for a term ioguide computes (laboratory values, fever, stools, findings), the
    fields it reads; an unknown key is a 404 (the links come from the search)."""
    computed: Term | None = select_term(term_key(key), CATALOG_VERSION)[1] if key else None
    entry: CatalogTerm | None = catalog_term(term_key(key), computed) if key else None
    if entry is None and computed is None:
        raise HTTPException(404, f"no CTCAE v{CATALOG_VERSION} term {key!r}")
    return {
        "term_key": term_key(key) if computed is not None else entry.key if entry else key,
        "entry": entry,
        "computed": computed,
        "inputs": computed.inputs() if computed is not None else [],
        "other_specify": entry is not None and entry.name.endswith("Other, specify"),
        "tri_state": TRI_STATE,
    }


def ctcae_document(form: dict[str, str], context: dict[str, Any]) -> dict[str, Any]:
    """The ``spec/toxicity.md`` CTCAE input the form describes: the fields the computed term reads, or the chosen
    grade (and ``specify`` for an "Other, specify" term)."""
    doc: dict[str, Any] = {"term": context["term_key"]}
    computed: Term | None = context["computed"]
    if computed is None:
        doc["grade"] = _optional_int(form.get("grade"))
        if form.get("specify", "").strip():
            doc["specify"] = form["specify"].strip()
        return doc
    for name in context["inputs"]:
        raw = form.get(name, "").strip()
        if name == "baseline_abnormal":
            if raw == "on":
                doc[name] = True
        elif name in TRI_STATE:
            if raw in ("yes", "no"):
                doc[name] = raw == "yes"
        elif name in ("unit", "finding"):
            if raw:
                doc[name] = raw
        elif name in WHOLE_NUMBERS:
            if (whole := _optional_int(raw)) is not None:
                doc[name] = whole
        elif (number := _optional_number(raw)) is not None:
            doc[name] = number
    return doc


def form_values(kind: str, date: str, data: dict[str, Any]) -> dict[str, str]:
    """A stored event's input as the values of its form (for a correction)."""
    values: dict[str, str] = {"date": date}
    for name, value in data.items():
        if isinstance(value, bool):
            values[name] = ("yes" if value else "no") if name in TRI_STATE else ("on" if value else "")
        elif value is not None and not isinstance(value, dict):
            values[name] = str(value)
    if kind == "icans":
        for item, score in (data.get("ice_items") or {}).items():
            values[f"ice_{item}"] = str(score)
        if "capd_score" in data:
            values["assessment"] = "capd"
    return values


def _problems(err: InputError | ValidationError | ValueError) -> tuple[Problem, ...]:
    if isinstance(err, InputError):
        return err.problems
    if isinstance(err, ValidationError):
        return tuple(Problem(".".join(str(p) for p in e["loc"]) or "form", e["msg"]) for e in err.errors())
    return (Problem("date", "a date is YYYY-MM-DD"),)


def _errors(problems: tuple[Problem, ...]) -> tuple[dict[str, list[str]], list[str]]:
    return forms.field_errors(
        problems, lambda path: "reason_for_change" if path == "reason" else forms.toxicity_field(path)
    )


def _ctcae_page(
    request: Request,
    actor: Any,
    patient_id: int,
    key: str,
    q: str,
    values: dict[str, str],
    problems: tuple[Problem, ...] = (),
    status: int = 200,
    event: dict[str, Any] | None = None,
) -> HTMLResponse:
    patient = patients.get_patient(get_context(request).db, actor, patient_id)
    errors, general = _errors(problems)
    context = term_context(key) if key else {}
    return page(request, "ctcae.html", status=status, actor=actor, patient=patient, q=q, search=search_terms(q),
                values=values, errors=errors, general=general, result=None, event=event, **context)  # fmt: skip


@router.get("/patients/{patient_id}/toxicity/ctcae", response_class=HTMLResponse)
def ctcae_form(
    request: Request,
    actor: User,
    patient_id: int,
    q: Annotated[str, Query(max_length=100)] = "",
    term: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Search NCI's CTCAE v5.0 table and, once a term is chosen, its grade definitions and form."""
    return _ctcae_page(request, actor, patient_id, term, q, {"date": dt.date.today().isoformat()})


@router.get("/patients/{patient_id}/toxicity/ctcae/search", response_class=HTMLResponse)
def ctcae_search(
    request: Request, actor: User, patient_id: int, q: Annotated[str, Query(max_length=100)] = ""
) -> HTMLResponse:
    """The search results alone (htmx swaps them in as the clinician types)."""
    patients.get_patient(get_context(request).db, actor, patient_id)
    return page(request, "_ctcae_results.html", actor=actor, patient={"id": patient_id}, search=search_terms(q))


@router.post("/patients/{patient_id}/toxicity/ctcae/preview", response_class=HTMLResponse)
async def ctcae_preview(request: Request, actor: User, patient_id: int) -> HTMLResponse:
    """The grade for what is entered so far, by the same grader as ``ioguide grade ctcae`` (not saved)."""
    form = await _form(request)
    context = term_context(form.get("term", ""))
    try:
        result = engine.grade_toxicity("ctcae", ctcae_document(form, context))
        errors: dict[str, list[str]] = {}
        general: list[str] = []
    except InputError as err:
        result = None
        errors, general = _errors(err.problems)
    return page(request, "toxicity_grade.html", actor=actor, result=result, errors=errors, general=general)


@router.post("/patients/{patient_id}/toxicity/ctcae", response_class=HTMLResponse)
async def ctcae_save(request: Request, actor: User, patient_id: int) -> Response:
    form = await _form(request)
    key = form.get("term", "")
    document = {"kind": "ctcae", "date": form.get("date", ""), "input": ctcae_document(form, term_context(key))}
    try:
        data = toxicity.ToxicityIn.model_validate(document)
        toxicity.record_toxicity(get_context(request).db, _with_reason(actor, form), patient_id, data)
    except (InputError, ValueError) as err:
        return _ctcae_page(request, actor, patient_id, key, "", form, _problems(err), status=422)
    return _go(request, f"/patients/{patient_id}?saved=ctcae+grade#toxicity")


# --- correcting a stored event ----------------------------------------------------------------------------------


def _stored_term(event: dict[str, Any]) -> str:
    """The key the grader resolved (an event given only by ``meddra_code`` has no ``term`` in its input)."""
    return str(event["result"].get("term") or event["input"].get("term", ""))


def _correct_page(
    request: Request,
    actor: Any,
    patient_id: int,
    event: dict[str, Any],
    values: dict[str, str],
    problems: tuple[Problem, ...] = (),
    status: int = 200,
) -> HTMLResponse:
    if event["kind"] == "ctcae":
        return _ctcae_page(request, actor, patient_id, _stored_term(event), "", values, problems, status,
                           event)  # fmt: skip
    if event["kind"] not in ("crs", "icans"):
        raise HTTPException(404, f"{event['kind']} events are corrected on their procedure")
    patient = patients.get_patient(get_context(request).db, actor, patient_id)
    errors, general = _errors(problems)
    return page(request, "toxicity.html", status=status, actor=actor, patient=patient, kind=event["kind"],
                values=values, result=None, errors=errors, general=general, event=event)  # fmt: skip


@router.get("/patients/{patient_id}/toxicity/events/{event_id}/correct", response_class=HTMLResponse)
def correct_form(request: Request, actor: User, patient_id: int, event_id: int) -> HTMLResponse:
    event = toxicity.get_toxicity(get_context(request).db, actor, patient_id, event_id)
    return _correct_page(request, actor, patient_id, event, form_values(event["kind"], event["date"], event["input"]))


@router.post("/patients/{patient_id}/toxicity/events/{event_id}/correct", response_class=HTMLResponse)
async def correct_save(request: Request, actor: User, patient_id: int, event_id: int) -> Response:
    """Correct the event through the service (reason required, version checked); a stale version is said in words."""
    form = await _form(request)
    db = get_context(request).db
    event = toxicity.get_toxicity(db, actor, patient_id, event_id)
    kind = event["kind"]
    if kind == "ctcae":
        data_input = ctcae_document(form, term_context(_stored_term(event)))
    elif kind == "crs":
        data_input = forms.crs_document(form)
    elif kind == "icans":
        data_input = forms.icans_document(form)
    else:
        raise HTTPException(404, f"{kind} events are corrected on their procedure")
    shown = {**event, "version": form.get("version", "")}
    try:
        data = toxicity.ToxicityIn.model_validate({"kind": kind, "date": form.get("date", ""), "input": data_input})
        version = int(form["version"]) if form.get("version", "").isdigit() else 0  # no version: never current
        toxicity.correct_toxicity(db, _with_reason(actor, form), patient_id, event_id, data, version)
    except StaleVersionError:
        return _correct_page(request, actor, patient_id, shown, form, (Problem("", STALE_MESSAGE),), status=412)
    except (InputError, ValueError) as err:
        return _correct_page(request, actor, patient_id, shown, form, _problems(err), status=422)
    return _go(request, f"/patients/{patient_id}?saved={kind}+corrected#toxicity")
