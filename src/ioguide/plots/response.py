"""Response figures of a cohort: waterfall (best % change of the target sum), spider (% change over time) and
swimmer (time on study with injections, responses, progression and toxicity).

Matplotlib figures on the Agg canvas (no pyplot, no display); :func:`render` writes PNG or SVG bytes. The
reference lines are RECIST 1.1's thresholds (Eisenhauer et al., Eur J Cancer 2009;45:228-47, section 4.3.1: PR at
-30 % from baseline, PD at +20 % from the nadir, drawn here from baseline as is customary on these plots).
Colours are the Okabe-Ito colour-blind-safe palette; every mark also has a legend entry.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ioguide.plots.cohort_data import ChangeSeries, Lane, plain_code

ImageFormat = Literal["png", "svg"]
COLOURS: dict[str, str] = {
    "CR": "#009E73",
    "PR": "#0072B2",
    "SD": "#8C8C8C",
    "NON_CR_NON_PD": "#B3B3B3",
    "PD": "#D55E00",
    "iUPD": "#CC79A7",
    "iCPD": "#D55E00",
    "NE": "#DDDDDD",
}
_NONE = "#DDDDDD"


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def colour(code: str | None) -> str:
    return COLOURS.get(plain_code(code) or "", _NONE)


def _empty(fig: Figure, title: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, f"{title}\nno patient with measured lesions in this group", ha="center", va="center")
    return fig


def _legend(ax: object, codes: Sequence[str | None]) -> None:
    seen = sorted(
        {plain_code(c) or "not evaluable" for c in codes}, key=lambda c: list(COLOURS).index(c) if c in COLOURS else 99
    )
    handles = [Patch(color=colour(c if c != "not evaluable" else None), label=c) for c in seen]
    ax.legend(handles=handles, title="best response", loc="best", fontsize=8, title_fontsize=8)  # type: ignore[attr-defined]


def waterfall(series: Sequence[ChangeSeries], title: str) -> Figure:
    """One bar per patient: best % change of the target sum from baseline, largest growth on the left."""
    fig = _figure(7.5, 4.0)
    bars = [s for s in series if s.best_change_pct is not None]
    if not bars:
        return _empty(fig, title)
    bars.sort(key=lambda s: -(s.best_change_pct or 0.0))
    ax = fig.add_subplot()
    x = range(len(bars))
    ax.bar(x, [s.best_change_pct or 0.0 for s in bars], color=[colour(s.best_response) for s in bars], width=0.7)
    ax.axhline(20, color="#D55E00", linestyle="--", linewidth=1)
    ax.axhline(-30, color="#0072B2", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    crowded = len(bars) > 10
    ax.set_xticks(
        list(x), [s.label for s in bars], rotation=45 if crowded else 0, ha="right" if crowded else "center", fontsize=8
    )
    ax.set_ylabel("best change of target sum from baseline (%)")
    ax.set_title(title)
    _legend(ax, [s.best_response for s in bars])
    return fig


def spider(series: Sequence[ChangeSeries], title: str) -> Figure:
    """One line per patient: % change of the target sum from baseline over weeks on study."""
    fig = _figure(7.5, 4.0)
    lines = [s for s in series if any(v is not None for v in s.change_pct)]
    if not lines:
        return _empty(fig, title)
    ax = fig.add_subplot()
    for s in lines:
        weeks = [0.0] + [d / 7 for d, v in zip(s.days, s.change_pct, strict=True) if v is not None]
        values = [0.0] + [v for v in s.change_pct if v is not None]
        ax.plot(weeks, values, marker="o", markersize=3, color=colour(s.best_response), linewidth=1.5)
        ax.annotate(s.label, (weeks[-1], values[-1]), fontsize=7, xytext=(3, 0), textcoords="offset points")
    ax.axhline(20, color="#D55E00", linestyle="--", linewidth=1)
    ax.axhline(-30, color="#0072B2", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("weeks from baseline")
    ax.set_ylabel("change of target sum from baseline (%)")
    ax.set_title(title)
    _legend(ax, [s.best_response for s in lines])
    return fig


def swimmer(lanes: Sequence[Lane], title: str) -> Figure:
    """One lane per patient from baseline to the last follow-up; marks for injections, first response,
    progression and toxicity of grade 2 or more; an arrow for a response still ongoing."""
    fig = _figure(7.5, max(2.5, 0.45 * len(lanes) + 1.8))
    if not lanes:
        return _empty(fig, title)
    ax = fig.add_subplot()
    ordered = sorted(lanes, key=lambda lane: lane.end_day)
    for y, lane in enumerate(ordered):
        weeks = lane.end_day / 7
        ax.barh(y, weeks, color="#E5E5E5", edgecolor="#8C8C8C", height=0.6)
        ax.plot([d / 7 for d in lane.injections], [y] * len(lane.injections), "v", color="#000000", markersize=5)
        ax.plot([d / 7 for d in lane.responses], [y] * len(lane.responses), "o", color=COLOURS["PR"], markersize=7)
        ax.plot(
            [d / 7 for d in lane.progressions], [y] * len(lane.progressions), "X", color=COLOURS["PD"], markersize=8
        )
        tox = [d / 7 for d, _ in lane.toxicities]
        ax.plot(tox, [y + 0.3] * len(tox), "*", color="#E69F00", markersize=9)
        if lane.ongoing_response:
            ax.annotate("", (weeks + 1.2, y), (weeks, y), arrowprops={"arrowstyle": "->", "color": COLOURS["PR"]})
    ax.set_yticks(range(len(ordered)), [lane.label for lane in ordered], fontsize=8)
    ax.set_xlabel("weeks from baseline")
    ax.set_title(title)
    handles = [
        Line2D([], [], marker="v", color="#000000", linestyle="", label="injection"),
        Line2D([], [], marker="o", color=COLOURS["PR"], linestyle="", label="first response (PR/CR)"),
        Line2D([], [], marker="X", color=COLOURS["PD"], linestyle="", label="progression (PD/iUPD/iCPD)"),
        Line2D([], [], marker="*", color="#E69F00", linestyle="", label="toxicity grade >= 2"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    return fig


def draw(kind: str, inputs: Sequence[Any], title: str) -> Figure:
    """The ``waterfall``, ``spider`` or ``swimmer`` figure of ``inputs`` (change series, or lanes for swimmer)."""
    if kind == "swimmer":
        return swimmer(inputs, title)
    if kind == "spider":
        return spider(inputs, title)
    if kind == "waterfall":
        return waterfall(inputs, title)
    raise ValueError(f"unknown plot {kind!r}: waterfall, spider or swimmer")


def render(fig: Figure, fmt: ImageFormat) -> bytes:
    """The figure as PNG (100 dpi) or SVG bytes."""
    out = io.BytesIO()
    fig.savefig(out, format=fmt)
    return out.getvalue()
