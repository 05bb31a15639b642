"""A Dask worker's part of one batch run: its RunContext, from the run's start to its end.

Registered by run._run_on_dask under a name unique to the run; Dask calls setup() on every
worker (and on one that joins later) and teardown() when the run unregisters it, which closes
the reference layers the worker opened. Imported only with the Dask extra installed.
"""

from __future__ import annotations

from distributed import WorkerPlugin, get_worker

from .context import RunContext


class RunPlugin(WorkerPlugin):
    def __init__(self, name: str):
        self.name = name
        self.run: RunContext | None = None

    def setup(self, worker) -> None:
        self.run = RunContext()

    def teardown(self, worker) -> None:
        if self.run is not None:
            self.run.close()


def check_on_worker(job, check_one, plugin: str):
    """`check_one(job)` (run.check_job with the run's options) with the RunContext this worker
    keeps for the run named `plugin`."""
    mine = get_worker().plugins[plugin]
    assert isinstance(mine, RunPlugin)
    return check_one(job, run=mine.run)
