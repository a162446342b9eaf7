"""Drug and cell-product parameter tables (``ioguide/data/drugs/*.yaml``), validated by a schema on load.

Every value carries its ``source``; a value whose source starts with ``assumption`` is flagged as such in every
result that uses it (``spec/simulation.md``: the therapeutic-index claim must never rest silently on an
invented number).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ioguide.errors import InputError

_SCHEMA = ConfigDict(extra="forbid", frozen=True)


class SourcedValue(BaseModel):
    """One parameter value and where it comes from (paper + table, or ``assumption ...``)."""

    model_config = _SCHEMA
    value: float
    source: str = Field(min_length=1)

    @property
    def is_assumption(self) -> bool:
        return self.source.startswith("assumption")


class SourcedVariance(BaseModel):
    """Between-patient variability of one parameter: ``omega2`` is the variance of the log."""

    model_config = _SCHEMA
    omega2: float = Field(ge=0)
    source: str = Field(min_length=1)


class SourcedCovariance(BaseModel):
    """Covariance of the logs of two parameters."""

    model_config = _SCHEMA
    between: tuple[str, str]
    omega: float
    source: str = Field(min_length=1)


class DrugData(BaseModel):
    """One drug or cell product: typical parameters, variability, correlations, and an optional two-site set."""

    model_config = _SCHEMA
    name: str
    description: str
    citation: str
    reference: str
    caveat: str | None = None
    variability_reading: Literal["variance", "sd"] = "variance"
    parameters: dict[str, SourcedValue]
    variability: dict[str, SourcedVariance] = {}
    correlations: tuple[SourcedCovariance, ...] = ()
    two_site: dict[str, SourcedValue] = {}


def _package_files() -> dict[str, str]:
    folder = resources.files("ioguide").joinpath("data", "drugs")
    return {
        entry.name.removesuffix(".yaml"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }


@cache
def all_drugs() -> dict[str, DrugData]:
    """Every packaged drug table, by name; a table that breaks the schema is a packaging bug (ValueError)."""
    out: dict[str, DrugData] = {}
    for name, text in sorted(_package_files().items()):
        try:
            out[name] = DrugData.model_validate(yaml.safe_load(text))
        except ValidationError as exc:
            raise ValueError(f"data/drugs/{name}.yaml breaks the drug schema: {exc}") from exc
    return out


def known_drugs() -> list[str]:
    return sorted(all_drugs())


def load_drug(name: str, field: str = "drug") -> DrugData:
    """The table for ``name``; an unknown name is an input error that lists the known ones."""
    drugs = all_drugs()
    if name not in drugs:
        raise InputError.one(field, f"unknown drug {name!r}; known drugs: {', '.join(sorted(drugs))}")
    return drugs[name]
