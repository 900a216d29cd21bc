"""Unit constants.  The core works in nm, ps, kJ/mol, g/mol, K and bar.

Conversions to Å, kcal/mol, atm, m²/s and g/cm³ happen at the edges only.
"""

from __future__ import annotations

AVOGADRO = 6.02214076e23  # 1/mol
BOLTZMANN_KJMOL_K = 0.0083144626181532  # k_B in kJ/mol/K (molar gas constant)
KCAL_TO_KJ = 4.184
ANGSTROM_PER_NM = 10.0
ATM_TO_BAR = 1.01325
BAR_TO_KJMOL_NM3 = 0.0602214076  # 1 bar = 1e5 Pa = 0.0602 kJ/mol/nm³ (engines in nm, kJ/mol)
# 1 nm²/ps = 1e-6 m²/s; reports quote D in 1e-9 m²/s.
NM2_PER_PS_TO_1E9_M2_PER_S = 1.0e3


def kT_kjmol(temperature_K: float) -> float:
    """Thermal energy k_B·T in kJ/mol for a temperature in K.

    >>> round(kT_kjmol(298.15), 4)
    2.479
    """
    return BOLTZMANN_KJMOL_K * temperature_K


def density_g_cm3(n_molecules: int, mass_gmol: float, volume_nm3: float) -> float:
    """Mass density in g/cm³ of ``n_molecules`` of ``mass_gmol`` in ``volume_nm3``."""
    return n_molecules * mass_gmol / AVOGADRO / (volume_nm3 * 1e-21)


def box_length_nm(n_molecules: int, mass_gmol: float, density_gcm3: float) -> float:
    """Edge in nm of the cubic box holding ``n_molecules`` at ``density_gcm3``.

    1000 molecules of 2,3,4-trimethylpentane (114.23 g/mol) at 0.7332 g/cm³:

    >>> round(box_length_nm(1000, 114.2302, 0.7332), 3)
    6.372
    """
    volume_nm3 = n_molecules * mass_gmol / AVOGADRO / density_gcm3 / 1e-21
    return volume_nm3 ** (1.0 / 3.0)


def diffusion_to_1e9_m2_s(d_nm2_ps: float) -> float:
    """Convert a diffusion coefficient from nm²/ps to 1e-9 m²/s."""
    return d_nm2_ps * NM2_PER_PS_TO_1E9_M2_PER_S


def diffusion_from_1e9_m2_s(d_1e9_m2_s: float) -> float:
    """Diffusion coefficient from 1e-9 m²/s (the literature's unit) to nm²/ps.

    >>> diffusion_from_1e9_m2_s(1.2)
    0.0012
    """
    return d_1e9_m2_s / diffusion_to_1e9_m2_s(1.0)
