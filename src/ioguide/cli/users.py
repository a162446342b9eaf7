"""``ioguide users add NAME --role ROLE [--password-stdin]``: create a user (spec/api.md, Users and roles)."""

from __future__ import annotations

import sys

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import OutputFormat, report_input_error
from ioguide.cli.records_common import open_migrated
from ioguide.errors import InputError
from ioguide.services.context import ROLES, cli_actor

app = typer.Typer(help="Users of the API and the web app.", no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="the user name used to sign in"),
    role: str = typer.Option(..., "--role", help=f"one of: {', '.join(ROLES)}"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
    db: str | None = DB_OPTION,
) -> None:
    """Add a user; the password is stored only as an argon2id hash."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    from ioguide.services.errors import ServiceError
    from ioguide.services.users import add_user

    database = open_migrated(db)
    try:
        user = add_user(database, cli_actor(), name, password, role)
    except (InputError, ServiceError) as err:
        raise report_input_error(err, OutputFormat.text) from None
    finally:
        database.dispose()
    typer.echo(f"added user {user['username']} (role {user['role']})")
