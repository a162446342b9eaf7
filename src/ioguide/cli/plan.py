"""``ioguide plan``: injection plans, injectability, schedules, eligibility and locoregional helpers.

Each command only parses its JSON input, calls ``ioguide.planning`` and renders the result
(``spec/planning.md``).
"""

from __future__ import annotations

from typing import Any

import typer

from ioguide.cli.io import FORMAT_OPTION, OutputFormat, run_computation
from ioguide.planning.ablation import AblationRequest, assess_ablation
from ioguide.planning.catalog import get_agent, load_agents, load_collection, load_rules, pick
from ioguide.planning.eligibility import EligibilityRequest, Program, assess_eligibility
from ioguide.planning.injectability import InjectabilityRequest, InjectabilityRules, assess_injectability
from ioguide.planning.injection import InjectionRequest, plan_injection
from ioguide.planning.liver import LiverRequest, LiverRules, assess_liver
from ioguide.planning.renal import RenalRequest, RenalRules, renal_score
from ioguide.planning.schedule import ScheduleRequest, plan_schedule
from ioguide.validation import parse_model

app = typer.Typer(help="Plan the intervention: injections, injectability, schedules, eligibility, liver and kidney.")

INPUT_ARG = typer.Argument(..., help="Input JSON file, or - for standard input.")
AGENTS_DIR_OPTION = typer.Option(
    None,
    "--agents-dir",
    help="A folder of extra agent protocol files (*.yaml), validated like the shipped ones.",
)


def _reasons_text(reasons: list[str], indent: str = "  ") -> str:
    return "\n".join(f"{indent}- {r}" for r in reasons)


def _render_injection(result: dict[str, Any]) -> str:
    conc_key = next(k for k in result if k.startswith("concentration_"))
    lines = [
        f"{result['agent']} - {result['visit']} visit - {conc_key} {result[conc_key]:g}"
        f" - cap policy {result['cap_policy']}",
        f"total {result['total_volume_ml']} mL of at most {result['max_volume_ml']} mL",
        f"{'order':>5}  {'lesion':<12} {'volume_ml':>9}  partial",
    ]
    for inj in result["injections"]:
        lines.append(
            f"{inj['order']:>5}  {inj['lesion']:<12} {inj['volume_ml']:>9.2f}  {'yes' if inj['partial'] else ''}"
        )
        lines.append(_reasons_text(inj["reasons"], "         "))
    for item in result["not_injected"]:
        lines.append(f"    -  {item['lesion']:<12} not injected")
        lines.append(_reasons_text(item["reasons"], "         "))
    lines.append("why:")
    lines.append(_reasons_text(result["reasons"]))
    return "\n".join(lines)


@app.command("injection")
def injection(
    source: str = INPUT_ARG,
    fmt: OutputFormat | None = FORMAT_OPTION,
    agents_dir: list[str] | None = AGENTS_DIR_OPTION,
) -> None:
    """Which lesions get how much today, in what order, under the visit maximum."""

    def compute(data: Any) -> dict[str, Any]:
        request = parse_model(InjectionRequest, data)
        agent = get_agent(request.agent, load_agents(agents_dir or ()))
        return plan_injection(agent, request).as_dict()

    run_computation(source, fmt, compute, _render_injection)


def _render_injectability(result: dict[str, Any]) -> str:
    lines = [
        f"lesion {result['lesion']} ({result['site']}): injectable {result['injectable'].upper()}"
        f" - guidance {result['guidance'] or 'none'} - {result['procedure_bleeding_risk']}-risk procedure",
        "why:",
        _reasons_text(result["reasons"]),
        "approach:",
        _reasons_text(result["approach_notes"]),
    ]
    return "\n".join(lines)


@app.command("injectability")
def injectability(
    source: str = INPUT_ARG, fmt: OutputFormat | None = FORMAT_OPTION, agents_dir: list[str] | None = AGENTS_DIR_OPTION
) -> None:
    """Can this lesion be injected, under which guidance, and what to watch."""

    def compute(data: Any) -> dict[str, Any]:
        request = parse_model(InjectabilityRequest, data)
        agent = get_agent(request.agent, load_agents(agents_dir or ())) if request.agent else None
        rules = load_rules(InjectabilityRules, "planning", "injectability")
        return assess_injectability(rules, request, agent).as_dict()

    run_computation(source, fmt, compute, _render_injectability)


def _render_eligibility(result: dict[str, Any]) -> str:
    lines = [f"program {result['program']}: eligible {result['eligible'].upper()}"]
    for c in result["criteria"]:
        lines.append(f"  {c['status']:<8} {c['kind']:<9} {c['id']:<28} {c['reasons'][0]}")
    lines.append("why:")
    lines.append(_reasons_text(result["reasons"]))
    return "\n".join(lines)


@app.command("eligibility")
def eligibility(
    source: str = INPUT_ARG,
    fmt: OutputFormat | None = FORMAT_OPTION,
    programs_dir: list[str] | None = typer.Option(
        None, "--programs-dir", help="A folder of extra program files (*.yaml) with inclusion/exclusion criteria."
    ),
) -> None:
    """Met / not met / unknown for each of a program's inclusion and exclusion criteria."""

    def compute(data: Any) -> dict[str, Any]:
        request = parse_model(EligibilityRequest, data)
        program = pick("program", request.program, load_collection(Program, "programs", programs_dir or ()), "program")
        return assess_eligibility(program, request.patient)

    run_computation(source, fmt, compute, _render_eligibility)


def _render_schedule(result: dict[str, Any]) -> str:
    lines = [f"{result['agent']}: {result['cycles']} injections from {result['start_date']}"]
    lines.append(f"{'date':<10}  {'day':>4}  {'kind':<9}  {'window':<23}  label")
    for v in result["visits"]:
        window = f"{v['earliest']}..{v['latest']}"
        lines.append(f"{v['date']:<10}  {v['study_day']:>4}  {v['kind']:<9}  {window:<23}  {v['label']}")
    lines.append("why:")
    lines.append(_reasons_text(result["reasons"]))
    return "\n".join(lines)


@app.command("schedule")
def schedule(
    source: str = INPUT_ARG, fmt: OutputFormat | None = FORMAT_OPTION, agents_dir: list[str] | None = AGENTS_DIR_OPTION
) -> None:
    """Dated injection, imaging, biopsy and lab visits with their windows."""

    def compute(data: Any) -> dict[str, Any]:
        request = parse_model(ScheduleRequest, data)
        return plan_schedule(get_agent(request.agent, load_agents(agents_dir or ())), request)

    run_computation(source, fmt, compute, _render_schedule)


def _render_sections(result: dict[str, Any]) -> str:
    """Plain fields on one line each, then the reasons; nested results (liver) as titled sections."""
    lines: list[str] = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {line}" for line in _render_sections(value).splitlines())
        elif key == "reasons":
            lines.append("why:")
            lines.append(_reasons_text(value))
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines.append(_reasons_text([str(v) for v in value]))
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)


@app.command("liver")
def liver(source: str = INPUT_ARG, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """Child-Pugh, ALBI and BCLC 2022 stage with the treatment the guideline recommends."""

    def compute(data: Any) -> dict[str, Any]:
        return assess_liver(load_rules(LiverRules, "planning", "liver"), parse_model(LiverRequest, data))

    run_computation(source, fmt, compute, _render_sections)


@app.command("renal")
def renal(source: str = INPUT_ARG, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """R.E.N.A.L. nephrometry score of a renal mass considered for ablation."""

    def compute(data: Any) -> dict[str, Any]:
        return renal_score(load_rules(RenalRules, "planning", "renal"), parse_model(RenalRequest, data))

    run_computation(source, fmt, compute, _render_sections)


@app.command("ablation")
def ablation(source: str = INPUT_ARG, fmt: OutputFormat | None = FORMAT_OPTION) -> None:
    """Technical success, technique efficacy, local tumour progression and margin of one ablated tumour."""

    def compute(data: Any) -> dict[str, Any]:
        return assess_ablation(parse_model(AblationRequest, data))

    run_computation(source, fmt, compute, _render_sections)
