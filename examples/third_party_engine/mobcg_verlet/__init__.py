"""A small, honest CG engine in NumPy: ``[engine] name = "verlet"``.

Velocity Verlet (NVE, ``thermostat = "none"``) or BAOAB Langevin (``"langevin"``) for one
bead per molecule with a tabulated pair potential, pairs from a periodic k-d tree (scipy; for
tests and teaching, a few hundred beads).  Units are mobcg's: nm, ps, g/mol, kJ/mol, so
a = F/m needs no conversion.  It passes ``mobcg_core.plugin_kit.check_engine``.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from mobcg_core.plugin_kit.segmented import SegmentedRun
from mobcg_core.contract.errors import BlowUpError, PluginError
from mobcg_core.contract.hookspecs import Engine, Simulation, hookimpl
from mobcg_core.contract.units import BAR_TO_KJMOL_NM3, kT_kjmol

__version__ = "0.1.0"


class VerletSimulation(SegmentedRun, Simulation):
    def __init__(self, system, protocol):
        if protocol.pressure_bar is not None:
            raise PluginError("engine 'verlet' runs NVT/NVE only (no barostat)")
        if protocol.thermostat not in ("langevin", "none"):
            raise PluginError(f"engine 'verlet' has no {protocol.thermostat!r} thermostat: use 'langevin' or 'none'")
        self.protocol, self.mass_gmol, self.time_ps = protocol, system.mass_gmol, 0.0
        self.kT = kT_kjmol(protocol.temperature_K)
        self.set_potential(system.potential, first=True)
        self.restart(system.positions_nm, system.box_nm, protocol.seed, keep_time=True)

    # --- the contract --------------------------------------------------------------
    def set_potential(self, potential, first: bool = False) -> None:
        if not first and (len(potential.r_nm) != len(self.r) or not np.allclose(potential.r_nm, self.r)):
            raise ValueError("engine 'verlet': set_potential needs the same r grid as the running table")
        self.r, self.u, self.f = potential.r_nm, potential.u_kjmol, potential.f_kjmol_nm
        self.cutoff = float(potential.r_nm[-1])

    def restart(self, positions_nm, box_nm: float, seed: int, keep_time: bool = False) -> None:
        self.x = np.array(positions_nm, dtype=float)
        self.box = float(box_nm)
        self.rng = np.random.default_rng(seed)
        v = self.rng.normal(0.0, np.sqrt(self.kT / self.mass_gmol), self.x.shape)
        self.v = v - v.mean(0)  # no drift of the centre of mass
        self.forces, self.epot, self.virial = self._forces()

    def minimize(self, max_iterations: int = 1000) -> None:
        """Steepest descent with a step capped at 0.01 nm (enough to remove overlaps)."""
        for _ in range(max_iterations):
            f, e, _ = self._forces()
            step = 0.01 * f / max(np.abs(f).max(), 1e-12)
            trial = self.x + step
            self.x, old = trial, self.x
            if self._forces()[1] > e:
                self.x = old
                break
        self.forces, self.epot, self.virial = self._forces()

    def pressure_bar(self, n_samples: int = 20, interval_ps: float = 0.5) -> float:
        return float(np.mean(self.run(n_samples * interval_ps, interval_ps).pressure_bar))

    # --- the integrator ------------------------------------------------------------
    def _forces(self):
        n = len(self.x)
        # pairs within the cutoff from a periodic k-d tree (positions wrapped into the box for it)
        tree = cKDTree(np.mod(self.x, self.box), boxsize=self.box)
        i, j = tree.query_pairs(self.cutoff, output_type="ndarray").T
        d = self.x[i] - self.x[j]
        d -= self.box * np.round(d / self.box)  # minimum image of unwrapped positions
        r = np.sqrt((d * d).sum(1))
        f_r = np.interp(r, self.r, self.f)  # F(r) along the pair axis, kJ/mol/nm
        fv = (f_r / r)[:, None] * d
        # bincount sums the pair forces onto the beads (np.add.at does the same, slower)
        forces = np.stack([np.bincount(i, fv[:, k], n) - np.bincount(j, fv[:, k], n) for k in range(3)], axis=1)
        return forces, float(np.interp(r, self.r, self.u).sum()), float((f_r * r).sum())

    def _step(self, n_steps: int) -> None:
        dt, m = self.protocol.timestep_fs * 1e-3, self.mass_gmol
        c1 = np.exp(-self.protocol.friction_per_ps * dt)
        noise = np.sqrt((1 - c1 * c1) * self.kT / m)
        for _ in range(n_steps):
            self.v += 0.5 * dt * self.forces / m
            if self.protocol.thermostat == "langevin":  # BAOAB: half drift, O step, half drift
                self.x += 0.5 * dt * self.v
                self.v = c1 * self.v + noise * self.rng.normal(size=self.v.shape)
                self.x += 0.5 * dt * self.v
            else:
                self.x += dt * self.v
            self.forces, self.epot, self.virial = self._forces()
            self.v += 0.5 * dt * self.forces / m
            if not np.isfinite(self.epot) or np.abs(self.v).max() * dt > 0.1 * self.box:
                raise BlowUpError(f"engine 'verlet' blew up at t = {self.time_ps:.3f} ps (dt {dt * 1e3:g} fs)")
        self.time_ps += n_steps * dt

    def _sample(self):
        ekin = 0.5 * self.mass_gmol * float((self.v * self.v).sum())
        volume = self.box ** 3
        pressure = (2 * ekin + self.virial) / (3 * volume) / BAR_TO_KJMOL_NM3
        return self.x.copy(), np.full(3, self.box), self.epot, ekin, pressure


class VerletEngine(Engine):
    name = "verlet"
    version = __version__
    options = {}

    def cg_simulation(self, system, protocol):
        return VerletSimulation(system, protocol)


@hookimpl
def mobcg_engines():
    return [VerletEngine]
