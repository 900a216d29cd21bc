"""Coarse-grained OpenMM simulations: one bead per molecule, tabulated U(r)."""

from __future__ import annotations

import numpy as np
import openmm as mm
import openmm.unit as u

from mobcg_core.hookspecs import Simulation
from mobcg_core.types import CGSystem, MDProtocol, PairPotential

from .common import OpenMMRunner


def force_consistent_energy(pot: PairPotential) -> np.ndarray:
    """U_F(r) = U(r_c) + ∫_r^{r_c} F dr′: the energy whose derivative is the force column.

    OpenMM tabulates energies and differentiates their spline; LAMMPS and HOOMD use the
    force column.  For tables whose forces are not the derivative of their energies
    (the paper's ML table: rms difference ~2 kcal/mol/Å) the two give different dynamics
    (D differed by 15 %), so OpenMM is fed the energy that reproduces the force column.
    """
    from scipy.integrate import cumulative_trapezoid

    r, f = pot.r_nm[::-1], pot.f_kjmol_nm[::-1]
    return pot.u_kjmol[-1] - cumulative_trapezoid(f, r, initial=0.0)[::-1]


def _table_function(pot: PairPotential) -> mm.Continuous1DFunction:
    return mm.Continuous1DFunction(force_consistent_energy(pot).tolist(), float(pot.r_nm[0]),
                                   float(pot.r_nm[-1]))


class OpenMMCGSimulation(OpenMMRunner, Simulation):
    """A CG box with a ``CustomNonbondedForce`` whose energy is a tabulated spline.

    Below the first table point the energy is held at U(r_min) via ``max(r, r_min)``
    (tables start at or near r = 0 with a steep repulsive wall, so beads never get there).
    """

    def __init__(self, system: CGSystem, protocol: MDProtocol, options: dict):
        pot = system.potential
        self.grid = (len(pot.r_nm), float(pot.r_nm[0]), float(pot.r_nm[-1]))
        omm_system = mm.System()
        box = system.box_nm
        omm_system.setDefaultPeriodicBoxVectors(mm.Vec3(box, 0, 0), mm.Vec3(0, box, 0), mm.Vec3(0, 0, box))
        force = mm.CustomNonbondedForce(f"table(max(r, {float(pot.r_nm[0])!r}))")
        force.addTabulatedFunction("table", _table_function(pot))
        force.setNonbondedMethod(mm.CustomNonbondedForce.CutoffPeriodic)
        force.setCutoffDistance(pot.cutoff_nm)
        force.setUseLongRangeCorrection(False)
        for _ in range(system.n_beads):
            omm_system.addParticle(system.mass_gmol)
            force.addParticle([])
        omm_system.addForce(force)
        self.pair_force = force
        positions = system.positions_nm
        if positions is None:
            from mobcg_core.systems import lattice_positions

            positions = lattice_positions(system.n_beads, box, protocol.seed)
        super().__init__(omm_system, np.asarray(positions), protocol, options,
                         molecule_atoms=None, molecule_mass_gmol=system.mass_gmol)

    def set_potential(self, potential: PairPotential) -> None:
        """Swap the table in the live context (no context rebuild)."""
        grid = (len(potential.r_nm), float(potential.r_nm[0]), float(potential.r_nm[-1]))
        if grid != self.grid:
            raise ValueError(f"new potential grid {grid} differs from the simulation's {self.grid}")
        fn = self.pair_force.getTabulatedFunction(0)
        fn.setFunctionParameters(force_consistent_energy(potential).tolist(), grid[1], grid[2])
        self.pair_force.updateParametersInContext(self.context)
