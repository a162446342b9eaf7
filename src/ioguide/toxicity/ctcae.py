"""Grade one CTCAE term from a value (labs, fever, stools) or a clinical finding, by the tables in ``data/ctcae``.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017) and v6.0 (22 Jul 2025); the
thresholds live in the YAML tables, this module only applies them. Band edges follow CTCAE's notation exactly:
"> 3.0 - 5.0 x ULN" means 3.0 x ULN < value <= 5.0 x ULN, "< 1.0 - 0.5 x 10^9/L" means 0.5 <= value < 1.0;
comparisons use decimal arithmetic so that 120 U/L against an ULN of 40 is exactly 3.0 x ULN (grade 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.errors import InputError
from ioguide.toxicity.checks import Checks
from ioguide.toxicity.ctcae_tables import Band, Criterion, CtcaeTable, Term, load_table
from ioguide.toxicity.values import result_dict
from ioguide.validation import STRICT_INPUT, parse_model

REFERENCE_LABEL = {"uln": "ULN", "lln": "LLN", "baseline": "baseline"}
APPLIES_LABEL = {
    "always": "",
    "baseline_normal": " (baseline normal)",
    "baseline_abnormal": " (baseline abnormal)",
    "baseline_given": " (against baseline)",
    "baseline_below_lln": " (baseline below LLN)",
}


class CtcaeInput(BaseModel):
    """``spec/toxicity.md``, CTCAE: a term and the fields that term reads (see ``ioguide grade ctcae --list``)."""

    model_config = STRICT_INPUT

    term: str
    version: Literal["5.0", "6.0"] = "5.0"
    value: float | None = None
    uln: float | None = None
    lln: float | None = None
    baseline: float | None = None
    baseline_abnormal: bool = False
    temp_c: float | None = None
    duration_h: float | None = None
    stools_over_baseline_per_day: int | None = None
    finding: str | None = None


@dataclass(frozen=True, slots=True)
class CtcaeGrade:
    """A CTCAE grade, or ``None`` with the possible ``grade_range`` when the input cannot decide it."""

    term: str
    name: str
    version: str
    grade: int | None
    grade_range: tuple[int, int] | None
    drivers: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def scale(self) -> str:
        return f"CTCAE v{self.version}"

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {} if self.grade_range is None else {"grade_range": list(self.grade_range)}
        extra.update({"term": self.term, "name": self.name})
        return result_dict(self.grade, self.scale, extra, self.drivers, self.reasons)


def select_term(term: str, version: str) -> tuple[CtcaeTable, Term | None]:
    """The table that grades ``term`` for ``version``: v6.0 where ioguide has the term, else v5.0."""
    table = load_table(version)
    if term in table.terms:
        return table, table.terms[term]
    fallback = load_table("5.0")
    return fallback, fallback.terms.get(term)


def known_terms() -> list[str]:
    return sorted(load_table("5.0").terms)


def parse_ctcae(data: Any, prefix: tuple[str | int, ...] = ()) -> CtcaeInput:
    """Validate a CTCAE input against its term's table entry: known term, only the fields it reads, plausible
    values, a baseline when the baseline is abnormal (and above the ULN), a known finding."""
    request = parse_model(CtcaeInput, data, prefix)
    checks = Checks(prefix)
    _, term = select_term(request.term, request.version)
    if term is None:
        checks.fail("term", f"unknown CTCAE term {request.term!r}; known terms: {', '.join(known_terms())}")
        checks.done()
    assert term is not None
    allowed = {"term", "version", *term.inputs()}
    if not request.baseline_abnormal:
        allowed.add("baseline_abnormal")  # the default, false, is harmless for any term
    for field in sorted(request.model_fields_set - allowed):
        checks.fail(field, f"not used by {request.term} (it reads: {', '.join(term.inputs())})")
    values = request.model_dump()
    value = values.get(term.value_field)
    has_finding = request.finding is not None
    if term.criteria and value is None and (term.value_required or not has_finding):
        need = term.value_field if term.value_required else f"{term.value_field} or finding"
        checks.fail(term.value_field, f"required for {request.term} ({need}, in {term.unit})")
    if not term.criteria and not has_finding:
        checks.fail("finding", f"required for {request.term}: one of {', '.join(term.findings)}")
    checks.within(term.value_field, value, *term.value_range, f"a {term.name.lower()} value in {term.unit}")
    refs = term.references()
    if "uln" in refs and request.uln is None:
        checks.fail("uln", f"required for {request.term} (its grades are multiples of the ULN)")
    for ref in ("uln", "lln", "baseline"):
        ref_value = values[ref]
        if ref_value is not None and ref_value <= 0:
            checks.fail(ref, f"{ref_value:g} must be above 0 (a reference value, {term.unit})")
    checks.within("duration_h", request.duration_h, 0.0, 24.0 * 365, "a duration in hours")
    if request.baseline_abnormal:
        if request.baseline is None:
            checks.fail("baseline", "required when baseline_abnormal is true (grades are multiples of baseline)")
        elif request.uln is not None and request.baseline <= request.uln:
            checks.fail(
                "baseline_abnormal",
                f"baseline {request.baseline:g} is not above the ULN {request.uln:g}: an abnormal baseline is > ULN",
            )
    for band in (b for c in term.criteria for b in c.bands if b.escalate is not None and b.of == "absolute"):
        assert band.escalate is not None
        if value is not None and getattr(request, band.escalate.field) is None and _holds(band, value, 1.0):
            checks.fail(band.escalate.field, _escalate_needed(term, band))
    if has_finding and request.finding not in term.findings:
        checks.fail("finding", f"{request.finding!r} is not one of {', '.join(term.findings)}")
    checks.done()
    return request


def _dec(x: float) -> Decimal:
    return Decimal(str(x))


def _holds(band: Band, value: float, ref: float) -> bool:
    bound = _dec(band.threshold) * (Decimal(1) if band.of == "absolute" else _dec(ref))
    v = _dec(value)
    if band.above is not None:
        return v > bound
    if band.at_least is not None:
        return v >= bound
    return v < bound


def _escalate_needed(term: Term, band: Band) -> str:
    assert band.escalate is not None
    return (
        f"required when {term.value_field} is {_describe(band)} (CTCAE {term.name}: grade {band.grade} for "
        f"<= {band.escalate.above:g} h, grade {band.escalate.grade} beyond)"
    )


def _describe(band: Band) -> str:
    ref = "" if band.of == "absolute" else f" x {REFERENCE_LABEL[band.of]}"
    return f"{band.operator} {band.threshold:g}{ref}"


@dataclass(frozen=True, slots=True)
class _Outcome:
    low: int
    high: int
    drivers: tuple[str, ...]
    reason: str


def _criterion(term: Term, criterion: Criterion, request: CtcaeInput, value: float, path: str) -> _Outcome | None:
    refs: dict[str, float | None] = {
        "absolute": 1.0,
        "uln": request.uln,
        "lln": request.lln,
        "baseline": request.baseline,
    }
    maybe = False  # the criterion may apply but cannot be decided (baseline below an unknown LLN)
    if criterion.applies == "baseline_normal" and request.baseline_abnormal:
        return None
    if criterion.applies == "baseline_abnormal" and not request.baseline_abnormal:
        return None
    if criterion.applies in ("baseline_given", "baseline_below_lln") and request.baseline is None:
        return None
    if criterion.applies == "baseline_below_lln":
        if request.lln is None:
            maybe = True
        elif request.baseline is not None and not request.baseline < request.lln:
            return None
    low, unknown, winner = 0, 0, None
    for band in criterion.bands:
        ref = refs[band.of]
        if ref is None:
            unknown = max(unknown, band.grade)
            continue
        if _holds(band, value, ref):
            grade = band.grade
            if band.escalate is not None:
                extra = getattr(request, band.escalate.field)
                if extra is None:
                    raise InputError.one(band.escalate.field, _escalate_needed(term, band))
                if extra > band.escalate.above:
                    grade = band.escalate.grade
            if grade > low:
                low, winner = grade, band
    shown = f"{value:g} {term.unit}".strip()
    detail = [shown]
    for ref_name in ("uln", "lln", "baseline"):
        ref_value = refs[ref_name]
        if ref_value is not None and any(b.of == ref_name for b in criterion.bands):
            detail.append(f"{value / ref_value:.2f} x {REFERENCE_LABEL[ref_name]} {ref_value:g}")
    rule = "no band reached" if winner is None else f"{_describe(winner)} ('{term.text.get(low, '')}')"
    reason = f"{term.name}{APPLIES_LABEL[criterion.applies]}: {', '.join(detail)} -> grade {low} ({rule})"
    high = max(low, unknown)
    if unknown > low:
        reason += f"; LLN not given: grade {low} or up to {unknown} ({REFERENCE_LABEL['lln']} needed)"
    if maybe:
        reason += "; applies only if the baseline is below the LLN, which was not given"
        low, high = 0, max(low, high)
    drivers: tuple[str, ...] = ()
    if winner is not None:
        drivers = (path,) + (() if winner.of == "absolute" else (winner.of,))
        if winner.escalate is not None and low == winner.escalate.grade:
            drivers += (winner.escalate.field,)
    return _Outcome(low, high, drivers, reason)


def grade_ctcae(request: CtcaeInput) -> CtcaeGrade:
    """Grade ``request.term`` by CTCAE (the version's YAML table): the highest grade any applicable criterion
    reaches (";" in CTCAE is "or", e.g. creatinine against baseline or against the ULN), or a clinical finding."""
    table, term = select_term(request.term, request.version)
    if term is None:  # parse_ctcae rejects unknown terms first
        raise InputError.one("term", f"unknown CTCAE term {request.term!r}")
    outcomes: list[_Outcome] = []
    value = getattr(request, term.value_field)
    if value is not None:
        for criterion in term.criteria:
            outcome = _criterion(term, criterion, request, float(value), term.value_field)
            if outcome is not None:
                outcomes.append(outcome)
    if request.finding is not None:
        g = term.findings[request.finding]
        reason = f"{term.name}: finding {request.finding} -> grade {g} ('{term.text.get(g, 'none')}')"
        outcomes.append(_Outcome(g, g, ("finding",) if g else (), reason))
    low = max(o.low for o in outcomes)
    high = max(o.high for o in outcomes)
    drivers: list[str] = []
    for outcome in outcomes:
        if outcome.low == low and low > 0:
            drivers += [d for d in outcome.drivers if d not in drivers]
    prefix = f"CTCAE v{table.version}"
    reasons = [f"{prefix} {reason}" for reason in (o.reason for o in outcomes)]
    if len(outcomes) > 1:
        reasons.append(f"{prefix}: the highest grade any criterion reaches is taken (';' in CTCAE means 'or')")
    if table.version != request.version:
        reasons.append(
            f"CTCAE v{request.version} data in ioguide has no {request.term}: graded with CTCAE v{table.version}"
        )
    if term.note:
        reasons.append(f"{prefix} note: {term.note}")
    if low == high:
        return CtcaeGrade(request.term, term.name, table.version, low, None, tuple(drivers), tuple(reasons))
    reasons.append(f"grade {low} or {high}: not evaluable from the input")
    return CtcaeGrade(request.term, term.name, table.version, None, (low, high), (), tuple(reasons))
