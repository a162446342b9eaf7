"""``ioguide simulate exposure | cart | cohort | patient``: parse, call ``ioguide.simulation``, render.

Contract: ``shared/spec/simulation.md``; plumbing (JSON in/out, exit 2 on bad input): ``ioguide.cli.io``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from ioguide.cli.db import DB_OPTION
from ioguide.cli.io import FORMAT_OPTION, OutputFormat, read_json, resolve_format, run_computation, run_produced
from ioguide.errors import InputError
from ioguide.validation import parse_model

# The numerical core (numpy, scipy) is imported inside each command, so that every other ``ioguide`` command
# starts without paying for it.

app = typer.Typer(help="Exposure by route, CAR-T cellular kinetics, virtual cohorts (spec/simulation.md).")

INPUT_ARGUMENT = typer.Argument(..., help="JSON input file, or - for standard input.")
PLOT_OPTION = typer.Option(None, "--plot", help="Also save a figure (.png or .svg).")


def _check_plot(plot: Path | None) -> None:
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        typer.echo(f"--plot: {plot} must end in .png or .svg", err=True)
        raise typer.Exit(2)


def _save(fig: Any, plot: Path) -> None:
    fig.savefig(plot, format=plot.suffix.lower().lstrip("."))
    typer.echo(f"figure written to {plot}", err=True)


def _num(value: Any) -> str:
    return "-" if value is None else f"{value:.6g}"


def _footer(result: dict[str, Any]) -> list[str]:
    lines = []
    if result.get("assumptions"):
        lines.append("assumptions:")
        lines += [f"  {a['parameter']} = {a['value']:g} ({a['source']})" for a in result["assumptions"]]
    lines.append("reasons:")
    lines += [f"  - {r}" for r in result["reasons"]]
    return lines


def render_exposure(result: dict[str, Any]) -> str:
    lines = [f"{result['model']} ({result['drug'] or 'parameters from input'}): {result['parameters']}"]
    header = f"{'regimen':<24}{'route':<14}{'AUC tumour':>12}{'AUC plasma':>12}{'AUCinf pl.':>12}{'Cmax pl.':>11}"
    lines += [header, "-" * len(header)]
    for r in result["regimens"]:
        lines.append(
            f"{r['name'][:23]:<24}{r['route']:<14}{_num(r['auc_tumour_mg_day_l']):>12}"
            f"{_num(r['auc_plasma_mg_day_l']):>12}{_num(r['auc_plasma_inf_mg_day_l']):>12}"
            f"{_num(r['cmax_plasma_mg_l']):>11}"
        )
    lines.append(f"(AUCs in mg*day/L over 0-{result['horizon_days']:g} days; concentrations mg/L)")
    lines.append(
        f"tumour AUC ratio IT/IV per mg: {_num(result['tumour_auc_ratio_same_dose'])}; "
        f"IV dose for equal tumour AUC: {_num(result['iv_dose_for_equal_tumour_auc_mg'])} mg"
    )
    return "\n".join(lines + _footer(result))


def render_cart(result: dict[str, Any]) -> str:
    lines = [f"{result['model']}: {result['parameters']}"]
    if result["model"] == "stein2019":
        lines += [f"  day {t:g}: {_num(v)}" for t, v in zip(result["times_days"], result["level"], strict=True)]
        lines.append(
            f"AUC 0-{result['horizon_days']:g}: {_num(result['auc_0_horizon'])}; Cmax {_num(result['cmax'])} at "
            f"{_num(result['tmax_days'])} d; doubling time {_num(result['doubling_time_days'])} d"
        )
    else:
        lines.append(f"route {result['route']}, dose {result['dose_cells']:g} cells")
        for t, r, b in zip(result["times_days"], result["regional_cells"], result["blood_cells"], strict=True):
            lines.append(f"  day {t:g}: regional {_num(r)}  blood {_num(b)}")
        lines.append(
            f"AUC regional {_num(result['auc_regional_cells_day'])}, blood {_num(result['auc_blood_cells_day'])} "
            "cells*day"
        )
    return "\n".join(lines + _footer(result))


def render_cohort(result: dict[str, Any]) -> str:
    q = result["percentiles"]
    lines = [f"{result['kind']} cohort: n = {result['n']}, seed {result['seed']}, percentiles {q}"]
    for group in result["groups"]:
        lines.append(f"{group['name']}:")
        for name, values in group.items():
            if isinstance(values, list) and values and not isinstance(values[0], list):
                lines.append(f"  {name:<26}" + "  ".join(_num(v) for v in values))
    return "\n".join(lines + _footer(result))


def _write_table(table: dict[str, Any], path: str) -> None:
    import pyarrow as pa

    arrow = pa.table({name: pa.array(values) for name, values in table.items()})
    if path.lower().endswith(".csv"):
        import pyarrow.csv as pacsv

        pacsv.write_csv(arrow, path)
    else:
        import pyarrow.parquet as pq

        pq.write_table(arrow, path)


def _run(
    source: str,
    fmt: OutputFormat | None,
    plot: Path | None,
    compute: Callable[[Any], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
    figure: Callable[[Any, dict[str, Any]], Any],
) -> None:
    """``run_computation`` plus ``--plot``: ``figure(input, result)`` is drawn and saved when asked for."""
    _check_plot(plot)

    def compute_and_plot(data: Any) -> dict[str, Any]:
        result = compute(data)
        if plot is not None:
            _save(figure(data, result), plot)
        return result

    run_computation(source, fmt, compute_and_plot, render)


def _exposure_figure(data: Any, _: dict[str, Any]) -> Any:
    from ioguide.plots.exposure import exposure_figure
    from ioguide.simulation.inputs import ExposureInput

    return exposure_figure(parse_model(ExposureInput, data))


def _cart_figure(_: Any, result: dict[str, Any]) -> Any:
    from ioguide.plots.exposure import cart_figure

    return cart_figure(result)


def _cohort_figure(_: Any, result: dict[str, Any]) -> Any:
    from ioguide.plots.exposure import cohort_figure

    return cohort_figure(result)


@app.command("exposure")
def exposure(
    source: str = INPUT_ARGUMENT, fmt: OutputFormat | None = FORMAT_OPTION, plot: Path | None = PLOT_OPTION
) -> None:
    """Tumour and plasma exposure by route (intratumoral vs intravenous), exact linear solutions."""

    from ioguide.simulation.exposure import simulate_exposure
    from ioguide.simulation.inputs import ExposureInput

    def compute(data: Any) -> dict[str, Any]:
        return simulate_exposure(parse_model(ExposureInput, data)).as_dict()

    _run(source, fmt, plot, compute, render_exposure, _exposure_figure)


@app.command("cart")
def cart(
    source: str = INPUT_ARGUMENT, fmt: OutputFormat | None = FORMAT_OPTION, plot: Path | None = PLOT_OPTION
) -> None:
    """CAR-T cellular kinetics: Stein 2019, or the two-site route-aware extension."""
    from ioguide.simulation.cart import simulate_cart

    _run(source, fmt, plot, lambda data: simulate_cart(data).as_dict(), render_cart, _cart_figure)


@app.command("cohort")
def cohort(
    source: str = INPUT_ARGUMENT,
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run the chunks on Dask: threads, processes, synchronous, or tcp://host:port."
    ),
    fmt: OutputFormat | None = FORMAT_OPTION,
    plot: Path | None = PLOT_OPTION,
) -> None:
    """N virtual patients with log-normal variability: percentiles of every metric, optional per-patient table."""
    from ioguide.simulation.cohort import CohortResult, run_cohort
    from ioguide.simulation.distributed import SchedulerUnavailable, dask_mapper
    from ioguide.simulation.inputs import CohortInput

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() or total > 1:
            typer.echo(f"cohort: chunk {done}/{total}", err=True)

    def compute(data: Any) -> dict[str, Any]:
        inp = parse_model(CohortInput, data)
        try:
            result: CohortResult = run_cohort(inp, dask_mapper(scheduler) if scheduler else None, progress)
        except SchedulerUnavailable as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from None
        if inp.per_patient_out:
            try:
                _write_table(result.per_patient, inp.per_patient_out)
            except OSError as exc:
                raise InputError.one("per_patient_out", f"cannot write {inp.per_patient_out}: {exc}") from None
            typer.echo(f"per-patient table written to {inp.per_patient_out}", err=True)
        return result.as_dict()

    _run(source, fmt, plot, compute, render_cohort, _cohort_figure)


def _records_for(patient_id: int, db: str | None) -> tuple[list[Any], list[Any]]:
    """Injections and diameters of a stored patient, read through the services (exit 2: unknown patient)."""
    import datetime as dt

    from ioguide.cli.records_common import open_migrated
    from ioguide.services.cases import get_case
    from ioguide.services.context import cli_actor
    from ioguide.services.errors import NotFoundError
    from ioguide.services.procedures import list_procedures
    from ioguide.simulation.patient import InjectionRecord, LesionDiameter

    database = open_migrated(db)
    try:
        case, _ = get_case(database, cli_actor(), patient_id)
        procedures = list_procedures(database, cli_actor(), patient_id)
    except NotFoundError as err:
        raise InputError.one("--patient", err.message) from None
    finally:
        database.dispose()
    injections = [
        InjectionRecord(
            date=dt.date.fromisoformat(p["date"]),
            agent=p["agent"],
            lesion=item["lesion_id"],
            volume_ml=item["volume_ml"],
            concentration_mg_ml=p.get("concentration_mg_ml"),
        )
        for p in procedures
        if p["kind"] == "injection"
        for item in p["lesions"]
    ]
    diameters = [
        LesionDiameter(label, dt.date.fromisoformat(tp["date"]), float(value))
        for tp in case["timepoints"]
        for label, value in tp["diameters_mm"].items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return injections, diameters


def render_patient(result: dict[str, Any]) -> str:
    lines = [f"patient {result['patient_id']}: exposure over 0-{result['horizon_days']:g} days"]
    for agent in result["agents"]:
        lines.append(
            f"{agent['agent']} (first injection {agent['first_injection']}): plasma AUC "
            f"{_num(agent['auc_plasma_mg_day_l'])} mg*day/L, Cmax {_num(agent['cmax_plasma_mg_l'])} mg/L "
            f"at day {_num(agent['tmax_plasma_days'])}"
        )
        for lesion in agent["lesions"]:
            total = sum(d["amount_mg"] for d in lesion["doses"])
            lines.append(
                f"  {lesion['lesion']}: {len(lesion['doses'])} injection(s), {total:g} mg; tumour AUC "
                f"{_num(lesion['auc_tumour_mg_day_l'])} mg*day/L"
            )
    lines += [f"not evaluable: {item['injection']}: {item['reason']}" for item in result["not_evaluable"]]
    return "\n".join(lines + _footer(result))


@app.command("patient")
def patient(
    patient_id: int = typer.Option(..., "--patient", help="The stored patient's id."),
    db: str | None = DB_OPTION,
    retention_half_life_days: float = typer.Option(
        1.0, "--retention-half-life-days", help="Assumed tumour retention half-life (days)."
    ),
    kp: float = typer.Option(0.0, "--kp", help="Assumed tumour:plasma partition (uptake from plasma)."),
    horizon_days: float | None = typer.Option(None, "--horizon-days", help="Default: last injection + 28 days."),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """Exposure per injected lesion and in plasma from a stored patient's recorded injections."""
    from ioguide.simulation.patient import TumourAssumptions, patient_exposure

    def compute() -> dict[str, Any]:
        problems = []
        if not retention_half_life_days > 0:
            problems.append(("--retention-half-life-days", "must be > 0 (a half-life in days is > 0)"))
        if not kp >= 0:
            problems.append(("--kp", "must be >= 0 (kp is a tumour:plasma concentration ratio >= 0)"))
        if horizon_days is not None and not horizon_days > 0:
            problems.append(("--horizon-days", "must be > 0 (the horizon is a duration in days > 0)"))
        if problems:
            from ioguide.errors import Problem

            raise InputError([Problem(f, m) for f, m in problems])
        injections, diameters = _records_for(patient_id, db)
        result = patient_exposure(injections, diameters, TumourAssumptions(retention_half_life_days, kp, horizon_days))
        return {"patient_id": patient_id, **result.as_dict()}

    run_produced(fmt, compute, render_patient)


__all__ = ["app", "read_json", "resolve_format"]
