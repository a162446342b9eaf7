"""Visit schedules: T-VEC per IMLYGIC US prescribing information Table 1 (D1, then 3 weeks, then every 2 weeks:
D1, D22, D36, D50, ...), with the protocol file's windows, biopsies, labs and imaging."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.planning.protocol import AgentProtocol
from ioguide.planning.schedule import ScheduleRequest, plan_schedule


def _visits(agent: AgentProtocol, cycles: int, kind: str) -> list[dict[str, Any]]:
    out = plan_schedule(agent, ScheduleRequest(agent=agent.id, start_date=date(2026, 3, 2), cycles=cycles))
    return [v for v in out["visits"] if v["kind"] == kind]


def test_tvec_injection_days_follow_the_label(tvec: AgentProtocol) -> None:
    """USPI Table 1: second treatment 3 weeks after the initial, then every 2 weeks -> D1, D22, D36, D50, D64."""
    injections = _visits(tvec, 5, "injection")
    assert [v["study_day"] for v in injections] == [1, 22, 36, 50, 64]
    assert [v["visit"] for v in injections] == ["first", "subsequent", "subsequent", "subsequent", "subsequent"]
    assert injections[1]["date"] == "2026-03-23"


def test_windows_around_nominal_dates(tvec: AgentProtocol) -> None:
    """Program window +/- 3 days around later injections; injection 1 defines day 1 (no window)."""
    first, second = _visits(tvec, 2, "injection")
    assert first["earliest"] == first["latest"] == "2026-03-02"
    assert (second["earliest"], second["latest"]) == ("2026-03-20", "2026-03-26")


def test_biopsies_baseline_and_on_treatment(tvec: AgentProtocol) -> None:
    """Tselikas 2021 / Champiat 2021: baseline within 28 days before injection 1; on-treatment at injection 3."""
    biopsies = _visits(tvec, 4, "biopsy")
    assert [(b["label"], b["study_day"]) for b in biopsies] == [
        ("baseline core biopsy", 1),
        ("on-treatment core biopsy", 36),
    ]
    assert biopsies[0]["earliest"] == "2026-02-02"
    assert [b["label"] for b in _visits(tvec, 2, "biopsy")] == ["baseline core biopsy"]


def test_imaging_every_12_weeks_up_to_after_last_injection(tvec: AgentProtocol) -> None:
    imaging = _visits(tvec, 13, "imaging")  # last injection D1 + 21 + 11 x 14 = D176
    assert [v["study_day"] for v in imaging] == [1, 85, 169, 253]


def test_labs_before_every_injection(tvec: AgentProtocol) -> None:
    assert len(_visits(tvec, 6, "labs")) == 6


def test_agent_without_schedule_is_an_input_error(agents: dict[str, AgentProtocol]) -> None:
    with pytest.raises(InputError) as err:
        plan_schedule(
            agents["pv10_rose_bengal"], ScheduleRequest(agent="pv10_rose_bengal", start_date=date(2026, 1, 5), cycles=2)
        )
    assert err.value.problems[0].field == "agent"
