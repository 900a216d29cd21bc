"""Environment failures stop a study without poisoning it; one writer at a time; lost workers.

The split under test (``mobcg_core.contract.errors``): a physical failure is a result, recorded and
skipped on reruns; an environment failure (missing packmol, a lost worker) stops the stage
with one line, records nothing, and a rerun after the fix completes the study.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest

from conftest import ROOT, run_cli
from mobcg_core.database import Database
from mobcg_core.database.generate import _heal
from mobcg_core.contract.errors import LockedError
from test_database import _grids, _sample, write_study

pytest.importorskip("distributed")


def _without_packmol(tmp_path: Path) -> dict:
    """An environment where no packmol can be found: not on PATH, and MOBCG_PACKMOL names nothing."""
    keep = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "packmol").exists()]
    return {"PATH": os.pathsep.join(keep), "MOBCG_PACKMOL": str(tmp_path / "no-packmol-here")}


def test_missing_packmol_stops_at_once_and_a_rerun_completes(tmp_path):
    study = write_study(tmp_path, workers=2, k=2, fast=True)
    res = run_cli("-q", "run", str(study), env=_without_packmol(tmp_path))
    assert res.returncode == 1, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert "packmol" in last and "pip install packmol" in last and "Traceback" not in res.stderr
    dbfile = tmp_path / "out" / "database.h5"
    assert not dbfile.exists() or Database(dbfile).count("failures") == 0  # nothing recorded as final
    again = run_cli("run", str(study))
    assert again.returncode == 0, again.stderr
    db = Database(dbfile)
    assert db.count("forcefields") == 2 and db.count("samples") == 4 and db.count("failures") == 0


def test_failures_from_before_the_split_are_retried(tmp_path):
    """A file whose failures table predates the 'kind' column (e.g. a stored missing packmol) heals."""
    r_g, r_u = _grids()
    db = Database(tmp_path / "old.h5", r_g, r_u)
    db.add("samples", _sample("s1", 50.0))
    failure = {"job": "forcefields", "molecule": "X", "provenance_json": {}}
    db.add("failures", {**failure, "key": "env", "kind": "", "error": "MobcgError: packmol not found"})
    db.commit()
    with h5py.File(db.path, "a") as fh:  # the old format had no kind column
        del fh["failures"]["kind"]
    assert Database(db.path).read("failures")["kind"].tolist() == [""]
    db.add("failures", {**failure, "key": "phys", "kind": "physical", "error": "BlowUpError: NaN"})
    db.commit()  # the column comes back, "" for the old row
    assert _heal(db, retry_all=False) == 1
    bad = db.read("failures")
    assert bad["key"].tolist() == ["phys"] and bad["kind"].tolist() == ["physical"]
    assert db.count("samples") == 1  # other groups untouched
    assert _heal(db, retry_all=True) == 1 and db.count("failures") == 0
    db.close()


_WRITER = """
import sys, time
import numpy as np
sys.path.insert(0, {tests!r})
from test_database import _grids, _sample
from mobcg_core.database import Database
from mobcg_core.contract.errors import LockedError
db = Database({path!r}, *_grids())
n = 0
try:
    for i in range(150):
        db.add("samples", _sample(f"{{sys.argv[1]}}-{{i}}", 50.0))
        n += 1
        if i % 10 == 9:
            db.commit()
    db.commit()
    time.sleep(1.0)  # hold the lock a little after the last row
except LockedError as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
"""


def test_two_writers_on_one_database_second_refuses(tmp_path):
    path = tmp_path / "db.h5"
    code = _WRITER.format(tests=str(ROOT / "tests"), path=str(path))
    first = subprocess.Popen([sys.executable, "-c", code, "a"], stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "db.h5.lock"
    deadline = time.time() + 60
    while time.time() < deadline and not (lock.exists() and lock.read_text()):
        time.sleep(0.02)
    second = subprocess.run([sys.executable, "-c", code, "b"], capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert second.returncode == 1
    msg = second.stderr.strip().splitlines()
    assert len(msg) == 1 and f"PID {first.pid}" in msg[0] and "being written" in msg[0]
    assert Database(path).count("samples") == 150  # every row of the writer that ran is there
    # A lock dies with its holder: the next writer in this process gets it.
    db = Database(path)
    db.add("samples", _sample("c-0", 60.0))
    with pytest.raises(LockedError):
        Database(path).add("samples", _sample("d-0", 60.0))
    db.commit()
    db.close()
    assert Database(path).count("samples") == 151


def test_two_runs_on_one_output_folder_second_refuses(tmp_path):
    study = write_study(tmp_path, workers=2, k=2, fast=True)
    first = subprocess.Popen([sys.executable, "-m", "mobcg_core.cli", "-q", "run", str(study)], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "out" / ".mobcg.lock"
    deadline = time.time() + 120
    while time.time() < deadline and not (lock.exists() and lock.read_text()):
        time.sleep(0.05)
    second = run_cli("-q", "run", str(study))
    assert second.returncode == 1
    line = second.stderr.strip().splitlines()
    assert len(line) == 1 and "being written by PID" in line[0] and "Traceback" not in second.stderr
    assert first.wait(timeout=600) == 0, first.stderr.read()
    db = Database(tmp_path / "out" / "database.h5")
    assert db.count("forcefields") == 2 and db.count("samples") == 4 and db.count("failures") == 0


def _start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_killed_dask_worker_does_not_kill_the_study(tmp_path):
    """A real scheduler and two worker processes on 127.0.0.1; one is SIGKILLed mid-study."""
    sched_file = tmp_path / "scheduler.json"
    procs = [_start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(sched_file)], tmp_path / "scheduler.log")]
    try:
        _wait_for(sched_file.exists, 60, "the scheduler")
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):  # --no-nanny: a killed worker stays dead (a nanny would restart it)
            procs.append(_start(["distributed.cli.dask_worker", address, "--no-nanny", "--nthreads", "1",
                                 "--no-dashboard", "--name", f"w{i}"], tmp_path / f"worker{i}.log"))
        study = write_study(tmp_path, executor="dask", workers=2, k=3, fast=True)
        study.write_text(study.read_text().replace(
            "[executor.dask]", f'[executor.dask]\ncluster = "address"\naddress = "{address}"'))
        run = subprocess.Popen([sys.executable, "-m", "mobcg_core.cli", "-q", "run", str(study)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        journal, dbfile = tmp_path / "out" / "database.h5.pending", tmp_path / "out" / "database.h5"
        # Kill a worker once the study is under way: its first result is durable (journalled, and
        # with commit_interval_s = 0 committed at once, which empties the journal), others run.
        _wait_for(lambda: dbfile.exists() or (journal.is_dir() and any(journal.glob("*.pkl")))
                  or run.poll() is not None, 300, "the first finished job")
        assert run.poll() is None, "the study finished before a worker could be killed"
        os.kill(procs[1].pid, signal.SIGKILL)
        assert run.wait(timeout=600) == 0, run.stderr.read()
        db = Database(tmp_path / "out" / "database.h5")
        ff, s = db.read("forcefields", columns=["key"]), db.read("samples", columns=["key"])
        assert len(ff["key"]) == 3 and len(set(ff["key"])) == 3
        assert len(s["key"]) == 6 and len(set(s["key"])) == 6
        assert db.count("failures") == 0
        assert procs[1].poll() is not None and procs[2].poll() is None  # the survivor did the rest
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
