"""The admin's and the exporter's pages: users (``/admin/users``), program exports as background jobs
(``/exports``), and the downloads a signed-in page offers (a patient's FHIR bundle, the cohort's rows as CSV).

Routes only translate: the user verbs are ``services.users`` (each audited, each revoking the user's tokens), the
export jobs ``services.jobs`` (the same runner as ``POST /api/v1/exports``), the downloads the same services as
the API's export routes. Downloads are page routes on the session cookie (the API routes need a bearer token).
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import ValidationError

from ioguide.errors import InputError
from ioguide.services import exports, jobs, patients, users
from ioguide.services.context import ROLES
from ioguide.services.errors import ConflictError
from ioguide.serving.context import get_context
from ioguide.web import views
from ioguide.web.records_pages import _by_field, _problems
from ioguide.web.routes import Criteria, PageRoute, User, _form, _go, error_page, page

router = APIRouter(include_in_schema=False, route_class=PageRoute)

#: What a finished user change says on the page (``?done=...&user=...``).
USER_DONE = {
    "added": "added",
    "disabled": "disabled: signed out everywhere, sign-in refused",
    "enabled": "enabled: may sign in again",
    "role": "role changed: signed out everywhere",
    "password": "password reset: signed out everywhere",
}


# --- users ------------------------------------------------------------------------------------------------------


def _users_page(
    request: Request, actor: Any, status: int = 200, errors: dict[str, dict[str, list[str]]] | None = None,
    values: dict[str, str] | None = None, done: str = "", name: str = "",
) -> HTMLResponse:  # fmt: skip
    """The users page; ``errors`` by form (``add`` or the user's id) and field, ``values`` the typed ones kept."""
    rows = users.list_users(get_context(request).db, actor)
    return page(request, "users.html", status=status, actor=actor, users=rows, roles=ROLES, errors=errors or {},
                values=values or {}, done=USER_DONE.get(done, ""), done_user=name)  # fmt: skip


def _errors(err: InputError | ConflictError | ValidationError) -> dict[str, list[str]]:
    """Messages by field; a message that names no field (the last active admin) under ``form``."""
    by_field, general = _by_field(_problems(err))
    if general:
        by_field.setdefault("form", []).extend(general)
    return by_field


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    actor: User,
    done: Annotated[str, Query(max_length=16)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """Every user with role and status; add, disable/enable, change the role, reset the password (admin)."""
    return _users_page(request, actor, done=done, name=user)


def _done(request: Request, what: str, name: str) -> Response:
    return _go(request, "/admin/users?" + urlencode({"done": what, "user": name}) + "#users")


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, actor: User) -> Response:
    form = await _form(request)
    name, role = form.get("username", "").strip(), form.get("role", "")
    ctx = get_context(request)
    try:
        await run_in_threadpool(
            users.add_user, ctx.db, actor, name, form.get("password", ""), role, ctx.settings.hasher
        )
    except (InputError, ConflictError) as err:
        kept = {"username": name, "role": role}  # never the password
        return _users_page(request, actor, 422, {"add": _errors(err)}, kept)
    return _done(request, "added", name)


async def _change(request: Request, actor: Any, user_id: int, what: str) -> Response:
    """Apply one verb to the user ``user_id``; its problems are shown in that user's row."""
    form = await _form(request)
    ctx = get_context(request)
    try:
        if what in ("disabled", "enabled"):
            changed = await run_in_threadpool(users.set_active, ctx.db, actor, user_id, what == "enabled")
        elif what == "role":
            changed = await run_in_threadpool(users.set_role, ctx.db, actor, user_id, form.get("role", ""))
        else:
            password = form.get("password", "")
            changed = await run_in_threadpool(
                users.reset_password, ctx.db, actor, user_id, password, ctx.settings.hasher
            )
    except (InputError, ConflictError) as err:
        return _users_page(request, actor, 422 if isinstance(err, InputError) else 409, {str(user_id): _errors(err)})
    ctx.forget(changed["id"])  # this process sees the revocation at once
    return _done(request, what, str(changed["username"]))


@router.post("/admin/users/{user_id}/disable", response_class=HTMLResponse)
async def disable_user(request: Request, actor: User, user_id: int) -> Response:
    return await _change(request, actor, user_id, "disabled")


@router.post("/admin/users/{user_id}/enable", response_class=HTMLResponse)
async def enable_user(request: Request, actor: User, user_id: int) -> Response:
    return await _change(request, actor, user_id, "enabled")


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse)
async def change_role(request: Request, actor: User, user_id: int) -> Response:
    return await _change(request, actor, user_id, "role")


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
async def reset_password(request: Request, actor: User, user_id: int) -> Response:
    return await _change(request, actor, user_id, "password")


# --- exports ----------------------------------------------------------------------------------------------------

#: What each export kind holds, as the page names it.
EXPORT_KINDS = {
    "sdtm": "SDTM + ADaM archive (CSV, SAS XPORT, Define-XML)",
    "fhir": "FHIR bulk data (NDJSON per resource type)",
}
#: Jobs listed on the exports page, newest first (the page says how many older ones are not listed).
JOBS_SHOWN = 20
JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$", description="the job's id")]


def _runner(request: Request) -> jobs.JobRunner:
    return jobs.runner_for(get_context(request).db)


def _exports_page(
    request: Request, actor: Any, status: int = 200, errors: dict[str, dict[str, list[str]]] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    """The programs (each with its STUDYID, pre-filled, and the two exports) and the actor's jobs."""
    programs = [
        {**p, "study": exports.suggested_study(p["name"])}
        for p in patients.list_programs(get_context(request).db, actor)
    ]
    if values:  # the STUDYID typed for the program whose export was refused is kept
        programs = [{**p, "study": values["study"]} if p["name"] == values["program"] else p for p in programs]
    listed = _runner(request).list_jobs(actor)
    return page(request, "exports.html", status=status, actor=actor, programs=programs, jobs=listed[:JOBS_SHOWN],
                older=len(listed) - JOBS_SHOWN, kinds=EXPORT_KINDS, errors=errors or {})  # fmt: skip


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, actor: User) -> HTMLResponse:
    """Start a program's SDTM or FHIR export as a background job; its progress updates every second (viewer)."""
    return _exports_page(request, actor)


@router.post("/exports", response_class=HTMLResponse)
async def start_export(request: Request, actor: User) -> Response:
    form = await _form(request)
    program, study = form.get("program", ""), form.get("study", "").strip()
    db = get_context(request).db
    try:
        data = jobs.ExportIn.model_validate({"kind": form.get("kind", ""), "program": program, "study": study or None})
        job = await run_in_threadpool(_runner(request).submit, db, actor, data)
    except (ValidationError, InputError) as err:
        return _exports_page(request, actor, 422, {program: _errors(err)}, {"program": program, "study": study})
    return _go(request, f"/exports#job-{job.id}")


@router.get("/exports/{job_id}/progress", response_class=HTMLResponse)
def export_progress(request: Request, actor: User, job_id: JobId) -> HTMLResponse:
    """The job's row: polled every second (htmx) while queued or running, then with its download link."""
    return page(request, "_export_job.html", actor=actor, job=_runner(request).get(actor, job_id), kinds=EXPORT_KINDS)


@router.get("/exports/{job_id}/file", response_class=FileResponse)
def export_file(request: Request, actor: User, job_id: JobId) -> FileResponse:
    """The finished job's zip, to its owner or an admin (409 while it is not done)."""
    path = _runner(request).file(actor, job_id)
    return FileResponse(path, media_type="application/zip", filename=path.name)


# --- downloads --------------------------------------------------------------------------------------------------


@router.get("/patients/{patient_id}/fhir.json")
def patient_fhir(request: Request, actor: User, patient_id: int) -> Response:
    """The patient's FHIR R4 Bundle (mCODE profiles), as ``GET /api/v1/patients/{id}/fhir`` builds it; STUDYID
    the program's name, or the exports page's suggestion when the name is not a valid STUDYID."""
    from ioguide.interop.fhir import patient_bundle

    db = get_context(request).db
    patient = patients.get_patient(db, actor, patient_id)
    try:
        loaded = exports.load_patient_export(db, actor, patient_id, exports.suggested_study(patient["program"]))
        bundle = patient_bundle(loaded)
    except InputError as err:
        return error_page(request, 422, "; ".join(str(p) for p in err.problems))
    headers = {"Content-Disposition": f'attachment; filename="{patient["study_id"]}-fhir.json"'}
    return Response(json.dumps(bundle, ensure_ascii=False), media_type="application/fhir+json", headers=headers)


@router.get("/cohort.csv")
def cohort_csv(
    request: Request,
    actor: User,
    criteria: Criteria = None,
    program: Annotated[str | None, Query(max_length=200)] = None,
    response: Annotated[str | None, Query(max_length=20)] = None,
    injected: Annotated[str | None, Query(pattern="^(yes|no)?$")] = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Every patient matching the cohort page's filters (all pages) as CSV, with the page's columns."""
    chosen = criteria or "itrecist"
    db = get_context(request).db
    try:
        text = views.cohort_csv(db, actor, chosen, program or None, response or None, injected or None, q or None)
    except InputError as err:
        return error_page(request, 422, "; ".join(str(p) for p in err.problems))
    headers = {"Content-Disposition": f'attachment; filename="cohort-{chosen}.csv"', "Cache-Control": "no-store"}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)
