"""Run jobs in a local process pool (the default executor)."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from mobcg_core.config.schema import Option
from mobcg_core.contract.hookspecs import Executor, JobResult, call_job


class LocalExecutor(Executor):
    """A ``concurrent.futures`` process pool; ``workers = 1`` runs in-process."""

    name = "local"
    version = "0.1.0"
    options = {
        "workers": Option(int, 0, "worker processes (0: one per CPU core)", min=0),
        "start_method": Option(str, "spawn", "multiprocessing start method",
                               choices=("spawn", "forkserver", "fork")),
    }

    def run(self, fn, jobs):
        workers = self.opts.get("workers") or os.cpu_count() or 1
        jobs = list(jobs)
        if workers == 1 or len(jobs) <= 1:
            for key, payload in jobs:
                yield call_job(fn, key, payload)
            return
        ctx = mp.get_context(self.opts.get("start_method", "spawn"))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
        try:
            share = max(1, (os.cpu_count() or 1) // workers)
            futures = {pool.submit(call_job, fn, key, payload, share): key for key, payload in jobs}
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                    yield JobResult(futures[fut], error=f"worker lost: {exc}", physical=False)
        finally:
            # The caller may stop early: jobs not yet started are dropped, running ones finish.
            pool.shutdown(wait=True, cancel_futures=True)
