"""Shared fixtures: small systems with real engines, paths to reference data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mobcg_core.plugins import registry as _registry
from mobcg_core.physics.potentials import lennard_jones
from mobcg_core.contract.types import PairPotential

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared" / "reference"
TARGET_RDF = EXAMPLES / "data" / "aa_rdf_234TriMePe.txt"


@pytest.fixture(scope="session")
def registry():
    return _registry()


@pytest.fixture
def openmm_engine(registry):
    return registry.create("engine", "openmm", {"platform": "CPU", "threads": 1})


@pytest.fixture(scope="session")
def friction_study(tmp_path_factory):
    """A finished tiny study on LAMMPS (IBI, then DPD friction): (its folder, the first run's process)."""
    from test_pipeline import TINY

    rec = _registry().get("engine", "lammps")
    if rec is None or not rec.available:
        pytest.skip(f"engine lammps unavailable: {rec.reason if rec else 'not installed'}")
    study = TINY.replace('name = "openmm"', 'name = "lammps"').replace(
        "[cg]", '[friction]\nrun_ps = 20.0\ntolerance = 0.1\n[cg]').replace(
        'seed = 7', 'seed = 7\nstages = ["target", "coarse_grain", "friction"]')
    d = tmp_path_factory.mktemp("friction")
    (d / "run.toml").write_text(study)
    return d, run_cli("run", str(d / "run.toml"))


def lj_potential(sigma_nm: float, epsilon_kjmol: float, cutoff_nm: float, dr_nm: float = 0.0005,
                 r0_nm: float = 0.0, cap: float = 0.6) -> PairPotential:
    """Truncated (not shifted) LJ on a table grid (see :func:`mobcg_core.potentials.lennard_jones`)."""
    assert r0_nm == 0.0
    return lennard_jones(sigma_nm, epsilon_kjmol, cutoff_nm, dr_nm, cap)


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``mobcg`` as a user would, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "mobcg_core.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=600)


def pip_install_into(site: Path, package: Path) -> Path:
    """Install an example package into its own folder (the environment is left alone)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(site), str(package)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return site


def predict_study(tmp_path: Path, predict_table: str, cg_extra: str = ""):
    """A 'target' + 'predict' study of 2,3,4-trimethylpentane (300 beads, OpenMM CPU, one thread,
    the embedded reference g(r)) whose ``[predict]`` table is ``predict_table``."""
    from mobcg_core.config import load_config
    from mobcg_core.study.pipeline import Study

    (tmp_path / "run.toml").write_text(f"""
[run]
output = "out"
stages = ["target", "predict"]
[engine]
name = "openmm"
[engine.openmm]
platform = "CPU"
threads = 1
[cg]
n_beads = 300
timestep_fs = 5.0
cutoff_nm = 1.55
{cg_extra}
[predict]
{predict_table}
[[liquids]]
name = "234TriMePe"
smiles = "CC(C)C(C)C(C)C"
rdf_file = "{EXAMPLES / 'data' / 'aa_rdf_234TriMePe.txt'}"
diffusion_1e9_m2_s = 1.20
density_g_cm3 = 0.7332
""")
    reg = _registry()
    return Study(load_config(tmp_path / "run.toml", reg), reg)


def fake_sample(key: str, mass: float, n_rdf: int = 10, n_potential: int = 11) -> dict:
    """A database sample row with made-up values (g = 1, a linear U): for tests of the store, not physics."""
    import numpy as np

    return {"key": key, "forcefield_key": "f", "molecule": "X", "mass_gmol": mass, "rdf": np.ones(n_rdf),
            "diffusion_1e9_m2_s": 1.0, "diffusion_err_1e9_m2_s": 0.1, "pressure_bar": 1.0,
            "structure_error": 0.0, "potential_kjmol": np.linspace(1, 0, n_potential), "wall_cg_s": 1.0,
            "provenance_json": {"seed": 1}}
