"""Rendered cohort plots, kept per (database, data version, plot, format, page, filters) so that a plot is drawn
once per state of the data: every write appends an audit row and so changes
:func:`ioguide.services.cohort_query.data_version`, which makes the older entries unreachable (they age out of the
bounded LRU). The plots' inputs (series or swimmer lanes) are kept the same way, so that the three formats and the
swimmer's pages of one state are read from the database once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

#: Plots kept per process (a PNG of a 10,000-patient waterfall is about 100 kB).
DEFAULT_SIZE = 64


class PlotCache(Generic[V]):
    """A thread-safe least-recently-used map from a key to a value (rendered bytes, plot inputs); two requests for the same missing key
    may both draw it (no lock is held while drawing), the result is the same."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("a plot cache holds at least one plot")
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        body = make()
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: The process's cache of cohort plots (the web face's).
PLOTS: PlotCache[bytes] = PlotCache()

#: Inputs of the plots kept per process (a cohort's series or lanes; one entry per plot kind, subset and filters).
INPUTS: PlotCache[list[Any]] = PlotCache(8)
