"""``ioguide serve``: migrate the database, then serve the REST API (and the pages that mount on it) with uvicorn."""

from __future__ import annotations

import typer

from ioguide.cli.db import DB_OPTION, shown


def serve(
    db: str | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port"),
    demo: bool = typer.Option(False, "--demo", help="load the demo program and demo users into an empty database"),
) -> None:
    """Serve the API at http://HOST:PORT/api/v1 (OpenAPI at /api/v1/openapi.json, reference at /api/docs)."""
    import uvicorn

    from ioguide.app import create_app
    from ioguide.records.db import resolve_url
    from ioguide.records.migrate import upgrade
    from ioguide.serving.settings import ApiSettings
    from ioguide.settings import load_settings

    settings = load_settings()  # the environment, read once for the server's whole life
    url = resolve_url(db, settings)
    upgrade(url)
    if demo:
        from ioguide.demo.cli import announce_demo

        announce_demo(url, f"http://{host}:{port}/")
    typer.echo(f"ioguide: {shown(url)}; API at http://{host}:{port}/api/v1 (docs at /api/docs)", err=True)
    app = create_app(ApiSettings(database_url=url, instance=settings))
    uvicorn.run(app, host=host, port=port, log_level="warning")
