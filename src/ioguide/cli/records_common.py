"""Shared by the records commands (``users``, ``audit``): open a database whose schema is migrated."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ioguide.records.db import Database


def open_migrated(url: str | None) -> Database:
    """Open the database, or exit 1 telling the user to run ``ioguide db upgrade`` first."""
    from ioguide.records.db import open_database, resolve_url
    from ioguide.records.migrate import current_revision, head_revision

    resolved = resolve_url(url)
    revision = current_revision(resolved)
    if revision != head_revision():
        typer.echo(
            f"the database is at schema revision {revision or 'none'}, not {head_revision()}: "
            f"run `ioguide db upgrade{'' if url is None else ' --db URL'}` first",
            err=True,
        )
        raise typer.Exit(1)
    return open_database(resolved)
