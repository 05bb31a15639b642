"""What a batch worker keeps from one submission to the next: the reference layers it opened.

A RunContext is made per worker of a run (the serial loop; each process of a local pool; each
Dask worker, for the length of one run) and handed to check_job; nothing of it lives in a
module, so one run never sees another's layers. A Dask worker's threads share it: a reference
set is opened once under its lock, and opened sources may be read by several threads at once
(see geocheck/references/backends/base.py).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from ..references import ReferenceSet


class RunContext:
    """Reference sets opened for the jobs of one worker, by their specs; close() when the run ends."""

    def __init__(self) -> None:
        self._references: dict[tuple, ReferenceSet] = {}
        self._lock = threading.Lock()

    def references(self, specs: tuple) -> ReferenceSet | None:
        """The opened geocheck.references.ReferenceSet of `specs` (None without any), opened on first use.

        A set that cannot be opened is not kept: each submission then reports why."""
        if not specs:
            return None
        from ..references import ReferenceSet

        with self._lock:  # a second thread waits for the first one's open instead of opening again
            if specs not in self._references:
                self._references[specs] = ReferenceSet.open(list(specs))
            return self._references[specs]

    def reference_sets(self) -> list[ReferenceSet]:
        with self._lock:
            return list(self._references.values())

    def close(self) -> None:
        with self._lock:
            while self._references:
                self._references.popitem()[1].close()

    def __enter__(self) -> "RunContext":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
