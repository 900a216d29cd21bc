"""``in.lammps`` and ``start.data`` for an exported model: the same commands a mobcg CG run uses."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mobcg_core.contract.types import ModelExport
from mobcg_core.contract.units import ANGSTROM_PER_NM
from mobcg_core.io import atomic_write_text

from .cg import integrator_commands, lammps_seed, pair_commands


def write_lammps_input(model: ModelExport, folder: Path) -> list[str]:
    """Write ``start.data`` (``atom_style atomic``) and ``in.lammps``; return their names."""
    p = model.protocol
    box_a = model.box_nm * ANGSTROM_PER_NM
    pos = np.mod(np.asarray(model.positions_nm) * ANGSTROM_PER_NM, box_a)
    data = [f"{model.label} start configuration, written by mobcg export", "",
            f"{model.n_beads} atoms", "1 atom types", "",
            *(f"0.0 {box_a!r} {ax}lo {ax}hi" for ax in "xyz"), "", "Masses", "", f"1 {model.mass_gmol!r}", "",
            "Atoms # atomic", "", *(f"{i + 1} 1 {x:.6f} {y:.6f} {z:.6f}" for i, (x, y, z) in enumerate(pos))]
    atomic_write_text(folder / "start.data", "\n".join(data) + "\n")
    every = max(1, round(1000.0 / p.timestep_fs))  # one frame and thermo line per ps
    dpd_range = p.dpd_range_nm(model.cutoff_nm)
    lines = [f"# {model.label}: {model.n_beads} CG beads of {model.mass_gmol:g} g/mol at {p.temperature_K:g} K, "
             "written by mobcg export",
             "# lmp -in in.lammps [-var steps N]   (units real: Å, fs, kcal/mol, atm)",
             f"variable steps index {round(100_000.0 / p.timestep_fs)}",
             "units real", "atom_style atomic", "boundary p p p", "read_data start.data",
             "neighbor 1.0 bin", "neigh_modify every 1 delay 0 check yes",
             *(["comm_modify vel yes"] if p.thermostat == "dpd" else []),
             *pair_commands(p, model.mass_gmol, model.n_table, "potential.table", model.cutoff_nm, dpd_range, p.seed),
             f"timestep {p.timestep_fs!r}",
             "thermo_style custom step temp pe ke press", f"thermo {every}",
             "run 0  # the potential energy of start.data",
             f"velocity all create {p.temperature_K!r} {lammps_seed(p.seed)} dist gaussian mom yes rot no",
             *integrator_commands(p, p.seed),
             f"dump trajectory all dcd {every} trajectory.dcd", "dump_modify trajectory unwrap yes",
             "run ${steps}"]
    atomic_write_text(folder / "in.lammps", "\n".join(lines) + "\n")
    return ["in.lammps", "start.data"]
