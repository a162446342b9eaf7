"""Response figures of a cohort: waterfall (best % change of the target sum), spider (% change over time) and
swimmer (time on study with injections, responses, progression and toxicity).

Matplotlib figures on the Agg canvas (no pyplot, no display); :func:`render` writes PNG or SVG bytes. The
reference lines are RECIST 1.1's thresholds (Eisenhauer et al., Eur J Cancer 2009;45:228-47, section 4.3.1: PR at
-30 % from baseline, PD at +20 % from the nadir, drawn here from baseline as is customary on these plots).
Colours are the Okabe-Ito colour-blind-safe palette; every mark also has a legend entry.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
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
#: Up to this many patients a figure names each one (tick labels, annotations); above it the figure still draws
#: every patient, with one artist per kind of mark, and says how many it shows.
LABELLED = 60


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
    heights = [s.best_change_pct or 0.0 for s in bars]
    colours = [colour(s.best_response) for s in bars]
    if len(bars) > LABELLED:  # one collection of lines instead of a rectangle per patient
        ax.vlines(list(x), 0, heights, colors=colours, linewidth=max(0.2, 400 / len(bars)))
        ax.set_xlim(-1, len(bars))
    else:
        ax.bar(x, heights, color=colours, width=0.7)
    ax.axhline(20, color="#D55E00", linestyle="--", linewidth=1)
    ax.axhline(-30, color="#0072B2", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    if len(bars) > LABELLED:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(bars)} patients, largest growth on the left (filter to name them)")
    else:
        crowded = len(bars) > 10
        ax.set_xticks(
            list(x), [s.label for s in bars], rotation=45 if crowded else 0, ha="right" if crowded else "center",
            fontsize=8,
        )  # fmt: skip
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
    paths = []
    for s in lines:
        weeks = [0.0] + [d / 7 for d, v in zip(s.days, s.change_pct, strict=True) if v is not None]
        values = [0.0] + [v for v in s.change_pct if v is not None]
        paths.append(list(zip(weeks, values, strict=True)))
        if len(lines) <= LABELLED:
            ax.plot(weeks, values, marker="o", markersize=3, color=colour(s.best_response), linewidth=1.5)
            ax.annotate(s.label, (weeks[-1], values[-1]), fontsize=7, xytext=(3, 0), textcoords="offset points")
    if len(lines) > LABELLED:  # one collection instead of an artist per patient; names only when few
        colours = [colour(s.best_response) for s in lines]
        ax.add_collection(LineCollection(paths, colors=colours, linewidths=0.6, alpha=0.6))
        ax.autoscale_view()
        ax.text(0.99, 0.98, f"{len(lines)} patients", transform=ax.transAxes, ha="right", va="top", fontsize=8)
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
    labelled = len(lanes) <= LABELLED
    fig = _figure(7.5, max(2.5, 0.45 * len(lanes) + 1.8) if labelled else 9.0)
    if not lanes:
        return _empty(fig, title)
    ax = fig.add_subplot()
    ordered = sorted(lanes, key=lambda lane: lane.end_day)
    rows = range(len(ordered))
    ends = [lane.end_day / 7 for lane in ordered]
    if labelled:
        ax.barh(list(rows), ends, color="#E5E5E5", edgecolor="#8C8C8C", height=0.6)
    else:  # one collection of lines instead of a rectangle per patient
        ax.hlines(list(rows), 0, ends, colors="#BDBDBD", linewidth=max(0.2, 500 / len(ordered)))
        ax.set_ylim(-1, len(ordered))
    scale = 1.0 if labelled else 0.35
    marks: list[tuple[str, str, float, float, Callable[[Lane], Sequence[int]]]] = [
        ("v", "#000000", 5, 0.0, lambda lane: lane.injections),
        ("o", COLOURS["PR"], 7, 0.0, lambda lane: lane.responses),
        ("X", COLOURS["PD"], 8, 0.0, lambda lane: lane.progressions),
        ("*", "#E69F00", 9, 0.3, lambda lane: [d for d, _ in lane.toxicities]),
    ]
    for marker, tint, size, lift, days in marks:  # one artist per kind of mark, for every lane at once
        xs = [d / 7 for lane in ordered for d in days(lane)]
        ys = [y + lift for y, lane in enumerate(ordered) for _ in days(lane)]
        ax.plot(xs, ys, marker, color=tint, markersize=size * scale, linestyle="")
    ongoing = [(y, lane.end_day / 7) for y, lane in enumerate(ordered) if lane.ongoing_response]
    if labelled:
        for y, weeks in ongoing:
            ax.annotate("", (weeks + 1.2, y), (weeks, y), arrowprops={"arrowstyle": "->", "color": COLOURS["PR"]})
        ax.set_yticks(list(rows), [lane.label for lane in ordered], fontsize=8)
    else:
        ax.plot([w + 0.6 for _, w in ongoing], [y for y, _ in ongoing], ">", color=COLOURS["PR"], markersize=3)
        ax.set_yticks([])
        ax.set_ylabel(f"{len(ordered)} patients, shortest on study at the bottom (filter to name them)")
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
