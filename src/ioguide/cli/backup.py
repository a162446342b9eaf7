"""``ioguide backup --db URL FILE`` and ``ioguide restore FILE --db URL`` (docs/operations.md).

Exit codes: 0 done (and, for a restore, integrity and audit verified); 1 restored but the check failed (named);
2 refused or impossible (an existing backup file, a restore onto a database holding data without ``--force``, a
manifest that does not verify, no audit key)."""

from __future__ import annotations

from pathlib import Path

import typer

from ioguide.cli.db import DB_OPTION, shown


def _refuse(err: Exception) -> typer.Exit:
    typer.echo(f"error: {err}", err=True)
    return typer.Exit(2)


def backup(
    file: Path = typer.Argument(..., help="the backup file to write (never overwritten); FILE.manifest.json beside"),
    db: str | None = DB_OPTION,
) -> None:
    """Take a consistent copy while writers run (SQLite online backup; pg_dump custom format on PostgreSQL) and
    record the audit head it contains."""
    from ioguide.cli.records_common import open_migrated
    from ioguide.records.audit_keys import AuditKeyError
    from ioguide.records.backup import BackupError
    from ioguide.services.backups import backup_database

    database = open_migrated(db)
    try:
        manifest = backup_database(database, file)
    except (BackupError, AuditKeyError) as err:
        raise _refuse(err) from None
    finally:
        database.dispose()
    typer.echo(f"{file}: backup of {shown(database.url)}, audit head at sequence number {manifest.audit_seq}")


def restore(
    file: Path = typer.Argument(..., help="a file written by `ioguide backup`"),
    db: str | None = DB_OPTION,
    force: bool = typer.Option(False, "--force", help="overwrite a database that holds data (stop the server first)"),
) -> None:
    """Restore a backup into the database; refused over one holding data unless --force; then verify what was
    restored (integrity check, the audit chain up to the head the backup recorded, the replay)."""
    from ioguide.records.audit_keys import AuditKeyError
    from ioguide.records.backup import BackupError
    from ioguide.records.db import resolve_url
    from ioguide.services.backups import restore_database
    from ioguide.settings import load_settings

    url = resolve_url(db)
    key_file = load_settings().audit_key_file
    assert key_file is not None
    try:
        report = restore_database(file, url, key_file, force=force)
    except (BackupError, AuditKeyError) as err:
        raise _refuse(err) from None
    for problem in report.integrity:
        typer.echo(f"integrity check: {problem}", err=True)
    if report.audit.chain.problem:
        typer.echo(f"audit trail: {report.audit.chain.problem}", err=True)
    for line in report.audit.unexplained:
        typer.echo(f"unexplained by the audit trail: {line}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo(
        f"{shown(url)}: restored from {file} (taken {report.manifest.taken_at}); integrity ok, audit trail "
        f"verified up to sequence number {report.manifest.audit_seq}"
    )
