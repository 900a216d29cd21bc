"""All-atom HOOMD-blue systems from mobcg's engine-neutral OPLS-AA description.

Units as in the CG simulation (nm, ps, kJ/mol, g/mol); charges carry the Coulomb
constant, q_HOOMD = q_e·sqrt(138.935458 kJ mol⁻¹ nm e⁻²), because HOOMD writes
U = q_i q_j / r.  One particle type per atom of the molecule and one bond/angle/dihedral
type per term, so synthetic draws map one to one.  ``md.pair.LJ`` with per-pair geometric
mixing and tail correction, exclusions of 1-2, 1-3 and 1-4 pairs, the 1-4 pairs added
back scaled by 0.5 through ``md.special_pair.LJ``/``Coulomb``, PPPM electrostatics
(``md.long_range.pppm``), ``md.bond.Harmonic``/``md.angle.Harmonic`` (U = ½k(x − x0)²,
mobcg's convention) and ``md.dihedral.OPLS``.  No bond constraints (HOOMD has none for
flexible molecules): use a 1 fs timestep.
"""

from __future__ import annotations

import math

import numpy as np

import hoomd

from mobcg_core.forcefield import LiquidBox
from mobcg_core.contract.types import MDProtocol
from mobcg_core.contract.units import BOLTZMANN_KJMOL_K

from .cg import HoomdCGSimulation, make_device

COULOMB_KJMOL_NM = 138.935458  # 1/(4π ε0) in kJ/mol·nm/e²
SCALE14 = 0.5
EPS_RF = 78.3  # OpenMM's default reaction-field dielectric


def _snapshot(box: LiquidBox) -> "hoomd.Snapshot":
    topo = box.molecule.topology
    n, nm, L = topo.n_atoms, box.n_molecules, box.box_nm
    snap = hoomd.Snapshot()
    if snap.communicator.rank != 0:
        return snap
    pos = np.asarray(box.positions_nm, float)
    snap.configuration.box = [L, L, L, 0, 0, 0]
    p = snap.particles
    p.N = n * nm
    p.types = [f"a{i}" for i in range(n)]
    p.typeid[:] = np.tile(np.arange(n), nm)
    p.mass[:] = np.tile(np.asarray(topo.masses_gmol, float), nm)
    p.charge[:] = np.tile(np.asarray(topo.charges_e, float), nm) * math.sqrt(COULOMB_KJMOL_NM)
    p.position[:] = pos - L * np.floor(pos / L) - 0.5 * L
    p.image[:] = np.floor(pos / L).astype(int)
    offsets = (np.arange(nm) * n)[:, None, None]
    for group, terms in ((snap.bonds, topo.bonds), (snap.angles, topo.angles),
                         (snap.dihedrals, topo.dihedrals), (snap.pairs, topo.pairs14)):
        if not terms:
            continue
        atoms = np.asarray(terms, dtype=np.int64)
        group.N = len(terms) * nm
        group.types = [f"t{i}" for i in range(len(terms))]
        group.typeid[:] = np.tile(np.arange(len(terms)), nm)
        group.group[:] = (atoms[None, :, :] + offsets).reshape(-1, atoms.shape[1])
    return snap


def _forces(box: LiquidBox, options: dict) -> list:
    mol, topo = box.molecule, box.molecule.topology
    n, rc = topo.n_atoms, options.get("aa_cutoff_nm", 1.0)
    nlist = hoomd.md.nlist.Cell(buffer=options["buffer_nm"], exclusions=("bond", "1-3", "1-4"))
    lj = hoomd.md.pair.LJ(nlist=nlist, default_r_cut=rc, tail_correction=True)
    for i in range(n):
        for j in range(i, n):
            lj.params[(f"a{i}", f"a{j}")] = dict(epsilon=math.sqrt(mol.epsilon_kjmol[i] * mol.epsilon_kjmol[j]),
                                                 sigma=math.sqrt(mol.sigma_nm[i] * mol.sigma_nm[j]))
    forces = [lj] + _coulomb(box, options, nlist, rc)
    bonds, angles, dihedrals = hoomd.md.bond.Harmonic(), hoomd.md.angle.Harmonic(), hoomd.md.dihedral.OPLS()
    for i, (k, r0) in enumerate(zip(mol.bond_k, mol.bond_r0_nm)):
        bonds.params[f"t{i}"] = dict(k=float(k), r0=float(r0))
    for i, (k, t0) in enumerate(zip(mol.angle_k, mol.angle_theta0_rad)):
        angles.params[f"t{i}"] = dict(k=float(k), t0=float(t0))
    for i, v in enumerate(mol.dihedral_v_kjmol):
        dihedrals.params[f"t{i}"] = dict(k1=float(v[0]), k2=float(v[1]), k3=float(v[2]), k4=0.0)
    forces += [f for f, terms in ((bonds, topo.bonds), (angles, topo.angles), (dihedrals, topo.dihedrals)) if terms]
    if topo.pairs14:
        lj14, coul14 = hoomd.md.special_pair.LJ(), hoomd.md.special_pair.Coulomb()
        for t, (a, b) in enumerate(topo.pairs14):
            eps = SCALE14 * math.sqrt(mol.epsilon_kjmol[a] * mol.epsilon_kjmol[b])
            lj14.params[f"t{t}"] = dict(epsilon=eps, sigma=math.sqrt(mol.sigma_nm[a] * mol.sigma_nm[b]))
            lj14.r_cut[f"t{t}"] = rc
            coul14.params[f"t{t}"] = dict(alpha=SCALE14)
            coul14.r_cut[f"t{t}"] = rc
        forces += [lj14, coul14]
    return forces


def _coulomb(box: LiquidBox, options: dict, nlist, rc: float) -> list:
    """PPPM (real-space erfc part + reciprocal mesh), or a shifted reaction field."""
    if options.get("electrostatics", "pppm") == "reaction_field":
        rf = hoomd.md.pair.ReactionField(nlist=nlist, default_r_cut=rc, mode="shift")
        n = box.molecule.topology.n_atoms
        rf.params[([f"a{i}" for i in range(n)], [f"a{i}" for i in range(n)])] = dict(
            epsilon=1.0, eps_rf=EPS_RF, use_charge=True)  # charges carry sqrt(1/(4π ε0))
        return [rf]
    spacing = options.get("pppm_spacing_nm", 0.1)
    grid = int(2 * math.ceil(box.box_nm / spacing / 2))  # even; HOOMD's MPI needs powers of two
    return list(hoomd.md.long_range.pppm.make_pppm_coulomb_forces(nlist=nlist, resolution=(grid,) * 3,
                                                                  order=5, r_cut=rc))


class HoomdAASimulation(HoomdCGSimulation):
    """An all-atom liquid in HOOMD-blue; frames hand back molecular centres of mass."""

    def __init__(self, box: LiquidBox, protocol: MDProtocol, options: dict):
        self.protocol, self.options = protocol, options
        topo = box.molecule.topology
        self.liquid = box
        self.mass_gmol = topo.mass_gmol
        self.atoms_per_molecule, self.n_molecules = topo.n_atoms, box.n_molecules
        self.atom_masses = np.asarray(topo.masses_gmol, float)
        self.type_masses = {f"a{i}": float(m) for i, m in enumerate(topo.masses_gmol)}
        self.kT = BOLTZMANN_KJMOL_K * protocol.temperature_K
        self.device = make_device(options)
        self.r_cut_nm = options.get("aa_cutoff_nm", 1.0)
        self.grid = None
        self.time_ps = 0.0
        self._new_simulation(_snapshot(box), protocol.seed)

    def _make_forces(self) -> list:
        return _forces(self.liquid, self.options)

    def set_potential(self, potential) -> None:
        raise NotImplementedError("an all-atom simulation has no tabulated pair potential")

    def atom_positions_nm(self) -> np.ndarray:
        return self._unwrapped()  # unwrapped with image flags: molecules whole

    def _sample(self):
        atoms, box, pe, ke, press = super()._sample()
        per = atoms.reshape(self.n_molecules, self.atoms_per_molecule, 3)
        com = np.einsum("mai,a->mi", per, self.atom_masses) / self.atom_masses.sum()
        return com, box, pe, ke, press
