"""What the in-process benchmarks share: the median time of a piece of work."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ms(work: Callable[[], object], runs: int) -> float:
    """The median wall time of ``runs`` calls of ``work``, in milliseconds."""
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        took.append((time.perf_counter() - start) * 1000)
    return statistics.median(took)
