"""Reading and writing pair tables and g(r) files (the unit conversions live here).

LAMMPS/VOTCA ``pair_style table`` files: r in Å, U in kcal/mol, F in kcal/mol/Å.
GROMACS tables: r in nm, energies kJ/mol, columns ``r f −f' g −g' h −h'``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import TableError
from mobcg_core.io import atomic_write_text
from mobcg_core.contract.types import PairPotential, RDF
from mobcg_core.contract.units import ANGSTROM_PER_NM, KCAL_TO_KJ

_A, _KCAL = ANGSTROM_PER_NM, KCAL_TO_KJ


def read_lammps_table(path: str | Path, keyword: str | None = None,
                      spacing: str = "header") -> PairPotential:
    """Read one section of a LAMMPS ``pair_style table`` file.

    Args:
        path: the file.
        keyword: section to read; the first section if ``None``.
        spacing: ``"header"`` re-spaces r uniformly from the ``R rlo rhi`` header, as
            LAMMPS itself does; ``"column"`` uses the r column (must be uniform).
    """
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise TableError(f"{path}: cannot read table ({exc.strerror})")
    i = 0
    while i < len(lines):
        line = lines[i].split("#", 1)[0].strip()
        if line and (keyword is None or line.split()[0] == keyword):
            if i + 1 < len(lines) and lines[i + 1].strip().startswith("N "):
                break
        i += 1
    else:
        raise TableError(f"{path}: no table section {keyword or ''} followed by an 'N ...' line")
    header = lines[i + 1].split()
    try:
        n = int(header[1])
        r_range = None
        if "R" in header or "RSQ" in header:
            k = header.index("R") if "R" in header else header.index("RSQ")
            r_range = (float(header[k + 1]), float(header[k + 2]))
    except (IndexError, ValueError):
        raise TableError(f"{path}: bad table header {lines[i + 1]!r} (expected 'N count [R rlo rhi]')")
    rows = [ln.split() for ln in lines[i + 2:] if ln.strip() and not ln.lstrip().startswith("#")][:n]
    try:
        data = np.array([[float(x) for x in row[1:4]] for row in rows])
    except (ValueError, IndexError):
        raise TableError(f"{path}: table rows must be 'index r energy force'")
    if data.shape != (n, 3):
        raise TableError(f"{path}: header says N {n} but found {len(rows)} complete rows")
    r_ang, u, f = data.T
    if spacing == "header" and r_range is not None:
        r_ang = np.linspace(r_range[0], r_range[1], n)
    return PairPotential(r_ang / _A, u * _KCAL, f * _KCAL * _A)


def lammps_table_text(pot: PairPotential, keyword: str = "VOTCA", n_points: int | None = None,
                      r_min_nm: float | None = None) -> str:
    """The potential as a LAMMPS/VOTCA table (Å, kcal/mol); resampled to ``n_points``."""
    if n_points is not None or r_min_nm is not None:
        lo = pot.r_nm[0] if r_min_nm is None else r_min_nm
        pot = pot.resampled(np.linspace(lo, pot.cutoff_nm, n_points or len(pot.r_nm)))
    r_a, u, f = pot.r_nm * _A, pot.u_kjmol / _KCAL, pot.f_kjmol_nm / (_KCAL * _A)
    out = ["# pair potential written by mobcg (r in Angstrom, U in kcal/mol, F in kcal/mol/Angstrom)",
           keyword, f"N {len(r_a)} R {r_a[0]:.6f} {r_a[-1]:.6f}", ""]
    out += [f"{k + 1} {r_a[k]:.10e} {u[k]:.10e} {f[k]:.10e}" for k in range(len(r_a))]
    return "\n".join(out) + "\n"


def write_lammps_table(pot: PairPotential, path: str | Path, keyword: str = "VOTCA",
                       n_points: int | None = None, r_min_nm: float | None = None) -> None:
    """Write :func:`lammps_table_text` atomically.  The paper's format: 1550 points to 15.5 Å."""
    atomic_write_text(path, lammps_table_text(pot, keyword, n_points, r_min_nm))


def write_gromacs_table(pot: PairPotential, path: str | Path) -> None:
    """GROMACS user table (nm, kJ/mol): U in the repulsion column h, zeros elsewhere.

    Used with ``energygrp_table`` and C12 = 1 for the bead pair.  The grid starts at
    r = 0 as GROMACS requires; values below the first tabulated point repeat it.
    """
    dr = pot.dr_nm
    r = np.arange(0.0, pot.cutoff_nm + 0.5 * dr, dr)
    inside = r >= pot.r_nm[0]
    u = np.where(inside, np.interp(r, pot.r_nm, pot.u_kjmol), pot.u_kjmol[0])
    f = np.where(inside, np.interp(r, pot.r_nm, pot.f_kjmol_nm), pot.f_kjmol_nm[0])
    lines = ["# r(nm) f -f' g -g' h=U(kJ/mol) -h'=F(kJ/mol/nm), written by mobcg"]
    lines += [f"{r[k]:.6f} 0 0 0 0 {u[k]:.8e} {f[k]:.8e}" for k in range(len(r))]
    atomic_write_text(path, "\n".join(lines) + "\n")


def read_rdf_file(path: str | Path, r_unit: str = "auto") -> RDF:
    """Read a two-column g(r) file; ``r_unit`` is ``nm``, ``angstrom`` or ``auto`` (header)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise TableError(f"{path}: cannot read g(r) file ({exc.strerror})")
    if r_unit == "auto":
        header = " ".join(ln for ln in text.splitlines() if ln.lstrip().startswith("#")).lower()
        if re.search(r"angstrom|\[a\]|å", header):
            r_unit = "angstrom"
        elif re.search(r"\[nm\]|\bnm\b", header):
            r_unit = "nm"
        else:
            raise TableError(f"{path}: header does not say the unit of r; set rdf_r_unit "
                             "to 'nm' or 'angstrom'")
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except ValueError as exc:
        raise TableError(f"{path}: g(r) file must hold two numeric columns r, g(r) ({exc})")
    if data.shape[1] < 2 or data.shape[0] < 5:
        raise TableError(f"{path}: g(r) file must hold at least 5 rows of r, g(r)")
    scale = 1.0 / _A if r_unit == "angstrom" else 1.0
    return RDF(data[:, 0] * scale, data[:, 1])


def write_rdf_file(path: str | Path, g: RDF, title: str, mass_gmol: float, diffusion_1e9_m2_s: float | None,
                   g_err: np.ndarray | None = None) -> None:
    """Write a g(r) in the reference format (atomically): r in Å, a header with mass and D.

    ``read_rdf_file`` reads it back (the header names the unit); ``g_err`` adds a third column.
    """
    d_text = f"{diffusion_1e9_m2_s:.4g} x 1e-9 m^2/s" if diffusion_1e9_m2_s else "unknown"
    lines = [f"# {title}", f"# molar mass {mass_gmol:.4f} g/mol; all-atom self-diffusion coefficient {d_text}",
             "# columns: r [angstrom]  g(r)" + ("  standard error of g(r)" if g_err is not None else "")]
    if g_err is None:
        lines += [f"{r * _A:.4f} {v:.6f}" for r, v in zip(g.r_nm, g.g)]
    else:
        lines += [f"{r * _A:.4f} {v:.6f} {e:.6f}" for r, v, e in zip(g.r_nm, g.g, g_err)]
    atomic_write_text(path, "\n".join(lines) + "\n")
