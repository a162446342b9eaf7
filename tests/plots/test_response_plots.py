"""Waterfall, spider and swimmer inputs taken from ``ioguide assess`` outputs, and the figures drawn from them.

The numbers are the spec's itRECIST conformance example (spec/examples/assess-itrecist.json, Goldmacher et al.,
J Clin Oncol 2020): overall 63 -> 41 -> 20 mm (-34.9 %, -68.3 %), injected subset 45 -> 24 -> 9 mm.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from ioguide.criteria.assess import assess_json
from ioguide.plots import response as figures
from ioguide.plots.cohort_data import ChangeSeries, change_series, swimmer_lane

#: spec/examples/assess-itrecist.json
CASE: dict[str, Any] = {
    "criteria": "itrecist",
    "lesions": [
        {"id": "I1", "role": "target", "organ": "skin", "injected": True},
        {"id": "I2", "role": "target", "organ": "lymph node", "nodal": True, "injected": True},
        {"id": "D1", "role": "target", "organ": "lung"},
        {"id": "N1", "role": "non_target", "organ": "liver"},
    ],
    "timepoints": [
        {"date": "2026-01-05", "diameters_mm": {"I1": 25, "I2": 20, "D1": 18}, "non_target": {"N1": "present"}},
        {"date": "2026-02-16", "diameters_mm": {"I1": 12, "I2": 12, "D1": 17}, "non_target": {"N1": "present"}},
        {"date": "2026-03-30", "diameters_mm": {"I1": 0, "I2": 9, "D1": 11}, "non_target": {"N1": "present"}},
    ],
}


@pytest.fixture(scope="module")
def assessed() -> dict[str, Any]:
    return assess_json(CASE, "itrecist")


def test_overall_series_is_the_top_level_change(assessed: dict[str, Any]) -> None:
    series = change_series("P1", assessed, "overall")
    assert series is not None
    assert series.days == (42, 84)
    assert series.change_pct == (-34.9, -68.3)
    assert series.best_change_pct == -68.3
    assert series.best_response == "PR"


def test_subset_series_use_their_own_baseline(assessed: dict[str, Any]) -> None:
    injected = change_series("P1", assessed, "injected")
    assert injected is not None and injected.change_pct == (-46.7, -80.0)
    assert injected.best_response == "CR"  # I1 0 mm and node I2 9 mm (< 10 mm): the subset's CR at day 84


def test_no_series_for_a_subset_without_lesions_or_a_baseline_only_case(assessed: dict[str, Any]) -> None:
    lone = {**assessed, "subsets": {"injected": None, "non_injected": None}}
    assert change_series("P1", lone, "injected") is None
    assert change_series("P1", {**assessed, "timepoints": assessed["timepoints"][:1]}, "overall") is None


def test_not_evaluable_sums_are_gaps_not_zeros() -> None:
    series = ChangeSeries("P", (42, 84), (None, -10.0), "SD")
    assert series.best_change_pct == -10.0
    assert ChangeSeries("P", (42,), (None,), "NE").best_change_pct is None


def test_swimmer_lane_marks_injections_of_the_subset_response_and_toxicity(assessed: dict[str, Any]) -> None:
    procs = [
        {"kind": "injection", "date": "2026-01-05", "lesions": [{"lesion_id": "I1"}]},
        {"kind": "injection", "date": "2026-02-02", "lesions": [{"lesion_id": "I2"}]},
        {"kind": "biopsy", "date": "2026-02-09", "lesions": [{"lesion_id": "I1"}]},
    ]
    tox = [
        {"date": "2026-01-07", "grade": 2},
        {"date": "2026-01-08", "grade": 1},
        {"date": "2026-01-09", "grade": None},
    ]
    lane = swimmer_lane("P1", assessed, "overall", procs, tox)
    assert lane is not None
    assert (lane.end_day, lane.injections, lane.responses, lane.progressions) == (84, (0, 28), (42,), ())
    assert lane.toxicities == ((2, 2),)  # only grade >= 2 is drawn
    assert lane.ongoing_response
    non_injected = swimmer_lane("P1", assessed, "non_injected", procs, tox)
    assert non_injected is not None and non_injected.injections == ()  # no non-injected lesion was injected


@pytest.mark.parametrize("kind", ["waterfall", "spider", "swimmer"])
def test_figures_render_as_png_and_valid_svg(assessed: dict[str, Any], kind: str) -> None:
    if kind == "swimmer":
        inputs: list[Any] = [swimmer_lane("P1", assessed, "overall", [], [])]
    else:
        inputs = [change_series("P1", assessed, "overall"), ChangeSeries("P2", (42,), (25.0,), "PD")]
    png = figures.render(figures.draw(kind, inputs, "title"), "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = figures.render(figures.draw(kind, inputs, "title"), "svg")
    assert ET.fromstring(svg).tag.endswith("svg")


def test_an_empty_group_draws_a_message_not_an_error() -> None:
    svg = figures.render(figures.draw("waterfall", [], "Waterfall: injected lesions"), "svg").decode()
    assert "no patient with measured lesions in this group" in svg or "measured" in svg
    with pytest.raises(ValueError, match="unknown plot"):
        figures.draw("pie", [], "t")


def test_colours_follow_the_plain_recist_code() -> None:
    assert figures.colour("iPR") == figures.colour("PR") == "#0072B2"
    assert figures.colour("iUPD") == "#CC79A7"
    assert figures.colour(None) == figures.colour("unknown")
