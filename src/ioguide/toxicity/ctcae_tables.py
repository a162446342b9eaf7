"""The CTCAE rule tables shipped as data (``ioguide/data/ctcae/v5.yaml``, ``v6.yaml``): their schema and loader.

The tables are package data, read once and validated against the schema below, so a clinician can review and
change the thresholds without touching code (NCI CTCAE v5.0, 27 Nov 2017; CTCAE v6.0, 22 Jul 2025).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ioguide.toxicity.ctcae_catalog import load_catalog

VERSIONS = ("5.0", "6.0")
#: What a band's threshold is a multiple of (``absolute``: the value itself; ``uln_plus``: the threshold is an amount
#: added to the ULN, e.g. haemoglobin "increase in >2 - 4 g/dL" above the ULN).
Reference = Literal["absolute", "uln", "lln", "baseline", "uln_plus"]
Applies = Literal[
    "always",
    "baseline_normal",
    "baseline_abnormal",
    "baseline_given",
    "baseline_below_lln",
    "anticoagulated",
    "not_anticoagulated",
]
#: References whose thresholds are amounts in the term's unit (so each alternative unit needs its own threshold).
UNIT_BOUND = ("absolute", "uln_plus")

_SCHEMA = ConfigDict(extra="forbid", frozen=True)


class Escalate(BaseModel):
    """A second field that raises the band's grade: a number above ``above`` (fever > 40.0 °C for more than 24 h is
    grade 4), or, without ``above``, a yes/no field that is true (lipase > 2.0 - 5.0 x ULN "with signs or symptoms"
    is grade 3). ``if_missing``: reject the input (``error``) or report the two grades as not evaluable (``range``)."""

    model_config = _SCHEMA
    field: str
    above: float | None = None
    grade: int
    if_missing: Literal["error", "range"] = "error"

    def raises(self, given: float | bool) -> bool:
        return bool(given) if self.above is None else float(given) > self.above

    def describe(self) -> str:
        return f"{self.field} > {self.above:g}" if self.above is not None else f"{self.field} true"


class Band(BaseModel):
    """One grade's bound: the value (or its multiple of ``of``) is above / at least / below / at most a threshold.
    ``alt`` gives the threshold in each of the term's alternative units, exactly as CTCAE prints it (CTCAE's
    conventional and SI figures are rounded separately, so they are not converted)."""

    model_config = _SCHEMA
    grade: int
    of: Reference
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    alt: dict[str, float] = {}
    escalate: Escalate | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Band:
        if sum(x is not None for x in (self.above, self.at_least, self.below, self.at_most)) != 1:
            raise ValueError("a band needs exactly one of above, at_least, below, at_most")
        if not 1 <= self.grade <= 5:
            raise ValueError("grade must be 1-5")
        if self.alt and self.of not in UNIT_BOUND:
            raise ValueError(f"alt thresholds are for unit-bound bands ({', '.join(UNIT_BOUND)}), not {self.of}")
        return self

    @property
    def threshold(self) -> float:
        for bound in (self.above, self.at_least, self.below, self.at_most):
            if bound is not None:
                return bound
        raise AssertionError("validated: one bound is set")

    def threshold_in(self, unit: str | None) -> float:
        """The threshold in ``unit`` (None or the term's own unit: :attr:`threshold`)."""
        return self.alt[unit] if unit is not None and unit in self.alt else self.threshold

    @property
    def operator(self) -> str:
        ops = {"above": ">", "at_least": ">=", "below": "<", "at_most": "<="}
        return next(op for name, op in ops.items() if getattr(self, name) is not None)

    @property
    def rising(self) -> bool:
        """True for an "increased" band (above / at least), False for a "decreased" one (below / at most)."""
        return self.above is not None or self.at_least is not None


class Criterion(BaseModel):
    """A set of bands used when ``applies`` holds (e.g. only with an abnormal baseline)."""

    model_config = _SCHEMA
    applies: Applies
    bands: tuple[Band, ...]


class Term(BaseModel):
    """One CTCAE term: its wording per grade, numeric criteria and/or clinical findings mapped to grades."""

    model_config = _SCHEMA
    name: str
    meddra_code: int | None = None
    unit: str
    alt_units: tuple[str, ...] = ()
    text: dict[int, str] = {}
    note: str | None = None
    value_field: str = "value"
    value_range: tuple[float, float] = (0.0, 1.0e6)
    value_required: bool = True
    criteria: tuple[Criterion, ...] = ()
    findings: dict[str, int] = {}

    @model_validator(mode="after")
    def _graded_somehow(self) -> Term:
        if not self.criteria and not self.findings:
            raise ValueError("a term needs criteria or findings")
        for band in (b for c in self.criteria for b in c.bands):
            if band.of in UNIT_BOUND and set(band.alt) != set(self.alt_units):
                raise ValueError(f"grade {band.grade} band needs a threshold for each of {list(self.alt_units)}")
        return self

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit the value may be given in, the default (``unit``) first."""
        return (self.unit, *self.alt_units)

    def references(self) -> set[str]:
        refs = {band.of for criterion in self.criteria for band in criterion.bands}
        return {"uln" if ref == "uln_plus" else ref for ref in refs}

    def inputs(self) -> list[str]:
        """The input fields this term reads, in a stable order (shown by ``ioguide grade ctcae --list``)."""
        fields: list[str] = []
        if self.criteria:
            fields.append(self.value_field)
        if self.alt_units:
            fields.append("unit")
        refs = self.references()
        fields += [ref for ref in ("uln", "lln", "baseline") if ref in refs]
        applies = {criterion.applies for criterion in self.criteria}
        if "baseline_abnormal" in applies:
            fields.append("baseline_abnormal")
        if "baseline_below_lln" in applies and "lln" not in fields:
            fields.append("lln")
        if applies & {"anticoagulated", "not_anticoagulated"}:
            fields.append("on_anticoagulation")
        fields += sorted({b.escalate.field for c in self.criteria for b in c.bands if b.escalate is not None})
        if self.findings:
            fields.append("finding")
        return fields


class CtcaeTable(BaseModel):
    """A whole CTCAE version as ioguide grades it."""

    model_config = _SCHEMA
    version: str
    source: str
    terms: dict[str, Term]


@cache
def load_table(version: str) -> CtcaeTable:
    """Read and validate ``data/ctcae/v<major>.yaml``; a broken table is a packaging bug, not the user's input."""
    if version not in VERSIONS:
        raise ValueError(f"CTCAE version {version!r} is not shipped; known: {', '.join(VERSIONS)}")
    path = resources.files("ioguide").joinpath("data", "ctcae", f"v{version.split('.')[0]}.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        table = CtcaeTable.model_validate(raw)
    except ValidationError as exc:
        raise RuntimeError(f"{path}: invalid CTCAE table: {exc}") from exc
    if table.version != version:
        raise RuntimeError(f"{path}: declares version {table.version}, expected {version}")
    return _with_nci_wording(table, path)


def _with_nci_wording(table: CtcaeTable, path: object) -> CtcaeTable:
    """Fill the ``text`` of every term that has none from NCI's CTCAE v5.0 table, by its MedDRA code."""
    catalog = load_catalog("5.0")
    terms: dict[str, Term] = {}
    for key, term in table.terms.items():
        if not term.text:
            entry = catalog.find(term.meddra_code) if term.meddra_code is not None else None
            if entry is None:
                raise RuntimeError(f"{path}: {key} has no text and no MedDRA code of a CTCAE v5.0 term")
            term = term.model_copy(update={"text": dict(entry.grades)})
        terms[key] = term
    return table.model_copy(update={"terms": terms})
