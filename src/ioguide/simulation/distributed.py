"""Chunked cohort execution on Dask: ``threads``, ``processes`` or ``synchronous`` locally, or a cluster address.

The cohort's random draws are made before the chunks are sent (``cohort.run_cohort``), and every chunk is a
pure function of its patients' parameters, so a Dask run returns exactly the local result for the same seed.
A cluster address (``tcp://host:8786``) needs the ``distributed`` package; without it a
:class:`SchedulerUnavailable` error says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ioguide.simulation.cohort import Chunk, Mapper, Metrics

LOCAL_SCHEDULERS = ("threads", "processes", "synchronous")


class SchedulerUnavailable(RuntimeError):
    """The requested Dask scheduler cannot be reached or needs a package that is not installed."""


def dask_mapper(scheduler: str) -> Mapper:
    """A mapper that evaluates each chunk as one Dask task on ``scheduler`` and returns them in order."""

    def mapper(evaluate: Chunk, chunks: list[Any]) -> Iterable[list[Metrics]]:
        from dask.base import compute
        from dask.delayed import delayed

        tasks = [delayed(evaluate, pure=True)(chunk) for chunk in chunks]
        if scheduler in LOCAL_SCHEDULERS:
            results: tuple[list[Metrics], ...] = compute(*tasks, scheduler=scheduler)  # type: ignore[no-untyped-call,unused-ignore]
            return list(results)
        try:
            from distributed import Client
        except ImportError as exc:
            raise SchedulerUnavailable(
                f"--scheduler {scheduler}: a cluster address needs the 'distributed' package (pip install "
                f"'dask[distributed]'); local schedulers: {', '.join(LOCAL_SCHEDULERS)}"
            ) from exc
        try:
            with Client(scheduler) as client:  # type: ignore[no-untyped-call,unused-ignore]
                return list(client.gather(client.compute(tasks)))
        except OSError as exc:
            raise SchedulerUnavailable(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from exc

    return mapper
