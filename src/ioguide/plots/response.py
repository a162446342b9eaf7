"""Response figures of a cohort, sized for a paper: waterfall (best % change of the target sum), spider (% change
over time) and swimmer (time on study with injections, infusions, ablations, responses, progression, toxicity).

Matplotlib figures on the Agg canvas (no pyplot, no display); :func:`render` writes PNG (300 dpi), SVG or PDF.
Figures are 7.2 in wide (a two-column journal figure) and no text is smaller than 8 pt at that size
(:data:`MIN_FONT_PT`). Each title gives n, the number of patients drawn. The reference lines are RECIST 1.1's
thresholds (Eisenhauer et al., Eur J Cancer 2009;45:228-47, section 4.3.1: PR at -30 % from baseline, PD at +20 %
from the nadir, drawn here from baseline as is customary on these plots). Colours are the Okabe-Ito
colour-blind-safe palette (Okabe & Ito 2008); every mark also has a legend entry and a distinct shape, so the
figure reads in grey too. A large cohort does not stretch a figure: the swimmer plot is paged
(:data:`SWIMMER_PAGE`), the waterfall drops per-patient labels past :data:`LABELLED_BARS`, and the spider plot
drops per-line labels past :data:`LABELLED_LINES`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ioguide.labels import response_label
from ioguide.plots.cohort_data import ChangeSeries, Lane, plain_code

ImageFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[ImageFormat, ...] = ("png", "svg", "pdf")
#: PNG resolution: 300 dpi, the usual minimum of journals for line art with colour.
PNG_DPI = 300
#: No text smaller than this at print size (journals ask for 6-8 pt at the least; 8 pt reads on screen too).
MIN_FONT_PT = 8.0
WIDTH_IN = 7.2
#: Lanes per swimmer page: 40 lanes keep each lane label at 8 pt on a figure no taller than a printed page.
SWIMMER_PAGE = 40
LABELLED_BARS = 40
LABELLED_LINES = 20

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

TITLE_PT = 10.0


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def colour(code: str | None) -> str:
    return COLOURS.get(plain_code(code) or "", _NONE)


def _titled(title: str, n: int) -> str:
    return f"{title} (n={n:,})"


def _empty(fig: Figure, title: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        f"{_titled(title, 0)}\nno patient with measured lesions in this group",
        ha="center",
        va="center",
        fontsize=MIN_FONT_PT,
    )
    return fig


def _style(ax: Axes) -> None:
    ax.tick_params(labelsize=MIN_FONT_PT)
    ax.xaxis.label.set_fontsize(9.0)
    ax.yaxis.label.set_fontsize(9.0)
    ax.spines[["top", "right"]].set_visible(False)


def _reference_lines(ax: Axes) -> list[Line2D]:
    """RECIST 1.1 §4.3.1 thresholds, with their own legend entries."""
    ax.axhline(0, color="black", linewidth=0.8)
    pd = ax.axhline(20, color="#D55E00", linestyle="--", linewidth=1, label="+20 % (PD threshold)")
    pr = ax.axhline(-30, color="#0072B2", linestyle=":", linewidth=1.2, label="-30 % (PR threshold)")
    return [pd, pr]


def _legend(ax: Axes, codes: Sequence[str | None], extra: Sequence[Any] = ()) -> None:
    order = list(COLOURS)
    seen = sorted({plain_code(c) for c in codes}, key=lambda c: order.index(c) if c in order else 99)
    handles = [Patch(color=colour(c), label=response_label(c)) for c in seen]
    ax.legend(
        handles=[*handles, *extra],
        title="best response",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=MIN_FONT_PT,
        title_fontsize=MIN_FONT_PT,
        frameon=False,
    )


def waterfall(series: Sequence[ChangeSeries], title: str) -> Figure:
    """One bar per patient: best % change of the target sum from baseline, largest growth on the left; a dot
    above the bar marks a confirmed best response (RECIST 1.1 §4.4.3)."""
    fig = _figure(4.0)
    bars = [s for s in series if s.best_change_pct is not None]
    if not bars:
        return _empty(fig, title)
    bars.sort(key=lambda s: -(s.best_change_pct or 0.0))
    ax = fig.add_subplot()
    _style(ax)
    x = list(range(len(bars)))
    values = [s.best_change_pct or 0.0 for s in bars]
    ax.bar(x, values, color=[colour(s.best_response) for s in bars], width=0.8 if len(bars) <= 200 else 1.0)
    refs = _reference_lines(ax)
    confirmed = [(i, v) for i, (s, v) in enumerate(zip(bars, values, strict=True)) if s.confirmed]
    extra: list[Any] = list(refs)
    if confirmed:
        span = max(max(values) - min(values), 1.0)
        ax.plot(
            [i for i, _ in confirmed],
            [v - 0.04 * span if v < 0 else v + 0.04 * span for _, v in confirmed],
            "o",
            color="black",
            markersize=3 if len(bars) > LABELLED_BARS else 4,
        )
        extra.append(Line2D([], [], marker="o", color="black", linestyle="", label="confirmed response"))
    if len(bars) <= LABELLED_BARS:
        ax.set_xticks(x, [s.label for s in bars], rotation=45 if len(bars) > 10 else 0, ha="right", fontsize=8)
        ax.set_xlabel("patient")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(bars):,} patients, ordered by best change")
    ax.set_ylabel("best change of target sum\nfrom baseline (%)")
    ax.set_title(_titled(title, len(bars)), fontsize=TITLE_PT)
    _legend(ax, [s.best_response for s in bars], extra)
    return fig


def spider(series: Sequence[ChangeSeries], title: str) -> Figure:
    """One line per patient: % change of the target sum from baseline over weeks on study."""
    fig = _figure(4.0)
    lines = [s for s in series if any(v is not None for v in s.change_pct)]
    if not lines:
        return _empty(fig, title)
    ax = fig.add_subplot()
    _style(ax)
    crowded = len(lines) > LABELLED_LINES
    for s in lines:
        weeks = [0.0] + [d / 7 for d, v in zip(s.days, s.change_pct, strict=True) if v is not None]
        values = [0.0] + [v for v in s.change_pct if v is not None]
        ax.plot(
            weeks,
            values,
            marker="o",
            markersize=2 if crowded else 3,
            color=colour(s.best_response),
            linewidth=0.8 if crowded else 1.5,
            alpha=0.6 if crowded else 1.0,
        )
        if not crowded:
            ax.annotate(
                s.label, (weeks[-1], values[-1]), xytext=(3, 0), textcoords="offset points", fontsize=MIN_FONT_PT
            )
    refs = _reference_lines(ax)
    ax.set_xlabel("weeks from baseline")
    ax.set_ylabel("change of target sum\nfrom baseline (%)")
    ax.set_title(_titled(title, len(lines)), fontsize=TITLE_PT)
    _legend(ax, [s.best_response for s in lines], refs)
    return fig


def swimmer_pages(n_lanes: int, per_page: int | None = None) -> int:
    """How many pages a swimmer plot of ``n_lanes`` patients has (at least one; :data:`SWIMMER_PAGE` a page unless
    ``per_page`` says)."""
    return max(1, -(-n_lanes // (per_page or SWIMMER_PAGE)))


def swimmer(lanes: Sequence[Lane], title: str, page: int = 1, per_page: int | None = None) -> Figure:
    """One lane per patient from baseline to the last follow-up, longest first, ``per_page`` lanes a page (the
    title says which patients of how many): marks for injections, CAR-T infusions, ablations and embolizations,
    first response, progression and toxicity of grade 3 or more; an arrow for a response still ongoing."""
    per_page = per_page or SWIMMER_PAGE
    pages = swimmer_pages(len(lanes), per_page)
    if not 1 <= page <= pages:
        raise ValueError(f"page {page} of a swimmer plot with {pages} page(s)")
    ordered = sorted(lanes, key=lambda lane: (-lane.end_day, lane.label))
    shown = ordered[(page - 1) * per_page : page * per_page]
    fig = _figure(max(2.8, 0.22 * len(shown) + 1.9))
    if not lanes:
        return _empty(fig, title)
    ax = fig.add_subplot()
    _style(ax)
    shown = list(reversed(shown))  # the longest lane on top
    for y, lane in enumerate(shown):
        weeks = lane.end_day / 7
        ax.barh(y, weeks, color="#E5E5E5", edgecolor="#8C8C8C", height=0.6)
        marks = (
            (lane.injections, "v", "#000000", 0.0),
            (lane.infusions, "D", "#56B4E9", 0.0),
            (lane.ablations, "s", "#E69F00", 0.0),
            (lane.responses, "o", COLOURS["PR"], 0.0),
            (lane.progressions, "X", COLOURS["PD"], 0.0),
            ([d for d, _ in lane.toxicities], "*", "#CC79A7", 0.3),
        )
        for days, marker, tint, lift in marks:
            ax.plot([d / 7 for d in days], [y + lift] * len(days), marker, color=tint, markersize=5, linestyle="")
        if lane.ongoing_response:
            ax.annotate("", (weeks + 1.2, y), (weeks, y), arrowprops={"arrowstyle": "->", "color": COLOURS["PR"]})
    ax.set_yticks(range(len(shown)), [lane.label for lane in shown], fontsize=MIN_FONT_PT)
    ax.set_xlabel("weeks from baseline")
    first = (page - 1) * per_page + 1
    which = f", patients {first:,}-{first + len(shown) - 1:,} (page {page} of {pages})" if pages > 1 else ""
    ax.set_title(_titled(title, len(lanes)) + which, fontsize=TITLE_PT)
    handles = [
        Line2D([], [], marker="v", color="#000000", linestyle="", label="injection"),
        Line2D([], [], marker="D", color="#56B4E9", linestyle="", label="CAR-T infusion"),
        Line2D([], [], marker="s", color="#E69F00", linestyle="", label="ablation / embolization"),
        Line2D([], [], marker="o", color=COLOURS["PR"], linestyle="", label="first response (PR/CR)"),
        Line2D([], [], marker="X", color=COLOURS["PD"], linestyle="", label="progression (PD/iUPD/iCPD)"),
        Line2D([], [], marker="*", color="#CC79A7", linestyle="", label="toxicity grade >= 3"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=MIN_FONT_PT, frameon=False)
    return fig


def draw(kind: str, inputs: Sequence[Any], title: str, page: int = 1) -> Figure:
    """The ``waterfall``, ``spider`` or ``swimmer`` figure of ``inputs`` (change series, or lanes for swimmer);
    ``page`` pages a swimmer plot."""
    if kind == "swimmer":
        return swimmer(inputs, title, page)
    if kind == "spider":
        return spider(inputs, title)
    if kind == "waterfall":
        return waterfall(inputs, title)
    raise ValueError(f"unknown plot {kind!r}: waterfall, spider or swimmer")


def render(fig: Figure, fmt: ImageFormat) -> bytes:
    """The figure as PNG (300 dpi), SVG or PDF bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: png, svg or pdf")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=PNG_DPI if fmt == "png" else None, metadata=_metadata(fmt))
    return out.getvalue()


def _metadata(fmt: ImageFormat) -> dict[str, Any]:
    """No creation date in SVG/PDF (the same data give the same bytes, so a cache or a diff can trust them)."""
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}
