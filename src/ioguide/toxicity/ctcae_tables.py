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

VERSIONS = ("5.0", "6.0")
Reference = Literal["absolute", "uln", "lln", "baseline"]
Applies = Literal["always", "baseline_normal", "baseline_abnormal", "baseline_given", "baseline_below_lln"]

_SCHEMA = ConfigDict(extra="forbid", frozen=True)


class Escalate(BaseModel):
    """A second field that raises the band's grade, e.g. fever > 40.0 °C for more than 24 h is grade 4."""

    model_config = _SCHEMA
    field: str
    above: float
    grade: int


class Band(BaseModel):
    """One grade's lower bound: the value (or its multiple of ``of``) is above / at least / below a threshold."""

    model_config = _SCHEMA
    grade: int
    of: Reference
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    escalate: Escalate | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Band:
        if sum(x is not None for x in (self.above, self.at_least, self.below)) != 1:
            raise ValueError("a band needs exactly one of above, at_least, below")
        if not 1 <= self.grade <= 5:
            raise ValueError("grade must be 1-5")
        return self

    @property
    def threshold(self) -> float:
        for bound in (self.above, self.at_least, self.below):
            if bound is not None:
                return bound
        raise AssertionError("validated: one bound is set")

    @property
    def operator(self) -> str:
        return ">" if self.above is not None else ">=" if self.at_least is not None else "<"


class Criterion(BaseModel):
    """A set of bands used when ``applies`` holds (e.g. only with an abnormal baseline)."""

    model_config = _SCHEMA
    applies: Applies
    bands: tuple[Band, ...]


class Term(BaseModel):
    """One CTCAE term: its wording per grade, numeric criteria and/or clinical findings mapped to grades."""

    model_config = _SCHEMA
    name: str
    unit: str
    text: dict[int, str]
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
        return self

    def references(self) -> set[str]:
        return {band.of for criterion in self.criteria for band in criterion.bands}

    def inputs(self) -> list[str]:
        """The input fields this term reads, in a stable order (shown by ``ioguide grade ctcae --list``)."""
        fields: list[str] = []
        if self.criteria:
            fields.append(self.value_field)
        refs = self.references()
        fields += [ref for ref in ("uln", "lln", "baseline") if ref in refs]
        applies = {criterion.applies for criterion in self.criteria}
        if "baseline_abnormal" in applies:
            fields.append("baseline_abnormal")
        if "baseline_below_lln" in applies and "lln" not in fields:
            fields.append("lln")
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
    return table
