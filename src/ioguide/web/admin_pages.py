"""The admin's and the exporter's pages: users (``/admin/users``), program exports as background jobs
(``/exports``), and the downloads a signed-in page offers (a patient's FHIR bundle, the cohort's rows as CSV).

Routes only translate: the user verbs are ``services.users`` (each audited, each revoking the user's tokens), the
export jobs ``services.jobs`` (the same runner as ``POST /api/v1/exports``), the downloads the same services as
the API's export routes. Downloads are page routes on the session cookie (the API routes need a bearer token).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from ioguide.errors import InputError, Problem
from ioguide.services import users
from ioguide.services.context import ROLES
from ioguide.services.errors import ConflictError
from ioguide.serving.context import get_context
from ioguide.web.routes import PageRoute, User, _form, _go, page

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


def _by_field(err: InputError | ConflictError) -> dict[str, list[str]]:
    problems = err.problems if isinstance(err, InputError) else (Problem(err.field or "form", err.message),)
    out: dict[str, list[str]] = {}
    for problem in problems:
        out.setdefault(problem.field or "form", []).append(problem.message)
    return out


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
        return _users_page(request, actor, 422, {"add": _by_field(err)}, kept)
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
        return _users_page(request, actor, 422 if isinstance(err, InputError) else 409, {str(user_id): _by_field(err)})
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
