"""``ioguide audit verify``: walk the audit trail's hash chain and name the first broken link (spec/api.md)."""

from __future__ import annotations

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, resolve_format
from ioguide.cli.records_common import open_migrated

app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)


@app.command("verify")
def verify(db: str | None = DB_OPTION, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """Exit 0 when every row links to the one before and hashes to what it stores; else exit 1 naming the row."""
    from ioguide.services.audit import verify_audit

    database = open_migrated(db)
    try:
        result = verify_audit(database)
    finally:
        database.dispose()
    if resolve_format(fmt) is OutputFormat.json:
        typer.echo(
            dumps(
                {
                    "ok": result.ok,
                    "rows_verified": result.rows,
                    "broken_id": result.broken_id,
                    "problem": result.problem,
                    "head": result.head,
                }
            )
        )
    elif result.ok:
        typer.echo(f"audit trail intact: {result.rows} rows, head {result.head}")
    else:
        typer.echo(f"audit trail broken at row {result.broken_id}: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)
