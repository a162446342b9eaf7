"""Exact arithmetic shared by every criterion: thresholds on integer micrometres, display rounding.

``spec/response.md``: comparisons are exact (``10 x sum <= 7 x baseline``, ``5 x sum >= 6 x nadir``), never on
rounded percentages; displayed lengths round to 0.1 mm and percentages to 0.1, half away from zero.
"""

from __future__ import annotations

PD_MIN_INCREASE_UM = 5_000  # RECIST 1.1 §4.3.1: the sum must also rise by >= 5 mm over the nadir


def round_tenths(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` rounded to one decimal, half away from zero, computed exactly."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    tenths = (20 * n + d) // (2 * d)  # round(10 n / d), half up on the magnitude
    return sign * tenths / 10


def mm(value_um: int | None) -> float | None:
    """Micrometres to millimetres rounded to 0.1 mm (display only)."""
    return None if value_um is None else round_tenths(value_um, 1_000)


def mm_text(value_um: int) -> str:
    return f"{round_tenths(value_um, 1_000):.1f}"


def pct_change(now_um: int | None, reference_um: int | None) -> float | None:
    """Percentage change from ``reference`` to ``now``, 0.1 precision; None where undefined (missing or 0)."""
    if now_um is None or reference_um is None or reference_um == 0:
        return None
    return round_tenths(100 * (now_um - reference_um), reference_um)


def meets_pr(sum_um: int, baseline_um: int) -> bool:
    """>= 30 % decrease from baseline: ``10 x sum <= 7 x baseline`` (RECIST 1.1 §4.3.1)."""
    return 10 * sum_um <= 7 * baseline_um


def meets_pd(sum_um: int, nadir_um: int, *, absolute_increase: bool = True) -> bool:
    """>= 20 % increase over the nadir (``5 x sum >= 6 x nadir``) and, when ``absolute_increase``, >= 5 mm
    (RECIST 1.1 §4.3.1). mRECIST (Lencioni & Llovet 2010) has no 5 mm clause; a rise from a zero nadir is
    still required to be a rise."""
    if sum_um <= nadir_um:
        return False
    if 5 * sum_um < 6 * nadir_um:
        return False
    return not absolute_increase or sum_um - nadir_um >= PD_MIN_INCREASE_UM
