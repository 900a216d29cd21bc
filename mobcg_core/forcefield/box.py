"""Liquid boxes: N copies of a molecule packed at a start density (packmol)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import MissingDependencyError, MoleculeError
from mobcg_core.contract.units import box_length_nm
from mobcg_core.forcefield.parameters import MoleculeParameters


@dataclass
class LiquidBox:
    """An all-atom liquid: one molecule's parameters repeated ``n_molecules`` times.

    Attributes:
        molecule: the parametrised molecule (all copies identical).
        n_molecules: number of molecules.
        positions_nm: (n_molecules × atoms per molecule, 3), molecule by molecule.
        box_nm: cubic box edge.
    """

    molecule: MoleculeParameters
    n_molecules: int
    positions_nm: np.ndarray
    box_nm: float

    @property
    def atoms_per_molecule(self) -> int:
        return self.molecule.topology.n_atoms

    def molecule_atoms(self) -> np.ndarray:
        """(n_molecules, atoms per molecule) atom indices, for centre-of-mass mapping."""
        return np.arange(self.n_molecules * self.atoms_per_molecule).reshape(self.n_molecules, -1)


def _xyz(path: Path, elements: list[str], pos_a: np.ndarray) -> None:
    lines = [str(len(elements)), "mobcg"] + [f"{e} {x:.4f} {y:.4f} {z:.4f}" for e, (x, y, z) in zip(elements, pos_a)]
    path.write_text("\n".join(lines) + "\n")


PACKMOL_ENV = "MOBCG_PACKMOL"


def find_packmol() -> str:
    """The packmol executable: ``$MOBCG_PACKMOL``, else ``packmol`` on PATH, else the one
    pip installed beside this Python (a venv used without activating it has its
    scripts off PATH).

    Raises:
        MissingDependencyError: none found (an environment failure: fix, then rerun).
    """
    chosen = os.environ.get(PACKMOL_ENV)
    if chosen:
        if shutil.which(chosen):
            return shutil.which(chosen)
        raise MissingDependencyError(f"packmol not found at {PACKMOL_ENV}={chosen}; point it at a packmol "
                                     f"executable or unset it (pip install packmol)")
    scripts = sysconfig.get_path("scripts")
    exe = shutil.which("packmol") or shutil.which("packmol", path=scripts)
    if exe is None:
        raise MissingDependencyError("packmol not found on PATH or in this Python's scripts folder; "
                                     "pip install packmol (mobcg's install does), then rerun")
    return exe


def build_liquid_box(molecule: MoleculeParameters, n_molecules: int, density_g_cm3: float,
                     seed: int = 0, tolerance_A: float = 2.0) -> LiquidBox:
    """Pack ``n_molecules`` copies at ``density_g_cm3`` with packmol (start structure only).

    Packing at the target density can fail for bulky molecules; a 10 % lower start density
    is used then, and NPT equilibration brings the box to the state point.
    """
    exe = find_packmol()
    topo = molecule.topology
    for rho in (density_g_cm3, 0.9 * density_g_cm3, 0.8 * density_g_cm3):
        box = box_length_nm(n_molecules, topo.mass_gmol, rho)
        with tempfile.TemporaryDirectory(prefix="mobcg-packmol-") as tmp:
            tmp = Path(tmp)
            _xyz(tmp / "mol.xyz", topo.elements, topo.positions_nm * 10.0)
            edge = box * 10.0 - 1.0  # Å; 0.5 Å margin on each side for periodic images
            (tmp / "pack.inp").write_text(
                f"tolerance {tolerance_A}\nfiletype xyz\noutput out.xyz\nseed {seed + 1}\n"
                f"structure mol.xyz\n  number {n_molecules}\n"
                f"  inside box 0.5 0.5 0.5 {edge:.3f} {edge:.3f} {edge:.3f}\n"
                "end structure\n")
            with open(tmp / "pack.inp") as stdin:
                proc = subprocess.run([exe], stdin=stdin, cwd=tmp, capture_output=True, text=True, timeout=600)
            out = tmp / "out.xyz"
            if proc.returncode == 0 and out.exists() and "Success!" in proc.stdout:
                pos = np.loadtxt(out, skiprows=2, usecols=(1, 2, 3)) / 10.0
                return LiquidBox(molecule, n_molecules, pos, box)
    raise MoleculeError(f"packmol could not pack {n_molecules} molecules of {topo.smiles}")
