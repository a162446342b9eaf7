"""The ``ioguide`` command line (Typer): parse, call the core or a service, render."""
