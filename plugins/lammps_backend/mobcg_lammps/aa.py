"""All-atom LAMMPS systems from mobcg's engine-neutral OPLS-AA description.

``units real``, ``atom_style full``: one LAMMPS atom type per atom of the molecule and
one bond/angle/dihedral type per term (molecules are small), so every parameter of a
synthetic draw maps one to one.  LJ with geometric mixing (``pair_modify mix
geometric``, OPLS-AA's rule for σ and ε), 1-4 pairs scaled by 0.5 (``special_bonds``),
OPLS dihedrals (``dihedral_style opls``), PPPM or damped-shifted-force electrostatics,
optional SHAKE on bonds to hydrogen.  Frames hand back molecular centres of mass.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np

from mobcg_core.forcefield import LiquidBox
from mobcg_core.contract.types import MDProtocol
from mobcg_core.contract.units import ANGSTROM_PER_NM, KCAL_TO_KJ

from .cg import LammpsCGSimulation
from .session import new_lammps

_A = ANGSTROM_PER_NM


def _f(x) -> str:
    return repr(float(x))  # full precision, plain text (no numpy reprs)


def write_data_file(box: LiquidBox, path: Path) -> None:
    """A LAMMPS data file (real units) of the liquid box, molecule ids in order."""
    mol, topo = box.molecule, box.molecule.topology
    n, nm = topo.n_atoms, box.n_molecules
    L = box.box_nm * _A
    pos = np.mod(box.positions_nm * _A, L)
    lines = ["mobcg all-atom liquid", "",
             f"{n * nm} atoms", f"{len(topo.bonds) * nm} bonds", f"{len(topo.angles) * nm} angles",
             f"{len(topo.dihedrals) * nm} dihedrals", "",
             f"{n} atom types", f"{max(len(topo.bonds), 1)} bond types", f"{max(len(topo.angles), 1)} angle types",
             f"{max(len(topo.dihedrals), 1)} dihedral types", "",
             f"0 {_f(L)} xlo xhi", f"0 {_f(L)} ylo yhi", f"0 {_f(L)} zlo zhi", "", "Masses", ""]
    lines += [f"{i + 1} {_f(m)}" for i, m in enumerate(topo.masses_gmol)]
    lines += ["", "Pair Coeffs # lj/cut/coul/long", ""]
    lines += [f"{i + 1} {_f(mol.epsilon_kjmol[i] / KCAL_TO_KJ)} {_f(mol.sigma_nm[i] * _A)}" for i in range(n)]
    # mobcg stores E = ½k(x − x0)²; LAMMPS harmonic styles use E = K(x − x0)².
    if topo.bonds:
        lines += ["", "Bond Coeffs # harmonic", ""]
        lines += [f"{i + 1} {_f(k / 2 / KCAL_TO_KJ / _A**2)} {_f(r0 * _A)}"
                  for i, (k, r0) in enumerate(zip(mol.bond_k, mol.bond_r0_nm))]
    if topo.angles:
        lines += ["", "Angle Coeffs # harmonic", ""]
        lines += [f"{i + 1} {_f(k / 2 / KCAL_TO_KJ)} {_f(np.degrees(t0))}"
                  for i, (k, t0) in enumerate(zip(mol.angle_k, mol.angle_theta0_rad))]
    if topo.dihedrals:
        lines += ["", "Dihedral Coeffs # opls", ""]
        lines += [f"{i + 1} " + " ".join(_f(v / KCAL_TO_KJ) for v in vs) + " 0.0"
                  for i, vs in enumerate(mol.dihedral_v_kjmol)]
    lines += ["", "Atoms # full", ""]
    for m in range(nm):
        for i in range(n):
            a = m * n + i
            lines.append(f"{a + 1} {m + 1} {i + 1} {_f(topo.charges_e[i])} "
                         f"{_f(pos[a, 0])} {_f(pos[a, 1])} {_f(pos[a, 2])}")
    for section, terms in (("Bonds", topo.bonds), ("Angles", topo.angles), ("Dihedrals", topo.dihedrals)):
        if not terms:
            continue
        lines += ["", section, ""]
        count = 0
        for m in range(nm):
            for t, atoms in enumerate(terms):
                count += 1
                lines.append(f"{count} {t + 1} " + " ".join(str(m * n + a + 1) for a in atoms))
    path.write_text("\n".join(lines) + "\n")


class LammpsAASimulation(LammpsCGSimulation):
    """An all-atom liquid in LAMMPS; runs, restarts and samples like the CG simulation."""

    def __init__(self, box: LiquidBox, protocol: MDProtocol, options: dict):
        self.protocol, self.options = protocol, options
        topo = box.molecule.topology
        self.atoms_per_molecule, self.n_molecules = topo.n_atoms, box.n_molecules
        self.atom_masses = np.tile(np.asarray(topo.masses_gmol, float), box.n_molecules)
        self.mass_gmol = topo.mass_gmol
        self.n = topo.n_atoms * box.n_molecules
        self.tmp = Path(tempfile.mkdtemp(prefix="mobcg-lammps-aa-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.tmp, True)
        self.lmp = new_lammps()
        self.grid = None
        self.time_ps = 0.0
        self._first_run = True
        write_data_file(box, self.tmp / "liquid.data")
        rc = options.get("aa_cutoff_nm", 1.0) * _A
        if options.get("electrostatics", "pppm") == "pppm":
            pair, kspace = f"lj/cut/coul/long {rc!r}", ["kspace_style pppm 1.0e-5"]
        else:  # damped shifted force: a cutoff method without k-space (cheap, for small boxes)
            pair, kspace = f"lj/cut/coul/dsf 0.2 {rc!r}", []
        cmds = ["units real", "atom_style full", "boundary p p p", "atom_modify map array sort 0 0.0",
                "bond_style harmonic", "angle_style harmonic", "dihedral_style opls",
                f"pair_style {pair}", "pair_modify mix geometric tail yes",
                f"read_data {self.tmp / 'liquid.data'}", "special_bonds lj/coul 0.0 0.0 0.5", *kspace,
                f"neighbor {options.get('neighbor_skin_A', 2.0)!r} bin", "neigh_modify every 1 delay 0 check yes",
                f"timestep {protocol.timestep_fs!r}", "thermo_style custom step pe ke press vol", "thermo 0"]
        if options.get("threads", 1) > 1:
            cmds = [f"package omp {options['threads']}", "suffix omp"] + cmds
        self._cmd(*cmds)
        if options.get("constraints", "none") == "h-bonds":
            h_types = [i + 1 for i, (a, b) in enumerate(topo.bonds) if "H" in (topo.elements[a], topo.elements[b])]
            if h_types:
                self._shake = "fix shake all shake 1e-5 50 0 b " + " ".join(map(str, h_types))
        self._set_integrator(protocol.seed)
        self._velocities(protocol.seed)

    _shake = ""

    def _set_integrator(self, seed: int) -> None:
        # LAMMPS wants SHAKE defined before any box-changing fix (npt/nph), so it is re-made
        # first, and the integrator after it.
        for fix in ("md", "thermostat", "shake"):
            if self._has_fix(fix):
                self.lmp.command(f"unfix {fix}")
        if self._shake:
            self._cmd(self._shake)
        super()._set_integrator(seed)

    def minimize(self, max_iterations: int = 1000) -> None:
        if self._has_fix("shake"):  # SHAKE does not take part in minimisation
            self.lmp.command("unfix shake")
        super().minimize(max_iterations)
        if self._shake:
            self._set_integrator(self.protocol.seed)  # SHAKE back in, before the integrator

    def set_potential(self, potential) -> None:
        raise NotImplementedError("an all-atom simulation has no tabulated pair potential")

    def atom_positions_nm(self) -> np.ndarray:
        return self._unwrapped_nm()  # unwrapped with image flags: molecules whole

    def _sample(self):
        atoms, box, pe, ke, press = super()._sample()
        per = atoms.reshape(self.n_molecules, self.atoms_per_molecule, 3)
        w = self.atom_masses[: self.atoms_per_molecule]
        com = np.einsum("mai,a->mi", per, w) / w.sum()
        return com, box, pe, ke, press


__all__ = ["LammpsAASimulation", "write_data_file"]
