"""``ioguide db upgrade``: create or migrate the records database with Alembic (spec/api.md)."""

from __future__ import annotations

import typer

app = typer.Typer(help="The records database: migrations.", no_args_is_help=True)

DB_OPTION = typer.Option(
    None,
    "--db",
    help="SQLAlchemy URL (default: $IOGUIDE_DATABASE_URL, else a SQLite file in the user's data directory).",
)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("upgrade")
def upgrade_command(db: str | None = DB_OPTION) -> None:
    """Apply the Alembic migrations up to the newest (safe to repeat)."""
    from ioguide.records.db import resolve_url
    from ioguide.records.migrate import head_revision, upgrade

    url = resolve_url(db)
    revision = upgrade(url)
    typer.echo(f"{shown(url)}: schema at revision {revision} (newest {head_revision()})")


@app.command("grant-app-role")
def grant_app_role_command(
    role: str = typer.Argument(..., help="the PostgreSQL role `ioguide serve` connects as"),
    db: str | None = DB_OPTION,
) -> None:
    """PostgreSQL: give ROLE the application's rights (run as the tables' owner after `db upgrade`): read-write
    on clinical tables, SELECT and INSERT only on the audit trail, access log and signatures, no DDL."""
    from ioguide.records.db import resolve_url
    from ioguide.records.roles import grant_app_role

    url = resolve_url(db)
    try:
        statements = grant_app_role(url, role)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{shown(url)}: {len(statements)} grants to {role}")
