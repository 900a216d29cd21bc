"""All-atom references for the validation liquids: liquids that never enter a database or a training.

Each liquid is an OPLS-AA box of ``--molecules`` molecules (default 300) at 298.15 K and 1 atm
(NPT Nosé–Hoover, LAMMPS, PPPM, SHAKE on bonds to hydrogen, 2 fs), ``--equil-ps`` of
equilibration and ``--prod-ps`` of production (default 50 + 200 ps), frames every ps. From the
production run: the centre-of-mass g(r) (freud, 0.05 Å bins up to half the box), the density and
D from the MSD of the unwrapped centres (mobcg's fit, 10–50 % of the run). D in the simulated box
(``diffusion_pbc_1e9_m2_s``) is corrected to the 1000-molecule box at the same density
(``diffusion_1e9_m2_s``) with Yeh & Hummer's term and the liquid's *experimental* viscosity
(OPLS-AA's own would need a second box size).

The liquids span the shapes (linear, branched, cyclic, flat aromatic) and stay outside the paper's
eight liquids. Experimental density and viscosity at 298.15 K (CRC Handbook / NIST).

Each liquid is one job; a finished one is skipped on a rerun (resume after a kill). Results go to
``--out`` (keep it outside the repository while it grows), one folder per liquid:
``aa_rdf_<name>.txt`` (the reference format of ../shared/reference, Å), ``<name>.json``
(provenance and numbers) and ``<name>_com.npz`` (the production run's COM frames, float32, nm).

    python benchmarks/validation_liquids.py --out ~/runs/validation              # all, one core
    python benchmarks/validation_liquids.py --out ~/runs/validation --liquids nHex
    python benchmarks/validation_liquids.py --collect ~/runs/validation            # table + JSON
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import engine, package_versions, print_table, write_json  # noqa: E402

from mobcg_core.analysis import yeh_hummer_correction  # noqa: E402
from mobcg_core.physics.tables import write_rdf_file  # noqa: E402
from mobcg_core.contract import units  # noqa: E402
from mobcg_core.workflows import run_aa_liquid  # noqa: E402

#: name: (SMILES, experimental density g/cm³, experimental viscosity mPa·s, shape)
LIQUIDS = {
    "nHex": ("CCCCCC", 0.6548, 0.300, "linear"),
    "cHex": ("C1CCCCC1", 0.7739, 0.894, "cyclic"),
    "Tol": ("Cc1ccccc1", 0.8623, 0.560, "flat aromatic"),
    "224TriMePe": ("CC(C)CC(C)(C)C", 0.6878, 0.475, "branched"),
    "iPen": ("CCC(C)C", 0.6150, 0.214, "branched, small"),
    "pXyl": ("Cc1ccc(C)cc1", 0.8566, 0.603, "flat aromatic"),
    "nHep": ("CCCCCCC", 0.6795, 0.387, "linear"),
}
T_K = 298.15
N_CG = 1000  # the CG box the corrected D refers to


def _yh_1e9(viscosity_mPa_s: float, box_nm: float) -> float:
    return units.diffusion_to_1e9_m2_s(yeh_hummer_correction(T_K, viscosity_mPa_s, box_nm))


def write_reference(path: Path, name: str, res, d_1e9: float) -> None:
    """The g(r) in the reference format: header with mass and D, r in Å (atomic write)."""
    write_rdf_file(path, res.rdf, f"all-atom centre-of-mass pair correlation function of liquid {name} "
                   f"at {T_K} K, 1 atm", res.mass_gmol, d_1e9)


def run_one(name: str, args) -> dict:
    smiles, rho_exp, eta, shape = LIQUIDS[name]
    eng = engine("lammps", 1)
    eng.opts.update({"constraints": "h-bonds", "electrostatics": "pppm", "aa_cutoff_nm": 1.0})
    aa = {"timestep_fs": 2.0, "equilibration_ps": args.equil_ps, "production_ps": args.prod_ps,
          "report_interval_ps": 1.0, "thermostat": "nose_hoover", "friction_per_ps": 1.0}
    t0 = time.time()
    res = run_aa_liquid(eng, smiles, args.molecules, 0.9 * rho_exp, aa, T_K, units.ATM_TO_BAR, seed=args.seed)
    box_cg = units.box_length_nm(N_CG, res.mass_gmol, res.density_g_cm3)
    d_cg_box = res.diffusion_1e9_m2_s + _yh_1e9(eta, res.box_nm) - _yh_1e9(eta, box_cg)
    out = Path(args.out) / name
    out.mkdir(parents=True, exist_ok=True)
    traj = res.trajectory
    np.savez_compressed(out / f"{name}_com.npz", times_ps=traj.times_ps.astype(np.float32),
                        positions_nm=traj.positions_nm.astype(np.float32), box_nm=traj.box_nm.astype(np.float32),
                        mass_gmol=res.mass_gmol)
    write_reference(out / f"aa_rdf_{name}.txt", name, res, d_cg_box)
    row = {"liquid": name, "smiles": smiles, "shape": shape, "molecules": args.molecules, "seed": args.seed,
           "mass_gmol": res.mass_gmol, "density_g_cm3": res.density_g_cm3, "density_err_g_cm3": res.density_err_g_cm3,
           "density_exp_g_cm3": rho_exp, "density_dev_pct": 100 * (res.density_g_cm3 / rho_exp - 1),
           "diffusion_pbc_1e9_m2_s": res.diffusion_1e9_m2_s, "diffusion_err_1e9_m2_s": res.diffusion_err_1e9_m2_s,
           "diffusion_1e9_m2_s": d_cg_box, "viscosity_exp_mPa_s": eta, "box_nm": res.box_nm, "cg_box_nm": box_cg,
           "steps_per_s": res.steps_per_s, "wall_s": time.time() - t0,
           "protocol": {"engine": "lammps", "threads": 1, "electrostatics": "pppm", "cutoff_nm": 1.0,
                        "constraints": "h-bonds", **aa, "ensemble": "NPT", "pressure_bar": units.ATM_TO_BAR,
                        "temperature_K": T_K, "forcefield": "OPLS-AA (published parameters)"},
           "command": " ".join(["python", "benchmarks/validation_liquids.py", *sys.argv[1:]]),
           "packages": package_versions(), "date": time.strftime("%Y-%m-%d %H:%M")}
    tmp = out / f"{name}.json.tmp"
    tmp.write_text(json.dumps(row, indent=2) + "\n")
    os.replace(tmp, out / f"{name}.json")  # last: its presence marks the liquid as done
    return row


COLUMNS = [("liquid", "liquid", ""), ("shape", "shape", ""), ("N", "molecules", "d"),
           ("ρ [g/cm³]", "density_g_cm3", ".4f"), ("ρ exp", "density_exp_g_cm3", ".4f"),
           ("Δρ %", "density_dev_pct", "+.1f"), ("D_PBC", "diffusion_pbc_1e9_m2_s", ".3f"),
           ("±", "diffusion_err_1e9_m2_s", ".3f"), ("D(1000)", "diffusion_1e9_m2_s", ".3f"),
           ("steps/s", "steps_per_s", ".1f"), ("wall [s]", "wall_s", ".0f")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="results folder (one subfolder per liquid)")
    ap.add_argument("--liquids", nargs="+", default=list(LIQUIDS), choices=list(LIQUIDS))
    ap.add_argument("--molecules", type=int, default=300)
    ap.add_argument("--equil-ps", type=float, default=50.0)
    ap.add_argument("--prod-ps", type=float, default=200.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--collect", metavar="DIR", help="run nothing: tabulate DIR's finished liquids")
    args = ap.parse_args()
    if args.collect:
        rows = [json.loads(p.read_text()) for n in LIQUIDS for p in Path(args.collect).glob(f"{n}/{n}.json")]
        print_table(rows, COLUMNS)
        write_json("validation_liquids_aa", {"rows": rows})
        return
    for name in args.liquids:
        if (Path(args.out) / name / f"{name}.json").exists():
            print(f"{name}: done, skipped", flush=True)
            continue
        print(f"{name}: {args.molecules} molecules, {args.equil_ps:g} + {args.prod_ps:g} ps", flush=True)
        print_table([run_one(name, args)], COLUMNS)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
