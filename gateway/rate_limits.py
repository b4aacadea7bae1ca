"""In-process token buckets for the few public operations that need a limit (the partner application form).

Per gateway process: N processes behind a load balancer allow up to N times the rate. That is enough to
keep a form from being flooded by one client; a shared limit (Redis, or a table) can replace it behind
the same `take(key)` without the GraphQL layer noticing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `per_hour` tokens an hour; a call takes one."""

    def __init__(
        self, *, burst: int, per_hour: float, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = per_hour / 3600.0
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> bool:
        """Whether the caller behind `key` may go ahead now."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)  # the longest idle key; it comes back with a full bucket
            return allowed
