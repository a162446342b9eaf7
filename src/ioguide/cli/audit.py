"""``ioguide audit``: verify the keyed trail (links, anchors, replay), anchor its head, show it, rotate its key.

Exit codes: 0 intact; 1 the trail or the tables were tampered with (the message names the row or value);
2 a set-up error that prevents a verdict (no key file, a wrong key, no anchor file, a forged anchor).
"""

from __future__ import annotations

from pathlib import Path

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, resolve_format
from ioguide.cli.records_common import open_migrated

app = typer.Typer(help="The append-only, keyed and hash-chained audit trail.", no_args_is_help=True)

ANCHORS_OPTION = typer.Option(
    None,
    "--anchors",
    help="anchor file (default: audit-anchors.jsonl beside the audit key, in the instance directory)",
)


def _setup_error(err: Exception) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(2)


@app.command("verify")
def verify(
    db: str | None = DB_OPTION, anchors: Path | None = ANCHORS_OPTION, fmt: OutputFormat | None = FORMAT_OPTION
) -> None:
    """Check every row's sequence number, link and MAC with the key, compare with every anchor, and replay the
    trail's after-values against the clinical tables. Exit 0 intact, 1 tampered (naming the row or value), 2 when
    the key or the anchors are missing or wrong."""
    from ioguide.records.anchors import AnchorError
    from ioguide.records.audit_keys import AuditKeyError
    from ioguide.services.audit import default_anchor_file, verify_audit

    database = open_migrated(db)
    try:
        report = verify_audit(database, anchors or default_anchor_file(database))
    except (AuditKeyError, AnchorError) as err:
        raise _setup_error(err) from None
    finally:
        database.dispose()
    chain = report.chain
    if resolve_format(fmt) is OutputFormat.json:
        typer.echo(
            dumps(
                {
                    "ok": report.ok,
                    "rows_verified": chain.rows,
                    "legacy_rows": chain.legacy_rows,
                    "anchors_checked": chain.anchors_checked,
                    "broken_id": chain.broken_id,
                    "problem": chain.problem,
                    "head_seq": chain.head_seq,
                    "head": chain.head,
                    "unexplained": list(report.unexplained),
                }
            )
        )
    elif report.ok:
        typer.echo(
            f"audit trail intact: {chain.rows} rows ({chain.legacy_rows} legacy SHA-256), "
            f"{chain.anchors_checked} anchors matched, head {chain.head_seq} {chain.head}; "
            "every stored clinical value is explained by the trail"
        )
    else:
        if not chain.ok:
            where = "" if chain.broken_id is None else f" at row {chain.broken_id}"
            typer.echo(f"audit trail broken{where}: {chain.problem}", err=True)
        for line in report.unexplained:
            typer.echo(f"unexplained by the audit trail: {line}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("anchor")
def anchor(db: str | None = DB_OPTION, anchors: Path | None = ANCHORS_OPTION) -> None:
    """Append the trail's head (sequence number, MAC, time; itself MACed) to the anchor file. Keep a copy of the
    file where the database's users cannot write (docs/operations.md)."""
    from ioguide.records.anchors import AnchorError
    from ioguide.records.audit_keys import AuditKeyError
    from ioguide.services.audit import anchor_audit, default_anchor_file

    database = open_migrated(db)
    target = anchors or default_anchor_file(database)
    try:
        written = anchor_audit(database, target)
    except (AuditKeyError, AnchorError) as err:
        raise _setup_error(err) from None
    finally:
        database.dispose()
    typer.echo(f"{target}: anchored sequence number {written.seq}, head {written.head}")


@app.command("head")
def head(db: str | None = DB_OPTION) -> None:
    """Print the trail's head (sequence number and MAC), e.g. for an external notary."""
    from ioguide.services.audit import audit_head

    database = open_migrated(db)
    try:
        typer.echo(dumps(audit_head(database)))
    finally:
        database.dispose()


@app.command("rotate-key")
def rotate(
    db: str | None = DB_OPTION,
    reason: str = typer.Option(..., "--reason", help="why the key is rotated (recorded in the trail)"),
) -> None:
    """Make a new audit key; the old one stays in the key file, retired, so older rows still verify."""
    from ioguide.records.audit_keys import AuditKeyError
    from ioguide.services.audit import rotate_audit_key
    from ioguide.services.context import cli_actor

    database = open_migrated(db)
    try:
        rotated = rotate_audit_key(database, cli_actor(reason))
    except AuditKeyError as err:
        raise _setup_error(err) from None
    finally:
        database.dispose()
    typer.echo(f"audit key rotated: {rotated['previous_key_id']} -> {rotated['key_id']}")
