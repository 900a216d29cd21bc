"""Building blocks for CG pair potentials: Boltzmann inversion, core wall, cutoff.

All energies in kJ/mol, distances in nm.  CG methods (IBI, one-shot Boltzmann
inversion, predictors) share these so their potentials look alike at the edges.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from mobcg_core.contract.types import PairPotential, RDF

G_FLOOR = 1e-3  # g(r) below this carries no usable information for inversion


def table_grid(cutoff_nm: float, dr_nm: float) -> np.ndarray:
    """Uniform table grid 0, dr, ..., cutoff (nm)."""
    n = int(round(cutoff_nm / dr_nm))
    return np.linspace(0.0, n * dr_nm, n + 1)


def core_radius(rdf: RDF, threshold: float = 0.01) -> float:
    """Edge of the excluded core: the last r before the first peak where g < ``threshold``.

    Isolated non-zero bins deep inside the core (sampling noise, as in published
    g(r) files) are ignored because only the rise into the first peak counts.
    """
    peak = int(np.argmax(rdf.g))
    below = np.nonzero(rdf.g[: peak + 1] < threshold)[0]
    if len(below) == 0:
        return float(rdf.r_nm[0])
    return float(rdf.r_nm[min(below[-1] + 1, peak)])


def boltzmann_inversion(rdf: RDF, kT_kjmol: float, r_nm: np.ndarray, r_core_nm: float) -> np.ndarray:
    """Potential of mean force −kT ln g(r) on ``r_nm`` for r ≥ r_core (NaN below)."""
    g = np.clip(rdf.on(r_nm), G_FLOOR, None)
    u = -kT_kjmol * np.log(g)
    u[r_nm < r_core_nm] = np.nan
    return u


def add_core_wall(r_nm: np.ndarray, u: np.ndarray, r_core_nm: float, kT_kjmol: float,
                  min_slope_kT_nm: float = 50.0, curvature_kT_nm2: float = 2000.0) -> np.ndarray:
    """Replace U below ``r_core`` by a smooth, steep repulsive wall.

    U(r) = U_c + s (r_c − r) + k (r_c − r)² matches U and (at least) its slope at r_c,
    so forces are continuous and always push beads apart inside the core.
    """
    u = np.array(u, dtype=float)
    i_c = int(np.searchsorted(r_nm, r_core_nm))
    i_c = min(max(i_c, 1), len(r_nm) - 3)
    slope = -(u[i_c + 1] - u[i_c]) / (r_nm[i_c + 1] - r_nm[i_c])  # −dU/dr at r_c
    s = max(slope, min_slope_kT_nm * kT_kjmol)
    d = r_nm[i_c] - r_nm[:i_c]
    u[:i_c] = u[i_c] + s * d + curvature_kT_nm2 * kT_kjmol * d ** 2
    return u


def cutoff_switch(r_nm: np.ndarray, width_nm: float = 0.1) -> np.ndarray:
    """Cosine switch: 1 below r_c − width, 0 at r_c, with zero slope at both ends."""
    x = np.clip((r_nm - (r_nm[-1] - width_nm)) / width_nm, 0.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def smooth_cutoff(r_nm: np.ndarray, u: np.ndarray, width_nm: float = 0.1) -> np.ndarray:
    """Shift U to 0 at the cutoff and switch it off smoothly over the last ``width_nm``.

    The switch makes both U and F go continuously to 0 at r_c.  Apply it once to a
    starting potential; iterative updates should be switched instead (see IBI), or
    repeated switching builds a step just inside the cutoff.
    """
    u = np.asarray(u, dtype=float) - u[-1]
    return u * cutoff_switch(r_nm, width_nm)


def smooth(values: np.ndarray, sigma_points: float) -> np.ndarray:
    """Gaussian smoothing (σ in grid points); edges reflect so ends are not pulled to 0."""
    if sigma_points <= 0:
        return np.asarray(values, dtype=float)
    return gaussian_filter1d(np.asarray(values, dtype=float), sigma_points, mode="nearest")


def pmf_potential(rdf: RDF, kT_kjmol: float, cutoff_nm: float, dr_nm: float,
                  core_threshold: float = 0.01) -> PairPotential:
    """One-shot Boltzmann inversion: −kT ln g(r) with a core wall and a smooth cutoff."""
    r = table_grid(cutoff_nm, dr_nm)
    r_core = core_radius(rdf, core_threshold)
    u = boltzmann_inversion(rdf, kT_kjmol, r, r_core)
    u = add_core_wall(r, u, r_core, kT_kjmol)
    return PairPotential(r, smooth_cutoff(r, u))


def ramp_pressure_slope(rdf: RDF, density_nm3: float, cutoff_nm: float) -> float:
    """dP/dA (bar per kJ/mol) of the ramp A (1 − r/r_c) added to a pair potential.

    The virial theorem gives ΔP = (2π/3) ρ² (A/r_c) ∫₀^{r_c} r³ g(r) dr to first order
    (g measured with the potential before the ramp; ρ in nm⁻³).
    """
    from mobcg_core.contract.units import BAR_TO_KJMOL_NM3

    mask = rdf.r_nm <= cutoff_nm
    moment = float(np.trapezoid(rdf.r_nm[mask] ** 3 * rdf.g[mask], rdf.r_nm[mask]))
    return (2 * np.pi / 3) * density_nm3 ** 2 * moment / cutoff_nm / BAR_TO_KJMOL_NM3


def lennard_jones(sigma_nm: float, epsilon_kjmol: float, cutoff_nm: float, dr_nm: float = 0.0005,
                  cap: float = 0.6) -> PairPotential:
    """Truncated (not shifted) Lennard-Jones U(r) (kJ/mol) and F(r) (kJ/mol/nm) on the grid
    0, dr, …, cutoff (nm), held constant below ``cap``·σ where it diverges.

    >>> lj = lennard_jones(0.34, 1.0, 0.85)
    >>> round(float(lj.u_kjmol[np.argmin(np.abs(lj.r_nm - 2 ** (1 / 6) * 0.34))]), 3)
    -1.0
    """
    r = np.arange(0.0, cutoff_nm + 0.5 * dr_nm, dr_nm)
    rr = np.maximum(r, cap * sigma_nm)
    u = 4 * epsilon_kjmol * ((sigma_nm / rr) ** 12 - (sigma_nm / rr) ** 6)
    f = 24 * epsilon_kjmol * (2 * (sigma_nm / rr) ** 12 - (sigma_nm / rr) ** 6) / rr
    return PairPotential(r, u, f)
