"""CG simulations in HOOMD-blue: one particle type, ``hoomd.md.pair.Table``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import hoomd

from mobcg_core.plugin_kit.segmented import SegmentedRun
from mobcg_core.contract.errors import BlowUpError, SimulationError
from mobcg_core.contract.hookspecs import Simulation
from mobcg_core.contract.types import CGSystem, MDProtocol, PairPotential
from mobcg_core.contract.units import BAR_TO_KJMOL_NM3, BOLTZMANN_KJMOL_K



def hoomd_table(pot: PairPotential) -> dict:
    """Table parameters on HOOMD's grid: r_i = r_min + i (r_cut − r_min)/N, endpoint excluded."""
    n = len(pot.r_nm) - 1
    r = pot.r_nm[0] + np.arange(n) * (pot.cutoff_nm - pot.r_nm[0]) / n
    u = np.interp(r, pot.r_nm, pot.u_kjmol)
    f = np.interp(r, pot.r_nm, pot.f_kjmol_nm)
    return dict(r_min=float(pot.r_nm[0]), U=u, F=f)


def make_device(options: dict):
    """The HOOMD device; notice level 1 keeps HOOMD's status chatter out of mobcg's output."""
    cls = {"CPU": hoomd.device.CPU, "GPU": hoomd.device.GPU, "auto": hoomd.device.auto_select}[options["device"]]
    return cls(notice_level=1)


class HoomdCGSimulation(SegmentedRun, Simulation):
    """A CG liquid in HOOMD-blue.  ``sim`` is the native ``hoomd.Simulation``.

    Subclasses provide ``_make_forces()`` (fresh force objects: a restart rebuilds the
    simulation, and HOOMD operations belong to one simulation) and ``r_cut_nm``.
    """

    def __init__(self, system: CGSystem, protocol: MDProtocol, options: dict):
        self.protocol, self.options = protocol, options
        self.mass_gmol = system.mass_gmol
        self.kT = BOLTZMANN_KJMOL_K * protocol.temperature_K
        self.device = make_device(options)
        self.potential = system.potential
        self.r_cut_nm = system.potential.cutoff_nm
        self.grid = (len(system.potential.r_nm), system.potential.r_nm[0], system.potential.cutoff_nm)
        self.type_masses = {"A": self.mass_gmol}
        self.time_ps = 0.0
        self._new_simulation(self._fresh_snapshot(system.positions_nm, system.box_nm), protocol.seed)

    def _make_forces(self) -> list:
        nlist = hoomd.md.nlist.Cell(buffer=self.options["buffer_nm"])
        self.table = hoomd.md.pair.Table(nlist=nlist, default_r_cut=self.r_cut_nm)
        self.table.params[("A", "A")] = hoomd_table(self.potential)
        if self.protocol.thermostat != "dpd":
            return [self.table]
        # Dissipative and random parts only (A = 0); HOOMD's γ multiplies w(r)² = (1 − r/r_c)²:
        # γ_HOOMD = 2 m_red γ = m γ for equal beads (mass/time, mobcg's γ in 1/ps).
        dpd = hoomd.md.pair.DPD(nlist=nlist, kT=self.kT, default_r_cut=self.protocol.dpd_range_nm(self.r_cut_nm))
        dpd.params[("A", "A")] = dict(A=0.0, gamma=self.mass_gmol * self.protocol.friction_per_ps)
        return [self.table, dpd]

    def _new_simulation(self, snapshot, seed: int) -> None:
        """A simulation from ``snapshot`` with fresh forces, integrator and random streams."""
        self.sim = hoomd.Simulation(device=self.device, seed=seed % 65536)
        self.sim.create_state_from_snapshot(snapshot)
        # HOOMD computes the virial only on demand; NVT runs must still report pressure.
        self.sim.always_compute_pressure = True
        self._check_box()
        self._start(self._make_forces())

    def _start(self, forces: list) -> None:
        """Integrator with ``forces``, thermodynamic quantities, thermal momenta."""
        self.forces = forces
        self.thermo = hoomd.md.compute.ThermodynamicQuantities(filter=hoomd.filter.All())
        integrator = hoomd.md.Integrator(dt=self.protocol.timestep_fs * 1e-3, forces=list(forces),
                                         methods=[self._method()])
        self.sim.operations.integrator = integrator
        self.sim.operations.computes.append(self.thermo)
        self.sim.state.thermalize_particle_momenta(filter=hoomd.filter.All(), kT=self.kT)
        self.sim.run(0)  # attaches the operations: energies are readable before the first step
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
        thermostat = (None if p.thermostat in ("none", "dpd")
                      else hoomd.md.methods.thermostats.MTTK(kT=kT, tau=1.0 / p.friction_per_ps))
        if p.pressure_bar is None:
            return hoomd.md.methods.ConstantVolume(filter=everyone, thermostat=thermostat)
        return hoomd.md.methods.ConstantPressure(filter=everyone, thermostat=thermostat,
                                                 S=p.pressure_bar * BAR_TO_KJMOL_NM3,
                                                 tauS=o["tau_barostat_ps"], couple="xyz")

    def _fresh_snapshot(self, positions_nm, box_nm: float):
        snap = hoomd.Snapshot()
        if snap.communicator.rank == 0:
            snap.particles.N = len(positions_nm)
            snap.particles.types = ["A"]
            snap.particles.typeid[:] = 0
            snap.particles.mass[:] = self.mass_gmol
        return _place(snap, positions_nm, box_nm)

    def minimize(self, max_iterations: int = 1000) -> None:
        integrator = self.sim.operations.integrator
        # Conservative forces only (not DPD's velocity-dependent ones); a force belongs to one
        # integrator at a time.
        conservative = [f for f in self.forces if not isinstance(f, hoomd.md.pair.DPD)]
        for f in conservative:
            integrator.forces.remove(f)
        fire = hoomd.md.minimize.FIRE(dt=0.0005, force_tol=10.0, angmom_tol=1.0, energy_tol=1e-4,
                                      forces=list(conservative),
                                      methods=[hoomd.md.methods.ConstantVolume(filter=hoomd.filter.All())])
        self.sim.operations.integrator = fire
        steps = 0
        while not fire.converged and steps < max_iterations:
            self.sim.run(50)
            steps += 50
        for f in conservative:
            fire.forces.remove(f)
            integrator.forces.append(f)
        self.sim.operations.integrator = integrator
        self.sim.state.thermalize_particle_momenta(filter=hoomd.filter.All(), kT=self.kT)
        self.sim.run(0)

    def restart(self, positions_nm, box_nm: float, seed: int) -> None:
        """Rebuild the simulation from these positions with ``seed``: HOOMD draws thermostat
        and momenta streams from the simulation seed, so only a new simulation redraws them."""
        elapsed = self.time_ps
        snap = _place(self.sim.state.get_snapshot(), positions_nm, box_nm)
        self.protocol = dataclasses.replace(self.protocol, seed=seed)  # never the caller's object
        self._new_simulation(snap, seed)
        self.time_ps = elapsed

    def set_potential(self, potential: PairPotential) -> None:
        grid = (len(potential.r_nm), potential.r_nm[0], potential.cutoff_nm)
        if grid != self.grid:
            raise ValueError(f"new potential grid {grid} differs from the simulation's {self.grid}")
        self.potential = potential
        self.table.params[("A", "A")] = hoomd_table(potential)

    def _check_box(self) -> None:
        """HOOMD's cell list needs r_cut + buffer ≤ L/2; say so before HOOMD stops with a RuntimeError."""
        box = self.sim.state.box
        reach = self.r_cut_nm + self.options["buffer_nm"]
        if 2 * reach > min(box.Lx, box.Ly, box.Lz):
            raise SimulationError(f"box {min(box.Lx, box.Ly, box.Lz):.3f} nm is shorter than twice the cutoff "
                                  f"+ neighbour buffer ({reach:.3f} nm) at t = {self.time_ps:.3f} ps; "
                                  "use more particles or a shorter cutoff")

    def _step(self, n: int) -> None:
        try:
            self.sim.run(n)
        except RuntimeError as exc:  # HOOMD's only error type for a run that fails
            self._check_box()  # an NPT box that shrank below the cutoff is not a blow-up
            raise BlowUpError(f"HOOMD run failed at t = {self.time_ps:.3f} ps "
                              f"({str(exc).strip().splitlines()[-1]}); lower the timestep or check the "
                              "potential") from None
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
            self._step(max(1, int(round(interval_ps / dt))))
            values.append(self.thermo.pressure / BAR_TO_KJMOL_NM3)
        if not math.isfinite(float(np.mean(values))):
            raise BlowUpError(f"HOOMD pressure is not finite at t = {self.time_ps:.3f} ps")
        return float(np.mean(values))


def _place(snap, positions_nm, box_nm: float):
    """Put unwrapped ``positions_nm`` into ``snap`` in a cubic box (HOOMD boxes are centred)."""
    if snap.communicator.rank == 0:
        pos = np.asarray(positions_nm, dtype=float)
        snap.configuration.box = [box_nm, box_nm, box_nm, 0, 0, 0]
        snap.particles.position[:] = pos - box_nm * np.floor(pos / box_nm) - 0.5 * box_nm
        snap.particles.image[:] = np.floor(pos / box_nm).astype(int)
    return snap
