"""``ioguide users add|list|disable|enable|set-role|reset-password``: manage the users of the API and the web app
(``docs/api.md``, Accounts). Every change is audited under ``cli:<login name>`` and revokes the user's tokens."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.records_common import open_migrated
from ioguide.errors import InputError
from ioguide.services.context import ROLES, cli_actor

app = typer.Typer(help="Users of the API and the web app.", no_args_is_help=True)

REASON_OPTION = typer.Option(None, "--reason", help="why (kept in the audit row)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return password


def _run(db: str | None, verb: Callable[..., Any], *args: Any) -> Any:
    """Call a service verb on the migrated database; bad input or a refused change prints the rule, exit 2."""
    from ioguide.services.errors import ServiceError

    database = open_migrated(db)
    try:
        return verb(database, *args)
    except InputError as err:
        for problem in err.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
    except ServiceError as err:
        typer.echo(f"{err.field}: {err.message}" if err.field else err.message, err=True)
        raise typer.Exit(2) from None
    finally:
        database.dispose()


@app.command("add")
def add(
    name: str = typer.Argument(..., help="the user name used to sign in"),
    role: str = typer.Option(..., "--role", help=f"one of: {', '.join(ROLES)}"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
    db: str | None = DB_OPTION,
) -> None:
    """Add a user; the password is stored only as an argon2id hash."""
    from ioguide.services.users import add_user

    password = _read_password(password_stdin)
    user = _run(db, add_user, cli_actor(), name, password, role)
    typer.echo(f"added user {user['username']} (role {user['role']})")


@app.command("list")
def list_(db: str | None = DB_OPTION) -> None:
    """Every user: name, role, active or disabled, when the password was last set."""
    from ioguide.services.users import list_users

    rows = _run(db, list_users, cli_actor())
    typer.echo(f"{'user':<24} {'role':<12} {'state':<9} password set")
    for row in rows:
        state = "active" if row["active"] else "disabled"
        typer.echo(f"{row['username']:<24} {row['role']:<12} {state:<9} {row['password_changed_at'] or 'unknown'}")


def _done(user: dict[str, Any], what: str) -> None:
    typer.echo(f"{user['username']}: {what}; every token of the user is revoked")


@app.command("disable")
def disable(
    name: str = typer.Argument(..., help="the user name"),
    reason: str | None = REASON_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Disable a user: sign-in is refused and every token is revoked at once."""
    from ioguide.services.users import set_active

    _done(_run(db, set_active, cli_actor(reason), name, False), "disabled")


@app.command("enable")
def enable(
    name: str = typer.Argument(..., help="the user name"),
    reason: str | None = REASON_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Enable a disabled user (they sign in again)."""
    from ioguide.services.users import set_active

    _done(_run(db, set_active, cli_actor(reason), name, True), "enabled")


@app.command("set-role")
def set_role(
    name: str = typer.Argument(..., help="the user name"),
    role: str = typer.Argument(..., help=f"one of: {', '.join(ROLES)}"),
    reason: str | None = REASON_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Change a user's role; they sign in again under the new one."""
    from ioguide.services.users import set_role as set_role_

    user = _run(db, set_role_, cli_actor(reason), name, role)
    _done(user, f"role {user['role']}")


@app.command("reset-password")
def reset_password(
    name: str = typer.Argument(..., help="the user name"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
    reason: str | None = REASON_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Set a new password (at least 12 characters, not the user name, not a common password)."""
    from ioguide.services.users import reset_password as reset

    password = _read_password(password_stdin)
    _done(_run(db, reset, cli_actor(reason), name, password), "password reset")
