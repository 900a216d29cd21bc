"""Mean-squared displacement and self-diffusion coefficients."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mobcg_core.contract import units
from mobcg_core.contract.types import Trajectory


#: molecules per block of the MSD computation (memory; blocks are averaged with their weights)
MSD_BLOCK = 2048


def msd_per_axis(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """MSD per Cartesian axis, averaged over molecules and all time origins.

    Positions must be unwrapped.  The system's own centre-of-mass drift is removed
    first (a Langevin thermostat does not conserve total momentum).

    Returns:
        lags_ps: (n_frames,) lag times in ps.
        msd_nm2: (n_frames, 3) MSD along x, y, z in nm².
    """
    import freud

    pos = np.asarray(traj.positions_nm, dtype=np.float64)
    pos = pos - pos.mean(axis=1, keepdims=True)
    n = pos.shape[1]
    out = np.zeros((pos.shape[0], 3))
    calc = freud.msd.MSD(mode="window")
    # freud's FFT needs several copies of its input: molecules go in blocks of MSD_BLOCK so that
    # memory stays near that of the frames (one block, the usual CG box: the same numbers)
    for axis in range(3):
        for lo in range(0, n, MSD_BLOCK):
            block = pos[:, lo:lo + MSD_BLOCK]
            axis_only = np.zeros_like(block)
            axis_only[..., axis] = block[..., axis]
            msd = calc.compute(axis_only).msd
            out[:, axis] = msd if n <= MSD_BLOCK else out[:, axis] + msd * (block.shape[1] / n)
    lags = traj.times_ps - traj.times_ps[0]
    return lags, out


@dataclass
class DiffusionFit:
    """Self-diffusion from the MSD slope, D = slope/2 per axis.

    Attributes:
        d_nm2_ps: mean over axes (nm²/ps).
        d_err_nm2_ps: standard error (nm²/ps): the larger of the per-axis spread and the
            spread over three blocks of the run.
        d_axes_nm2_ps: (3,) per-axis values.
        fit_window_ps: (start, end) lag window of the linear fit.
        msd_lag_ps, msd_nm2: the whole run's MSD curve (summed over axes) it was fitted to.
    """

    d_nm2_ps: float
    d_err_nm2_ps: float
    d_axes_nm2_ps: tuple[float, float, float]
    fit_window_ps: tuple[float, float]
    msd_lag_ps: np.ndarray | None = None
    msd_nm2: np.ndarray | None = None

    @property
    def d_1e9_m2_s(self) -> float:
        return units.diffusion_to_1e9_m2_s(self.d_nm2_ps)

    @property
    def d_err_1e9_m2_s(self) -> float:
        return units.diffusion_to_1e9_m2_s(self.d_err_nm2_ps)


def fit_diffusion(traj: Trajectory, fit_start: float = 0.1, fit_end: float = 0.5) -> DiffusionFit:
    """Fit MSD(t) linearly over lags in [fit_start, fit_end] × (longest lag).

    The window skips the ballistic start and the noisy long lags (few origins).
    """
    d_axes, window, (lags, msd) = _axis_slopes(traj, fit_start, fit_end)
    err = float(np.std(d_axes, ddof=1) / math.sqrt(3))
    if traj.n_frames >= 3 * n_blocks_min_frames:
        # Three axes are a weak error estimate; the spread over thirds of the run
        # (each fitted the same way) is used when it is the larger of the two.
        thirds = np.array_split(np.arange(traj.n_frames), 3)
        d_blocks = [np.mean(_axis_slopes(_frames(traj, idx), fit_start, fit_end)[0]) for idx in thirds]
        err = max(err, float(np.std(d_blocks, ddof=1) / math.sqrt(3)))
    return DiffusionFit(float(np.mean(d_axes)), err, d_axes, window, lags, msd.sum(axis=1))


n_blocks_min_frames = 20


def min_fit_frames(fit_start: float = 0.1, fit_end: float = 0.5) -> int:
    """The fewest frames whose MSD fit window [fit_start, fit_end] × (longest lag) holds 3 lags."""
    for n in range(3, 10_000):
        lags = np.arange(n)
        t_max = lags[-1]
        if np.count_nonzero((lags >= fit_start * t_max) & (lags <= fit_end * t_max)) >= 3:
            return n
    raise ValueError(f"MSD fit window [{fit_start}, {fit_end}] is too narrow")


def _frames(traj: Trajectory, idx: np.ndarray) -> Trajectory:
    return Trajectory(traj.times_ps[idx], traj.positions_nm[idx], traj.box_nm[idx], traj.mass_gmol)


def _axis_slopes(traj: Trajectory, fit_start: float, fit_end: float):
    lags, msd = msd_per_axis(traj)
    t_max = lags[-1]
    mask = (lags >= fit_start * t_max) & (lags <= fit_end * t_max)
    if mask.sum() < 3:
        raise ValueError(f"MSD fit window has {mask.sum()} points; run longer or report more often")
    slopes = [np.polyfit(lags[mask], msd[mask, a], 1)[0] for a in range(3)]
    return tuple(float(s / 2.0) for s in slopes), (float(lags[mask][0]), float(lags[mask][-1])), (lags, msd)


YH_XI = 2.837297  # Yeh & Hummer's lattice constant for a cubic box


def yeh_hummer_correction(temperature_K: float, viscosity_mPa_s: float, box_nm: float) -> float:
    """Finite-size correction ΔD = 2.837297 k_B T / (6π η L) in nm²/ps (add to D_PBC)."""
    return _yh_slope_nm3_ps(temperature_K, viscosity_mPa_s) / box_nm


def _yh_slope_nm3_ps(temperature_K: float, viscosity_mPa_s: float) -> float:
    """ξ k_B T / (6π η) in nm³/ps: the slope of D_PBC against 1/L."""
    kT_J = 1.380649e-23 * temperature_K
    slope_m3_s = YH_XI * kT_J / (6.0 * math.pi * viscosity_mPa_s * 1e-3)
    return slope_m3_s * 1e27 / 1e12  # m³/s -> nm³/ps


@dataclass
class FiniteSizeFit:
    """D_PBC(L) = D∞ − s/L fitted over several cubic boxes (Yeh & Hummer 2004).

    The slope s = ξ k_B T/(6π η) gives the model's own shear viscosity, so D∞ and
    D at any other box size need no experimental viscosity.

    Attributes:
        d_inf_nm2_ps, d_inf_err_nm2_ps: infinite-box D and its standard error (nm²/ps).
        slope_nm3_ps, slope_err_nm3_ps: s and its standard error (nm³/ps).
        viscosity_mPa_s, viscosity_err_mPa_s: η from s (error propagated to first order).
        covariance: (2, 2) covariance of (D∞, s), for D at another box size.
    """

    d_inf_nm2_ps: float
    d_inf_err_nm2_ps: float
    slope_nm3_ps: float
    slope_err_nm3_ps: float
    viscosity_mPa_s: float
    viscosity_err_mPa_s: float
    covariance: np.ndarray

    def d_at(self, box_nm: float) -> tuple[float, float]:
        """D_PBC and its standard error (nm²/ps) in a cubic box of edge ``box_nm``."""
        jac = np.array([1.0, -1.0 / box_nm])
        return self.d_inf_nm2_ps - self.slope_nm3_ps / box_nm, float(math.sqrt(jac @ self.covariance @ jac))


def fit_finite_size(box_nm, d_nm2_ps, d_err_nm2_ps, temperature_K: float) -> FiniteSizeFit:
    """Weighted least-squares fit of D_PBC against 1/L over two or more box sizes.

    Args:
        box_nm: cubic box edges (nm), at least two distinct values.
        d_nm2_ps, d_err_nm2_ps: D_PBC and its standard error (nm²/ps) in each box; runs may
            repeat a box size (independent seeds).
        temperature_K: temperature of the runs (K), to turn the slope into a viscosity.
    """
    inv_l = 1.0 / np.asarray(box_nm, dtype=float)
    d, err = np.asarray(d_nm2_ps, dtype=float), np.asarray(d_err_nm2_ps, dtype=float)
    if np.unique(inv_l).size < 2:
        raise ValueError("a finite-size fit needs at least two different box sizes")
    if np.any(err <= 0):
        raise ValueError("every D needs a positive standard error to weight the fit")
    design = np.column_stack([np.ones_like(inv_l), -inv_l])
    weights = 1.0 / err**2
    cov = np.linalg.inv(design.T @ (weights[:, None] * design))
    d_inf, slope = cov @ design.T @ (weights * d)
    dof = d.size - 2
    if dof > 0:
        # Runs that scatter more than their error bars say (e.g. independent seeds at one box
        # size) widen the fit's errors by the reduced χ², never narrow them.
        chi2_red = float(np.sum(weights * (d - design @ np.array([d_inf, slope])) ** 2)) / dof
        cov = cov * max(1.0, chi2_red)
    unit_slope = _yh_slope_nm3_ps(temperature_K, 1.0)  # s = unit_slope / η[mPa·s]
    eta = unit_slope / slope if slope > 0 else math.inf
    slope_err = math.sqrt(cov[1, 1])
    return FiniteSizeFit(float(d_inf), math.sqrt(cov[0, 0]), float(slope), slope_err,
                         eta, eta * slope_err / abs(slope), cov)
