"""bench/measure.py's median_ms for the peer's side, which cannot import
bench/measure.py: that module sets Convening's Django up on import."""

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
