"""What all-atom and CG OpenMM simulations share: platform, context, running, reporting."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import openmm as mm
import openmm.unit as u

from mobcg_core.plugin_kit.segmented import SegmentedRun, executor_threads
from mobcg_core.contract.errors import BlowUpError, PluginError, SimulationError
from mobcg_core.contract.types import MDProtocol

_NM = u.nanometer
_KJ = u.kilojoule_per_mole


def cpu_threads(options: dict) -> int:
    """CPU threads a job may use: the option, else the executor's share, else every core."""
    import os

    return options.get("threads", 0) or executor_threads() or os.cpu_count() or 1


def make_platform(options: dict) -> tuple[mm.Platform, dict]:
    """The OpenMM platform named in the options and its properties."""
    name = options.get("platform", "CPU")
    try:
        platform = mm.Platform.getPlatformByName(name)
    except Exception:
        names = [mm.Platform.getPlatform(i).getName() for i in range(mm.Platform.getNumPlatforms())]
        raise PluginError(f"OpenMM platform {name!r} is not available here (have: {', '.join(names)}); "
                          "set engine.openmm.platform")
    props = {}
    threads = options.get("threads", 0) or executor_threads()
    if name == "CPU" and threads:
        props["Threads"] = str(threads)
    if name in ("CUDA", "OpenCL") and options.get("precision"):
        props["Precision"] = options["precision"]
    if name == "CUDA" and options.get("device_index", "") != "":
        props["DeviceIndex"] = str(options["device_index"])
    return platform, props


def make_integrator(protocol: MDProtocol, dpd_range_nm: float | None = None) -> mm.Integrator:
    """Langevin (BAOAB middle scheme), Nosé–Hoover chain or DPD, seeded."""
    dt_ps = protocol.timestep_fs * 1e-3
    if protocol.thermostat == "none":
        return mm.VerletIntegrator(dt_ps)
    if protocol.thermostat == "nose_hoover":
        return mm.NoseHooverIntegrator(protocol.temperature_K, protocol.friction_per_ps, dt_ps)
    if protocol.thermostat == "dpd":
        if dpd_range_nm is None:
            raise PluginError("engine 'openmm': the DPD thermostat is for CG systems")
        integrator = mm.DPDIntegrator(protocol.temperature_K, protocol.friction_per_ps, dpd_range_nm, dt_ps)
        integrator.setRandomNumberSeed(_omm_seed(protocol.seed, 2))
        return integrator
    integrator = mm.LangevinMiddleIntegrator(protocol.temperature_K, protocol.friction_per_ps, dt_ps)
    integrator.setRandomNumberSeed(_omm_seed(protocol.seed, 2))
    return integrator


class OpenMMRunner(SegmentedRun):
    """Builds the context and runs it, handing back centre-of-mass frames.

    Args:
        system: the OpenMM ``System`` (forces added, no barostat yet).
        positions_nm: (n_atoms, 3) start positions.
        protocol: state point, timestep and seed.
        options: validated ``[engine.openmm]`` options.
        molecule_atoms: (n_molecules, atoms_per_molecule) atom indices, or ``None``
            when every particle is its own molecule (CG).
        molecule_mass_gmol: mass of one molecule.
    """

    def __init__(self, system: mm.System, positions_nm: np.ndarray, protocol: MDProtocol, options: dict,
                 molecule_atoms: np.ndarray | None, molecule_mass_gmol: float, dpd_range_nm: float | None = None):
        self.protocol = protocol
        self.molecule_atoms = molecule_atoms
        self.mass_gmol = molecule_mass_gmol
        masses = np.array([system.getParticleMass(i).value_in_unit(u.dalton) for i in range(system.getNumParticles())])
        self.atom_masses = masses
        # A barostat is always present: at frequency 0 it only measures pressure (NVT).
        npt = protocol.pressure_bar is not None
        barostat = mm.MonteCarloBarostat(protocol.pressure_bar if npt else 1.0, protocol.temperature_K,
                                         options.get("barostat_interval", 25) if npt else 0)
        barostat.setRandomNumberSeed(_omm_seed(protocol.seed, 1))
        system.addForce(barostat)
        self.barostat = barostat
        # Random start velocities carry a net momentum (~1.5 kT in the centre-of-mass mode)
        # that a Nosé–Hoover thermostat keeps for ever: the whole box drifts by nanometres
        # over 100 ps. Removing it each step is OpenMM's own default (app.ForceField).
        system.addForce(mm.CMMotionRemover(1))
        integrator = make_integrator(protocol, dpd_range_nm)
        platform, props = make_platform(options)
        try:
            self.context = mm.Context(system, integrator, platform, props)
        except mm.OpenMMException as exc:  # e.g. a box shorter than twice the cutoff
            raise SimulationError(f"OpenMM could not set up the system: {str(exc).splitlines()[0]}") from None
        self.integrator = integrator
        self.system = system
        self.context.setPositions(positions_nm)
        self.context.setVelocitiesToTemperature(protocol.temperature_K, _omm_seed(protocol.seed, 3))
        self.time_ps = 0.0

    @property
    def platform_name(self) -> str:
        return self.context.getPlatform().getName()

    def minimize(self, max_iterations: int = 1000) -> None:
        mm.LocalEnergyMinimizer.minimize(self.context, 10.0, max_iterations)
        self._check(self.context.getState(getEnergy=True).getPotentialEnergy().value_in_unit(_KJ))
        self.context.setVelocitiesToTemperature(self.protocol.temperature_K, _omm_seed(self.protocol.seed, 4))

    def _sample(self):
        try:
            state = self.context.getState(getPositions=True, getEnergy=True)
        except mm.OpenMMException as exc:
            self._fail(exc)
        e_pot = state.getPotentialEnergy().value_in_unit(_KJ)
        self._check(e_pot)
        return (self._com(state.getPositions(asNumpy=True).value_in_unit(_NM)),
                np.diag(state.getPeriodicBoxVectors(asNumpy=True).value_in_unit(_NM)), e_pot,
                state.getKineticEnergy().value_in_unit(_KJ),
                self.barostat.computeCurrentPressure(self.context).value_in_unit(u.bar))

    def restart(self, positions_nm: np.ndarray, box_nm: float, seed: int) -> None:
        """Fresh RNG streams from ``seed`` (a context reinitialisation keeps the kernels)."""
        if hasattr(self.integrator, "setRandomNumberSeed"):
            self.integrator.setRandomNumberSeed(_omm_seed(seed, 2))
        self.barostat.setRandomNumberSeed(_omm_seed(seed, 1))
        self.context.reinitialize(preserveState=False)
        self.context.setPeriodicBoxVectors(mm.Vec3(box_nm, 0, 0), mm.Vec3(0, box_nm, 0), mm.Vec3(0, 0, box_nm))
        self.context.setPositions(np.asarray(positions_nm))
        self.context.setVelocitiesToTemperature(self.protocol.temperature_K, _omm_seed(seed, 3))
        self.protocol = dataclasses.replace(self.protocol, seed=seed)  # never the caller's object

    def pressure_bar(self, n_samples: int = 20, interval_ps: float = 0.5) -> float:
        """Mean instantaneous pressure (virial + kinetic) over ``n_samples`` segments."""
        dt_ps = self.protocol.timestep_fs * 1e-3
        values = []
        for _ in range(n_samples):
            self._step(max(1, int(round(interval_ps / dt_ps))))
            values.append(self.barostat.computeCurrentPressure(self.context).value_in_unit(u.bar))
        self._check(float(np.mean(values)))
        return float(np.mean(values))

    def close(self) -> None:
        del self.context, self.integrator

    def _com(self, positions_nm: np.ndarray) -> np.ndarray:
        if self.molecule_atoms is None:
            return positions_nm
        # OpenMM keeps molecules whole and positions unwrapped unless asked to wrap,
        # so a plain mass-weighted mean is the COM.
        m = self.atom_masses[self.molecule_atoms]
        return np.einsum("ma,mak->mk", m, positions_nm[self.molecule_atoms]) / m.sum(axis=1)[:, None]

    def _step(self, n: int) -> None:
        try:
            self.integrator.step(n)
            self.time_ps += n * self.protocol.timestep_fs * 1e-3
        except mm.OpenMMException as exc:
            self._fail(exc)

    def _fail(self, exc: Exception):
        if "nan" in str(exc).lower():
            self._check(float("nan"))
        raise SimulationError(f"OpenMM failed at t = {self.time_ps:.3f} ps: {exc}")

    def _check(self, energy_kjmol: float) -> None:
        if not math.isfinite(energy_kjmol):
            raise BlowUpError(f"simulation blew up at t = {self.time_ps:.3f} ps (energy is {energy_kjmol}); "
                                  "lower the timestep or check the potential")


def _omm_seed(seed: int, stream: int) -> int:
    # OpenMM treats seed 0 as "pick one at random"; derive distinct non-zero seeds.
    return (seed * 7919 + stream * 104729) % 2_147_483_646 + 1
