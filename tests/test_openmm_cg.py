"""OpenMM CG kernels: both evaluate the table's natural cubic spline (forces within 1e-4)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from conftest import SHARED
from mobcg_core.systems import cg_box
from mobcg_core.tables import read_lammps_table
from mobcg_core.types import MDProtocol
from mobcg_core.units import kT_kjmol

pytest.importorskip("openmm")
from mobcg_openmm.cg import OpenMMCGSimulation, force_consistent_energy  # noqa: E402

PAPER_TABLE = SHARED / "paper_ml_potential_234TriMePe.table"


def _pair_forces(pot, kernel: str, r_nm: np.ndarray) -> np.ndarray:
    """Force on bead 2 along +x (kJ/mol/nm) for two beads at each distance."""
    box = 2.2 * pot.cutoff_nm
    sim = OpenMMCGSimulation(cg_box(2, 100.0, box, pot, 1), MDProtocol(298.15, 2.0, 0.0, seed=1),
                             {"platform": "CPU", "threads": 1, "cg_kernel": kernel})
    out = []
    for r in r_nm:
        sim.context.setPositions(np.array([[0.1, 0.1, 0.1], [0.1 + r, 0.1, 0.1]]))
        out.append(sim.context.getState(getForces=True).getForces(asNumpy=True)._value[1, 0])
    sim.close()
    return np.array(out)


@pytest.mark.skipif(not PAPER_TABLE.exists(), reason="../shared reference data not present")
@pytest.mark.parametrize("kernel", ["segments", "spline"])
def test_kernels_give_the_spline_force_of_a_rough_table(kernel):
    # The paper's table is rough (forces jump between neighbouring points): a kernel that
    # smoothed or resampled it would fail here.
    pot = read_lammps_table(PAPER_TABLE).shifted()
    u = force_consistent_energy(pot)
    sampled_from = pot.r_nm[np.argmax(u - u[-1] < 10 * kT_kjmol(298.15))]  # beads never get closer
    rng = np.random.default_rng(3)
    r = np.sort(rng.uniform(sampled_from, pot.cutoff_nm - 1e-4, 400))
    reference = -CubicSpline(pot.r_nm, u, bc_type="natural")(r, 1)
    force = _pair_forces(pot, kernel, r)
    scale = np.abs(reference).max()
    assert np.abs(force - reference).max() < 1e-4 * scale


def test_segments_kernel_updates_in_place(tmp_path):
    from conftest import lj_potential

    a, b = lj_potential(0.34, 1.0, 0.85), lj_potential(0.34, 2.0, 0.85)
    sim = OpenMMCGSimulation(cg_box(2, 40.0, 2.0, a, 1), MDProtocol(120.0, 2.0, 0.0, seed=1),
                             {"platform": "CPU", "threads": 1, "cg_kernel": "segments"})
    sim.context.setPositions(np.array([[0.1, 0.1, 0.1], [0.5, 0.1, 0.1]]))
    e_a = sim.context.getState(getEnergy=True).getPotentialEnergy()._value
    sim.set_potential(b)
    e_b = sim.context.getState(getEnergy=True).getPotentialEnergy()._value
    assert e_b == pytest.approx(2 * e_a, rel=1e-5)
