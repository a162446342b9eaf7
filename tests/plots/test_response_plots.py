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
from ioguide.plots.cohort_data import ChangeSeries, Lane, change_series, swimmer_lane

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
        {"kind": "infusion", "date": "2026-01-12", "lesions": []},
        {"kind": "ablation", "date": "2026-02-23", "lesions": [{"lesion_id": "D1"}]},
    ]
    tox = [
        {"date": "2026-01-06", "grade": 3},
        {"date": "2026-01-07", "grade": 2},
        {"date": "2026-01-08", "grade": 1},
        {"date": "2026-01-09", "grade": None},
    ]
    lane = swimmer_lane("P1", assessed, "overall", procs, tox)
    assert lane is not None
    assert (lane.end_day, lane.injections, lane.responses, lane.progressions) == (84, (0, 28), (42,), ())
    assert lane.toxicities == ((1, 3),)  # only grade >= 3 is drawn (the "grade >= 3 toxicity")
    assert (lane.infusions, lane.ablations) == ((7,), (49,))  # a biopsy is neither
    assert lane.ongoing_response
    non_injected = swimmer_lane("P1", assessed, "non_injected", procs, tox)
    assert non_injected is not None and non_injected.injections == ()  # no non-injected lesion was injected
    assert non_injected.ablations == (49,)  # D1 is non-injected: its ablation is on the non-injected lane


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


def _texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


def _many(n: int) -> list[ChangeSeries]:
    return [
        ChangeSeries(f"P{i}", (42, 84), (float(i % 90 - 60), None), "PR" if i % 3 else "PD", i % 2 == 0)
        for i in range(n)
    ]


@pytest.mark.parametrize("kind", ["waterfall", "spider", "swimmer"])
def test_every_text_is_at_least_8_pt_at_print_size_and_titles_give_n(assessed: dict[str, Any], kind: str) -> None:
    if kind == "swimmer":
        lane = swimmer_lane("P1", assessed, "overall", [], [])
        inputs: list[Any] = [lane, lane]
    else:
        inputs = [change_series("P1", assessed, "overall"), ChangeSeries("P2", (42,), (25.0,), "NON_CR_NON_PD")]
    fig = figures.draw(kind, inputs, "Cohort")
    assert fig.get_size_inches()[0] == pytest.approx(figures.WIDTH_IN)
    sizes = [t.get_fontsize() for t in _texts(fig)]
    assert sizes and min(sizes) >= figures.MIN_FONT_PT
    words = [t.get_text() for t in _texts(fig)]
    assert "Cohort (n=2)" in words
    if kind != "swimmer":
        assert "Non-CR/non-PD" in words and "NON_CR_NON_PD" not in words  # the label table, not the code
        assert any("PR threshold" in w for w in words) and any("PD threshold" in w for w in words)


def test_png_is_300_dpi_and_pdf_renders(assessed: dict[str, Any]) -> None:
    import struct
    import zlib

    png = figures.render(figures.draw("waterfall", [change_series("P1", assessed, "overall")], "t"), "png")
    width = struct.unpack(">I", png[16:20])[0]
    assert width >= figures.WIDTH_IN * figures.PNG_DPI * 0.95  # about 2,160 px wide at 7.2 in
    assert png[12:16] == b"IHDR" and zlib.crc32(png[12:29]) == struct.unpack(">I", png[29:33])[0]
    pdf = figures.render(figures.draw("spider", [change_series("P1", assessed, "overall")], "t"), "pdf")
    assert pdf.startswith(b"%PDF-")
    with pytest.raises(ValueError, match="unknown image format"):
        figures.render(figures.draw("spider", [], "t"), "gif")  # type: ignore[arg-type]


def test_confirmed_best_responses_are_marked_on_the_waterfall() -> None:

    fig = figures.waterfall(
        [ChangeSeries("A", (42,), (-50.0,), "PR", True), ChangeSeries("B", (42,), (-40.0,), "PR", False)], "t"
    )
    ax = fig.axes[0]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o" and len(line.get_xdata()) > 0]
    assert len(dots) == 1 and list(dots[0].get_xdata()) == [1]  # bars run from growth to shrinkage: A is bar 1


def test_a_large_cohort_pages_the_swimmer_and_drops_per_patient_labels() -> None:
    lanes = [Lane(f"P{i}", 7 * (i % 50 + 1), (0,), (), (), (), False) for i in range(5000)]
    assert figures.swimmer_pages(5000) == 125
    fig = figures.swimmer(lanes, "Swimmer", page=2)
    assert fig.get_size_inches()[1] < 12  # 40 lanes, not 5,000: the figure does not stretch
    title = fig.axes[0].get_title()
    assert title == "Swimmer (n=5,000), patients 41-80 (page 2 of 125)"
    with pytest.raises(ValueError, match="page 126"):
        figures.swimmer(lanes, "Swimmer", page=126)
    big = figures.waterfall(_many(3000), "Waterfall")
    assert big.axes[0].get_xticks().size == 0 and "3,000 patients" in big.axes[0].get_xlabel()
    spider = figures.spider(_many(300), "Spider")
    assert not any(t.get_text().startswith("P") for t in spider.axes[0].texts)  # no per-line labels
