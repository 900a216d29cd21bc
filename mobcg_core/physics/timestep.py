"""Timestep check: energy drift in short NVE runs, to pick the largest safe CG timestep.

A rough table (forces that jump between grid points) heats an NVE system; a smooth one
conserves energy.  The drift is the slope of the total energy, in k_B T per bead per ns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mobcg_core.contract.errors import BlowUpError
from mobcg_core.contract.types import CGSystem, MDProtocol
from mobcg_core.contract.units import kT_kjmol


@dataclass
class DriftResult:
    timestep_fs: float
    drift_kT_per_bead_ns: float  # NaN when the run blew up
    stable: bool


def energy_drift(engine, system: CGSystem, temperature_K: float, timestep_fs: float,
                 duration_ps: float = 20.0, equilibration_ps: float = 5.0, seed: int = 0) -> float:
    """|d(E_pot + E_kin)/dt| of an NVE run after a Langevin start, in kT per bead per ns.

    Returns ``inf`` if the run blows up.
    """
    warm = engine.cg_simulation(system, MDProtocol(temperature_K, timestep_fs, 0.0, seed=seed,
                                                   friction_per_ps=5.0))
    try:
        warm.minimize()
        start = warm.run(equilibration_ps, 0.0).positions_nm[-1]
    except BlowUpError:
        return float("inf")
    finally:
        warm.close()
    nve_system = CGSystem(system.n_beads, system.mass_gmol, system.box_nm, system.potential, start)
    sim = engine.cg_simulation(nve_system, MDProtocol(temperature_K, timestep_fs, 0.0, seed=seed,
                                                      thermostat="none"))
    try:
        traj = sim.run(duration_ps, max(duration_ps / 200.0, timestep_fs * 1e-3))
    except BlowUpError:
        return float("inf")
    finally:
        sim.close()
    total = traj.potential_energy_kjmol + traj.kinetic_energy_kjmol
    slope_kjmol_ps = np.polyfit(traj.times_ps, total, 1)[0]
    return float(abs(slope_kjmol_ps) * 1000.0 / (system.n_beads * kT_kjmol(temperature_K)))


def largest_stable_timestep(engine, system: CGSystem, temperature_K: float,
                            candidates_fs=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0),
                            max_drift_kT_per_bead_ns: float = 0.02, **kwargs) -> tuple[float | None, list[DriftResult]]:
    """Drift for candidate timesteps in increasing order, up to the first unstable one.

    Returns the largest timestep below which every candidate is stable (None if the
    smallest is not) and the results; a lucky low drift above a failure does not count.
    """
    results = []
    for dt in sorted(candidates_fs):
        drift = energy_drift(engine, system, temperature_K, dt, **kwargs)
        results.append(DriftResult(dt, drift, drift <= max_drift_kT_per_bead_ns))
        if not results[-1].stable:
            break
    stable = [r.timestep_fs for r in results if r.stable]
    return (max(stable) if stable else None), results
