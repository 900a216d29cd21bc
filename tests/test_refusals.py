"""Every row of the bad-input audit, as a table: refused in one line, exit ≠ 0, no file changed.

Each case builds a small workspace (a run file, a g(r) file, a two-sample database), runs one
command in it as a user would, and checks that it was refused before any work (exit code, one
message line naming what to fix, no traceback) and that nothing in the workspace changed. No MD
runs: every refusal comes before the first step. Run-file cases go through ``mobcg check`` with
the cases of ``benchmarks/bad_inputs.py``; the rest are the other commands.
"""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, TARGET_RDF, fake_sample, run_cli
from mobcg_core.database import Database

_spec = importlib.util.spec_from_file_location("bad_inputs", ROOT / "benchmarks/bad_inputs.py")
bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bad)

#: the audit's rows, in its order: (row, cases of benchmarks/bad_inputs.py that cover it)
CHECK_ROWS = [
    ("g(r) unit mix-ups, negative r", ["g(r) nm data under an Å header", "g(r) Å data with rdf_r_unit = nm",
                                        "g(r) negative r"]),
    ("one NaN in the g(r) file", ["g(r) one NaN"]),
    ("values that fail stages later", ["D_AA = 0 with predict", "compare_potentials is a g(r) file",
                                       "model file is not a model", "box < 2 x cutoff", "run.output is a file",
                                       "too few frames for the MSD fit"]),
    ("cg_md without coarse_grain", ["cg_md without coarse_grain, potential_file"]),
    ("closed-loop candidates without a loop or a database", ["candidates without the closed loop",
                                                             "candidates from no database"]),
]

HEADERLESS = "".join(ln + "\n" for ln in TARGET_RDF.read_text().splitlines() if not ln.startswith("#"))
PREDICT = ["predict", "--rdf", "g.txt", "--diffusion", "1.2"]

#: (row, argv in the workspace, exit code, text the one message line holds)
CLI_ROWS = [
    ("predict: garbage g(r)", ["predict", "--rdf", "garbage.txt", "--diffusion", "1.2", "--mass", "114.2"], 1,
     "not numeric"),
    ("predict: headerless g(r)", ["predict", "--rdf", "headerless.txt", "--diffusion", "1.2", "--mass", "114.2"],
     1, "--rdf-unit"),
    ("predict: NaN in g(r)", ["predict", "--rdf", "nan.txt", "--diffusion", "1.2", "--mass", "114.2"], 1,
     "not finite"),
    ("predict: --mass nan", [*PREDICT, "--mass", "nan"], 1, "--mass nan"),
    ("predict: non-hydrocarbon SMILES", [*PREDICT, "--smiles", "CCO"], 1, "not a hydrocarbon"),
    ("predict: mass contradicts SMILES", [*PREDICT, "--smiles", "CC(C)C(C)C(C)C", "--mass", "50"], 1,
     "contradicts"),
    ("predict: existing output folder", [*PREDICT, "--mass", "114.2", "-o", "old"], 1, "--force"),
    ("db merge: a missing second input", ["db", "merge", "m.h5", "a.h5", "missing.h5"], 1, "missing.h5"),
    ("db merge: a different grid", ["db", "merge", "m.h5", "a.h5", "other.h5"], 1, "grid"),
    ("db seed --from-samples -1", ["db", "seed", "a.h5", "--from-samples", "-1"], 1, "≥ 1"),
    ("db export --rows 5:2", ["db", "export", "a.h5", "new", "--rows", "5:2"], 1, "no sample"),
    ("db export: unknown --molecule", ["db", "export", "a.h5", "new", "--molecule", "nope"], 1,
     "no sample"),
    ("db export into an old folder", ["db", "export", "a.h5", "old"], 1, "not an empty folder"),
    ("output folder is a file", ["run", "run_file_out.toml"], 2, "is a file"),
    ("run: candidate database on another grid", ["run", "run_candidates.toml"], 2, "another r grid"),
    ("output folder under a file", ["run", "run_under_file.toml"], 2, "is a file"),
    ("bench --engines foo", ["bench", "run.toml", "--engines", "foo"], 1, "unknown foo"),
    ("timestep --nve-ps -1", ["timestep", "run.toml", "--nve-ps", "-1"], 1, "--nve-ps"),
    ("--debug after predict", [*PREDICT, "--smiles", "CCO", "--debug"], 1, "not a hydrocarbon"),
    ("--debug after db seed", ["db", "seed", "a.h5", "--from-samples", "-1", "--debug"], 1, "≥ 1"),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "g.txt").write_text(TARGET_RDF.read_text())
    (tmp_path / "garbage.txt").write_text("garbage here\n" * 5)
    (tmp_path / "headerless.txt").write_text(HEADERLESS)
    rows = TARGET_RDF.read_text().splitlines()
    rows[60] = rows[60].split()[0] + " nan"
    (tmp_path / "nan.txt").write_text("\n".join(rows) + "\n")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "from_before.txt").write_text("an earlier result")
    r_g, r_u = np.linspace(0.1, 1.0, 10), np.linspace(0.0, 1.0, 11)
    for name, grid in (("a.h5", r_u), ("other.h5", np.linspace(0.0, 2.0, 11))):
        with Database(tmp_path / name, r_g, grid) as db:
            db.add("samples", fake_sample(name, 50.0, len(r_g)))
            db.commit()
    text = bad.run_file(tmp_path).read_text()  # the valid quickstart-like run file (g.txt, out/)
    (tmp_path / "run_file_out.toml").write_text(text.replace('output = "out"', 'output = "g.txt"'))
    (tmp_path / "run_under_file.toml").write_text(text.replace('output = "out"', 'output = "g.txt/sub"'))
    (tmp_path / "run_candidates.toml").write_text(text.replace("[[liquids]]", "[predict]\nmobility_target = 1.0\n"
                                                               "candidates = 2\ncandidate_databases = ['a.h5']\n"
                                                               "[[liquids]]"))
    return tmp_path


def _state(d: Path) -> dict[str, tuple]:
    """Every path under ``d`` with its kind, size, mode and modification time."""
    out = {}
    for p in sorted(d.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(d))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mode, st.st_mtime_ns)
    return out


@pytest.mark.parametrize("row,cases", CHECK_ROWS, ids=[r for r, _ in CHECK_ROWS])
def test_run_file_rows_are_refused_by_check(row, cases):
    for name in cases:
        rc, msg = bad.one(name, bad.CASES[name])
        assert rc == 2 and msg and "Traceback" not in msg and "internal error" not in msg, (row, name, msg)


@pytest.mark.parametrize("row,argv,code,text", CLI_ROWS, ids=[r[0] for r in CLI_ROWS])
def test_command_rows_are_refused_in_one_line_and_change_no_file(workspace, row, argv, code, text):
    before = _state(workspace)
    proc = run_cli(*argv, cwd=workspace)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == code, (row, proc.returncode, proc.stderr)
    if "--debug" in argv:  # --debug is accepted after the subcommand and shows the traceback
        assert "Traceback" in proc.stderr and text in lines[-1], (row, proc.stderr)
    else:
        assert len(lines) == 1 and text in lines[0] and "Traceback" not in proc.stderr, (row, proc.stderr)
    assert _state(workspace) == before, row  # nothing made, removed or touched


def test_rerun_refused_for_changed_settings_touches_no_file(workspace):
    """A finished target stage (no MD: the target is the g(r) file), rerun with other settings."""
    text = (workspace / "run.toml").read_text().replace('"target", "coarse_grain", "cg_md", "predict", "validate"',
                                                      '"target"')
    (workspace / "run.toml").write_text(text)
    assert run_cli("run", "run.toml", cwd=workspace).returncode == 0
    (workspace / "changed.toml").write_text(text.replace("density_g_cm3 = 0.7332", "density_g_cm3 = 0.74"))
    before = _state(workspace / "out")
    proc = run_cli("run", "changed.toml", cwd=workspace)
    assert proc.returncode == 1 and "other settings" in proc.stderr and "Traceback" not in proc.stderr
    assert {k: v for k, v in _state(workspace / "out").items() if not k.endswith(".lock")} == \
        {k: v for k, v in before.items() if not k.endswith(".lock")}


def test_results_are_readable_by_the_group(workspace):
    """Results get the mode open() would give them (0666 less the umask), not mkstemp's 0600."""
    old = os.umask(0o022)
    try:
        proc = run_cli("db", "export", "a.h5", "txt", cwd=workspace)
    finally:
        os.umask(old)
    assert proc.returncode == 0, proc.stderr
    for p in (workspace / "txt").rglob("*"):
        assert p.stat().st_mode & stat.S_IRGRP, p


@pytest.mark.skipif(os.name != "posix", reason="needs a POSIX pipe")
def test_a_closed_pipe_is_not_an_error(workspace):
    """``mobcg db info --json | head -1``: the reader has gone; mobcg stops quietly, no traceback."""
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write: every write fails with EPIPE
    try:
        proc = subprocess.run([sys.executable, "-m", "mobcg_core.cli", "db", "info", "a.h5", "--json"],
                              stdout=w, stderr=subprocess.PIPE, text=True, cwd=workspace, timeout=120)
    finally:
        os.close(w)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr and "internal" not in proc.stderr
