"""The engine contract, written once and run for every engine plugin.

Engines that are not installed here skip with the reason their plugin gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import lj_potential
from mobcg_core.errors import BlowUpError
from mobcg_core.plugins import registry
from mobcg_core.systems import cg_box
from mobcg_core.types import MDProtocol

ENGINES = ["openmm", "hoomd", "lammps"]
SIGMA, EPS, MASS = 0.34, 0.99774, 39.948
OPTIONS = {"openmm": {"platform": "CPU", "threads": 1}, "hoomd": {"device": "CPU"}, "lammps": {"threads": 1}}


@pytest.fixture(params=ENGINES)
def engine(request):
    rec = registry().get("engine", request.param)
    if rec is None or not rec.available:
        pytest.skip(f"engine {request.param} unavailable: {rec.reason if rec else 'not installed'}")
    opts = {k: o.default for k, o in rec.cls.options.items()}
    opts.update(OPTIONS.get(request.param, {}))
    return rec.cls(opts)


def _lj_sim(engine, n=200, density=0.8, T=100.0, dt=5.0, seed=1, pressure=None, thermostat="langevin"):
    box = (n / (density / SIGMA**3)) ** (1 / 3)
    system = cg_box(n, MASS, box, lj_potential(SIGMA, EPS, 2.5 * SIGMA), seed=seed)
    return engine.cg_simulation(system, MDProtocol(T, dt, 0.0, seed=seed, pressure_bar=pressure,
                                                   thermostat=thermostat)), box


def test_trajectory_shapes_and_unwrapped_positions(engine):
    sim, box = _lj_sim(engine)
    sim.minimize()
    traj = sim.run(10.0, 1.0)
    assert traj.positions_nm.shape == (10, 200, 3)
    assert np.allclose(traj.times_ps[1:] - traj.times_ps[:-1], 1.0)
    assert np.allclose(traj.box_nm, box)
    steps = np.abs(np.diff(traj.positions_nm, axis=0))
    assert steps.max() < 0.3 * box  # unwrapped: no jumps by a box length


def test_temperature_is_held(engine):
    sim, _ = _lj_sim(engine, T=120.0)
    sim.minimize()
    sim.run(5.0)
    traj = sim.run(20.0, 0.5)
    from mobcg_core.units import BOLTZMANN_KJMOL_K

    t_kin = 2 * traj.kinetic_energy_kjmol.mean() / (3 * 200 * BOLTZMANN_KJMOL_K)
    assert t_kin == pytest.approx(120.0, rel=0.05)


def test_set_potential_changes_forces_in_place(engine):
    sim, box = _lj_sim(engine)
    sim.minimize()
    e0 = sim.run(0.005, 0.005).potential_energy_kjmol[-1]
    doubled = lj_potential(SIGMA, 2 * EPS, 2.5 * SIGMA)
    sim.set_potential(doubled)
    e1 = sim.run(0.005, 0.005).potential_energy_kjmol[-1]
    assert e1 == pytest.approx(2 * e0, rel=0.05)
    with pytest.raises(ValueError):
        sim.set_potential(lj_potential(SIGMA, EPS, 2.0 * SIGMA))  # another grid: refuse


def test_restart_is_reproducible(engine):
    sim, box = _lj_sim(engine)
    sim.minimize()
    start = sim.run(2.0, 2.0).positions_nm[-1]
    runs = []
    for _ in range(2):
        sim.restart(start, box, seed=42)
        runs.append(sim.run(2.0, 1.0).positions_nm)
    assert np.array_equal(runs[0], runs[1])
    sim.restart(start, box, seed=43)
    assert not np.array_equal(sim.run(2.0, 1.0).positions_nm, runs[0])


def test_blow_up_raises_simulation_error(engine):
    """An uncapped LJ wall with a far too long step: NaN must become a BlowUpError (by type)."""
    box = (200 / (0.8 / SIGMA**3)) ** (1 / 3)
    steep = lj_potential(SIGMA, EPS, 2.5 * SIGMA, cap=0.05)
    sim = engine.cg_simulation(cg_box(200, MASS, box, steep, seed=1), MDProtocol(300.0, 50.0, 0.0, seed=1))
    with pytest.raises(BlowUpError):
        sim.run(50.0, 1.0)


def test_pressure_of_dilute_gas_is_ideal(engine):
    """Few, weakly interacting particles: P ≈ ρ k_B T."""
    sim, box = _lj_sim(engine, n=100, density=0.01, T=300.0)
    sim.run(5.0)
    p = sim.pressure_bar(40, 0.2)
    from mobcg_core.units import BOLTZMANN_KJMOL_K

    ideal_bar = 100 / box**3 * BOLTZMANN_KJMOL_K * 300.0 / 0.0602214076
    assert p == pytest.approx(ideal_bar, rel=0.1)


def test_nve_conserves_energy_for_a_smooth_potential(engine):
    """A smooth, force-shifted LJ fluid in NVE: drift far below 0.02 kT/bead/ns at 5 fs."""
    from mobcg_core.timestep import energy_drift

    box = (200 / (0.7 / SIGMA**3)) ** (1 / 3)
    lj = lj_potential(SIGMA, EPS, 2.5 * SIGMA)
    f_shift = lj.f_kjmol_nm - lj.f_kjmol_nm[-1]  # force-shifted: F(r_c) = 0
    u_shift = lj.u_kjmol - lj.u_kjmol[-1] + lj.f_kjmol_nm[-1] * (lj.r_nm - lj.r_nm[-1])
    from mobcg_core.types import PairPotential

    smooth = PairPotential(lj.r_nm, u_shift, f_shift)
    drift = energy_drift(engine, cg_box(200, MASS, box, smooth, seed=2), 120.0, 5.0, duration_ps=20.0)
    assert drift < 0.02, drift
    rough = PairPotential(lj.r_nm, u_shift + np.random.default_rng(0).normal(0, 0.5, len(lj.r_nm)))
    assert energy_drift(engine, cg_box(200, MASS, box, rough, seed=2), 120.0, 5.0, duration_ps=20.0) > 5 * drift
