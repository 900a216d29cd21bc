"""All-atom validation: pristine OPLS-AA liquids against experiment and the paper.

For 2,3,4-trimethylpentane, 3-methylpentane and ethylbenzene at 298.15 K and 1 atm:
density vs experiment (0.719, 0.664, 0.867 g/cm³; target within 3 %), centre-of-mass
g(r) vs ../shared/reference/aa_rdf_<MOL>.txt (ε = ∫(Δg)² dr over 0.1–1.5 nm), and
D_AA vs the paper's 1.20, 2.74, 0.90 × 10⁻⁹ m²/s (target within 25 %).

D depends on the box: the periodic images' hydrodynamic backflow slows diffusion by
ξ k_B T / (6π η L) (Yeh & Hummer 2004). The paper's numbers come from 1000-molecule boxes
(L = 5.9–6.4 nm). So a smaller box is compared at the paper's box size,
D(L_paper) = D_PBC(L) + ξ k_B T/(6π η) (1/L − 1/L_paper), with the experimental viscosity η;
D_PBC and the infinite-box D∞ are printed too. Runs at two or more box sizes can instead be
combined (``--combine``): a fit of D_PBC against 1/L gives the model's own viscosity, D∞ and
D(L_paper) with no experimental input. The MSD turns linear only after ~10 ps in
these liquids (MSD/6t still falls by 15 % between 5 and 40 ps), so production has to be
≥ 200 ps for the default fit window (10–50 % of the run) to lie in the linear regime.

    python benchmarks/validate_aa_paper.py --molecules 1000 --equil-ps 500 --prod-ps 2000   # the real check
    python benchmarks/validate_aa_paper.py --molecules 100 --equil-ps 40 --prod-ps 200      # CPU size, ~1 h on 2 cores
    python benchmarks/validate_aa_paper.py --combine results/a.json results/b.json          # finite-size fit
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from _common import SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.analysis import fit_finite_size, structure_error, yeh_hummer_correction
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.workflows import run_aa_liquid

LIQUIDS = {  # SMILES, experimental density [g/cm³], paper D_AA [1e-9 m²/s], viscosity [mPa·s] (experiment),
    #          the paper's 1000-molecule box [nm] (../shared/README.md)
    "234TriMePe": ("CC(C)C(C)C(C)C", 0.719, 1.20, 0.51, 6.3719),
    "3MePe": ("CCC(C)CC", 0.664, 2.74, 0.31, 6.0000),
    "EtBz": ("CCc1ccccc1", 0.867, 0.90, 0.64, 5.8847),
}


def _yh_1e9(viscosity_mPa_s: float, box_nm: float) -> float:
    """Yeh–Hummer finite-size term at 298.15 K in 1e-9 m²/s (what a box of ``box_nm`` loses)."""
    return units.diffusion_to_1e9_m2_s(yeh_hummer_correction(298.15, viscosity_mPa_s, box_nm))


def combine(paths: list[str]) -> None:
    """Fit D_PBC = D∞ − s/L over the box sizes in earlier runs' JSON files, per liquid."""
    runs = [row for p in paths for row in json.loads(Path(p).read_text())["rows"]]
    to_nm2_ps = units.diffusion_from_1e9_m2_s
    rows = []
    for name in [n for n in LIQUIDS if any(r["liquid"] == n for r in runs)]:
        own = [r for r in runs if r["liquid"] == name]
        if len({round(r["box_nm"], 3) for r in own}) < 2:
            print(f"{name}: one box size only ({own[0]['box_nm']:.2f} nm); no finite-size fit")
            continue
        fit = fit_finite_size([r["box_nm"] for r in own], [to_nm2_ps(r["D_PBC"]) for r in own],
                              [to_nm2_ps(r["D_err"]) for r in own], 298.15)
        _, _, d_paper, eta_exp, box_paper_nm = LIQUIDS[name]
        d_box, d_box_err = (units.diffusion_to_1e9_m2_s(x) for x in fit.d_at(box_paper_nm))
        rows.append({"liquid": name, "boxes_nm": "/".join(f"{r['box_nm']:.2f}" for r in own),
                     "D_PBC": "/".join(f"{r['D_PBC']:.2f}" for r in own),
                     "viscosity_mPa_s": fit.viscosity_mPa_s, "viscosity_err_mPa_s": fit.viscosity_err_mPa_s,
                     "viscosity_exp_mPa_s": eta_exp, "D_inf": units.diffusion_to_1e9_m2_s(fit.d_inf_nm2_ps),
                     "D_inf_err": units.diffusion_to_1e9_m2_s(fit.d_inf_err_nm2_ps),
                     "D_paper_box": d_box, "D_paper_box_err": d_box_err, "box_paper_nm": box_paper_nm,
                     "D_paper": d_paper, "D_dev_pct": 100 * (d_box / d_paper - 1)})
    print_table(rows, [("liquid", "liquid", ""), ("L nm", "boxes_nm", ""), ("D_PBC", "D_PBC", ""),
                       ("η fit", "viscosity_mPa_s", ".2f"), ("±", "viscosity_err_mPa_s", ".2f"),
                       ("η exp", "viscosity_exp_mPa_s", ".2f"), ("D∞", "D_inf", ".2f"), ("±", "D_inf_err", ".2f"),
                       ("D(L paper)", "D_paper_box", ".2f"), ("±", "D_paper_box_err", ".2f"),
                       ("D paper", "D_paper", ".2f"), ("ΔD %", "D_dev_pct", "+.0f")])
    write_json("validate_aa_paper_finite_size", {"inputs": paths, "rows": rows})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liquids", nargs="+", default=list(LIQUIDS))
    ap.add_argument("--molecules", type=int, default=1000)
    ap.add_argument("--equil-ps", type=float, default=500.0)
    ap.add_argument("--prod-ps", type=float, default=2000.0)
    ap.add_argument("--dt", type=float, default=2.0, help="fs; with --constraints h-bonds")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--platform", default="CPU")
    ap.add_argument("--electrostatics", default="PME", choices=("PME", "reaction_field"))
    ap.add_argument("--cutoff-nm", type=float, default=1.0)
    ap.add_argument("--fit-window", nargs=2, type=float, default=(0.1, 0.5), metavar=("START", "END"),
                    help="MSD fit window as fractions of the production run")
    ap.add_argument("--seed", type=int, default=1,
                    help="seeds packing, barostat and velocities: another seed is an independent run")
    ap.add_argument("--combine", nargs="+", metavar="JSON",
                    help="run nothing: fit D against 1/L over earlier runs' result files")
    args = ap.parse_args()
    if args.combine:
        return combine(args.combine)
    eng = engine("openmm", args.threads, args.platform)
    eng.opts.update({"electrostatics": args.electrostatics, "aa_cutoff_nm": args.cutoff_nm,
                     "constraints": "h-bonds" if args.dt > 1.0 else "none"})
    aa = {"timestep_fs": args.dt, "equilibration_ps": args.equil_ps, "production_ps": args.prod_ps,
          "report_interval_ps": 1.0, "thermostat": "nose_hoover", "friction_per_ps": 1.0}
    rows = []
    analysis = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 2.5, "rdf_dr_nm": 0.005,
                "msd_fit_start": args.fit_window[0], "msd_fit_end": args.fit_window[1]}
    for name in args.liquids:
        smiles, rho_exp, d_paper, eta, box_paper_nm = LIQUIDS[name]
        res = run_aa_liquid(eng, smiles, args.molecules, 0.9 * rho_exp, aa, 298.15, units.ATM_TO_BAR, seed=args.seed,
                            analysis=analysis)
        target = read_rdf_file(SHARED / f"aa_rdf_{name}.txt")
        d = res.diffusion_1e9_m2_s
        d_paper_box = d + _yh_1e9(eta, res.box_nm) - _yh_1e9(eta, box_paper_nm)
        rows.append({"liquid": name, "molecules": args.molecules, "seed": args.seed, "density": res.density_g_cm3,
                     "density_exp": rho_exp, "density_dev_pct": 100 * (res.density_g_cm3 / rho_exp - 1),
                     "eps_rdf": structure_error(res.rdf, target), "D_PBC": d, "D_err": res.diffusion_err_1e9_m2_s,
                     "D_paper_box": d_paper_box, "D_inf": d + _yh_1e9(eta, res.box_nm), "D_paper": d_paper,
                     "D_dev_pct": 100 * (d_paper_box / d_paper - 1), "box_nm": res.box_nm,
                     "box_paper_nm": box_paper_nm, "viscosity_mPa_s": eta,
                     "steps_per_s": res.steps_per_s, "wall_s": res.wall_s})
    print_table(rows, [("liquid", "liquid", ""), ("N", "molecules", "d"), ("ρ", "density", ".4f"),
                       ("ρ exp", "density_exp", ".3f"), ("Δρ %", "density_dev_pct", "+.1f"),
                       ("ε g(r)", "eps_rdf", ".4f"), ("D_PBC", "D_PBC", ".2f"), ("±", "D_err", ".2f"),
                       ("D(L paper)", "D_paper_box", ".2f"), ("D∞", "D_inf", ".2f"), ("D paper", "D_paper", ".2f"),
                       ("ΔD %", "D_dev_pct", "+.0f"),
                       ("steps/s", "steps_per_s", ".0f")])
    write_json("validate_aa_paper", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
