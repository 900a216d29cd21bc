"""Run jobs in a local process pool (the default executor)."""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed

from mobcg_core.config.schema import Option
from mobcg_core.engine_support import THREADS_ENV
from mobcg_core.hookspecs import Executor, JobResult


def _safe_call(fn, key, payload, threads: int = 0):
    # Errors travel back as text: a job's failure is data, not a crash of the driver.
    if threads:
        os.environ[THREADS_ENV] = str(threads)  # engines with automatic threads take this share
    try:
        return JobResult(key, fn(payload))
    except Exception as exc:  # noqa: BLE001 - reported per job
        return JobResult(key, error=f"{type(exc).__name__}: {exc}",
                         value={"traceback": traceback.format_exc()})


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
                yield _safe_call(fn, key, payload)
            return
        ctx = mp.get_context(self.opts.get("start_method", "spawn"))
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            share = max(1, (os.cpu_count() or 1) // workers)
            futures = [pool.submit(_safe_call, fn, key, payload, share) for key, payload in jobs]
            for fut in as_completed(futures):
                yield fut.result()
