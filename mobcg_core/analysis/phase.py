"""Is a CG run still a liquid?  Frozen and glassy runs flagged from the COM trajectory (nm, ps).

A tabulated potential can turn the CG liquid into a solid: an MSD fit still returns a small
"D", and g(r) may stay within budget at first.  Three signs are read off the same unwrapped
frames that D comes from:

* **cage escape** — the rms displacement over the whole run, against the mean spacing
  a = (V/N)^(1/3): a liquid's molecules leave their first shell (rms > a/2); in a solid they
  rattle in place.
* **D collapsing** — D fitted on the second half of the run against the first half: a liquid
  that freezes during the run loses most of its mobility in the second half.
* **non-Gaussian parameter** α₂ = 3⟨Δr⁴⟩ / (5⟨Δr²⟩²) − 1 at half the run: ≈ 0 for the
  Gaussian displacements of a liquid, ≫ 0 where a few molecules hop and most are caged (glass).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mobcg_core.analysis.mobility import fit_diffusion
from mobcg_core.contract.types import Trajectory

#: rms displacement over the run below this fraction of the mean spacing: caged
CAGE_FRACTION = 0.5
#: second-half D below this fraction of the first half's: freezing during the run
COLLAPSE_RATIO = 0.5
#: α₂ at half the run above this: heterogeneous (glassy) dynamics
ALPHA2_MAX = 1.0


@dataclass(frozen=True)
class PhaseCheck:
    """The liquid-state verdict of one run.

    Attributes:
        state: ``"liquid"`` or ``"frozen"`` (frozen covers crystals and glasses).
        reason: why it is not a liquid ("" for a liquid), one line.
        rms_displacement_nm: rms COM displacement between the first and the last frame (nm).
        spacing_nm: mean molecular spacing (V/N)^(1/3) (nm).
        d_half_ratio: D of the second half over D of the first half (NaN when too short).
        alpha2: non-Gaussian parameter at a lag of half the run.
    """

    state: str
    reason: str
    rms_displacement_nm: float
    spacing_nm: float
    d_half_ratio: float
    alpha2: float

    @property
    def frozen(self) -> bool:
        return self.state != "liquid"

    def as_dict(self) -> dict:
        return {"phase": self.state, "phase_reason": self.reason, "rms_displacement_nm": self.rms_displacement_nm,
                "spacing_nm": self.spacing_nm, "d_half_ratio": self.d_half_ratio, "alpha2": self.alpha2}


def _alpha2(pos: np.ndarray, lag: int) -> float:
    dr2 = np.sum((pos[lag:] - pos[:-lag]) ** 2, axis=-1).ravel()
    m2 = dr2.mean()
    return float(3.0 * np.mean(dr2**2) / (5.0 * m2**2) - 1.0) if m2 > 0 else float("nan")


def _half_ratio(traj: Trajectory, fit_start: float, fit_end: float) -> float:
    half = traj.n_frames // 2
    if half < 10:
        return float("nan")
    parts = [Trajectory(traj.times_ps[s] - traj.times_ps[s][0], traj.positions_nm[s], traj.box_nm[s], traj.mass_gmol)
             for s in (slice(0, half), slice(half, 2 * half))]
    d1, d2 = (fit_diffusion(p, fit_start, fit_end).d_1e9_m2_s for p in parts)
    return float(d2 / d1) if d1 > 0 else float("nan")


def check_phase(traj: Trajectory, fit_start: float = 0.1, fit_end: float = 0.5) -> PhaseCheck:
    """Flag a frozen or glassy CG run (see the module docstring for the three criteria).

    Args:
        traj: production frames, positions unwrapped (n_frames, N, 3) in nm.
        fit_start, fit_end: the MSD fit window (fractions of the longest lag) for the halves' D.
    """
    pos = np.asarray(traj.positions_nm, dtype=float)
    if traj.n_frames < 4:
        return PhaseCheck("liquid", "", float("nan"), float("nan"), float("nan"), float("nan"))
    spacing = float(np.mean(np.prod(traj.box_nm, axis=1)) / traj.n_molecules) ** (1.0 / 3.0)
    rms = float(np.sqrt(np.mean(np.sum((pos[-1] - pos[0]) ** 2, axis=-1))))
    ratio = _half_ratio(traj, fit_start, fit_end)
    alpha2 = _alpha2(pos, max(1, traj.n_frames // 2))
    reasons = []
    if rms < CAGE_FRACTION * spacing:
        reasons.append(f"molecules stay in their cage (rms displacement {rms:.3f} nm < "
                       f"{CAGE_FRACTION:g} × spacing {spacing:.3f} nm)")
    if np.isfinite(ratio) and ratio < COLLAPSE_RATIO:
        reasons.append(f"D fell to {ratio:.2f}× between the run's halves")
    if np.isfinite(alpha2) and alpha2 > ALPHA2_MAX:
        reasons.append(f"non-Gaussian parameter {alpha2:.2f} > {ALPHA2_MAX:g} (glassy)")
    return PhaseCheck("frozen" if reasons else "liquid", "; ".join(reasons), rms, spacing, ratio, alpha2)
