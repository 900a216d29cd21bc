"""All-atom OpenMM systems from mobcg's engine-neutral OPLS-AA description.

OpenMM's NonbondedForce mixes LJ σ arithmetically; OPLS-AA mixes it geometrically.
So NonbondedForce carries the charges (PME or reaction field) and the scaled 1-4
exceptions (exact parameters per pair), while a CustomNonbondedForce carries the LJ
with geometric mixing and a long-range dispersion correction, excluding 1-2, 1-3 and
1-4 pairs.
"""

from __future__ import annotations

import numpy as np
import openmm as mm

from mobcg_core.forcefield import LiquidBox
from mobcg_core.contract.hookspecs import Simulation
from mobcg_core.contract.types import MDProtocol

from .common import _NM, OpenMMRunner

SCALE14 = 0.5


def _bonded_forces(box: LiquidBox, system: mm.System, constrain_h: bool) -> None:
    mol, topo = box.molecule, box.molecule.topology
    bonds, angles, torsions = mm.HarmonicBondForce(), mm.HarmonicAngleForce(), mm.PeriodicTorsionForce()
    h_bonds = [i for i, (a, b) in enumerate(topo.bonds) if "H" in (topo.elements[a], topo.elements[b])]
    for m in range(box.n_molecules):
        o = m * topo.n_atoms
        for i, (a, b) in enumerate(topo.bonds):
            if constrain_h and i in h_bonds:
                system.addConstraint(o + a, o + b, mol.bond_r0_nm[i])
            else:
                bonds.addBond(o + a, o + b, mol.bond_r0_nm[i], mol.bond_k[i])
        for i, (a, b, c) in enumerate(topo.angles):
            angles.addAngle(o + a, o + b, o + c, mol.angle_theta0_rad[i], mol.angle_k[i])
        for i, (a, b, c, d) in enumerate(topo.dihedrals):
            v1, v2, v3 = mol.dihedral_v_kjmol[i]
            # ½V1(1+cos φ) + ½V2(1−cos 2φ) + ½V3(1+cos 3φ) as k(1+cos(nφ−δ)) terms
            for n, v, phase in ((1, v1, 0.0), (2, v2, np.pi), (3, v3, 0.0)):
                if v != 0.0:
                    torsions.addTorsion(o + a, o + b, o + c, o + d, n, phase, 0.5 * v)
    for force in (bonds, angles, torsions):
        system.addForce(force)


def _nonbonded_forces(box: LiquidBox, system: mm.System, electrostatics: str, cutoff_nm: float) -> None:
    mol, topo = box.molecule, box.molecule.topology
    coulomb = mm.NonbondedForce()
    coulomb.setNonbondedMethod(mm.NonbondedForce.PME if electrostatics == "PME" else mm.NonbondedForce.CutoffPeriodic)
    coulomb.setCutoffDistance(cutoff_nm)
    coulomb.setEwaldErrorTolerance(5e-4)
    coulomb.setUseDispersionCorrection(False)
    lj = mm.CustomNonbondedForce("4*eps*((sig/r)^12-(sig/r)^6); sig=sqrt(sig1*sig2); eps=sqrt(eps1*eps2)")
    lj.addPerParticleParameter("sig")
    lj.addPerParticleParameter("eps")
    lj.setNonbondedMethod(mm.CustomNonbondedForce.CutoffPeriodic)
    lj.setCutoffDistance(cutoff_nm)
    lj.setUseLongRangeCorrection(True)
    excluded = sorted(topo.exclusions())
    for m in range(box.n_molecules):
        for i in range(topo.n_atoms):
            coulomb.addParticle(topo.charges_e[i], 1.0, 0.0)
            lj.addParticle([mol.sigma_nm[i], mol.epsilon_kjmol[i]])
    for m in range(box.n_molecules):
        o = m * topo.n_atoms
        for a, b in excluded:
            coulomb.addException(o + a, o + b, 0.0, 1.0, 0.0)
            lj.addExclusion(o + a, o + b)
        for a, b in topo.pairs14:
            qq = SCALE14 * topo.charges_e[a] * topo.charges_e[b]
            sig = np.sqrt(mol.sigma_nm[a] * mol.sigma_nm[b])
            eps = SCALE14 * np.sqrt(mol.epsilon_kjmol[a] * mol.epsilon_kjmol[b])
            coulomb.addException(o + a, o + b, qq, sig, eps)
            lj.addExclusion(o + a, o + b)
    system.addForce(coulomb)
    system.addForce(lj)


class OpenMMAASimulation(OpenMMRunner, Simulation):
    """An all-atom liquid; frames hand back molecular centres of mass."""

    def __init__(self, box: LiquidBox, protocol: MDProtocol, options: dict):
        system = mm.System()
        L = box.box_nm
        system.setDefaultPeriodicBoxVectors(mm.Vec3(L, 0, 0), mm.Vec3(0, L, 0), mm.Vec3(0, 0, L))
        for _ in range(box.n_molecules):
            for m in box.molecule.topology.masses_gmol:
                system.addParticle(float(m))
        _bonded_forces(box, system, options.get("constraints", "none") == "h-bonds")
        _nonbonded_forces(box, system, options.get("electrostatics", "PME"), options.get("aa_cutoff_nm", 1.0))
        super().__init__(system, box.positions_nm, protocol, options, molecule_atoms=box.molecule_atoms(),
                         molecule_mass_gmol=box.molecule.topology.mass_gmol)

    def atom_positions_nm(self) -> np.ndarray:
        state = self.context.getState(getPositions=True)  # OpenMM keeps molecules whole, unwrapped
        return state.getPositions(asNumpy=True).value_in_unit(_NM)
