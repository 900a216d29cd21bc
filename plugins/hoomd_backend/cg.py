"""CG simulations in HOOMD-blue: one particle type, ``hoomd.md.pair.Table``."""

from __future__ import annotations

import math

import numpy as np

import hoomd

from mobcg_core.engine_support import SegmentedRun
from mobcg_core.errors import BlowUpError, SimulationError
from mobcg_core.hookspecs import Simulation
from mobcg_core.types import CGSystem, MDProtocol, PairPotential
from mobcg_core.units import BOLTZMANN_KJMOL_K

BAR_TO_KJMOL_NM3 = 0.0602214076  # 1 bar in kJ/mol/nm³


def hoomd_table(pot: PairPotential) -> dict:
    """Table parameters on HOOMD's grid: r_i = r_min + i (r_cut − r_min)/N, endpoint excluded."""
    n = len(pot.r_nm) - 1
    r = pot.r_nm[0] + np.arange(n) * (pot.cutoff_nm - pot.r_nm[0]) / n
    u = np.interp(r, pot.r_nm, pot.u_kjmol)
    f = np.interp(r, pot.r_nm, pot.f_kjmol_nm)
    return dict(r_min=float(pot.r_nm[0]), U=u, F=f)


class HoomdCGSimulation(SegmentedRun, Simulation):
    def __init__(self, system: CGSystem, protocol: MDProtocol, options: dict):
        self.protocol, self.options = protocol, options
        self.mass_gmol = system.mass_gmol
        self.kT = BOLTZMANN_KJMOL_K * protocol.temperature_K
        device = {"CPU": hoomd.device.CPU, "GPU": hoomd.device.GPU,
                  "auto": hoomd.device.auto_select}[options["device"]]()
        self.sim = hoomd.Simulation(device=device, seed=protocol.seed % 65536)
        self._set_state(system.positions_nm, system.box_nm, fresh=True)
        nlist = hoomd.md.nlist.Cell(buffer=options["buffer_nm"])
        self.table = hoomd.md.pair.Table(nlist=nlist, default_r_cut=system.potential.cutoff_nm)
        self.table.params[("A", "A")] = hoomd_table(system.potential)
        self.grid = (len(system.potential.r_nm), system.potential.r_nm[0], system.potential.cutoff_nm)
        self.type_masses = {"A": self.mass_gmol}
        self._start([self.table])

    def _start(self, forces: list) -> None:
        """Integrator with ``forces``, thermodynamic quantities, thermal momenta."""
        self.forces = forces
        self.thermo = hoomd.md.compute.ThermodynamicQuantities(filter=hoomd.filter.All())
        integrator = hoomd.md.Integrator(dt=self.protocol.timestep_fs * 1e-3, forces=list(forces),
                                         methods=[self._method()])
        self.sim.operations.integrator = integrator
        self.sim.operations.computes.append(self.thermo)
        self.sim.state.thermalize_particle_momenta(filter=hoomd.filter.All(), kT=self.kT)
        self.time_ps = 0.0

    def _method(self):
        """Langevin, or a Nosé–Hoover (MTTK) thermostat with τ = 1/collision frequency."""
        p, o, kT = self.protocol, self.options, self.kT
        everyone = hoomd.filter.All()
        if p.pressure_bar is None and p.thermostat == "langevin":
            method = hoomd.md.methods.Langevin(filter=everyone, kT=kT)
            for name, mass in self.type_masses.items():
                method.gamma[name] = mass * p.friction_per_ps  # drag = m·γ (mass/time)
            return method
        thermostat = (None if p.thermostat == "none"
                      else hoomd.md.methods.thermostats.MTTK(kT=kT, tau=1.0 / p.friction_per_ps))
        if p.pressure_bar is None:
            return hoomd.md.methods.ConstantVolume(filter=everyone, thermostat=thermostat)
        return hoomd.md.methods.ConstantPressure(filter=everyone, thermostat=thermostat,
                                                 S=p.pressure_bar * BAR_TO_KJMOL_NM3,
                                                 tauS=o["tau_barostat_ps"], couple="xyz")

    def _set_state(self, positions_nm, box_nm: float, fresh: bool) -> None:
        snap = hoomd.Snapshot() if fresh else self.sim.state.get_snapshot()
        if snap.communicator.rank == 0:
            pos = np.asarray(positions_nm, dtype=float)
            wrapped = pos - box_nm * np.floor(pos / box_nm) - 0.5 * box_nm  # HOOMD boxes are centred
            snap.configuration.box = [box_nm, box_nm, box_nm, 0, 0, 0]
            if fresh:
                snap.particles.N = len(pos)
                snap.particles.types = ["A"]
                snap.particles.typeid[:] = 0
                snap.particles.mass[:] = self.mass_gmol
            snap.particles.position[:] = wrapped
            snap.particles.image[:] = np.floor(pos / box_nm).astype(int)
        if fresh:
            self.sim.create_state_from_snapshot(snap)
        else:
            self.sim.state.set_snapshot(snap)

    def minimize(self, max_iterations: int = 1000) -> None:
        integrator = self.sim.operations.integrator
        for f in self.forces:  # a force belongs to one integrator at a time
            integrator.forces.remove(f)
        fire = hoomd.md.minimize.FIRE(dt=0.0005, force_tol=10.0, angmom_tol=1.0, energy_tol=1e-4,
                                      forces=list(self.forces),
                                      methods=[hoomd.md.methods.ConstantVolume(filter=hoomd.filter.All())])
        self.sim.operations.integrator = fire
        steps = 0
        while not fire.converged and steps < max_iterations:
            self.sim.run(50)
            steps += 50
        for f in self.forces:
            fire.forces.remove(f)
            integrator.forces.append(f)
        self.sim.operations.integrator = integrator
        self.sim.state.thermalize_particle_momenta(filter=hoomd.filter.All(), kT=self.kT)

    def restart(self, positions_nm, box_nm: float, seed: int) -> None:
        self.sim.seed = seed % 65536
        self._set_state(positions_nm, box_nm, fresh=False)
        self.sim.state.thermalize_particle_momenta(filter=hoomd.filter.All(), kT=self.kT)

    def set_potential(self, potential: PairPotential) -> None:
        grid = (len(potential.r_nm), potential.r_nm[0], potential.cutoff_nm)
        if grid != self.grid:
            raise ValueError(f"new potential grid {grid} differs from the simulation's {self.grid}")
        self.table.params[("A", "A")] = hoomd_table(potential)

    def _step(self, n: int) -> None:
        self.sim.run(n)
        self.time_ps += n * self.protocol.timestep_fs * 1e-3

    def _sample(self):
        pe = self.thermo.potential_energy
        if not math.isfinite(pe):
            raise BlowUpError(f"HOOMD simulation blew up at t = {self.time_ps:.3f} ps")
        box = self.sim.state.box
        return (self._unwrapped(), [box.Lx, box.Ly, box.Lz], pe, self.thermo.kinetic_energy,
                self.thermo.pressure / BAR_TO_KJMOL_NM3)

    def _unwrapped(self) -> np.ndarray:
        snap = self.sim.state.get_snapshot()
        box = np.array([snap.configuration.box[:3]])
        return snap.particles.position + snap.particles.image * box + 0.5 * box

    def pressure_bar(self, n_samples: int = 20, interval_ps: float = 0.5) -> float:
        dt = self.protocol.timestep_fs * 1e-3
        values = []
        for _ in range(n_samples):
            self.sim.run(max(1, int(round(interval_ps / dt))))
            values.append(self.thermo.pressure / BAR_TO_KJMOL_NM3)
        return float(np.mean(values))
