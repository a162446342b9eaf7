"""Exposure figures: concentration-time curves by regimen (tumour and plasma) and cohort percentile bands.

Matplotlib figures on the Agg canvas (no pyplot, no display, no global backend state); the caller saves the figure as PNG or SVG. Curves are
computed on a dense time grid with the same exact solutions as ``ioguide simulate`` (``simulation.exposure``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ioguide.simulation.exposure import simulate_exposure
from ioguide.simulation.inputs import ExposureInput

_POINTS = 400


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _positive(values: Any) -> Any:
    """Zeros cannot be drawn on a log axis: leave them out (NaN) rather than inventing a floor."""
    array = np.asarray(values, dtype=float)
    return np.where(array > 0, array, np.nan)


def _limit_decades(ax: Any, decades: float = 6.0) -> None:
    top = ax.get_ylim()[1]
    ax.set_ylim(bottom=max(ax.get_ylim()[0], top / 10**decades))


def exposure_figure(inp: ExposureInput) -> Figure:
    """Tumour (left) and plasma (right) concentration over [0, horizon] for every regimen, log scale."""
    dense = np.linspace(0.0, inp.horizon_days, _POINTS).tolist()
    result = simulate_exposure(inp.model_copy(update={"times_days": dense}))
    fig = _figure((10, 4))
    ax_t, ax_p = fig.subplots(1, 2, sharex=True)
    for regimen in result.regimens:
        label = f"{regimen.name} ({regimen.route})"
        ax_t.plot(dense, _positive(regimen.tumour_mg_l), label=label)
        ax_p.plot(dense, _positive(regimen.plasma_mg_l), label=label)
    for ax, title in ((ax_t, "tumour"), (ax_p, "plasma")):
        ax.set_yscale("log")
        _limit_decades(ax)
        ax.set_xlabel("time (days)")
        ax.set_ylabel("concentration (mg/L)")
        ax.set_title(f"{title} ({result.model}{', ' + result.drug if result.drug else ''})")
        ax.grid(True, which="both", alpha=0.3)
    ax_p.legend(fontsize="small")
    fig.text(0.01, 0.01, "tumour parameters are assumptions", fontsize="x-small", alpha=0.7)
    fig.tight_layout()
    return fig


def cohort_figure(summary: dict[str, Any]) -> Figure:
    """Percentile bands (outermost percentiles shaded, the middle one as a line) of each curve metric."""
    times = summary["times_days"]
    q = summary["percentiles"]
    curves = [name for name in ("tumour_mg_l", "plasma_mg_l", "level") if name in summary["groups"][0]]
    fig = _figure((5 * len(curves), 4))
    axes = fig.subplots(1, len(curves), squeeze=False)
    for ax, name in zip(axes[0], curves, strict=True):
        for group in summary["groups"]:
            bands = np.asarray(group[name])
            (line,) = ax.plot(times, bands[len(q) // 2], label=f"{group['name']} (p{q[len(q) // 2]:g})")
            if len(q) > 1:
                ax.fill_between(times, bands[0], bands[-1], color=line.get_color(), alpha=0.2)
        ax.set_yscale("log")
        ax.set_xlabel("time (days)")
        ax.set_ylabel(name)
        ax.set_title(f"{name}: p{q[0]:g}-p{q[-1]:g}, n = {summary['n']}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def cart_figure(result: dict[str, Any]) -> Figure:
    """CAR-T level (Stein) or cells per site (two-site) at the requested times, log scale."""
    fig = _figure((6, 4))
    ax = fig.subplots()
    times = result["times_days"]
    series = [("level", "level")] if "level" in result else [("regional_cells", "regional"), ("blood_cells", "blood")]
    for key, label in series:
        ax.plot(times, _positive(result[key]), marker="o", label=label)
    ax.set_yscale("log")
    ax.set_xlabel("time (days)")
    ax.set_ylabel("copies/ug gDNA" if "level" in result else "cells")
    ax.set_title(result["model"])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
