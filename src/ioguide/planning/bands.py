"""Value bands read from rule files: ``below``/``above`` are strict bounds, ``min``/``max`` inclusive ones.

One place for the "which band does this number fall in" arithmetic used by the Child-Pugh, ALBI and RENAL
tables,
with a load-time check that a table's bands never overlap and leave no gap.
"""

from __future__ import annotations

import itertools

from pydantic import BaseModel

from ioguide.validation import STRICT_INPUT


class Band(BaseModel):
    """A half-open or closed interval; a row with none of the four bounds matches everything."""

    model_config = STRICT_INPUT
    below: float | None = None
    above: float | None = None
    min: float | None = None
    max: float | None = None

    def matches(self, value: float) -> bool:
        return (
            (self.below is None or value < self.below)
            and (self.above is None or value > self.above)
            and (self.min is None or value >= self.min)
            and (self.max is None or value <= self.max)
        )

    def label(self) -> str:
        parts = []
        for name, sign in (("above", ">"), ("min", ">="), ("below", "<"), ("max", "<=")):
            bound = getattr(self, name)
            if bound is not None:
                parts.append(f"{sign} {bound:g}")
        return " and ".join(parts) or "any"


def check_partition(bands: list[Band], what: str) -> None:
    """Raise ValueError unless every number falls in exactly one band (probed at and between all bounds)."""
    bounds = sorted({b for band in bands for b in (band.below, band.above, band.min, band.max) if b is not None})
    if not bounds:
        return
    probes = [bounds[0] - 1, *bounds, *((a + b) / 2 for a, b in itertools.pairwise(bounds)), bounds[-1] + 1]
    for p in probes:
        hits = sum(band.matches(p) for band in bands)
        if hits != 1:
            raise ValueError(f"{what}: bands must cover every value exactly once ({hits} bands match {p:g})")
