"""``ioguide assess``: tumour response over time (``spec/response.md``)."""

from __future__ import annotations

from typing import Any

import typer

from ioguide.cli.io import FORMAT_OPTION, OutputFormat, run_computation
from ioguide.criteria.assess import assess_json
from ioguide.criteria.values import CRITERIA


def _fmt(value: Any, suffix: str = "") -> str:
    return "-" if value is None else f"{value}{suffix}"


def render_assessment(result: dict[str, Any]) -> str:
    """A table per timepoint (date, day, sum, change from baseline and nadir, response) and the best response."""
    lines = [f"criteria: {result['criteria']}   baseline {result['baseline']['date']}"]
    header = f"{'date':<11} {'day':>5} {'sum mm':>8} {'vs base':>8} {'vs nadir':>9}  {'target':<8} {'non-target':<14} response"
    lines += [header, "-" * len(header)]
    for tp in result["timepoints"]:
        lines.append(
            f"{tp['date']:<11} {tp['day']:>5} {_fmt(tp['sum_mm']):>8} {_fmt(tp['change_from_baseline_pct'], '%'):>8} "
            f"{_fmt(tp['change_from_nadir_pct'], '%'):>9}  {_fmt(tp['target_response']):<8} "
            f"{_fmt(tp['non_target_response']):<14} {_fmt(tp['response'])}"
            + (f" (progression dated {tp['progression_date']})" if tp.get("progression_date") else "")
        )
    for name, sub in (result.get("subsets") or {}).items():
        lines.append("")
        if sub is None:
            lines.append(f"{name}: no lesion in this subset")
            continue
        lines.append(f"{name} lesions {', '.join(sub['lesions'])}: baseline sum {_fmt(sub['baseline_sum_mm'])} mm")
        for tp in sub["timepoints"]:
            lines.append(
                f"  {tp['date']:<11} {tp['day']:>5} {_fmt(tp['sum_mm']):>8} {_fmt(tp['change_from_baseline_pct'], '%'):>8} "
                f"{_fmt(tp['change_from_nadir_pct'], '%'):>9}  {_fmt(tp['response'])}"
            )
    best = result["best_overall_response"]
    confirmed = "" if best["confirmed"] is None else (" (confirmed)" if best["confirmed"] else " (unconfirmed)")
    lines += ["", f"best overall response: {best['response']}{confirmed} {_fmt(best['date'])}"]
    lines += [f"  - {r}" for r in best["reasons"]]
    lines += ["", "reasons by timepoint:"]
    for tp in result["timepoints"]:
        lines.append(f"  {tp['date']}:")
        lines += [f"    - {r}" for r in tp["reasons"]]
    return "\n".join(lines)


def assess(
    case: str = typer.Argument(..., help="The case JSON file, or - for standard input."),
    criteria: str | None = typer.Option(
        None, "--criteria", help=f"Override the case's criteria: {' | '.join(CRITERIA)}."
    ),
    fmt: OutputFormat | None = FORMAT_OPTION,
) -> None:
    """Timepoint responses and the best overall response of one patient's case."""
    run_computation(case, fmt, lambda data: assess_json(data, criteria), render_assessment)
