"""The ``ioguide`` command: one sub-command per capability; each lives in its own module of this package."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ioguide",
    help="ioguide: image-guided, locoregional immunotherapy (response, toxicity, planning, records).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """ioguide's command line; see README.md and ../shared/spec for the formats each command reads and writes."""


# Sub-commands register themselves here, one line each (keep this list sorted by command name).
from ioguide.cli.agents import agents as agents_command  # noqa: E402
app.command("agents")(agents_command)
from ioguide.cli.plan import app as plan_app  # noqa: E402
app.add_typer(plan_app, name="plan")
from ioguide.cli.assess import assess  # noqa: E402
from ioguide.cli.demo import demo  # noqa: E402

app.command("assess")(assess)
app.command("demo")(demo)
from ioguide.cli.grade import app as grade_app  # noqa: E402
app.add_typer(grade_app, name="grade")
from ioguide.cli.audit import app as audit_app  # noqa: E402
app.add_typer(audit_app, name="audit")
from ioguide.cli.db import app as db_app  # noqa: E402
app.add_typer(db_app, name="db")
from ioguide.cli.serve import serve  # noqa: E402
app.command("serve")(serve)
from ioguide.cli.users import app as users_app  # noqa: E402
app.add_typer(users_app, name="users")
from ioguide.cli.simulate import app as simulate_app  # noqa: E402
app.add_typer(simulate_app, name="simulate")
from ioguide.cli.imaging import register as register_imaging  # noqa: E402
register_imaging(app)
from ioguide.cli.export_interop import register as register_interop  # noqa: E402
register_interop(app)
