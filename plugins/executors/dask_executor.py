"""Run jobs on a Dask cluster: local, an existing scheduler, or SLURM/PBS via dask-jobqueue."""

from __future__ import annotations

from mobcg_core.config.schema import Option
from mobcg_core.plugin_kit.segmented import missing_module
from mobcg_core.contract.hookspecs import Executor, JobResult, call_job


class DaskExecutor(Executor):
    """dask.distributed executor.  Inputs and results travel with the jobs (no shared disk)."""

    name = "dask"
    version = "0.1.0"
    options = {
        "cluster": Option(str, "local", "where workers come from", choices=("local", "address", "slurm", "pbs")),
        "address": Option(str, "", "scheduler address for cluster = 'address' (tcp://host:8786)"),
        "workers": Option(int, 2, "workers (local) or jobs to request (slurm/pbs)", min=1),
        "threads_per_worker": Option(int, 1, "threads per worker", min=1),
        "jobqueue": Option(dict, {}, "keyword arguments for dask_jobqueue.SLURMCluster/PBSCluster "
                                     "(cores, memory, walltime, queue, account, job_extra_directives, ...)"),
    }

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return missing_module("distributed", "pip install 'mobcg[dask]'")

    def _client(self):
        from distributed import Client, LocalCluster

        o = self.opts
        if o["cluster"] == "address":
            return Client(o["address"]), None
        if o["cluster"] == "local":
            cluster = LocalCluster(n_workers=o["workers"], threads_per_worker=o["threads_per_worker"],
                                   processes=True, dashboard_address=None)
        else:
            import dask_jobqueue

            cls = dask_jobqueue.SLURMCluster if o["cluster"] == "slurm" else dask_jobqueue.PBSCluster
            cluster = cls(**o["jobqueue"])
            cluster.scale(jobs=o["workers"])
        return Client(cluster), cluster

    def run(self, fn, jobs):
        from distributed import as_completed

        client, cluster = self._client()
        futures = {}
        try:
            threads = self.opts["threads_per_worker"]
            # A job on a worker that dies is rescheduled by the scheduler on another worker
            # (up to distributed.scheduler.allowed-failures times) before it reports KilledWorker.
            futures = {client.submit(call_job, fn, key, payload, threads, key=f"mobcg-{key}", pure=False): key
                       for key, payload in jobs}
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, lost scheduler: not physics
                    yield JobResult(futures[fut], error=f"{type(exc).__name__}: {exc}", physical=False)
        finally:
            client.cancel(list(futures))
            client.close()
            if cluster is not None:
                cluster.close()
