"""OpenMM CG kernels: both evaluate the table's natural cubic spline (forces within 1e-4)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from conftest import SHARED
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_lammps_table
from mobcg_core.contract.types import MDProtocol
from mobcg_core.contract.units import kT_kjmol

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
@pytest.mark.parametrize("kernel, tolerance", [("segments", 1e-4), ("spline", 1e-4), ("numpy", 1e-10)])
def test_kernels_give_the_spline_force_of_a_rough_table(kernel, tolerance):
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
    # numpy evaluates the spline in float64: exact to rounding, not just to 1e-4.
    assert np.abs(force - reference).max() < tolerance * scale


@pytest.mark.parametrize("kernel", ["segments", "numpy"])
def test_kernel_updates_in_place(kernel):
    from conftest import lj_potential

    a, b = lj_potential(0.34, 1.0, 0.85), lj_potential(0.34, 2.0, 0.85)
    sim = OpenMMCGSimulation(cg_box(2, 40.0, 2.0, a, 1), MDProtocol(120.0, 2.0, 0.0, seed=1),
                             {"platform": "CPU", "threads": 1, "cg_kernel": kernel})
    sim.context.setPositions(np.array([[0.1, 0.1, 0.1], [0.5, 0.1, 0.1]]))
    e_a = sim.context.getState(getEnergy=True).getPotentialEnergy()._value
    sim.set_potential(b)
    e_b = sim.context.getState(getEnergy=True).getPotentialEnergy()._value
    assert e_b == pytest.approx(2 * e_a, rel=1e-5)


def test_numpy_kernel_pair_list_stays_complete_under_a_barostat():
    # The Verlet list survives box moves by rescaling; a pair it lost (or a stale image)
    # would show as a force error against a brute-force evaluation of the same spline.
    from conftest import lj_potential

    pot = lj_potential(0.5, 3.0, 1.2, dr_nm=0.002).shifted()
    n_beads, box = 300, 3.6
    sim = OpenMMCGSimulation(cg_box(n_beads, 100.0, box, pot, 1),
                             MDProtocol(298.15, 4.0, 0.0, pressure_bar=1.0, seed=2, thermostat="langevin"),
                             {"platform": "CPU", "threads": 1, "cg_kernel": "numpy", "barostat_interval": 2})
    sim.minimize()
    spline = CubicSpline(pot.r_nm, force_consistent_energy(pot), bc_type="natural")
    worst, boxes = 0.0, []
    for _ in range(40):  # 2000 steps, ~1000 box moves, checked every 50 steps
        sim.run(0.2)
        state = sim.context.getState(getPositions=True, getForces=True)
        boxes.append(state.getPeriodicBoxVectors(asNumpy=True)._value[0][0])
        reference = _brute_force(spline, pot.cutoff_nm, state.getPositions(asNumpy=True)._value, boxes[-1])
        error = np.abs(state.getForces(asNumpy=True)._value - reference).max() / np.abs(reference).max()
        worst = max(worst, error)
    assert np.ptp(boxes) > 1e-3  # the barostat did move the box
    assert 1 < sim.verlet.n_builds < 400  # rebuilt now and then, not every step
    assert worst < 1e-9


def _brute_force(spline, cutoff_nm: float, pos: np.ndarray, box_nm: float) -> np.ndarray:
    """Forces (kJ/mol/nm) from the spline summed over every minimum-image pair."""
    d = pos[:, None, :] - pos[None, :, :]
    d -= box_nm * np.rint(d / box_nm)
    r = np.linalg.norm(d, axis=2)
    np.fill_diagonal(r, 2 * cutoff_nm)
    f_over_r = np.where(r < cutoff_nm, -spline(np.minimum(r, cutoff_nm), 1) / r, 0.0)
    return np.einsum("ij,ijk->ik", f_over_r, d)


@pytest.mark.parametrize("fmt", ["dcd", "xtc"])
def test_cg_md_trajectory_comes_from_openmms_own_writer(fmt, tmp_path):
    """OpenMM writes DCD and XTC itself (``DCDFile``, ``XTCFile``): the CG simulation takes the file
    rather than leaving it to mobcg's writer, and refuses a format OpenMM has no writer for."""
    from mobcg_core.physics.potentials import lennard_jones

    lj = lennard_jones(0.5, 2.0, 1.25)
    sim = OpenMMCGSimulation(cg_box(100, 100.0, 3.5, lj, 1), MDProtocol(298.15, 5.0, 0.0, seed=1),
                             {"platform": "CPU", "threads": 1, "cg_kernel": "segments"})
    try:
        assert not sim.native_trajectory(tmp_path / "cg.gsd", 0.05)
        assert sim.native_trajectory(tmp_path / f"cg.{fmt}", 0.05)
        sim.run(0.5, 0.05)
        sim.native_trajectory(None)
    finally:
        sim.close()
    import MDAnalysis as mda

    u = mda.Universe.empty(100, trajectory=False)
    u.load_new(str(tmp_path / f"cg.{fmt}"))
    assert len(u.trajectory) == 10 and u.trajectory.ts.dimensions[:3] == pytest.approx([35.0] * 3)
