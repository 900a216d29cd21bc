"""Shared fixtures: small systems with real engines, paths to reference data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mobcg_core.plugins import registry as _registry
from mobcg_core.types import PairPotential

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


def lj_potential(sigma_nm: float, epsilon_kjmol: float, cutoff_nm: float, dr_nm: float = 0.0005,
                 r0_nm: float = 0.0, cap: float = 0.6) -> PairPotential:
    """Truncated (not shifted) LJ on a table grid, held constant below ``cap``·σ where it diverges."""
    r = np.arange(r0_nm, cutoff_nm + 0.5 * dr_nm, dr_nm)
    rr = np.maximum(r, cap * sigma_nm)
    u = 4 * epsilon_kjmol * ((sigma_nm / rr) ** 12 - (sigma_nm / rr) ** 6)
    f = 24 * epsilon_kjmol * (2 * (sigma_nm / rr) ** 12 - (sigma_nm / rr) ** 6) / rr
    return PairPotential(r, u, f)


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``mobcg`` as a user would, in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "mobcg_core.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=full_env, timeout=600)
