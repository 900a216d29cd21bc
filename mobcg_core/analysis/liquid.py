"""One all-atom liquid's target for coarse-graining: centre-of-mass g(r), density and D.

Every all-atom trajectory goes through :func:`analyse_liquid`: the ones the target stage runs
itself (:func:`mobcg_core.workflows.run_aa_liquid`) and the ones a user brings from any
engine (:func:`mobcg_core.analysis.trajectory_files.read_com_trajectory`, ``mobcg target``).
So a user's trajectory and a built-in run of the same frames give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mobcg_core.analysis.mobility import DiffusionFit, _frames, fit_diffusion, yeh_hummer_correction
from mobcg_core.analysis.structure import density_g_cm3, rdf, rdf_grid
from mobcg_core.contract import units
from mobcg_core.contract.types import RDF, Trajectory

#: the run file's [analysis] defaults: the paper's g(r) grid (1–25 Å every 0.05 Å) and MSD window
DEFAULT_ANALYSIS = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 2.5, "rdf_dr_nm": 0.005,
                    "msd_fit_start": 0.1, "msd_fit_end": 0.5}


@dataclass(frozen=True)
class LiquidAnalysis:
    """What a centre-of-mass trajectory says about its liquid (core units; D also in 1e-9 m²/s).

    Attributes:
        rdf: centre-of-mass g(r) over all frames, on the analysis grid (nm).
        rdf_err: (n_bins,) standard error of g(r) from ``blocks`` consecutive blocks of frames.
        density_g_cm3, density_err_g_cm3: mean mass density over the frames (the box may vary).
        diffusion_pbc_1e9_m2_s, diffusion_err_1e9_m2_s: D from the multi-origin MSD in the
            simulated box, and its standard error.
        diffusion_1e9_m2_s: D for a cubic box of ``target_box_nm`` with Yeh & Hummer's term
            ΔD = ξ k_B T/(6πη) (1/L_sim − 1/L_target); equal to the raw value when no viscosity
            was given (``finite_size_corrected`` False).
        box_nm: mean box edge (nm), the cube root of the mean volume.
        target_box_nm: the box D is corrected to (nm), or None.
        viscosity_mPa_s: shear viscosity used for the correction, or None.
        n_molecules, n_frames, time_span_ps, mass_gmol: what was analysed.
        fit: the MSD fit (lags in ps, MSD in nm²).
    """

    rdf: RDF
    rdf_err: np.ndarray
    density_g_cm3: float
    density_err_g_cm3: float
    diffusion_pbc_1e9_m2_s: float
    diffusion_err_1e9_m2_s: float
    diffusion_1e9_m2_s: float
    box_nm: float
    target_box_nm: float | None
    viscosity_mPa_s: float | None
    n_molecules: int
    n_frames: int
    time_span_ps: float
    mass_gmol: float
    fit: DiffusionFit

    @property
    def finite_size_corrected(self) -> bool:
        return self.viscosity_mPa_s is not None and self.target_box_nm is not None

    def summary(self) -> dict:
        """JSON-ready scalars (the keys of ``target.json``)."""
        return {"mass_gmol": self.mass_gmol, "density_g_cm3": self.density_g_cm3,
                "density_err_g_cm3": self.density_err_g_cm3, "diffusion_1e9_m2_s": self.diffusion_1e9_m2_s,
                "diffusion_err_1e9_m2_s": self.diffusion_err_1e9_m2_s,
                "diffusion_pbc_1e9_m2_s": self.diffusion_pbc_1e9_m2_s,
                "finite_size_corrected": self.finite_size_corrected, "viscosity_mPa_s": self.viscosity_mPa_s,
                "box_nm": self.box_nm, "target_box_nm": self.target_box_nm, "molecules": self.n_molecules,
                "frames": self.n_frames, "time_span_ps": self.time_span_ps,
                "msd_fit_window_ps": list(self.fit.fit_window_ps)}


def analyse_liquid(traj: Trajectory, temperature_K: float, analysis: dict | None = None,
                   viscosity_mPa_s: float | None = None, target_box_nm: float | None = None,
                   blocks: int = 5) -> LiquidAnalysis:
    """g(r) with block errors, density and finite-size-corrected D of an unwrapped COM trajectory.

    Args:
        traj: centre-of-mass frames, positions unwrapped in time (nm, ps).
        temperature_K: the run's temperature, for the Yeh–Hummer term.
        analysis: the run file's ``[analysis]`` table (g(r) grid, MSD fit window).
        viscosity_mPa_s: shear viscosity of the liquid; None leaves D uncorrected.
        target_box_nm: cubic box edge to correct D to (nm), e.g. the CG box of 1000 beads at
            the measured density; None leaves D uncorrected.
        blocks: consecutive blocks of frames for the g(r) error.
    """
    an = {**DEFAULT_ANALYSIS, **(analysis or {})}
    grid = rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"])
    g = rdf(traj, grid)
    g_err = _rdf_block_error(traj, grid, len(g.r_nm), blocks)
    fit = fit_diffusion(traj, an["msd_fit_start"], an["msd_fit_end"])
    rho, rho_err = density_g_cm3(traj)
    box = float(np.mean(np.prod(traj.box_nm, axis=1)) ** (1.0 / 3.0))
    d_pbc = fit.d_nm2_ps
    d = d_pbc
    if viscosity_mPa_s is not None and target_box_nm is not None:
        d = d_pbc + (yeh_hummer_correction(temperature_K, viscosity_mPa_s, box)
                     - yeh_hummer_correction(temperature_K, viscosity_mPa_s, target_box_nm))
    return LiquidAnalysis(g, g_err, rho, rho_err, units.diffusion_to_1e9_m2_s(d_pbc), fit.d_err_1e9_m2_s,
                          units.diffusion_to_1e9_m2_s(d), box, target_box_nm, viscosity_mPa_s,
                          traj.n_molecules, traj.n_frames, float(traj.times_ps[-1] - traj.times_ps[0]),
                          traj.mass_gmol, fit)


def _rdf_block_error(traj: Trajectory, grid: np.ndarray, n_bins: int, blocks: int) -> np.ndarray:
    """Standard error of g(r) over consecutive blocks of frames (zeros with fewer than 2 blocks)."""
    parts = [idx for idx in np.array_split(np.arange(traj.n_frames), min(blocks, traj.n_frames)) if len(idx)]
    if len(parts) < 2:
        return np.zeros(n_bins)
    gs = np.array([rdf(_frames(traj, idx), grid).g[:n_bins] for idx in parts])
    return gs.std(axis=0, ddof=1) / np.sqrt(len(parts))
