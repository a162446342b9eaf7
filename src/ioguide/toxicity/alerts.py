"""Alert rules as data (``ioguide/data/toxicity/alerts.yaml``): what each alert means, its source, and its test.

The rules are read once and validated against :class:`AlertRules`; :func:`fired_alerts` is pure and compares each
day's signals (temperature, CRS and ICANS grades, ICE drop from baseline, CTCAE grade, CRS warnings) with each
rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

Signal = Literal["max_temp_c", "crs_grade", "icans_grade", "ice_drop_points", "ctcae_grade", "crs_warnings"]


class AlertRule(BaseModel):
    """One alert: fire on a day when ``signal op threshold`` holds, from ``from_day`` on."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    signal: Signal
    op: Literal[">=", ">"]
    threshold: float
    from_day: int = 0
    meaning: str
    source: str

    def holds(self, value: float) -> bool:
        return value >= self.threshold if self.op == ">=" else value > self.threshold


class AlertRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    alerts: tuple[AlertRule, ...]


@dataclass(frozen=True, slots=True)
class FiredAlert:
    id: str
    day: int
    date: str
    signal: str
    value: float
    meaning: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day,
            "date": self.date,
            "signal": self.signal,
            "value": self.value,
            "meaning": self.meaning,
            "source": self.source,
        }


@cache
def load_alert_rules() -> AlertRules:
    """The shipped alert rules (package data), validated by :class:`AlertRules`."""
    path = resources.files("ioguide").joinpath("data", "toxicity", "alerts.yaml")
    return AlertRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def fired_alerts(
    days: Sequence[tuple[int, str, Mapping[str, float | None]]], rules: AlertRules
) -> tuple[FiredAlert, ...]:
    """Every (rule, day) where the day's signal value meets the rule; days are ``(day, date, signals)``."""
    fired: list[FiredAlert] = []
    for day, date, signals in days:
        for rule in rules.alerts:
            value = signals.get(rule.signal)
            if value is not None and day >= rule.from_day and rule.holds(value):
                fired.append(FiredAlert(rule.id, day, date, rule.signal, value, rule.meaning, rule.source))
    return tuple(fired)
