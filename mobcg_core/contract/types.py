"""Data types exchanged between the core and plugins (all in core units).

Lengths nm, times ps, energies kJ/mol, masses g/mol, temperatures K, pressures bar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import CubicSpline

from mobcg_core.contract.errors import TableError


@dataclass
class PairPotential:
    """A tabulated, isotropic pair potential U(r) on a uniform grid.

    Attributes:
        r_nm: uniform, increasing distances in nm; the last point is the cutoff.
        u_kjmol: energies U(r) in kJ/mol.
        f_kjmol_nm: forces F(r) = −dU/dr in kJ/mol/nm, or ``None`` to take the
            derivative of a cubic spline of ``u_kjmol``.
    """

    r_nm: np.ndarray
    u_kjmol: np.ndarray
    f_kjmol_nm: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.r_nm = np.asarray(self.r_nm, dtype=float)
        self.u_kjmol = np.asarray(self.u_kjmol, dtype=float)
        if self.r_nm.ndim != 1 or self.r_nm.shape != self.u_kjmol.shape or len(self.r_nm) < 4:
            raise TableError("potential needs matching 1-D r and U arrays of at least 4 points")
        steps = np.diff(self.r_nm)
        if np.any(steps <= 0) or np.ptp(steps) > 1e-6 * max(steps.mean(), 1e-12) + 1e-9:
            raise TableError("potential grid must be uniform and increasing in r")
        if not np.all(np.isfinite(self.u_kjmol)):
            raise TableError("potential has non-finite energies")
        if self.f_kjmol_nm is None:
            self.f_kjmol_nm = -CubicSpline(self.r_nm, self.u_kjmol)(self.r_nm, 1)
        self.f_kjmol_nm = np.asarray(self.f_kjmol_nm, dtype=float)

    @property
    def cutoff_nm(self) -> float:
        """Largest tabulated distance, used as the pair cutoff (nm)."""
        return float(self.r_nm[-1])

    @property
    def dr_nm(self) -> float:
        """Grid spacing in nm."""
        return float(self.r_nm[1] - self.r_nm[0])

    def shifted(self) -> "PairPotential":
        """Copy with U shifted so that U(cutoff) = 0 (forces unchanged)."""
        return PairPotential(self.r_nm.copy(), self.u_kjmol - self.u_kjmol[-1], self.f_kjmol_nm.copy())

    def resampled(self, r_nm: np.ndarray) -> "PairPotential":
        """Potential on another uniform grid (cubic spline in U, linear in F)."""
        r_nm = np.asarray(r_nm, dtype=float)
        u = CubicSpline(self.r_nm, self.u_kjmol)(r_nm)
        f = np.interp(r_nm, self.r_nm, self.f_kjmol_nm)
        return PairPotential(r_nm, u, f)


@dataclass
class RDF:
    """A radial distribution function g(r) on bin centres ``r_nm`` (nm)."""

    r_nm: np.ndarray
    g: np.ndarray

    def __post_init__(self) -> None:
        self.r_nm = np.asarray(self.r_nm, dtype=float)
        self.g = np.asarray(self.g, dtype=float)
        if self.r_nm.shape != self.g.shape or self.r_nm.ndim != 1:
            raise ValueError("RDF needs matching 1-D r and g arrays")

    def on(self, r_nm: np.ndarray) -> np.ndarray:
        """g(r) linearly interpolated onto ``r_nm``; 1 beyond the last point, 0 before the first."""
        return np.interp(r_nm, self.r_nm, self.g, left=0.0, right=1.0)


@dataclass
class MDProtocol:
    """How to run one molecular-dynamics segment.

    Attributes:
        temperature_K: thermostat temperature (K).
        pressure_bar: barostat pressure (bar), or ``None`` for constant volume (NVT).
        timestep_fs: integration step (fs).
        duration_ps: simulated time to run (ps).
        report_interval_ps: spacing of the frames handed back (ps); 0 for none.
        friction_per_ps: thermostat coupling (1/ps): Langevin friction, the
            Nosé–Hoover collision frequency, or the DPD friction γ (OpenMM's
            ``DPDIntegrator`` convention: the relative velocity of a pair along its
            axis relaxes at the rate 2γ(1 − r/r_c)²; engines convert it at their edge).
        thermostat: ``"langevin"`` (robust, perturbs dynamics by its friction),
            ``"nose_hoover"`` (deterministic dynamics; use it when measuring D),
            ``"dpd"`` (pairwise friction and noise: conserves momentum, so
            hydrodynamics survive; CG only) or ``"none"`` (NVE, for energy checks).
        seed: random seed for velocities and the thermostat.
        dpd_cutoff_nm: range of the DPD friction (nm); 0 uses the pair potential's cutoff.
    """

    temperature_K: float
    timestep_fs: float
    duration_ps: float
    report_interval_ps: float = 0.0
    pressure_bar: float | None = None
    friction_per_ps: float = 1.0
    seed: int = 0
    thermostat: str = "langevin"
    dpd_cutoff_nm: float = 0.0

    def dpd_range_nm(self, potential_cutoff_nm: float) -> float:
        """The DPD friction's range (nm): ``dpd_cutoff_nm``, or the potential's cutoff."""
        return self.dpd_cutoff_nm or potential_cutoff_nm



@dataclass
class CGSystem:
    """One bead per molecule in a cubic periodic box.

    Attributes:
        n_beads: number of beads.
        mass_gmol: bead mass (g/mol).
        box_nm: cubic box edge (nm).
        potential: the bead–bead pair potential.
        positions_nm: optional (n_beads, 3) start positions; a lattice otherwise.
    """

    n_beads: int
    mass_gmol: float
    box_nm: float
    potential: PairPotential
    positions_nm: np.ndarray | None = None


@dataclass(frozen=True)
class ModelExport:
    """One finished CG model, as ``Engine.export_model`` writes it into a ready-to-run input.

    The folder it goes into already holds ``potential.table`` (LAMMPS/VOTCA: Å, kcal/mol, keyword
    ``CG``, ``n_table`` rows), ``potential.xvg`` (GROMACS: nm, kJ/mol, U in column 6, F in 7) and
    ``start.pdb`` (the start configuration: Å, box in ``CRYST1``).

    Attributes:
        label: the model's name in the study's tables ("IBI", "ML", "IBI + DPD", ...).
        n_beads: number of beads.
        mass_gmol: bead mass (g/mol).
        box_nm: cubic box edge (nm) at the study's density.
        cutoff_nm: pair cutoff (nm).
        n_table: rows of ``potential.table``.
        table_r_min_nm: first r of ``potential.table`` (nm).
        protocol: thermostat, friction (1/ps), timestep, temperature and seed of the model's dynamics.
        positions_nm: (n_beads, 3) start positions (nm), those of ``start.pdb``.
    """

    label: str
    n_beads: int
    mass_gmol: float
    box_nm: float
    cutoff_nm: float
    n_table: int
    table_r_min_nm: float
    protocol: MDProtocol
    positions_nm: np.ndarray

    def script_values(self, seed: int) -> dict[str, object]:
        """The model's settings as Python literals, for a ``string.Template`` run script
        (``$label``, ``$mass_gmol``, ..., ``$seed``; ``seed`` in the engine's own range)."""
        p = self.protocol
        return {"label": self.label, "n_beads": self.n_beads, "mass_gmol": repr(self.mass_gmol),
                "temperature_K": repr(p.temperature_K), "timestep_fs": repr(p.timestep_fs),
                "cutoff_nm": repr(self.cutoff_nm), "r_min_nm": repr(self.table_r_min_nm),
                "thermostat": p.thermostat, "friction_per_ps": repr(p.friction_per_ps),
                "dpd_range_nm": repr(p.dpd_range_nm(self.cutoff_nm)), "seed": seed}


@dataclass
class Trajectory:
    """Frames of molecular centres of mass, positions *unwrapped* (continuous in time).

    Attributes:
        times_ps: (n_frames,) times in ps.
        positions_nm: (n_frames, n_molecules, 3) unwrapped COM positions in nm.
        box_nm: (n_frames, 3) orthorhombic box edges in nm.
        mass_gmol: total mass of one molecule (g/mol).
        potential_energy_kjmol: (n_frames,) total potential energy, if reported.
        kinetic_energy_kjmol: (n_frames,) total kinetic energy, if reported.
        pressure_bar: (n_frames,) instantaneous pressure (virial + kinetic), if reported.
    """

    times_ps: np.ndarray
    positions_nm: np.ndarray
    box_nm: np.ndarray
    mass_gmol: float
    potential_energy_kjmol: np.ndarray | None = None
    kinetic_energy_kjmol: np.ndarray | None = None
    pressure_bar: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.positions_nm.shape[0])

    @property
    def n_molecules(self) -> int:
        return int(self.positions_nm.shape[1])
