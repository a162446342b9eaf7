"""``ioguide export fhir|sdtm``: a patient as a FHIR R4 Bundle (mCODE STU4), a study as SDTM datasets.

Both read either an export input file (``examples/interop/``; ``-`` for standard input) or the records store
(``--patient ID`` / ``--program NAME`` with ``--db``). Bad input, an unknown patient or program, and a value that
cannot be mapped or is over the SAS XPORT v5 limits exit 2 naming the field; nothing is written then.
The commands join the ``export`` sub-app of ``ioguide.cli.export`` through :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, read_json, run_produced
from ioguide.errors import InputError

T = TypeVar("T")
SOURCE = typer.Argument(None, help="Export input JSON (see examples/interop), or - for standard input.")
STUDY = typer.Option(None, "--study", help="STUDYID (default: the program's name).")


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

    run_produced(fmt, produce, _render_bundle)


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
    site: str | None = typer.Option(None, "--site", help="DM.SITEID (ioguide does not store sites)."),
    country: str | None = typer.Option(None, "--country", help="DM.COUNTRY, ISO 3166-1 alpha-3 (e.g. FRA)."),
    imaging_every_days: int | None = typer.Option(
        None, "--imaging-every-days", min=1, help="Response imaging interval for VISIT (default: the agent protocol)."
    ),
    imaging_window_days: int = typer.Option(7, "--imaging-window-days", min=0, help="Visit window, days."),
    sd_reference: str = typer.Option(
        "treatment_start",
        "--sd-reference",
        help="ADaM: SD minimum and PFS origin from treatment_start or baseline_scan.",
    ),
    confirmation_days: int = typer.Option(28, "--confirmation-days", min=0, help="ADaM: days to confirm CR/PR."),
    sd_min_days: int = typer.Option(42, "--sd-min-days", min=0, help="ADaM: days from the reference before SD counts."),
    max_ne: int | None = typer.Option(
        1, "--max-ne", min=0, help="ADaM: NE allowed between a response and its confirmation."
    ),
    any_ne: bool = typer.Option(False, "--any-ne", help="ADaM: no limit on NE between (overrides --max-ne)."),
    pr_after_cr: bool = typer.Option(
        False, "--pr-after-cr", help="ADaM: a PR may follow a CR in the confirmation window."
    ),
    accept_sd: bool = typer.Option(
        False, "--accept-sd", help="ADaM: one SD allowed between a PR and its confirmation."
    ),
    sd_last: bool = typer.Option(
        True, "--sd-last/--no-sd-last", help="ADaM: an SD that is the last assessment counts."
    ),
    missing_as_ne: bool = typer.Option(False, "--missing-as-ne", help="ADaM: no assessment after baseline is NE."),
    db: str | None = DB_OPTION,
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """A study's SDTM (DM, TU, TR, RS, PR, EC, EX + SUPP--) and ADaM (ADSL, ADRS, ADTTE, in adam/) as CSV and XPORT
    v5, each with a Define-XML 2.1. Options are documented in docs/interop.md."""
    from ioguide.interop.adam_adrs import AdrsOptions
    from ioguide.interop.files import write_study
    from ioguide.interop.inputs import parse_study_export
    from ioguide.interop.sdtm import SdtmOptions
    from ioguide.services.jobs import export_sdtm

    def produce() -> dict[str, Any]:
        if sd_reference not in ("treatment_start", "baseline_scan"):
            raise InputError.one("--sd-reference", f"{sd_reference!r} is not treatment_start or baseline_scan")
        options = SdtmOptions(imaging_every_days, imaging_window_days, site, country)
        adam_options = AdrsOptions(
            confirmation_days, sd_min_days, sd_reference, None if any_ne else max_ne,  # type: ignore[arg-type]
            pr_after_cr, accept_sd, sd_last, missing_as_ne,
        )  # fmt: skip
        if (source is None) == (program is None):
            raise InputError.one("$", "give either an export input file or --program (with --db), not both or neither")
        if program is not None:
            summary = _from_store(
                db,
                lambda database, actor, bar: export_sdtm(
                    database, actor, program, study, out, bar, options, adam_options
                ),
            )
            return {"study": summary["study"], "out": str(out), **{k: summary[k] for k in ("datasets", "files")}}
        export = parse_study_export(read_json(str(source)))
        datasets, files = write_study(export, out, options, adam_options)
        return {
            "study": export.study,
            "out": str(out),
            "datasets": {name: len(d.rows) for name, d in datasets.items() if d.rows},
            "files": [p.relative_to(out).as_posix() for p in files],
        }

    run_produced(fmt, produce, _render_sdtm)


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
