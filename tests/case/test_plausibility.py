"""The core's plausibility rules (ioguide.case.plausibility), at their boundaries; sources in the module docstring."""

from __future__ import annotations

import datetime as dt

from ioguide.case.plausibility import (
    MAX_DIAMETER_MM,
    PatientDates,
    Scan,
    baseline_findings,
    change_findings,
    date_findings,
    diameter_findings,
    toxicity_findings,
    unconfirmed,
)

D = dt.date


def test_dates_after_today_death_or_withdrawal_are_refused_and_today_is_not() -> None:
    bounds = PatientDates(today=D(2026, 6, 1), death=D(2026, 5, 1), withdrawal=D(2026, 4, 1))
    assert [f.rule for f in date_findings(D(2026, 6, 2), "date", bounds)] == [
        "future_date", "after_death", "after_withdrawal",
    ]  # fmt: skip
    assert [f.rule for f in date_findings(D(2026, 4, 2), "date", bounds)] == ["after_withdrawal"]
    assert date_findings(D(2026, 4, 1), "date", bounds) == []
    assert date_findings(D(2026, 6, 1), "date", PatientDates(today=D(2026, 6, 1))) == []


def test_an_earlier_scan_is_a_confirmable_baseline_replacement() -> None:
    """RECIST 1.1 §4.1: the baseline is the reference of every later response."""
    (found,) = baseline_findings(D(2026, 1, 1), D(2026, 1, 5), "date")
    assert found.rule == "replaces_baseline" and found.confirmable
    assert baseline_findings(D(2026, 1, 5), D(2026, 1, 5), "date") == []
    assert baseline_findings(D(2026, 1, 1), None, "date") == []
    assert unconfirmed([found], ["replaces_baseline"]) == [] and unconfirmed([found], []) == [found]


def test_diameters_over_400_mm_are_refused_not_confirmable() -> None:
    assert diameter_findings({"T1": MAX_DIAMETER_MM}, "d") == []
    (found,) = diameter_findings({"T1": 400.1}, "d")
    assert (found.rule, found.field, found.confirmable) == ("diameter_max", "d.T1", False)
    assert unconfirmed([found], ["diameter_max"]) == [found]


def test_diameter_changes_beyond_the_limit_within_28_days_are_questioned() -> None:
    """x2 growth or -80 % within 28 days, by at least 5 mm (RECIST 1.1's absolute increment)."""
    before = Scan(D(2026, 3, 1), {"T1": 20.0, "T2": 4.0})
    assert change_findings([before], Scan(D(2026, 3, 15), {"T1": 40.0}), "d") == []  # exactly x2
    (grow,) = change_findings([before], Scan(D(2026, 3, 15), {"T1": 40.5}), "d")
    assert (grow.rule, grow.field, grow.confirmable) == ("diameter_change", "d.T1", True)
    assert "20 mm on 2026-03-01 -> 40.5 mm" in grow.message
    assert change_findings([before], Scan(D(2026, 3, 29), {"T1": 50.0}), "d") == []  # 28 days apart
    assert change_findings([before], Scan(D(2026, 3, 15), {"T2": 8.5}), "d") == []  # x2.1 but under 5 mm
    assert [f.rule for f in change_findings([before], Scan(D(2026, 3, 15), {"T1": 3.9}), "d")] == ["diameter_change"]
    # an inserted scan is checked against the one after it too
    after = Scan(D(2026, 3, 20), {"T1": 60.0})
    assert [f.field for f in change_findings([after], Scan(D(2026, 3, 10), {"T1": 20.0}), "d")] == ["d.T1"]


def test_crs_before_the_first_infusion_and_cirse_before_the_first_procedure_are_refused() -> None:
    """ASTCT (Lee et al. 2019): CRS/ICANS follow the infusion; CIRSE (Filippiadis et al. 2017): a procedure's."""
    infusions, procedures = [D(2026, 2, 1), D(2026, 3, 1)], [D(2026, 1, 20), D(2026, 2, 1)]
    assert [f.rule for f in toxicity_findings("icans", D(2026, 1, 31), "date", infusions, procedures)] == [
        "toxicity_before_infusion"
    ]
    assert toxicity_findings("crs", D(2026, 2, 1), "date", infusions, procedures) == []
    assert toxicity_findings("crs", D(2026, 1, 1), "date", [], procedures) == []  # no infusion: no reference
    assert [f.rule for f in toxicity_findings("cirse", D(2026, 1, 19), "date", infusions, procedures)] == [
        "complication_before_procedure"
    ]
    assert toxicity_findings("ctcae", D(2026, 1, 1), "date", infusions, procedures) == []
