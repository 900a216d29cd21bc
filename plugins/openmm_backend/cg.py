"""Coarse-grained OpenMM simulations: one bead per molecule, tabulated U(r)."""

from __future__ import annotations

import numpy as np
import openmm as mm
import openmm.unit as u

from mobcg_core.hookspecs import Simulation
from mobcg_core.types import CGSystem, MDProtocol, PairPotential

from .common import OpenMMRunner


def _table_function(pot: PairPotential) -> mm.Continuous1DFunction:
    # OpenMM splines the energies; its force is the spline's derivative.
    return mm.Continuous1DFunction(pot.u_kjmol.tolist(), float(pot.r_nm[0]), float(pot.r_nm[-1]))


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
        fn.setFunctionParameters(potential.u_kjmol.tolist(), grid[1], grid[2])
        self.pair_force.updateParametersInContext(self.context)
