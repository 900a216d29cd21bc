"""Executors run independent jobs, keep failures as data, and agree with each other."""

from __future__ import annotations

import math

import pytest

from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults


def job(payload):
    if payload < 0:
        raise ValueError(f"negative input {payload}")
    return math.sqrt(payload)


@pytest.mark.parametrize("name, options", [("local", {"workers": 2}), ("local", {"workers": 1}),
                                           ("dask", {"workers": 2})])
def test_executor_runs_jobs_and_reports_failures(name, options):
    ex = registry().create("executor", name, plugin_defaults("executor", name, options))
    jobs = [(f"j{i}", v) for i, v in enumerate([4, 9, -1, 16])]
    results = {r.key: r for r in ex.run(job, jobs)}
    assert set(results) == {"j0", "j1", "j2", "j3"}
    assert [results[k].value for k in ("j0", "j1", "j3")] == [2.0, 3.0, 4.0]
    assert results["j2"].value is None or "traceback" in results["j2"].value
    assert "ValueError: negative input -1" == results["j2"].error


def test_slurm_example_makes_a_job_script():
    """The cluster example's jobqueue options are valid dask-jobqueue arguments (no SLURM needed)."""
    import tomllib

    dask_jobqueue = pytest.importorskip("dask_jobqueue")
    from conftest import EXAMPLES, run_cli

    path = EXAMPLES / "database_slurm.toml"
    assert run_cli("check", str(path)).returncode == 0
    opts = tomllib.loads(path.read_text())["executor"]["dask"]["jobqueue"]
    cluster = dask_jobqueue.SLURMCluster(**opts)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH --exclusive" in script and "#SBATCH -t 24:00:00" in script
