"""``mobcg target``: a liquid's CG target (g(r), density, D) from the user's own all-atom trajectory.

Writes, into one folder that a run file can name as ``[[liquids]] target_dir``:

* ``aa_rdf.txt``: the centre-of-mass g(r) in the reference format (r in Å, header with mass and D,
  a third column with the block standard error);
* ``target.json``: ``mass_gmol``, ``density_g_cm3``, ``diffusion_1e9_m2_s`` (Yeh–Hummer corrected
  to the CG box when a viscosity is given, else the raw value), ``diffusion_err_1e9_m2_s``,
  ``diffusion_pbc_1e9_m2_s``, molecules, frames, time span and the inputs;
* ``target.png``: g(r) with its error band and the MSD with the fitted line.

Everything is computed before the first file is written, so a refused trajectory leaves the
folder as it was.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mobcg_core.analysis.liquid import LiquidAnalysis
from mobcg_core.analysis.trajectory_files import TargetRequest, target_from_trajectory
from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import atomic_write_json
from mobcg_core.physics.tables import write_rdf_file


def write_target(out_dir: str | Path, req: TargetRequest, res: LiquidAnalysis) -> dict:
    """Write aa_rdf.txt, target.json and target.png into ``out_dir``; return the JSON record."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_rdf_file(out / "aa_rdf.txt", res.rdf, f"all-atom centre-of-mass pair correlation function of {req.name} "
                   f"at {req.temperature_K:g} K from {req.trajectory or req.topology}", res.mass_gmol,
                   res.diffusion_1e9_m2_s, res.rdf_err)
    record = {"name": req.name, **res.summary(), "temperature_K": req.temperature_K,
              "inputs": {"topology": str(Path(req.topology).resolve()),
                         "trajectory": str(Path(req.trajectory).resolve()) if req.trajectory else None,
                         "selection": req.selection, "frames": [req.start, req.stop, req.step],
                         "cg_molecules": req.cg_molecules, "timestep_fs": req.timestep_fs},
              "note": ("D corrected with Yeh & Hummer to the cubic box of the CG molecules at this density"
                       if res.finite_size_corrected else
                       "no viscosity given: diffusion_1e9_m2_s is the raw D of the simulated box, not "
                       "corrected for finite size")}
    _plot(out / "target.png", req.name, res)
    atomic_write_json(out / "target.json", record)  # last: its presence marks a finished target
    return record


def _plot(path: Path, name: str, res: LiquidAnalysis) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    r = res.rdf.r_nm
    a.fill_between(r, res.rdf.g - 2 * res.rdf_err, res.rdf.g + 2 * res.rdf_err, alpha=0.3, lw=0)
    a.plot(r, res.rdf.g, lw=1)
    a.set(xlabel="r [nm]", ylabel="g(r)", title=f"{name}: centre-of-mass g(r)")
    fit = res.fit
    b.plot(fit.msd_lag_ps, fit.msd_nm2, lw=1, label="MSD")
    lo, hi = fit.fit_window_ps
    lags = np.linspace(lo, hi, 20)
    mask = (fit.msd_lag_ps >= lo) & (fit.msd_lag_ps <= hi)
    intercept = float(np.mean(fit.msd_nm2[mask] - 6 * fit.d_nm2_ps * fit.msd_lag_ps[mask]))
    b.plot(lags, intercept + 6 * fit.d_nm2_ps * lags, "k--", lw=1,
           label=f"6Dt, D = {res.diffusion_pbc_1e9_m2_s:.3g}e-9 m²/s")
    b.set(xlabel="lag [ps]", ylabel="MSD [nm²]", title="centre-of-mass MSD")
    b.legend(frameon=False)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)


def add_target_parser(sub) -> argparse.ArgumentParser:
    tgt = sub.add_parser("target", help="g(r), density and D from your all-atom trajectory (any engine)")
    tgt.add_argument("--topology", required=True, help="topology MDAnalysis reads (TPR, GRO, PDB, PSF, "
                     "LAMMPS data, prmtop, ...)")
    tgt.add_argument("--trajectory", default=None, help="trajectory (XTC, TRR, DCD, LAMMPS dump, NetCDF, ...); "
                     "default: the frames in --topology")
    tgt.add_argument("--selection", default="all", help="MDAnalysis selection of the liquid's molecules")
    tgt.add_argument("--temperature", type=float, default=298.15, help="the run's temperature (K)")
    tgt.add_argument("--viscosity", type=float, default=None, help="shear viscosity (mPa·s) for the "
                     "Yeh–Hummer correction of D to the CG box; default: no correction")
    tgt.add_argument("--cg-molecules", type=int, default=1000, help="beads of the CG box D is corrected to")
    tgt.add_argument("--frames", default="::", help="START:STOP:STEP of the frames to read (default: all)")
    tgt.add_argument("--timestep-fs", type=float, default=None, help="the run's MD timestep (fs), for "
                     "files that store step numbers, not times (LAMMPS dump)")
    tgt.add_argument("--name", default=None, help="liquid label (default: the output folder's name)")
    tgt.add_argument("-o", "--output", required=True, help="output folder")
    return tgt


def cmd_target(args) -> int:
    if args.timestep_fs is not None and not args.timestep_fs > 0:
        raise MobcgError(f"--timestep-fs {args.timestep_fs:g}: give the MD timestep as a positive number (fs)")
    if args.temperature <= 0 or (args.viscosity is not None and not args.viscosity > 0) or args.cg_molecules < 2:
        raise MobcgError("--temperature and --viscosity must be > 0 and --cg-molecules ≥ 2")
    try:
        start, stop, step = ([int(x) if x else None for x in args.frames.split(":")] + [None, None])[:3]
    except ValueError:
        raise MobcgError(f"--frames {args.frames!r}: expected START:STOP:STEP, e.g. 100::2") from None
    req = TargetRequest(args.topology, args.trajectory, args.selection, args.temperature, args.viscosity,
                        args.cg_molecules, start or 0, stop, step or 1, args.name or Path(args.output).resolve().name,
                        args.timestep_fs)
    rec = write_target(args.output, req, target_from_trajectory(req))
    print(f"{args.output}: M = {rec['mass_gmol']:.4f} g/mol, {rec['molecules']} molecules, {rec['frames']} frames "
          f"over {rec['time_span_ps']:g} ps; ρ = {rec['density_g_cm3']:.4f} g/cm³; "
          f"D = {rec['diffusion_1e9_m2_s']:.4g} ± {rec['diffusion_err_1e9_m2_s']:.2g} x 1e-9 m²/s "
          + ("(Yeh–Hummer, CG box)" if rec["finite_size_corrected"] else "(simulated box, no finite-size "
             "correction: give --viscosity)"))
    return 0
