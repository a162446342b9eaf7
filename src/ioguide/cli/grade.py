"""``ioguide grade crs|icans|ctcae|cirse|timeline``: parse the JSON input, call the toxicity core, render.

Formats: ``spec/toxicity.md``. The timeline command (a patient's dated observations -> per-day grades, onset,
maximum, duration, resolution and fired alerts) is documented in ``docs/toxicity.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from ioguide.cli.io import FORMAT_OPTION, OutputFormat, dumps, run_computation
from ioguide.toxicity.cirse import grade_cirse, parse_cirse
from ioguide.toxicity.crs import grade_crs, parse_crs
from ioguide.toxicity.ctcae import CATALOG_VERSION, grade_ctcae, parse_ctcae
from ioguide.toxicity.ctcae_catalog import load_catalog
from ioguide.toxicity.ctcae_tables import VERSIONS, load_table
from ioguide.toxicity.icans import grade_icans, parse_icans
from ioguide.toxicity.timeline import build_timeline, parse_course

app = typer.Typer(help="Grade toxicities: ASTCT CRS and ICANS, CTCAE terms, CIRSE procedure complications.")

INPUT = typer.Argument(..., help="Input JSON file, or - for standard input.")


def _render_grade(result: dict[str, Any]) -> str:
    grade = result["grade"]
    shown = f"{grade}" if grade is not None else f"not evaluable, one of {result.get('grade_range')}"
    extra = f" {result['subgrade']}" if result.get("subgrade") else ""
    lines = [f"{result['scale']}: grade {shown}{extra}"]
    if result.get("drivers"):
        lines.append(f"set by: {', '.join(result['drivers'])}")
    lines += [f"- {reason}" for reason in result["reasons"]]
    return "\n".join(lines)


def _grader(parse: Callable[[Any], Any], grade: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    def compute(data: Any) -> dict[str, Any]:
        result: dict[str, Any] = grade(parse(data)).as_dict()
        return result

    return compute


@app.command("crs")
def crs(source: str = INPUT, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """ASTCT 2019 cytokine release syndrome grade (Lee et al. 2019)."""
    run_computation(source, fmt, _grader(parse_crs, grade_crs), _render_grade)


@app.command("icans")
def icans(source: str = INPUT, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """ASTCT 2019 ICANS grade from the ICE score (or CAPD under 12) and the other four domains."""
    run_computation(source, fmt, _grader(parse_icans, grade_icans), _render_grade)


@app.command("ctcae")
def ctcae(
    source: str = typer.Argument(None, help="Input JSON file, or - for standard input."),
    list_terms: bool = typer.Option(
        False, "--list", help="List CTCAE's terms (MedDRA code, organ class, grade wording) and what ioguide computes."
    ),
    search: str = typer.Option(
        None, "--search", help="With --list: only terms whose name, key, organ class or MedDRA code contains this."
    ),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """CTCAE v5.0 (or v6.0 with "version": "6.0") grade of one term: computed from values, or chosen with "grade"."""
    if list_terms:
        _print_terms(fmt, search)
        return
    if search is not None:
        raise typer.BadParameter("--search goes with --list")
    if source is None:
        raise typer.BadParameter("give an input file (or -), or --list")
    run_computation(source, fmt, _grader(parse_ctcae, grade_ctcae), _render_grade)


def _matches(needle: str | None, *texts: str) -> bool:
    return needle is None or any(needle.strip().lower() in text.lower() for text in texts)


def _print_terms(fmt: OutputFormat | None, search: str | None) -> None:
    """Every CTCAE v5.0 term of NCI's table (``terms``) and, per version, the terms ioguide computes from values
    (``versions``, with their input fields, units and findings); ``search`` filters both."""
    computed: dict[str, Any] = {}
    for version in VERSIONS:
        table = load_table(version)
        computed[version] = {
            key: {
                "name": term.name,
                "meddra_code": term.meddra_code,
                "unit": term.unit,
                "units": list(term.units),
                "inputs": term.inputs(),
                **({"findings": dict(term.findings)} if term.findings else {}),
                "grades": {str(g): text for g, text in sorted(term.text.items())},
            }
            for key, term in table.terms.items()
            if _matches(search, key, term.name, str(term.meddra_code or ""))
        }
    catalog = load_catalog(CATALOG_VERSION)
    entries = catalog.terms if search is None else tuple(catalog.search(search))
    computes = {term.meddra_code for term in load_table(CATALOG_VERSION).terms.values()}
    terms = [
        {
            "key": entry.key,
            "meddra_code": entry.meddra_code,
            "soc": entry.soc,
            "name": entry.name,
            "grades": {str(g): text for g, text in entry.grades},
            "definition": entry.definition,
            "computed_by_ioguide": entry.meddra_code in computes,
        }
        for entry in entries
    ]
    if fmt is OutputFormat.text:
        shown = "" if search is None else f" matching {search!r}"
        typer.echo(
            f"CTCAE v{catalog.version}: {len(terms)} of {len(catalog.terms)} terms{shown} ({catalog.source.split(',')[0]})"
        )
        for entry in entries:
            grades = ", ".join(str(g) for g, _ in entry.grades)
            mark = " [computed]" if entry.meddra_code in computes else ""
            typer.echo(f"  {entry.meddra_code}  {entry.name}{mark}  ({entry.soc}; grades {grades})")
        for version, listing in computed.items():
            if listing:
                typer.echo(f"Computed from values, CTCAE v{version}:")
            for key, info in listing.items():
                typer.echo(f"  {key}: {', '.join(info['inputs'])} (units: {', '.join(info['units'])})")
                if "findings" in info:
                    typer.echo(f"    finding: {', '.join(info['findings'])}")
        return
    typer.echo(dumps({"versions": computed, "terms": terms}))


@app.command("cirse")
def cirse(source: str = INPUT, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """CIRSE 2017 (or modified CIRSE 2026) grade of a procedure complication."""
    run_computation(source, fmt, _grader(parse_cirse, grade_cirse), _render_grade)


def _render_timeline(result: dict[str, Any]) -> str:
    lines = [f"{'day':>4} {'date':<10} {'CRS':>4} {'ICANS':>6}  CTCAE"]
    for day in result["days"]:
        crs_g = day["crs"]["grade"] if day["crs"] else None
        icans_g = day["icans"]["grade"] if day["icans"] else None
        labs = ", ".join(f"{t['term']} {t['grade']}" for t in day["ctcae"])
        lines.append(f"{day['day']:>4} {day['date']:<10} {_g(crs_g):>4} {_g(icans_g):>6}  {labs}")
    lines.append("")
    for name, summary in result["summary"].items():
        lines.append(
            f"{name}: max grade {_g(summary['max_grade'])}, onset day {_g(summary['onset_day'])}, "
            f"{summary['duration_days']} day(s), {summary['status']}"
        )
    lines += [f"ALERT day {a['day']}: {a['id']} ({a['value']}) - {a['meaning']}" for a in result["alerts"]]
    return "\n".join(lines)


def _g(value: Any) -> str:
    return "-" if value is None else str(value)


@app.command("timeline")
def timeline(source: str = INPUT, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """A patient's course: per-day CRS, ICANS and CTCAE grades, onset, maximum, duration, resolution, alerts."""
    run_computation(source, fmt, lambda data: build_timeline(parse_course(data)).as_dict(), _render_timeline)
