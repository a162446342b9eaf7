"""``ioguide export fhir|sdtm``: a patient as a FHIR R4 Bundle (mCODE STU4), a study as SDTM datasets.

Both read either an export input file (``examples/interop/``; ``-`` for standard input) or the records store
(``--patient ID`` / ``--program NAME`` with ``--db``). Bad input, an unknown patient or program, and a value that
cannot be mapped or is over the SAS XPORT v5 limits exit 2 naming the field; nothing is written then.
The commands join the ``export`` sub-app of ``ioguide.cli.export`` through :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, read_json, resolve_format
from ioguide.errors import InputError

T = TypeVar("T")
SOURCE = typer.Argument(None, help="Export input JSON (see examples/interop), or - for standard input.")
STUDY = typer.Option(None, "--study", help="STUDYID (default: the program's name).")


def _execute(
    produce: Callable[[], dict[str, Any]], fmt: OutputFormat | None, render: Callable[[dict[str, Any]], str]
) -> None:
    """Run ``produce``; input errors and unknown ids exit 2 with ``field: message`` lines (spec/README.md)."""
    from ioguide.services.errors import NotFoundError, PermissionDeniedError

    out_format = resolve_format(fmt)
    try:
        result = produce()
    except (NotFoundError, PermissionDeniedError) as err:
        _fail(InputError.one(err.field or "$", err.message), out_format)
    except InputError as err:
        _fail(err, out_format)
    typer.echo(dumps(result) if out_format is OutputFormat.json else render(result))


def _fail(err: InputError, out_format: OutputFormat) -> NoReturn:
    for problem in err.problems:
        typer.echo(str(problem), err=True)
    if out_format is OutputFormat.json:
        typer.echo(dumps(err.as_dict()))
    raise typer.Exit(2)


def _read_input(
    source: str | None,
    key: object,
    option: str,
    db: str | None,
    parse: Callable[[Any], T],
    load: Callable[[Any, Any], T],
) -> T:
    """The export input from ``source`` (a file or ``-``) or, with ``option``, from the records store at ``db``."""
    if (source is None) == (key is None):
        raise InputError.one("$", f"give either an export input file or {option} (with --db), not both or neither")
    if source is not None:
        return parse(read_json(source))
    from ioguide.cli.records_common import open_migrated
    from ioguide.services.context import cli_actor

    database = open_migrated(db)
    try:
        return load(database, cli_actor())
    finally:
        database.dispose()


def fhir(
    source: str | None = SOURCE,
    patient: int | None = typer.Option(None, "--patient", help="Stored patient id (records store)."),
    program: str | None = typer.Option(None, "--program", help="Stored program: FHIR bulk NDJSON into --out DIR."),
    study: str | None = STUDY,
    out: Path | None = typer.Option(None, "--out", help="Write the Bundle to this file (with --program: folder)."),
    db: str | None = DB_OPTION,
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """A patient's FHIR R4 Bundle (mCODE STU4 profiles), from an export input file or the records store; or, with
    --program and --out, every patient of a stored program as FHIR bulk data (one NDJSON file per resource type)."""
    from ioguide.interop.fhir import patient_bundle
    from ioguide.interop.inputs import parse_patient_export
    from ioguide.services.exports import load_patient_export
    from ioguide.services.jobs import export_fhir

    def produce() -> dict[str, Any]:
        if program is not None:
            if source is not None or patient is not None or out is None:
                raise InputError.one(
                    "--program", "a program's bulk export reads the store: give --out DIR, no file or --patient"
                )
            summary = _from_store(
                db, lambda database, actor, bar: export_fhir(database, actor, program, study, out, bar)
            )
            return {**summary, "out": str(out)}
        export = _read_input(
            source, patient, "--patient", db, parse_patient_export,
            lambda database, actor: load_patient_export(database, actor, int(patient or 0), study),
        )  # fmt: skip
        bundle = patient_bundle(export)
        if out is None:
            return bundle
        out.write_text(dumps(bundle), encoding="utf-8")
        return {"out": str(out), **_bundle_summary(bundle)}

    _execute(produce, fmt, _render_bundle)


def _bundle_summary(bundle: dict[str, Any]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        counts[kind] = counts.get(kind, 0) + 1
    return {"bundle_id": bundle["id"], "resources": counts}


def _render_bundle(result: dict[str, Any]) -> str:
    if "output" in result:  # a program's bulk export
        lines = [f"FHIR bulk data for {result['study']} ({result['patients']} patients) -> {result['out']}"]
        return "\n".join(lines + [f"  {o['file']:<32} {o['count']:>7}" for o in result["output"]])
    summary = result if "resources" in result else _bundle_summary(result)
    lines = [f"Bundle {summary['bundle_id']}" + (f" -> {result['out']}" if "out" in result else "")]
    lines += [f"  {kind:<26} {n:>4}" for kind, n in summary["resources"].items()]
    return "\n".join(lines)


def sdtm(
    source: str | None = SOURCE,
    program: str | None = typer.Option(None, "--program", help="Stored program whose patients to export."),
    study: str | None = STUDY,
    out: Path = typer.Option(..., "--out", help="Folder for the .csv, .xpt (SAS XPORT v5) and define.xml files."),
    db: str | None = DB_OPTION,
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """A study's SDTM TU, TR, RS, PR, EC (+SUPPTR, SUPPEC) as CSV and XPORT v5, with a Define-XML 2.1."""
    from ioguide.interop.files import write_study
    from ioguide.interop.inputs import parse_study_export
    from ioguide.services.exports import load_study_export
    from ioguide.services.jobs import export_sdtm

    def produce() -> dict[str, Any]:
        if source is None and program is not None:  # the store: batch by batch, with a progress bar
            summary = _from_store(
                db, lambda database, actor, bar: export_sdtm(database, actor, program, study, out, bar)
            )
            return {**summary, "out": str(out)}
        export = _read_input(
            source, program, "--program", db, parse_study_export,
            lambda database, actor: load_study_export(database, actor, str(program), study),
        )  # fmt: skip
        datasets, files = write_study(export, out)
        return {
            "study": export.study,
            "out": str(out),
            "datasets": {name: len(d.rows) for name, d in datasets.items() if d.rows},
            "files": [p.name for p in files],
        }

    _execute(produce, fmt, _render_sdtm)


def _from_store(
    db: str | None, run: Callable[[Any, Any, Callable[[int, int], None]], dict[str, Any]]
) -> dict[str, Any]:
    """Run a whole-program export on the store at ``db`` with a progress bar (patients done) on standard error."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from ioguide.cli.records_common import open_migrated
    from ioguide.services.context import cli_actor

    database = open_migrated(db)
    columns = (TextColumn("exporting patients"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("export", total=None)
            return run(database, cli_actor(), lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        database.dispose()


def _render_sdtm(result: dict[str, Any]) -> str:
    lines = [f"SDTM for {result['study']} -> {result['out']}"]
    lines += [f"  {name:<7} {rows:>5} rows" for name, rows in result["datasets"].items()]
    lines.append(f"  files: {', '.join(result['files'])}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``fhir`` and ``sdtm`` to the ``export`` sub-app (``ioguide.cli.export``), one call in main.py."""
    del app  # the export sub-app is already on the root app; the commands join it
    from ioguide.cli.export import app as export_app

    export_app.command("fhir")(fhir)
    export_app.command("sdtm")(sdtm)
