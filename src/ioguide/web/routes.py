"""The pages: sign-in, cohort (with plots), patient, timepoint entry, CRS/ICANS entry, injection plan.

Mounted on the API's app by ``app.include_router(web.routes.router)``. Routes only parse the form, call a service
(or the view helpers that call services) and render a template; every write goes through the same service verb as
the API, with the same role check, validation messages and audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException

from ioguide import labels
from ioguide.criteria.values import CRITERIA
from ioguide.errors import InputError, Problem
from ioguide.plots import response as figures
from ioguide.plots.cohort_data import SUBSET_TITLES, SUBSETS, Subset, plain_code
from ioguide.records.db import Database
from ioguide.services import cases, cohort_query, engine, patients, plans, plot_cache, toxicity
from ioguide.services.context import Actor
from ioguide.services.errors import ConflictError, ServiceError, StaleVersionError, outcome
from ioguide.serving.context import get_context
from ioguide.web import forms, views
from ioguide.web.session import (
    SignInRequired,
    clear_cookie,
    current_actor,
    require_actor,
    safe_next,
    same_origin,
    set_cookie,
    sign_in,
    sign_out,
)

STATIC = Path(__file__).resolve().parent / "static"
_env = Environment(loader=PackageLoader("ioguide.web", "templates"), autoescape=select_autoescape(), trim_blocks=True)
_env.globals.update(
    CRITERIA=CRITERIA,
    CRITERIA_NAMES=labels.CRITERIA,
    SUBSETS=SUBSETS,
    SUBSET_TITLES=SUBSET_TITLES,
    ICE_ITEMS=forms.ICE_ITEMS,
    NEW_LESION_ROWS=forms.NEW_LESION_ROWS,
    plain=lambda code: plain_code(code) or "",
    label=labels.label,
    filter_label=labels.filter_label,
)


class PageRoute(APIRoute):
    """A page route: failures become HTML pages (sign-in redirect, 403, 404, 422) instead of the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                if request.method == "POST" and not request.url.path.endswith("/preview"):
                    # a form being saved is kept; a live preview (saves nothing) just goes to sign-in
                    return await _sign_in_keeping_the_form(request, exc.next_url)
                target = f"/login?next={quote(exc.next_url, safe='/?=&')}"
                if _is_htmx(request):  # an expired session during an htmx request: the whole page goes to sign-in
                    return Response(status_code=204, headers={"HX-Redirect": target})
                return RedirectResponse(target, status_code=303)
            except ServiceError as exc:
                return error_page(request, outcome(exc).status, exc.message)
            except RequestValidationError as exc:
                return error_page(request, 422, "; ".join(str(e.get("msg", "")) for e in exc.errors()))
            except HTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))

        return handle


router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: Fields of the sign-in form itself, never kept from an expired session's form.
_SIGN_IN_FIELDS = ("username", "password", "next", "resubmit")


async def _sign_in_keeping_the_form(request: Request, next_url: str) -> Response:
    """A form sent after the session expired: the sign-in form, carrying what was typed as hidden fields; after
    sign-in, ``/login`` answers 307, so the browser sends the same body (the kept form) to the form's address.
    An htmx request gets the sign-in form in place of the page's content."""
    form = await _form(request)
    kept = {k: v for k, v in form.items() if k not in _SIGN_IN_FIELDS}
    context = {"next": safe_next(next_url), "error": None, "username": "", "kept": kept, "actor": None}
    if _is_htmx(request):
        html = _env.get_template("_login_form.html").render(request=request, **context)
        return HTMLResponse(html, headers={"HX-Retarget": "#main", "HX-Reswap": "innerHTML"})
    return page(request, "login.html", status=401, **context)


def _cells(value: float) -> str:
    """A cell dose as a clinician writes it: ``3000000`` -> ``3.0 × 10^6``."""
    if value < 1000:
        return f"{value:g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} × 10^{int(exponent)}"


_env.filters["cells"] = _cells
User = Annotated[Actor, Depends(require_actor)]
Criteria = Annotated[str | None, Query(pattern="^(recist1\\.1|irecist|itrecist|mrecist|mesothelioma)$")]


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    actor = context.pop("actor", None) or current_actor(request)
    html = _env.get_template(template).render(
        request=request,
        actor=actor,
        can=views.permissions(actor) if actor else {},
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _go(request: Request, url: str) -> Response:
    """After a successful write: htmx follows ``HX-Redirect``, a plain form a 303."""
    if _is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _form(request: Request) -> dict[str, str]:
    same_origin(request)
    data = await request.form()
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _with_reason(actor: Actor, form: dict[str, str]) -> Actor:
    reason = form.get("reason_for_change", "").strip()
    return Actor(actor.username, actor.role, reason[:2000] or None)


@router.get("/static/{path:path}")
def static(path: str) -> FileResponse:
    """The vendored assets (htmx, CSS): no CDN, the pages work offline."""
    target = (STATIC / path).resolve()
    if STATIC not in target.parents or not target.is_file():
        raise HTTPException(404, "no such file")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/cohort", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", next=safe_next(next), error=None, username="", kept={})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await _form(request)
    username, password = form.get("username", "").strip(), form.get("password", "")
    target = safe_next(form.get("next"))
    account, error = (
        await sign_in(request, username, password) if username and password else (None, "Enter both fields.")
    )
    if account is None:
        kept = {k: v for k, v in form.items() if k not in _SIGN_IN_FIELDS} if form.get("resubmit") == "1" else {}
        return page(
            request, "login.html", status=401, next=target, error=error, username=username, actor=None, kept=kept
        )
    # a form kept from an expired session is sent again, unchanged, to where it was going (307 keeps the body)
    response = RedirectResponse(target, status_code=307 if form.get("resubmit") == "1" else 303)
    set_cookie(request, response, account)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    await run_in_threadpool(sign_out, request)  # revokes the session's token, not only the cookie
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response)
    return response


@router.get("/cohort", response_class=HTMLResponse)
def cohort_page(
    request: Request,
    actor: User,
    criteria: Criteria = None,
    program: Annotated[str | None, Query(max_length=200)] = None,
    response: Annotated[str | None, Query(max_length=20)] = None,
    injected: Annotated[str | None, Query(pattern="^(yes|no)?$")] = None,
    subset: Annotated[str, Query(pattern="^(overall|injected|non_injected)$")] = "overall",
    q: Annotated[str | None, Query(max_length=64)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=2**31 - 1)] = 1,
    swimmer_page: Annotated[int, Query(ge=1, le=2**31 - 1)] = 1,
) -> HTMLResponse:
    chosen = criteria or "itrecist"
    db = get_context(request).db
    data = views.cohort(db, actor, chosen, program or None, response or None, injected or None, q or None, page_number)
    plot_query = views.cohort_query_for(chosen, program or None, response or None, injected or None, q or None)
    part: Subset = "injected" if subset == "injected" else "non_injected" if subset == "non_injected" else "overall"
    lanes = len(_plot_inputs(db, actor, plot_query, part, "swimmer"))
    swimmer_pages = _swimmer_pages_having("swimmer_page", swimmer_page, lanes)
    filters = {
        "criteria": chosen, "program": program or "", "response": response or "", "injected": injected or "",
        "q": q or "",
    }  # fmt: skip
    query = urlencode({k: v for k, v in filters.items() if v})
    return page(
        request,
        "cohort.html",
        actor=actor,
        data=data,
        filters=filters,
        query=query,
        subset=subset,
        responses=cohort_query.RESPONSE_FILTERS,
        swimmer={"page": swimmer_page, "pages": swimmer_pages, "lanes": lanes, "per_page": figures.SWIMMER_PAGE},
        plot_formats=figures.FORMATS,
    )


PLOT_KINDS = ("waterfall", "spider", "swimmer")
PLOT_MEDIA = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def _swimmer_pages_having(parameter: str, page_number: int, lanes: int) -> int:
    """The number of pages of a swimmer plot of ``lanes`` patients, or a 404 naming the query ``parameter`` when
    ``page_number`` is past the last page."""
    pages = figures.swimmer_pages(lanes)
    if page_number > pages:
        raise HTTPException(
            404, f"{parameter}={page_number}: the swimmer plot of {lanes} patient(s) has {pages} page(s) (1 to {pages})"
        )
    return pages


def _plot_inputs(db: Database, actor: Actor, query: cohort_query.PatientQuery, part: Subset, kind: str) -> list[Any]:
    """The plot's series or lanes of every matching patient, read once per state of the data (all formats and
    swimmer pages of that state share them)."""
    key = (db.url, cohort_query.data_version(db, actor), kind, part, query)
    return plot_cache.INPUTS.get_or_make(key, lambda: cohort_query.plot_inputs(db, actor, query, part, kind))


@router.get("/cohort/plots/{kind}.{fmt}")
def cohort_plot(
    request: Request,
    actor: User,
    kind: str,
    fmt: str,
    subset: Annotated[str, Query(pattern="^(overall|injected|non_injected)$")] = "overall",
    criteria: Criteria = None,
    program: Annotated[str | None, Query(max_length=200)] = None,
    response: Annotated[str | None, Query(max_length=20)] = None,
    injected: Annotated[str | None, Query(pattern="^(yes|no)?$")] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=2**31 - 1)] = 1,
) -> Response:
    """A waterfall, spider or swimmer plot of every patient matching the filters (not one page), for all, injected
    or non-injected lesions, as PNG (300 dpi), SVG or PDF; ``page`` pages the swimmer plot
    (:func:`ioguide.plots.response.swimmer_pages`). Drawn from the stored results once per state of the data,
    format and page (services/plot_cache.py)."""
    if kind not in PLOT_KINDS or fmt not in figures.FORMATS:
        raise HTTPException(404, "plots are waterfall, spider or swimmer, as .png, .svg or .pdf")
    if kind != "swimmer" and page_number != 1:
        raise HTTPException(404, f"page={page_number}: a {kind} plot has one page (only the swimmer plot is paged)")
    chosen = criteria or "itrecist"
    db = get_context(request).db
    query = views.cohort_query_for(chosen, program or None, response or None, injected or None, q or None)
    part: Subset = "injected" if subset == "injected" else "non_injected" if subset == "non_injected" else "overall"
    title = f"{kind.capitalize()}: {SUBSET_TITLES[subset]} ({labels.CRITERIA[chosen]})"
    if subset != "overall":
        title = f"{kind.capitalize()}: {SUBSET_TITLES[subset]} (itRECIST subset)"
    inputs = _plot_inputs(db, actor, query, part, kind)
    if kind == "swimmer":
        _swimmer_pages_having("page", page_number, len(inputs))
    image_format: figures.ImageFormat = "pdf" if fmt == "pdf" else "svg" if fmt == "svg" else "png"

    def draw() -> bytes:
        return figures.render(figures.draw(kind, inputs, title, page_number), image_format)

    key = (db.url, cohort_query.data_version(db, actor), kind, fmt, page_number, part, query)
    body = plot_cache.PLOTS.get_or_make(key, draw)
    suffix = f"-page{page_number}" if kind == "swimmer" else ""
    headers = {
        "Content-Disposition": f'inline; filename="{kind}-{subset}{suffix}.{fmt}"',
        "Cache-Control": "no-store",
    }
    return Response(body, media_type=PLOT_MEDIA[fmt], headers=headers)


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request, actor: User, patient_id: int, saved: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    data = views.patient_page(get_context(request).db, actor, patient_id)
    context = _timepoint_form_context(data["case"], None)
    return page(request, "patient.html", actor=actor, saved=saved, **data, **context)


def _timepoint_form_context(
    case: dict[str, Any],
    editing: dict[str, Any] | None,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
) -> dict[str, Any]:
    if values is None:
        if editing is not None:
            values = forms.timepoint_form_values(editing)
        elif case["timepoints"]:
            last = case["timepoints"][-1]
            values = forms.timepoint_form_values({"new_lesions": last.get("new_lesions", [])}, keep_new_diameters=False)
        else:
            values = {}
    return {
        "form_case": case,
        "editing": editing,
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "stored": None,
    }


@router.get("/patients/{patient_id}/timepoints/{date}/edit", response_class=HTMLResponse)
def edit_timepoint_form(request: Request, actor: User, patient_id: int, date: dt.date) -> HTMLResponse:
    db = get_context(request).db
    case, _ = cases.get_case(db, actor, patient_id)
    editing = cases.get_timepoint(db, actor, patient_id, date)
    context = _timepoint_form_context(case, editing)
    return page(request, "timepoint_form.html", actor=actor, patient={"id": patient_id}, **context)


@router.post("/patients/{patient_id}/timepoints", response_class=HTMLResponse)
async def save_timepoint(request: Request, actor: User, patient_id: int) -> Response:
    """Record a new follow-up (or, with ``edit_date`` and ``version``, replace one) through the case service."""
    form = await _form(request)
    db = get_context(request).db
    case, _ = cases.get_case(db, actor, patient_id)
    doc = forms.timepoint_document(form, case["lesions"])
    writer = _with_reason(actor, form)
    editing: dict[str, Any] | None = None
    try:
        if form.get("edit_date"):
            edit_date = dt.date.fromisoformat(form["edit_date"])
            editing = {"date": form["edit_date"], "version": form.get("version", "")}
            version = int(form.get("version", "0") or 0)
            cases.replace_timepoint(db, writer, patient_id, edit_date, doc, version)
        else:
            cases.add_timepoint(db, writer, patient_id, doc)
    except (InputError, ConflictError, StaleVersionError) as err:
        problems = err.problems if isinstance(err, InputError) else (Problem(err.field, err.message),)
        by_field, general = forms.field_errors(problems, forms.timepoint_field)
        context = _timepoint_form_context(case, editing, dict(form), by_field, general)
        if isinstance(err, StaleVersionError) and editing is not None:
            # someone changed it since it was opened: show their stored values beside the typed ones, and take
            # their version, so that saving again (having seen both) replaces theirs knowingly
            stored = cases.get_timepoint(db, actor, patient_id, dt.date.fromisoformat(editing["date"]))
            context["stored"] = forms.timepoint_form_values(stored)
            context["editing"] = {**editing, "version": stored["version"]}
        return page(request, "timepoint_form.html", status=422, actor=actor, patient={"id": patient_id}, **context)
    return _go(request, f"/patients/{patient_id}?saved=scan+{doc['date']}#responses")


def _toxicity_context(kind: str, form: dict[str, str], result: Any, problems: Any) -> dict[str, Any]:
    by_field, general = forms.field_errors(tuple(problems), forms.toxicity_field) if problems else ({}, [])
    return {"kind": kind, "values": form, "result": result, "errors": by_field, "general": general}


def _toxicity_input(kind: str, form: dict[str, str]) -> dict[str, Any]:
    return forms.crs_document(form) if kind == "crs" else forms.icans_document(form)


@router.get("/patients/{patient_id}/toxicity/{kind}", response_class=HTMLResponse)
def toxicity_form(request: Request, actor: User, patient_id: int, kind: str) -> HTMLResponse:
    if kind not in ("crs", "icans"):
        raise HTTPException(404, "toxicity forms: crs or icans")
    patient = patients.get_patient(get_context(request).db, actor, patient_id)
    values = {"date": dt.date.today().isoformat()}
    if kind == "icans" and patient.get("birth_year"):
        values["age_years"] = str(dt.date.today().year - int(patient["birth_year"]))
    return page(request, "toxicity.html", actor=actor, patient=patient, **_toxicity_context(kind, values, None, None))


@router.post("/patients/{patient_id}/toxicity/{kind}/preview", response_class=HTMLResponse)
async def toxicity_preview(request: Request, actor: User, patient_id: int, kind: str) -> HTMLResponse:
    """The grade and its drivers for what is entered so far, by the same grader as ``ioguide grade`` (not saved)."""
    form = await _form(request)
    if kind not in ("crs", "icans"):
        raise HTTPException(404, "toxicity forms: crs or icans")
    try:
        result = engine.grade_toxicity(kind, _toxicity_input(kind, form))
        context = _toxicity_context(kind, form, result, None)
    except InputError as err:
        context = _toxicity_context(kind, form, None, err.problems)
    return page(request, "toxicity_grade.html", actor=actor, **context)


@router.post("/patients/{patient_id}/toxicity/{kind}", response_class=HTMLResponse)
async def toxicity_save(request: Request, actor: User, patient_id: int, kind: str) -> Response:
    form = await _form(request)
    db = get_context(request).db
    if kind not in ("crs", "icans"):
        raise HTTPException(404, "toxicity forms: crs or icans")
    document = {"kind": kind, "date": form.get("date", ""), "input": _toxicity_input(kind, form)}
    try:
        data = toxicity.ToxicityIn.model_validate(document)
        toxicity.record_toxicity(db, _with_reason(actor, form), patient_id, data)
    except InputError as err:
        patient = patients.get_patient(db, actor, patient_id)
        context = _toxicity_context(kind, form, None, err.problems)
        return page(request, "toxicity.html", status=422, actor=actor, patient=patient, **context)
    except ValueError as err:  # pydantic: the date
        patient = patients.get_patient(db, actor, patient_id)
        context = _toxicity_context(kind, form, None, [Problem("date", _date_message(err))])
        return page(request, "toxicity.html", status=422, actor=actor, patient=patient, **context)
    return _go(request, f"/patients/{patient_id}?saved={kind}+grade#toxicity")


def _date_message(err: Exception) -> str:
    return "a date is YYYY-MM-DD" if "date" in str(err) else str(err)


def _plan_context(
    request: Request, actor: Actor, patient_id: int, agent: str | None, visit: str | None, cap: str | None, on: str
) -> plans.PatientPlan:
    try:
        day = dt.date.fromisoformat(on)
    except ValueError:
        day = dt.date.today()
    return plans.plan_for_patient(get_context(request).db, actor, patient_id, agent, visit, cap, day)


@router.get("/patients/{patient_id}/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    actor: User,
    patient_id: int,
    agent: Annotated[str | None, Query(max_length=100)] = None,
    visit: Annotated[str | None, Query(pattern="^(first|subsequent)?$")] = None,
    cap_policy: Annotated[str | None, Query(pattern="^(truncate|skip)?$")] = None,
    on: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    planned = _plan_context(request, actor, patient_id, agent, visit, cap_policy, on)
    return page(request, "plan.html", actor=actor, **planned.as_context())


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status=status, status_code=status, message=message)
