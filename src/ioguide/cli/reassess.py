"""``ioguide reassess``: recompute the stored results that are stale (after a rule change, or stored before
results were) in parallel on Dask, with a progress bar, and print what changed (docs/records.md)."""

from __future__ import annotations

import typer

from ioguide.cli.db import DB_OPTION


def reassess(
    db: str | None = DB_OPTION,
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="address of a Dask scheduler (default: a local cluster of --workers processes)"
    ),
    workers: int = typer.Option(2, "--workers", min=1, max=256, help="processes of the local cluster"),
    batch_size: int = typer.Option(500, "--batch-size", min=1, max=1000, help="patients per Dask task"),
    everything: bool = typer.Option(False, "--all", help="re-assess every patient, stale or not"),
    reason: str | None = typer.Option(None, "--reason", help="reason written in the audit rows of the changes"),
) -> None:
    """Re-assess every patient whose stored results are of another rule set or an older case version.

    Prints one line per changed result (patient, criteria, before -> after) and a summary; each change is also
    written to the audit trail (action ``results.reassess``)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ioguide.cli.records_common import open_migrated
    from ioguide.services.context import cli_actor
    from ioguide.services.reassess import reassess as run

    database = open_migrated(db)
    columns = (TextColumn("re-assessing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("reassess", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            report = run(
                database,
                cli_actor(reason or "re-assessment with the current rules"),
                scheduler=scheduler,
                workers=workers,
                batch_size=batch_size,
                everything=everything,
                progress=advance,
            )
    finally:
        database.dispose()
    for change in report.changes:
        typer.echo(str(change))
    changed = len({c.patient_id for c in report.changes})
    typer.echo(
        f"rule set {report.ruleset}: {report.stale} patient(s) stale, {report.reassessed} re-assessed ({report.filled} had none stored), "
        f"{changed} with a changed result ({len(report.changes)} change(s)), "
        f"{report.skipped} skipped (changed while re-assessing: their own write stored fresh results)"
    )
