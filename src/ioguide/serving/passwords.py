"""Password checks off the event loop and off the route handlers' thread pool.

argon2 is slow on purpose (tens of milliseconds of CPU and 64 MiB per check). Run on the event loop, one check
stalls every request; run in the shared thread pool, a storm of sign-ins takes every thread. Here checks run on
their own small pool at a lower CPU priority, and sign-ins beyond a bounded queue are refused at once (503)
instead of piling up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


#: Niceness of the password threads (and of the threads argon2 starts for its lanes, which inherit it): under a
#: storm of sign-ins the CPU goes first to the other requests (Linux: niceness is per thread).
PASSWORD_NICENESS = 10


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not permitted: the checks run at normal priority
        log.info("password threads run at normal priority (setpriority unavailable)")


class GateFull(Exception):
    """More sign-ins are waiting than the queue holds."""


class PasswordGate:
    def __init__(self, threads: int, queue: int) -> None:
        self._threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._queue = queue
        self._waiting = 0

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:  # made on first use (and again after close, for an app started twice)
            self._pool = ThreadPoolExecutor(
                max_workers=self._threads, thread_name_prefix="ioguide-password", initializer=_lower_priority
            )
        return self._pool

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a password thread; :class:`GateFull` when the queue is full."""
        if self._waiting >= self._queue:
            raise GateFull
        self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor(), functools.partial(fn, *args))
        finally:
            self._waiting -= 1

    def close(self) -> None:
        """Stop the threads (when the app shuts down)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
