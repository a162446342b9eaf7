"""Alert rules as data (ioguide/data/toxicity/alerts.yaml): each rule has a meaning and a source, and fires at its
threshold (>= 38.0 °C is the ASTCT fever definition, Lee et al. 2019)."""

from __future__ import annotations

import pytest

from ioguide.toxicity.alerts import AlertRules, fired_alerts, load_alert_rules


def test_every_rule_says_what_it_means_and_where_it_comes_from() -> None:
    rules = load_alert_rules()
    assert {r.id for r in rules.alerts} >= {"fever_after_day0", "ice_drop_2_points", "crs_grade_2_or_more"}
    assert all(len(r.meaning) > 20 and r.source for r in rules.alerts)


@pytest.mark.parametrize(("temp_c", "fires"), [(37.9, False), (38.0, True), (38.1, True)])
def test_fever_alert_threshold(temp_c: float, fires: bool) -> None:
    fired = fired_alerts([(2, "2026-03-04", {"max_temp_c": temp_c})], load_alert_rules())
    assert any(a.id == "fever_after_day0" for a in fired) is fires


def test_rules_do_not_fire_before_their_first_day_or_without_a_value() -> None:
    rules = AlertRules.model_validate(
        {
            "alerts": [
                {
                    "id": "x",
                    "signal": "crs_grade",
                    "op": ">",
                    "threshold": 1,
                    "from_day": 0,
                    "meaning": "m",
                    "source": "s",
                }
            ]
        }
    )
    days = [
        (-1, "d", {"crs_grade": 3}),
        (0, "d", {"crs_grade": 1}),
        (1, "d", {"crs_grade": None}),
        (2, "d", {"crs_grade": 2}),
    ]
    assert [a.day for a in fired_alerts(days, rules)] == [2]
