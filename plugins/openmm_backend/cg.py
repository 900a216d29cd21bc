"""Coarse-grained OpenMM simulations: one bead per molecule, tabulated U(r).

Three kernels evaluate the *same* natural cubic spline of the table's energy:

``spline``    OpenMM's ``Continuous1DFunction``.  Its CPU evaluation binary-searches
              the knots for every pair, outside the vectorised expression code.
``segments``  the spline's per-segment cubic coefficients in four ``Discrete1DFunction``
              lookups, indexed by ``floor((r − r0)/h)``: no search, so ~1.3× faster on
              the CPU platform, forces equal to the spline's to float precision.
``numpy``     the same coefficients evaluated in float64 over a Verlet pair list by a
              ``PythonForce`` (``verlet.py``): ~3× faster than ``segments`` on one CPU
              core and exact to rounding; on a GPU it would copy positions every step.

``auto`` picks ``numpy`` on CPU with up to 2 threads, ``segments`` with more (or where
OpenMM lacks ``PythonForce``), and ``spline`` on GPUs, whose spline lookup is native.
A smooth analytic fit was considered and rejected: tables from IBI or a predictor carry
point-to-point noise on their 0.001 nm grid, so no smooth form reproduces their forces to
1e-4 (benchmarks/engine_throughput.py shows where the time goes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openmm as mm
import openmm.unit as u
from scipy.interpolate import CubicSpline

from mobcg_core.contract.errors import PluginError
from mobcg_core.contract.hookspecs import Simulation
from mobcg_core.contract.types import CGSystem, MDProtocol, PairPotential

from .common import OpenMMRunner, cpu_threads
from .trajectory import WRITERS, OpenMMTrajectoryFile
from .verlet import VerletSplineForce

_COEFFS = ("c3", "c2", "c1", "c0")  # scipy's order: c3 t³ + c2 t² + c1 t + c0
NUMPY_MAX_THREADS = 2  # ``auto`` uses the numpy kernel up to this many CPU threads


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


def spline_segments(r_nm: np.ndarray, u_kjmol: np.ndarray) -> np.ndarray:
    """(4, n−1) coefficients of the natural cubic spline through (r, U), highest power first.

    Natural end conditions, as OpenMM's ``Continuous1DFunction`` uses, so both kernels
    evaluate one and the same function.
    """
    return CubicSpline(r_nm, u_kjmol, bc_type="natural").c


def kernel_for(options: dict) -> str:
    """The CG kernel the options ask for, ``auto`` resolved for the platform."""
    kernel = options.get("cg_kernel", "auto")
    if kernel == "auto":
        if options.get("platform", "CPU") not in ("CPU", "Reference"):
            return "spline"
        # numpy's pair-list build and the integrator's Python call are serial, while
        # segments runs on every OpenMM thread: numpy wins at 1–2 threads (measured 1166
        # and 1351 vs 402 and 778 steps/s), segments is expected to from ~4 on.
        numpy_wins = hasattr(mm, "PythonForce") and cpu_threads(options) <= NUMPY_MAX_THREADS
        return "numpy" if numpy_wins else "segments"
    if kernel == "numpy" and not hasattr(mm, "PythonForce"):
        raise PluginError(f"cg_kernel = \"numpy\" needs OpenMM's PythonForce (OpenMM {mm.__version__} "
                          "has none); upgrade openmm or set engine.openmm.cg_kernel = \"segments\"")
    return kernel


def _segment_expression(r0: float, h: float, n_segments: int) -> str:
    # Below r0 the energy is held at U(r0) (zero force): tables start at or near r = 0
    # with a steep wall, so beads never get there.  The last segment runs to the cutoff.
    return (f"c0(k)+t*(c1(k)+t*(c2(k)+t*c3(k))); t=x-k*{h!r}; "
            f"k=min(floor(x/{h!r}), {n_segments - 1}); x=max(r-{r0!r}, 0)")


def _uniform_spacing(r_nm: np.ndarray) -> float:
    h = float(r_nm[1] - r_nm[0])
    if not np.allclose(np.diff(r_nm), h, rtol=1e-6, atol=0):
        raise ValueError("the segments and numpy kernels need a uniform table grid; use cg_kernel = \"spline\"")
    return h


def _custom_force(expression: str, cutoff_nm: float, n_beads: int) -> mm.CustomNonbondedForce:
    force = mm.CustomNonbondedForce(expression)
    force.setNonbondedMethod(mm.CustomNonbondedForce.CutoffPeriodic)
    force.setCutoffDistance(cutoff_nm)
    force.setUseLongRangeCorrection(False)
    for _ in range(n_beads):
        force.addParticle([])
    return force


class OpenMMCGSimulation(OpenMMRunner, Simulation):
    """A CG box whose pair energy is the table's cubic spline (kernel per ``cg_kernel``)."""

    def __init__(self, system: CGSystem, protocol: MDProtocol, options: dict):
        pot = system.potential
        self.kernel = kernel_for(options)
        self.grid = (len(pot.r_nm), float(pot.r_nm[0]), float(pot.r_nm[-1]))
        self.verlet = None
        self._trajectory = None  # OpenMM's writer while native_trajectory() writes
        force = self._pair_force(pot, system.n_beads, options)
        omm_system = mm.System()
        box = system.box_nm
        omm_system.setDefaultPeriodicBoxVectors(mm.Vec3(box, 0, 0), mm.Vec3(0, box, 0), mm.Vec3(0, 0, box))
        for _ in range(system.n_beads):
            omm_system.addParticle(system.mass_gmol)
        omm_system.addForce(force)
        self.pair_force = force
        positions = system.positions_nm
        if positions is None:
            from mobcg_core.plugin_kit.systems import lattice_positions

            positions = lattice_positions(system.n_beads, box, protocol.seed)
        super().__init__(omm_system, np.asarray(positions), protocol, options,
                         molecule_atoms=None, molecule_mass_gmol=system.mass_gmol,
                         dpd_range_nm=protocol.dpd_range_nm(pot.cutoff_nm))

    def _pair_force(self, pot: PairPotential, n_beads: int, options: dict) -> mm.Force:
        n, r0, r1 = self.grid
        u = force_consistent_energy(pot)
        if self.kernel == "spline":
            force = _custom_force(f"table(max(r, {r0!r}))", pot.cutoff_nm, n_beads)
            force.addTabulatedFunction("table", mm.Continuous1DFunction(u.tolist(), r0, r1))
            return force
        h = _uniform_spacing(pot.r_nm)
        coeffs = spline_segments(pot.r_nm, u)
        if self.kernel == "numpy":
            self.verlet = VerletSplineForce(coeffs, r0, h, threads=cpu_threads(options))
            force = mm.PythonForce(self.verlet)
            force.setUsesPeriodicBoundaryConditions(True)
            return force
        force = _custom_force(_segment_expression(r0, h, n - 1), pot.cutoff_nm, n_beads)
        for name, c in zip(_COEFFS, coeffs):
            force.addTabulatedFunction(name, mm.Discrete1DFunction(c.tolist()))
        return force

    def set_potential(self, potential: PairPotential) -> None:
        """Swap the table in the live context (no context rebuild)."""
        grid = (len(potential.r_nm), float(potential.r_nm[0]), float(potential.r_nm[-1]))
        if grid != self.grid:
            raise ValueError(f"new potential grid {grid} differs from the simulation's {self.grid}")
        u = force_consistent_energy(potential)
        if self.kernel == "numpy":
            self.verlet.set_coefficients(spline_segments(potential.r_nm, u))
            return
        if self.kernel == "segments":
            for k, c in enumerate(spline_segments(potential.r_nm, u)):
                self.pair_force.getTabulatedFunction(k).setFunctionParameters(c.tolist())
        else:
            self.pair_force.getTabulatedFunction(0).setFunctionParameters(u.tolist(), grid[1], grid[2])
        self.pair_force.updateParametersInContext(self.context)

    def native_trajectory(self, path, interval_ps: float = 0.0) -> bool:
        """OpenMM's own ``DCDFile`` / ``XTCFile`` (see :class:`.trajectory.OpenMMTrajectoryFile`)."""
        if self._trajectory is not None:
            self._trajectory.close()
            self._trajectory = None
            self.attach_frame_writer(None)
        if path is None:
            return True
        if Path(path).suffix.lower() not in WRITERS:
            return False
        box = np.diag(self.context.getState().getPeriodicBoxVectors(asNumpy=True).value_in_unit(u.nanometer))
        self._trajectory = OpenMMTrajectoryFile(path, self.system.getNumParticles(), box, interval_ps,
                                                self.protocol.timestep_fs, self.time_ps)
        self.attach_frame_writer(self._trajectory)
        return True

    def close(self) -> None:
        if self._trajectory is not None:
            self._trajectory.close()
        if self.verlet is not None:
            self.verlet.close()
        super().close()

    def restart(self, positions_nm: np.ndarray, box_nm: float, seed: int) -> None:
        if self.verlet is not None:
            self.verlet.invalidate()
        super().restart(positions_nm, box_nm, seed)
