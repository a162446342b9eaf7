"""Grade one CTCAE term: computed from a value (laboratory terms, fever, stools) or a clinical finding by the tables
in ``data/ctcae``, or chosen by the clinician from NCI's grade definitions for any of CTCAE's 837 terms.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017) and v6.0 (22 Jul 2025); the
thresholds live in the YAML tables and the term list with its grade wording in NCI's published table
(:mod:`ctcae_catalog`); this module only applies them. Band edges follow CTCAE's notation exactly:
"> 3.0 - 5.0 x ULN" means 3.0 x ULN < value <= 5.0 x ULN, "< 1.0 - 0.5 x 10^9/L" means 0.5 <= value < 1.0;
comparisons use decimal arithmetic so that 120 U/L against an ULN of 40 is exactly 3.0 x ULN (grade 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from ioguide.errors import InputError, json_path
from ioguide.toxicity.checks import Checks
from ioguide.toxicity.ctcae_catalog import CatalogTerm, load_catalog, term_key
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
    "anticoagulated": " (on anticoagulation, against baseline)",
    "not_anticoagulated": " (not on anticoagulation)",
}
#: The version whose whole term table ships (``data/ctcae/sources.yaml``); v6.0's was not found machine-readable.
CATALOG_VERSION = "5.0"
#: The fields of a clinician-chosen grade; any other field is a computed term's input.
CHOSEN_FIELDS = {"term", "version", "grade", "meddra_code", "specify"}
#: Plausible values in a term's alternative units (its own unit has ``value_range``).
ALT_UNIT_RANGE = (0.0, 1.0e7)
#: CTCAE "Other, specify": a verbatim adverse event term, not a narrative.
SPECIFY_MAX = 200
ZERO_TEXT = "no adverse event (grade 0 is not a CTCAE grade: the term is recorded as absent)"


class CtcaeInput(BaseModel):
    """``spec/toxicity.md``, CTCAE: a term and the fields that term reads (see ``ioguide grade ctcae --list``), or a
    term (key, CTCAE name or ``meddra_code``) with a clinician-chosen ``grade``."""

    model_config = STRICT_INPUT

    term: str
    version: Literal["5.0", "6.0"] = "5.0"
    value: float | None = None
    unit: str | None = None
    uln: float | None = None
    lln: float | None = None
    baseline: float | None = None
    baseline_abnormal: bool = False
    temp_c: float | None = None
    duration_h: float | None = None
    stools_over_baseline_per_day: int | None = None
    symptomatic: bool | None = None
    physiologic_consequences: bool | None = None
    on_anticoagulation: bool | None = None
    finding: str | None = None
    grade: int | None = None
    meddra_code: int | None = None
    specify: str | None = None


@dataclass(frozen=True, slots=True)
class CtcaeGrade:
    """A CTCAE grade, or ``None`` with the possible ``grade_range`` when the input cannot decide it; ``grade_text``
    is NCI's wording of the grade (for a chosen grade, the definition the clinician chose)."""

    term: str
    name: str
    version: str
    grade: int | None
    grade_range: tuple[int, int] | None
    drivers: tuple[str, ...]
    reasons: tuple[str, ...]
    meddra_code: int | None = None
    grade_text: str | None = None

    @property
    def scale(self) -> str:
        return f"CTCAE v{self.version}"

    def as_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {} if self.grade_range is None else {"grade_range": list(self.grade_range)}
        extra.update(
            {"term": self.term, "name": self.name, "meddra_code": self.meddra_code, "grade_text": self.grade_text}
        )
        return result_dict(self.grade, self.scale, extra, self.drivers, self.reasons)


def select_term(term: str, version: str) -> tuple[CtcaeTable, Term | None]:
    """The table that computes ``term`` for ``version``: v6.0 where ioguide has the term, else v5.0."""
    table = load_table(version)
    if term in table.terms:
        return table, table.terms[term]
    fallback = load_table("5.0")
    return fallback, fallback.terms.get(term)


def catalog_term(key: str, computed: Term | None) -> CatalogTerm | None:
    """NCI's entry for ``key`` (or for the computed term's MedDRA code, e.g. ionised calcium under Hypercalcemia)."""
    catalog = load_catalog(CATALOG_VERSION)
    found = catalog.find(key)
    if found is None and computed is not None and computed.meddra_code is not None:
        found = catalog.find(computed.meddra_code)
    return found


def known_terms() -> list[str]:
    """The terms ioguide computes from values (CTCAE v5.0 table); any catalogue term takes a chosen grade."""
    return sorted(load_table("5.0").terms)


def _unknown_term(term: str) -> str:
    suggestions, note = load_catalog(CATALOG_VERSION).suggest(term)
    message = f"unknown CTCAE v{CATALOG_VERSION} term {term!r}"
    if note:
        message += f" ({note})"
    if suggestions:
        message += f"; did you mean: {'; '.join(suggestions)}"
    return message + " (ioguide grade ctcae --list --search WORD lists the terms)"


def _resolve_code(data: Any, prefix: tuple[str | int, ...]) -> Any:
    """A term given only by ``meddra_code``: put its key in ``term`` before the model is parsed."""
    if not isinstance(data, dict) or "term" in data or "meddra_code" not in data:
        return data
    code = data["meddra_code"]
    found = load_catalog(CATALOG_VERSION).find(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if found is None:
        raise InputError.one(
            json_path((*prefix, "meddra_code")), f"{code!r} is not the MedDRA code of a CTCAE v5.0 term"
        )
    return {**data, "term": found.key}


def parse_ctcae(data: Any, prefix: tuple[str | int, ...] = ()) -> CtcaeInput:
    """Validate a CTCAE input: a known term (key, CTCAE name or MedDRA code; unknown -> near matches suggested),
    then either a chosen ``grade`` that exists for the term, or the fields its computed table reads with plausible
    values (a baseline when the baseline is abnormal, a known finding, a known unit)."""
    request = parse_model(CtcaeInput, _resolve_code(data, prefix), prefix)
    checks = Checks(prefix)
    key = term_key(request.term)
    _, term = select_term(key, request.version)
    needs_entry = term is None or request.grade is not None or request.meddra_code is not None
    entry = catalog_term(key, term) if needs_entry else None
    if term is None and entry is None:
        checks.fail("term", _unknown_term(request.term))
        checks.done()
    canonical = key if term is not None or entry is None else entry.key
    if canonical != request.term:
        request = request.model_copy(update={"term": canonical})
    if request.meddra_code is not None and entry is not None and request.meddra_code != entry.meddra_code:
        checks.fail("meddra_code", f"{request.meddra_code} is not the code of {entry.name} ({entry.meddra_code})")
    if request.grade is not None:
        assert entry is not None or term is not None
        _check_chosen(request, entry, checks)
    elif term is None:
        assert entry is not None
        checks.fail("grade", _grade_needed(entry))
    else:
        _check_computed(request, term, checks)
    checks.done()
    return request


def _grade_needed(entry: CatalogTerm) -> str:
    options = "; ".join(f"{g} '{text}'" for g, text in entry.grades)
    return f"required for {entry.name}: ioguide does not compute it, choose the grade from NCI's definitions: {options}"


def _check_chosen(request: CtcaeInput, entry: CatalogTerm | None, checks: Checks) -> None:
    """A chosen grade: only the chosen-grade fields, a grade CTCAE defines for the term, ``specify`` for "Other"."""
    for field in sorted(request.model_fields_set - CHOSEN_FIELDS - {"baseline_abnormal"}):
        checks.fail(field, "not used with a chosen grade (give either grade, or the values ioguide grades from)")
    if request.baseline_abnormal:
        checks.fail("baseline_abnormal", "not used with a chosen grade")
    if entry is None:
        checks.fail("term", f"{request.term} has no entry in NCI's CTCAE v{CATALOG_VERSION} table")
        return
    grade = request.grade
    assert grade is not None
    available = [g for g, _ in entry.grades]
    if grade != 0 and grade not in available:
        checks.fail(
            "grade",
            f"{grade} is not a grade of {entry.name} in CTCAE v{CATALOG_VERSION} (it has grades "
            f"{', '.join(map(str, available))}; 0 records the term as absent)",
        )
    if entry.name.endswith("Other, specify") and not (request.specify or "").strip():
        checks.fail("specify", f"required for {entry.name}: the adverse event in the clinician's words")
    if request.specify is not None and len(request.specify) > SPECIFY_MAX:
        checks.fail("specify", f"{len(request.specify)} characters: at most {SPECIFY_MAX} (a short verbatim term)")


def _check_computed(request: CtcaeInput, term: Term, checks: Checks) -> None:
    allowed = {"term", "version", "meddra_code", *term.inputs()}
    if term.criteria:
        allowed.add("unit")  # naming the one unit a term is graded in is harmless; another unit is rejected below
    if not request.baseline_abnormal:
        allowed.add("baseline_abnormal")  # the default, false, is harmless for any term
    for field in sorted(request.model_fields_set - allowed):
        checks.fail(field, f"not used by {request.term} (it reads: {', '.join(term.inputs())})")
    values = request.model_dump()
    value = values.get(term.value_field)
    has_finding = request.finding is not None
    unit = request.unit or term.unit
    if request.unit is not None and request.unit not in term.units:
        checks.fail("unit", f"{request.unit!r} is not one of {', '.join(term.units)} (the units CTCAE grades in)")
    if term.criteria and value is None and (term.value_required or not has_finding):
        need = term.value_field if term.value_required else f"{term.value_field} or finding"
        checks.fail(term.value_field, f"required for {request.term} ({need}, in {' or '.join(term.units)})")
    if not term.criteria and not has_finding:
        checks.fail("finding", f"required for {request.term}: one of {', '.join(term.findings)}")
    low, high = term.value_range if unit == term.unit else ALT_UNIT_RANGE
    checks.within(term.value_field, value, low, high, f"a {term.name.lower()} value in {unit}")
    refs = term.references()
    absolute = any(b.of == "absolute" for c in term.criteria for b in c.bands)
    if "uln" in refs and request.uln is None and not absolute:
        checks.fail("uln", f"required for {request.term} (its grades are multiples of the ULN)")
    for ref in ("uln", "lln", "baseline"):
        ref_value = values[ref]
        if ref_value is not None and ref_value <= 0:
            checks.fail(ref, f"{ref_value:g} must be above 0 (a reference value, {unit})")
    checks.within("duration_h", request.duration_h, 0.0, 24.0 * 365, "a duration in hours")
    if request.baseline_abnormal:
        _check_abnormal_baseline(request, term, checks)
    applies = {c.applies for c in term.criteria}
    if applies & {"anticoagulated", "not_anticoagulated"}:
        if request.on_anticoagulation is None:
            checks.fail(
                "on_anticoagulation",
                f"required for {request.term}: CTCAE grades it against baseline "
                "if the patient is on anticoagulation, else on the value itself",
            )
        elif request.on_anticoagulation and request.baseline is None:
            checks.fail("baseline", "required when on_anticoagulation is true (grades are multiples of baseline)")
    refs_given = {"absolute": 1.0, "uln": request.uln, "lln": request.lln, "baseline": request.baseline}
    for band in (b for c in term.criteria for b in c.bands if b.escalate is not None):
        assert band.escalate is not None
        against = refs_given.get("uln" if band.of == "uln_plus" else band.of)
        if band.escalate.if_missing != "error" or value is None or against is None:
            continue
        if getattr(request, band.escalate.field) is None and _holds(band, float(value), against, unit):
            checks.fail(band.escalate.field, _escalate_needed(term, band, unit))
    if has_finding and request.finding not in term.findings:
        checks.fail("finding", f"{request.finding!r} is not one of {', '.join(term.findings)}")


def _check_abnormal_baseline(request: CtcaeInput, term: Term, checks: Checks) -> None:
    """An abnormal baseline is above the ULN for an "increased" term and below the LLN for a "decreased" one."""
    if request.baseline is None:
        checks.fail("baseline", "required when baseline_abnormal is true (grades are multiples of baseline)")
        return
    rising = all(b.rising for c in term.criteria if c.applies == "baseline_abnormal" for b in c.bands)
    if rising and request.uln is not None and request.baseline <= request.uln:
        checks.fail(
            "baseline_abnormal",
            f"baseline {request.baseline:g} is not above the ULN {request.uln:g}: an abnormal baseline is > ULN",
        )
    if not rising and request.lln is not None and request.baseline >= request.lln:
        checks.fail(
            "baseline_abnormal",
            f"baseline {request.baseline:g} is not below the LLN {request.lln:g}: an abnormal baseline is < LLN",
        )


def _dec(x: float) -> Decimal:
    return Decimal(str(x))


def _holds(band: Band, value: float, ref: float, unit: str | None) -> bool:
    threshold = _dec(band.threshold_in(unit))
    if band.of == "absolute":
        bound = threshold
    elif band.of == "uln_plus":
        bound = _dec(ref) + threshold
    else:
        bound = threshold * _dec(ref)
    v = _dec(value)
    if band.above is not None:
        return v > bound
    if band.at_least is not None:
        return v >= bound
    if band.below is not None:
        return v < bound
    return v <= bound


def _escalate_needed(term: Term, band: Band, unit: str | None) -> str:
    assert band.escalate is not None
    return (
        f"required when {term.value_field} is {_describe(band, unit)} (CTCAE {term.name}: grade {band.grade}, or "
        f"grade {band.escalate.grade} when {band.escalate.describe()})"
    )


def _describe(band: Band, unit: str | None) -> str:
    threshold = band.threshold_in(unit)
    if band.of == "absolute":
        return f"{band.operator} {threshold:g}"
    if band.of == "uln_plus":
        return f"{band.operator} ULN + {threshold:g} {unit or ''}".rstrip()
    return f"{band.operator} {threshold:g} x {REFERENCE_LABEL[band.of]}"


@dataclass(frozen=True, slots=True)
class _Outcome:
    low: int
    high: int
    drivers: tuple[str, ...]
    reason: str


def _applies(criterion: Criterion, request: CtcaeInput) -> bool | None:
    """Whether ``criterion`` is used for this input; None when it may apply but cannot be decided (no LLN)."""
    kind = criterion.applies
    if kind == "baseline_normal":
        return not request.baseline_abnormal
    if kind == "baseline_abnormal":
        return request.baseline_abnormal
    if kind in ("baseline_given", "baseline_below_lln") and request.baseline is None:
        return False
    if kind == "baseline_below_lln":
        if request.lln is None:
            return None
        return request.baseline is not None and request.baseline < request.lln
    if kind == "anticoagulated":
        return request.on_anticoagulation is True
    if kind == "not_anticoagulated":
        return request.on_anticoagulation is False
    return True


def _criterion(term: Term, criterion: Criterion, request: CtcaeInput, value: float, path: str) -> _Outcome | None:
    refs: dict[str, float | None] = {
        "absolute": 1.0,
        "uln": request.uln,
        "lln": request.lln,
        "baseline": request.baseline,
        "uln_plus": request.uln,
    }
    used = _applies(criterion, request)
    if used is False:
        return None
    unit = request.unit or term.unit
    low, unknown, open_high, winner = 0, 0, 0, None
    missing: list[str] = []
    unknown_refs: list[str] = []
    for band in criterion.bands:
        ref = refs[band.of]
        esc = band.escalate
        given = None if esc is None else getattr(request, esc.field)
        top = esc.grade if esc is not None and (given is None or esc.raises(given)) else band.grade
        if ref is None:
            unknown = max(unknown, top)
            label = REFERENCE_LABEL[band.of.removesuffix("_plus")]
            unknown_refs += [] if label in unknown_refs else [label]
            continue
        if not _holds(band, value, ref, unit):
            continue
        grade = band.grade
        if esc is not None:
            if given is None:
                if esc.if_missing == "error":
                    raise InputError.one(esc.field, _escalate_needed(term, band, unit))
                open_high = max(open_high, esc.grade)
                missing.append(esc.field)
            elif esc.raises(given):
                grade = esc.grade
        if grade > low:
            low, winner = grade, band
    detail = [f"{value:g} {unit}".strip()]
    for ref_name in ("uln", "lln", "baseline"):
        ref_value = refs[ref_name]
        if ref_value is not None and any(b.of in (ref_name, f"{ref_name}_plus") for b in criterion.bands):
            detail.append(f"{value / ref_value:.2f} x {REFERENCE_LABEL[ref_name]} {ref_value:g}")
    rule = "no band reached" if winner is None else f"{_describe(winner, unit)} ('{term.text.get(low, '')}')"
    reason = f"{term.name}{APPLIES_LABEL[criterion.applies]}: {', '.join(detail)} -> grade {low} ({rule})"
    high = max(low, unknown)
    if unknown > low:
        labels = " and ".join(unknown_refs)
        reason += f"; {labels} not given: grade {low} or up to {unknown} ({labels} needed)"
    if open_high > low:
        high = max(high, open_high)
        reason += f"; {', '.join(sorted(set(missing)))} not given: grade {low} or {open_high}"
    if used is None:
        reason += "; applies only if the baseline is below the LLN, which was not given"
        low, high = 0, max(low, high)
    drivers: tuple[str, ...] = ()
    if winner is not None:
        drivers = (path,) + (() if winner.of == "absolute" else (winner.of.removesuffix("_plus"),))
        if winner.escalate is not None and low == winner.escalate.grade:
            drivers += (winner.escalate.field,)
    return _Outcome(low, high, drivers, reason)


def grade_ctcae(request: CtcaeInput) -> CtcaeGrade:
    """Grade ``request.term`` by CTCAE: a clinician-chosen grade with NCI's wording of it, or the highest grade any
    applicable criterion of the version's table reaches (";" in CTCAE is "or", e.g. creatinine against baseline or
    against the ULN), or a clinical finding."""
    key = term_key(request.term)
    table, term = select_term(key, request.version)
    if request.grade is not None:
        entry = catalog_term(key, term)
        if entry is None:  # parse_ctcae rejects this first
            raise InputError.one("term", _unknown_term(request.term))
        return _chosen(request, entry, term)
    if term is None:  # parse_ctcae rejects unknown terms and catalogue terms without a grade first
        raise InputError.one("term", _unknown_term(request.term))
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
    code = term.meddra_code
    if low == high:
        text = term.text.get(low) if low > 0 else None
        return CtcaeGrade(key, term.name, table.version, low, None, tuple(drivers), tuple(reasons), code, text)
    reasons.append(f"grade {low} or {high}: not evaluable from the input")
    return CtcaeGrade(key, term.name, table.version, None, (low, high), (), tuple(reasons), code)


def _chosen(request: CtcaeInput, entry: CatalogTerm, computed: Term | None) -> CtcaeGrade:
    """A grade chosen by the clinician from NCI's definitions (NCI CTCAE v5.0 table), stored with the chosen text."""
    grade = request.grade
    assert grade is not None
    text = ZERO_TEXT if grade == 0 else entry.grade_text(grade)
    what = f"{entry.name} (MedDRA {entry.meddra_code}, {entry.soc})"
    if request.specify:
        what += f", specified as {request.specify!r}"
    reasons = [f"CTCAE v{CATALOG_VERSION} {what}: grade {grade} chosen by the clinician from NCI's definition '{text}'"]
    if request.version != CATALOG_VERSION:
        reasons.append(
            f"CTCAE v{request.version}'s whole term table is not shipped (no machine-readable copy found): recorded "
            f"with the CTCAE v{CATALOG_VERSION} definition"
        )
    if computed is not None:
        reasons.append(
            f"ioguide can also compute {request.term} from its value ({', '.join(computed.inputs())}); the chosen "
            f"grade was recorded as given"
        )
    key = request.term if computed is not None else entry.key
    name = computed.name if computed is not None else entry.name
    return CtcaeGrade(key, name, CATALOG_VERSION, grade, None, ("grade",), tuple(reasons), entry.meddra_code, text)
