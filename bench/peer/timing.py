"""The bench's timing, with no Django in it: bench/measure.py (and through it
our side of the comparison) and the peer's side, which runs in its own
virtualenv and cannot import bench/measure.py, time alike."""

import statistics
import time
from collections.abc import Callable


def median_ms(action: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> float:
    action()  # warm: connection, caches, imports
    times = []
    for _ in range(runs):
        if before:
            before()  # not timed
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)
