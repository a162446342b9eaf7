"""The ``ioguide`` command: one sub-command per capability; each lives in its own module of this package."""

from __future__ import annotations

import typer

from ioguide.cli import audit, db, export, export_interop, grade, imaging, plan, simulate, users
from ioguide.cli.agents import agents
from ioguide.cli.assess import assess
from ioguide.cli.backup import backup, restore
from ioguide.cli.demo import demo
from ioguide.cli.reassess import reassess
from ioguide.cli.serve import serve

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


# One registration per capability, by command name. A sub-command module keeps heavy imports (numpy, scipy,
# SQLAlchemy, pydicom) inside its functions, so that every command starts fast.
app.command("agents")(agents)
app.command("assess")(assess)
app.add_typer(audit.app, name="audit")
app.command("backup")(backup)
app.add_typer(db.app, name="db")
app.command("demo")(demo)
imaging.register(app)  # measure, radiomics, import
app.add_typer(export.app, name="export")  # export seg, sr (cli/export.py) ...
export_interop.register(app)  # ... and export fhir, export sdtm
app.add_typer(grade.app, name="grade")
app.add_typer(plan.app, name="plan")
app.command("restore")(restore)
app.command("reassess")(reassess)
app.command("serve")(serve)
app.add_typer(simulate.app, name="simulate")
app.add_typer(users.app, name="users")
