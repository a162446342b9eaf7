"""``ioguide serve``: migrate the database, then serve the REST API (and the pages that mount on it) with uvicorn."""

from __future__ import annotations

from pathlib import Path

import typer

from ioguide.cli.db import DB_OPTION, shown


def serve(
    db: str | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    demo: bool = typer.Option(False, "--demo", help="load the demo program and demo users into an empty database"),
    anchors: Path | None = typer.Option(
        None, "--anchors", help="audit anchor file (default: audit-anchors.jsonl in the instance directory)"
    ),
    anchor_every: str = typer.Option("1h", "--anchor-every", help="anchor the audit head this often (s, m, h, d)"),
    backup_dir: Path | None = typer.Option(None, "--backup-dir", help="keep rotating backups in this directory"),
    backup_every: str = typer.Option("1h", "--backup-every", help="with --backup-dir: back up this often"),
    backup_keep: int = typer.Option(24, "--backup-keep", min=1, help="with --backup-dir: the newest copies kept"),
) -> None:
    """Serve the API at http://HOST:PORT/api/v1 (OpenAPI at /api/v1/openapi.json, reference at /api/docs)."""
    import uvicorn

    from ioguide.app import create_app
    from ioguide.records.db import open_database, resolve_url
    from ioguide.records.migrate import upgrade
    from ioguide.services.audit import default_anchor_file
    from ioguide.services.backups import Scheduler, parse_interval
    from ioguide.serving.settings import ApiSettings
    from ioguide.settings import load_settings

    try:
        anchor_interval = parse_interval(anchor_every)
        backup_interval = parse_interval(backup_every)
    except ValueError as err:
        typer.echo(f"error: --anchor-every/--backup-every: {err}", err=True)
        raise typer.Exit(2) from None
    settings = load_settings()  # the environment, read once for the server's whole life
    url = resolve_url(db, settings)
    upgrade(url)
    if demo:
        from ioguide.demo.cli import announce_demo

        announce_demo(url, f"http://{host}:{port}/")
    typer.echo(f"ioguide: {shown(url)}; API at http://{host}:{port}/api/v1 (docs at /api/docs)", err=True)
    scheduled = open_database(url, settings)
    scheduler = Scheduler(
        scheduled,
        anchors or default_anchor_file(scheduled),
        anchor_interval,
        backup_dir,
        backup_interval if backup_dir is not None else None,
        backup_keep,
    )
    scheduler.start()
    try:
        app = create_app(ApiSettings(database_url=url, instance=settings))
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        scheduler.stop()
        scheduled.dispose()
