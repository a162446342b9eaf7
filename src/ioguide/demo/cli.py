"""What ``ioguide serve --demo`` does before serving: load the demo program (or say why not) and print the way in."""

from __future__ import annotations

import typer

from ioguide.demo.loader import load_demo
from ioguide.demo.program import DEMO_USERS
from ioguide.records.db import open_database


def announce_demo(url: str, site: str) -> None:
    """Load the demo into the (migrated) database at ``url`` when it is empty; print the site and the demo users."""
    db = open_database(url)
    try:
        result = load_demo(db)
    finally:
        db.dispose()
    if result.skipped:
        typer.echo(f"ioguide: demo not loaded: {result.skipped}", err=True)
        typer.echo(f"Open {site}; if an earlier --demo filled this database, its demo users still sign in:")
    else:
        typer.echo(f"ioguide: demo program loaded: {len(result.patients)} patients ({', '.join(result.patients)})")
        typer.echo(f"Open {site} and sign in as one of the demo users (user / password / role):")
    for name, password, role in DEMO_USERS:
        typer.echo(f"  {name:<12} {password:<18} {role}")
