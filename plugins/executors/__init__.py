"""Executor plugins: ``local`` (process pool) and ``dask`` (dask.distributed)."""

from mobcg_core.contract.hookspecs import hookimpl

from .dask_executor import DaskExecutor
from .local import LocalExecutor

__all__ = ["LocalExecutor", "DaskExecutor"]


@hookimpl
def mobcg_executors():
    return [LocalExecutor, DaskExecutor]
