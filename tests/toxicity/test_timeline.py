"""The per-patient course (examples/toxicity/car-t-14-day.json): per-day grades, onset, maximum, duration,
resolution, the masked-fever rule carried across days (Lee et al. 2019, CRS table fever footnote) and corrections."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ioguide.errors import InputError
from ioguide.toxicity.timeline import build_timeline, parse_course, summarise

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "toxicity" / "car-t-14-day.json"


@pytest.fixture
def course() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def run(data: dict[str, Any]) -> dict[str, Any]:
    return build_timeline(parse_course(data)).as_dict()


def crs_by_day(result: dict[str, Any]) -> dict[int, int | None]:
    return {d["day"]: None if d["crs"] is None else d["crs"]["grade"] for d in result["days"]}


def test_fourteen_day_course_summary(course: dict[str, Any]) -> None:
    result = run(course)
    assert [d["day"] for d in result["days"]] == list(range(-1, 15))
    assert result["summary"]["crs"] == {
        "onset_day": 1,
        "max_grade": 2,
        "max_grade_day": 3,
        "duration_days": 5,
        "resolution_day": 6,
        "status": "resolved",
        "evaluated_days": 16,
    }
    icans = result["summary"]["icans"]
    assert (icans["onset_day"], icans["max_grade"], icans["max_grade_day"], icans["resolution_day"]) == (4, 2, 6, 9)
    anc = result["summary"]["ctcae.neutrophil_count_decreased"]
    assert (anc["onset_day"], anc["max_grade"], anc["resolution_day"]) == (1, 4, 13)


def test_masked_fever_keeps_crs_graded_after_tocilizumab(course: dict[str, Any]) -> None:
    # Day 3: tocilizumab; days 4-5 afebrile (37.5, 37.0 °C) but on fluids / low-flow oxygen -> still grade 2.
    grades = crs_by_day(run(course))
    assert [grades[d] for d in range(1, 7)] == [1, 1, 2, 2, 2, 0]
    # Without the tocilizumab the same afebrile days are not CRS (fever is required again).
    no_drug = copy.deepcopy(course)
    no_drug["observations"] = [o for o in no_drug["observations"] if o["kind"] != "treatment"]
    grades = crs_by_day(run(no_drug))
    assert [grades[d] for d in range(3, 6)] == [2, 0, 0]


def test_tocilizumab_on_a_day_without_vitals_still_masks_the_open_episode(course: dict[str, Any]) -> None:
    moved = copy.deepcopy(course)
    for obs in moved["observations"]:
        if obs["id"] == "t3":
            obs["at"] = "2026-03-05T23:30"
        if obs["id"] in ("v3a", "v3b"):
            obs["at"] = "2026-03-04T" + obs["at"][11:]  # day 3's vitals recorded on day 2: day 3 has none
    grades = crs_by_day(run(moved))
    assert grades[3] is None
    assert grades[4] == 2  # masked: afebrile 37.5 °C on fluids and low-flow oxygen


def test_a_correction_re_derives_the_grade(course: dict[str, Any]) -> None:
    result = run(course)
    assert result["corrections_applied"] == [{"id": "v4-corr", "replaces": "v4"}]
    assert crs_by_day(result)[4] == 2
    uncorrected = copy.deepcopy(course)
    uncorrected["observations"] = [o for o in uncorrected["observations"] if o["id"] != "v4-corr"]
    assert crs_by_day(run(uncorrected))[4] == 3  # one vasopressor as first (wrongly) recorded


def test_alerts_fire_from_the_rule_file(course: dict[str, Any]) -> None:
    fired = {(a["id"], a["day"]) for a in run(course)["alerts"]}
    assert ("fever_after_day0", 1) in fired
    assert ("crs_grade_2_or_more", 3) in fired
    assert ("ice_drop_2_points", 5) in fired  # ICE 8 against a baseline of 10
    assert ("ice_drop_2_points", 4) not in fired  # ICE 9: a 1-point drop
    assert ("fever_after_day0", 0) not in fired  # 37.2 °C on the infusion day
    assert all(a["meaning"] and a["source"] for a in run(course)["alerts"])


def test_summary_edges() -> None:
    assert summarise([(0, None), (1, None)]).status == "not_evaluated"
    assert summarise([(0, 0), (1, 0)]).as_dict()["max_grade"] == 0
    ongoing = summarise([(0, 0), (1, 2), (2, None), (3, 1)])
    assert (ongoing.onset_day, ongoing.duration_days, ongoing.resolution_day, ongoing.status) == (1, 2, None, "ongoing")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "n5", "ice_score": 11}, "observations[{i}].ice_score"),
        ({"id": "v2", "temp_c": 25}, "observations[{i}].temp_c"),
        ({"id": "l2", "value": -0.3}, "observations[{i}].value"),
        ({"id": "v3a", "oxygen_flow_l_min": 10}, "observations[{i}].oxygen_flow_l_min"),
        ({"id": "t3", "agent": "aspirin"}, "observations[{i}].agent"),
        ({"id": "n5", "age_years": 40}, "observations[{i}].age_years"),
        ({"id": "v4-corr", "corrects": "v99"}, "observations[{i}].corrects"),
        ({"id": "v4-corr", "corrects": "n4"}, "observations[{i}].corrects"),
    ],
)
def test_bad_observations_are_rejected_with_their_path(
    course: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    i = next(k for k, o in enumerate(course["observations"]) if o["id"] == change["id"])
    obs = course["observations"][i]
    obs.update(change)
    if obs["kind"] == "neuro":
        obs.pop("ice_items", None)
    with pytest.raises(InputError) as err:
        parse_course(course)
    assert field.format(i=i) in [p.field for p in err.value.problems]


def test_a_child_with_an_ice_score_is_rejected(course: dict[str, Any]) -> None:
    course["age_years"] = 9
    with pytest.raises(InputError) as err:
        parse_course(course)
    assert "observations[1].ice_score" in [p.field for p in err.value.problems]


def test_afebrile_hypotension_without_masking_raises_an_alert_that_day(course: dict[str, Any]) -> None:
    # spec/toxicity.md (CRS): hypotension or hypoxia without fever and not masked -> grade 0 with a warning, and the
    # timeline raises an alert on that day. Without the tocilizumab, days 4 and 5 (37.5 and 37.0 °C on fluids /
    # low-flow oxygen) are such days; with it (masked fever, Lee 2019 fever footnote) they are CRS 2 and no alert.
    no_drug = copy.deepcopy(course)
    no_drug["observations"] = [o for o in no_drug["observations"] if o["kind"] != "treatment"]
    result = run(no_drug)
    fired = [a["day"] for a in result["alerts"] if a["id"] == "crs_afebrile_hypotension_or_hypoxia"]
    assert fired == [4, 5]
    day4 = next(d for d in result["days"] if d["day"] == 4)
    assert day4["crs"]["grade"] == 0 and "tocilizumab" in day4["crs"]["warnings"][0]
    masked = run(course)
    assert not [a for a in masked["alerts"] if a["id"] == "crs_afebrile_hypotension_or_hypoxia"]
