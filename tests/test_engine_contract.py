"""The engine contract (``mobcg_core.plugin_kit.check_engine``), run for every installed engine.

Engines are taken from the plugin registry, not from a list of names: a third-party engine
installed here is checked too.  Engines that are not usable here skip with their reason.
"""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_core.plugin_kit import CHECKS, check_engine
from mobcg_core.plugin_kit.engine_check import MASS, SIGMA, EPS, _box
from mobcg_core.plugins import registry
from mobcg_core.physics.potentials import lennard_jones
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.timestep import energy_drift
from mobcg_core.contract.types import MDProtocol, PairPotential


def quiet_options(rec) -> dict:
    """Defaults, one CPU thread where the engine has such options (reproducible, fair)."""
    opts = {k: o.default for k, o in rec.cls.options.items()}
    for key, value in (("threads", 1), ("platform", "CPU"), ("device", "CPU")):
        if key in opts:
            opts[key] = value
    return opts


@pytest.fixture(params=registry().names("engine"))
def engine(request):
    rec = registry().get("engine", request.param)
    if not rec.available:
        pytest.skip(f"engine {request.param} unavailable: {rec.reason}")
    return rec.cls(quiet_options(rec))


@pytest.mark.parametrize("check", list(CHECKS))
def test_engine_contract(engine, check):
    report = check_engine(engine, [check])
    assert report[check] is None, report[check]


def test_energy_check_can_fail(engine):
    """The NVE check tells a rough table from a smooth one (it is not always green)."""
    lj = lennard_jones(SIGMA, EPS, 2.5 * SIGMA)
    rough = PairPotential(lj.r_nm, lj.u_kjmol + np.random.default_rng(0).normal(0, 0.5, len(lj.r_nm)))
    assert energy_drift(engine, cg_box(200, MASS, _box(200, 0.7), rough, seed=2), 120.0, 5.0, duration_ps=20.0) > 0.1


@pytest.mark.parametrize("fmt", ["dcd", "xtc"])
def test_cg_trajectory_on_disk_gives_back_the_measured_diffusion(engine, fmt, tmp_path):
    """Frames streamed to DCD/XTC (+ PDB topology) are the frames measured: MDAnalysis reads them
    back and the same analysis gives the same D and g(r)."""
    from mobcg_core.analysis import structure_error
    from mobcg_core.analysis.liquid import analyse_liquid
    from mobcg_core.analysis.trajectory_files import read_com_trajectory
    from mobcg_core.plugin_kit.frame_writer import FrameWriter
    from mobcg_core.workflows import CGRun, measure_cg

    lj = lennard_jones(SIGMA, EPS, 2.5 * SIGMA)
    run = CGRun(300, MASS, _box(300, 0.7), 120.0, 5.0, 2.0, 12.0, 0.2, thermostat="langevin", seed=3, lattice_seed=4)
    an = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 1.0, "rdf_dr_nm": 0.01, "msd_fit_start": 0.1, "msd_fit_end": 0.5}
    with FrameWriter(tmp_path / f"cg.{fmt}", 300, MASS, "LJ", 0.2) as w:
        m = measure_cg(engine, lj, run, an, writer=w)
    traj = read_com_trajectory(tmp_path / "cg.pdb", tmp_path / f"cg.{fmt}")
    assert traj.n_frames == m.n_frames == 60 and traj.n_molecules == 300
    back = analyse_liquid(traj, 120.0, an)
    assert back.diffusion_pbc_1e9_m2_s == pytest.approx(m.diffusion.d_1e9_m2_s, rel=0.01)
    assert structure_error(back.rdf, m.rdf, 0.1, 1.0) < 1e-5


@pytest.mark.parametrize("fmt", ["dcd", "xtc"])
def test_native_trajectory_holds_the_reported_frames(engine, fmt, tmp_path):
    """Where an engine writes a trajectory itself (``Simulation.native_trajectory``), the file holds
    the frames ``run`` reports: their number, times, box edges and positions wrapped into the box
    (to float32 in DCD, to XTC's 0.01 Å grid)."""
    import MDAnalysis as mda

    from mobcg_core.plugin_kit.frame_writer import write_pdb

    lj = lennard_jones(SIGMA, EPS, 2.5 * SIGMA)
    sim = engine.cg_simulation(cg_box(200, MASS, _box(200, 0.7), lj, seed=4),
                               MDProtocol(120.0, 5.0, 1.0, seed=3, thermostat="langevin"))
    try:
        sim.minimize()
        sim.run(1.0)
        if not sim.native_trajectory(tmp_path / f"cg.{fmt}", 0.2):
            pytest.skip(f"engine {engine.name} leaves {fmt} to mobcg's writer (no native_trajectory for it)")
        traj = sim.run(2.0, 0.2)
        sim.native_trajectory(None)
    finally:
        sim.close()
    write_pdb(tmp_path / "cg.pdb", np.mod(traj.positions_nm[0], traj.box_nm[0]), traj.box_nm[0], MASS)
    u = mda.Universe(str(tmp_path / "cg.pdb"), str(tmp_path / f"cg.{fmt}"))
    assert len(u.trajectory) == traj.n_frames == 10
    tol = 1e-4 if fmt == "dcd" else 0.0051  # Å
    for k, ts in enumerate(u.trajectory):
        box = traj.box_nm[k] * 10.0
        assert ts.time == pytest.approx(traj.times_ps[k], abs=1e-4)
        assert ts.dimensions[:3] == pytest.approx(box, rel=1e-6)
        d = np.mod(traj.positions_nm[k] * 10.0, box) - u.atoms.positions
        assert np.abs(d - np.round(d / box) * box).max() < tol
