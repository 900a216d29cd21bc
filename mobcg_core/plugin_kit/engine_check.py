"""The engine contract as executable checks: ``check_engine(engine)``.

Every rule an engine must follow (see :class:`mobcg_core.contract.hookspecs.Engine` and
:class:`~mobcg_core.contract.hookspecs.Simulation`) is one check on a small Lennard-Jones fluid of
argon-like beads (σ = 0.34 nm, ε = 0.998 kJ/mol, 39.948 g/mol, 200 beads, r_c = 2.5σ):

==================  ===================================================================
check               the rule
==================  ===================================================================
frames              ``run`` returns (n_frames, N, 3) *unwrapped* positions every interval
temperature         the thermostat holds T (kinetic temperature within 5 %)
set_potential       ``set_potential`` changes forces in place; another grid raises ValueError
restart             ``restart`` with one seed repeats bit for bit; another seed differs; the
                    caller's ``MDProtocol`` is left unchanged
blow_up             a blow-up raises :class:`~mobcg_core.contract.errors.BlowUpError` (by type)
ideal_gas           a dilute gas has P = ρ k_B T within 10 % (``pressure_bar``)
energy              NVE (``thermostat = "none"``) conserves energy: < 0.02 kT/bead/ns at 5 fs
==================  ===================================================================

Example (a few seconds per engine)::

    from mobcg_core.plugins import registry
    from mobcg_core.plugin_kit import check_engine

    report = check_engine(registry().create("engine", "lammps", {"threads": 1}))
    # {'frames': None, 'temperature': None, ...}: None = passed, else what went wrong
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from mobcg_core.contract.errors import BlowUpError, MobcgError
from mobcg_core.physics.potentials import lennard_jones
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.timestep import energy_drift
from mobcg_core.contract.types import MDProtocol, PairPotential
from mobcg_core.contract.units import BAR_TO_KJMOL_NM3, BOLTZMANN_KJMOL_K

SIGMA, EPS, MASS, N = 0.34, 0.99774, 39.948, 200


class EngineContractError(MobcgError):
    """An engine broke rules of the contract; the message lists each check and why."""


def _box(n: int, density: float) -> float:
    """Box edge (nm) for ``n`` beads at the reduced density ρσ³ = ``density``."""
    return (n / (density / SIGMA ** 3)) ** (1 / 3)


def _lj_sim(engine, n=N, density=0.8, temperature=100.0, dt=5.0, seed=1, protocol=None):
    box = _box(n, density)
    system = cg_box(n, MASS, box, lennard_jones(SIGMA, EPS, 2.5 * SIGMA), seed=seed)
    return engine.cg_simulation(system, protocol or MDProtocol(temperature, dt, 0.0, seed=seed)), box


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise AssertionError(message)


def check_frames(engine) -> None:
    """``run`` returns (n_frames, N, 3) unwrapped positions (nm) every report interval."""
    sim, box = _lj_sim(engine)
    try:
        sim.minimize()
        traj = sim.run(10.0, 1.0)
    finally:
        sim.close()
    _need(traj.positions_nm.shape == (10, N, 3), f"positions shape {traj.positions_nm.shape}, want (10, {N}, 3)")
    _need(np.allclose(np.diff(traj.times_ps), 1.0), "frames are not 1 ps apart")
    _need(np.allclose(traj.box_nm, box), "box_nm is not the system's box")
    jump = np.abs(np.diff(traj.positions_nm, axis=0)).max()
    _need(jump < 0.3 * box, f"a bead moved {jump:.2f} nm in 1 ps: positions are wrapped, not unwrapped")


def check_temperature(engine) -> None:
    """The thermostat holds T: the kinetic temperature is within 5 % of the protocol's."""
    sim, _ = _lj_sim(engine, temperature=120.0)
    try:
        sim.minimize()
        sim.run(5.0)
        traj = sim.run(20.0, 0.5)
    finally:
        sim.close()
    t_kin = 2 * traj.kinetic_energy_kjmol.mean() / (3 * N * BOLTZMANN_KJMOL_K)
    _need(abs(t_kin / 120.0 - 1) < 0.05, f"kinetic temperature {t_kin:.1f} K, thermostat at 120 K")


def check_set_potential(engine) -> None:
    """``set_potential`` changes the forces in place; a potential on another grid raises ValueError."""
    sim, _ = _lj_sim(engine)
    try:
        sim.minimize()
        e0 = sim.run(0.005, 0.005).potential_energy_kjmol[-1]
        sim.set_potential(lennard_jones(SIGMA, 2 * EPS, 2.5 * SIGMA))
        e1 = sim.run(0.005, 0.005).potential_energy_kjmol[-1]
        _need(abs(e1 / (2 * e0) - 1) < 0.05, f"doubling ε changed E_pot from {e0:.1f} to {e1:.1f} kJ/mol")
        try:
            sim.set_potential(lennard_jones(SIGMA, EPS, 2.0 * SIGMA))
        except ValueError:
            return
        raise AssertionError("set_potential accepted a potential on another grid (must raise ValueError)")
    finally:
        sim.close()


def check_restart(engine) -> None:
    """``restart`` with one seed repeats bit for bit, another seed differs, the caller's protocol is kept."""
    protocol = MDProtocol(100.0, 5.0, 0.0, seed=1)
    sim, box = _lj_sim(engine, protocol=protocol)
    try:
        sim.minimize()
        start = sim.run(2.0, 2.0).positions_nm[-1]
        runs = []
        for _ in range(2):
            sim.restart(start, box, seed=42)
            runs.append(sim.run(2.0, 1.0).positions_nm)
        _need(np.array_equal(runs[0], runs[1]), "two restarts with one seed differ")
        sim.restart(start, box, seed=43)
        _need(not np.array_equal(sim.run(2.0, 1.0).positions_nm, runs[0]),
              "restart with another seed repeats the run (thermostat noise and velocities must be redrawn)")
        _need(protocol.seed == 1, "restart changed the caller's MDProtocol (keep a copy: dataclasses.replace)")
    finally:
        sim.close()


def check_blow_up(engine) -> None:
    """A blow-up raises :class:`~mobcg_core.contract.errors.BlowUpError` (by type, not by message)."""
    steep = lennard_jones(SIGMA, EPS, 2.5 * SIGMA, cap=0.05)
    sim = engine.cg_simulation(cg_box(N, MASS, _box(N, 0.8), steep, seed=1), MDProtocol(300.0, 50.0, 0.0, seed=1))
    try:
        sim.run(50.0, 1.0)
    except BlowUpError:
        return
    finally:
        sim.close()
    raise AssertionError("a 50 fs step on an uncapped LJ wall ran without raising BlowUpError")


def check_ideal_gas(engine) -> None:
    """A dilute gas has P = ρ k_B T within 10 % (the engine's ``pressure_bar``)."""
    n = 100
    sim, box = _lj_sim(engine, n=n, density=0.01, temperature=300.0)
    try:
        sim.run(5.0)
        p = sim.pressure_bar(40, 0.2)
    finally:
        sim.close()
    ideal = n / box ** 3 * BOLTZMANN_KJMOL_K * 300.0 / BAR_TO_KJMOL_NM3
    _need(abs(p / ideal - 1) < 0.1, f"dilute gas at {p:.1f} bar, ideal {ideal:.1f} bar")


def check_energy(engine) -> None:
    """NVE (``thermostat = "none"``) conserves energy: drift < 0.02 kT/bead/ns at 5 fs."""
    lj = lennard_jones(SIGMA, EPS, 2.5 * SIGMA)
    f = lj.f_kjmol_nm - lj.f_kjmol_nm[-1]  # force-shifted: F(r_c) = 0, smooth at the cutoff
    u = lj.u_kjmol - lj.u_kjmol[-1] + lj.f_kjmol_nm[-1] * (lj.r_nm - lj.r_nm[-1])
    drift = energy_drift(engine, cg_box(N, MASS, _box(N, 0.7), PairPotential(lj.r_nm, u, f), seed=2), 120.0, 5.0,
                         duration_ps=20.0)
    _need(drift < 0.02, f"NVE drift {drift:.3g} kT/bead/ns at 5 fs for a smooth LJ fluid (want < 0.02)")


CHECKS: dict[str, Callable] = {"frames": check_frames, "temperature": check_temperature,
                               "set_potential": check_set_potential, "restart": check_restart,
                               "blow_up": check_blow_up, "ideal_gas": check_ideal_gas, "energy": check_energy}


def check_engine(engine, checks: list[str] | None = None, raise_on_failure: bool = False) -> dict[str, str | None]:
    """Run the contract checks (all, or ``checks``) on an engine instance.

    Returns {check: None if passed, else the reason}; with ``raise_on_failure`` raises
    :class:`EngineContractError` naming every failed check instead.
    """
    report: dict[str, str | None] = {}
    for name in checks or list(CHECKS):
        try:
            CHECKS[name](engine)
            report[name] = None
        except AssertionError as exc:
            report[name] = str(exc)
        except Exception as exc:  # noqa: BLE001 - an engine that crashes a check fails it
            report[name] = f"{type(exc).__name__}: {exc}"
    failed = {k: v for k, v in report.items() if v}
    if raise_on_failure and failed:
        raise EngineContractError("; ".join(f"{k}: {v}" for k, v in failed.items()))
    return report
