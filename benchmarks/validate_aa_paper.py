"""All-atom validation: pristine OPLS-AA liquids against experiment and the paper.

For 2,3,4-trimethylpentane, 3-methylpentane and ethylbenzene at 298.15 K and 1 atm:
density vs experiment (0.719, 0.664, 0.867 g/cm³; target within 3 %), centre-of-mass
g(r) vs ../shared/reference/aa_rdf_<MOL>.txt (ε = ∫(Δg)² dr over 0.1–1.5 nm), and
D_AA vs the paper's 1.20, 2.74, 0.90 × 10⁻⁹ m²/s (target within 25 %), raw D_PBC
and with the Yeh–Hummer correction when --viscosity is given.

    python benchmarks/validate_aa_paper.py --molecules 1000 --equil-ps 500 --prod-ps 2000   # the real check
    python benchmarks/validate_aa_paper.py --molecules 100 --equil-ps 20 --prod-ps 40      # smoke size
"""

from __future__ import annotations

import argparse

from _common import SHARED, engine, print_table, write_json
from mobcg_core import units
from mobcg_core.analysis import structure_error, yeh_hummer_correction
from mobcg_core.tables import read_rdf_file
from mobcg_core.workflows import run_aa_liquid

LIQUIDS = {  # SMILES, experimental density [g/cm³], paper D_AA [1e-9 m²/s], viscosity [mPa·s] (experiment)
    "234TriMePe": ("CC(C)C(C)C(C)C", 0.719, 1.20, 0.51),
    "3MePe": ("CCC(C)CC", 0.664, 2.74, 0.31),
    "EtBz": ("CCc1ccccc1", 0.867, 0.90, 0.64),
}


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
    ap.add_argument("--viscosity", action="store_true", help="apply Yeh–Hummer with experimental viscosities")
    args = ap.parse_args()
    eng = engine("openmm", args.threads, args.platform)
    eng.opts.update({"electrostatics": args.electrostatics, "aa_cutoff_nm": args.cutoff_nm,
                     "constraints": "h-bonds" if args.dt > 1.0 else "none"})
    aa = {"timestep_fs": args.dt, "equilibration_ps": args.equil_ps, "production_ps": args.prod_ps,
          "report_interval_ps": 1.0, "thermostat": "nose_hoover", "friction_per_ps": 1.0}
    rows = []
    for name in args.liquids:
        smiles, rho_exp, d_paper, eta = LIQUIDS[name]
        res = run_aa_liquid(eng, smiles, args.molecules, 0.9 * rho_exp, aa, 298.15, units.ATM_TO_BAR, seed=1)
        target = read_rdf_file(SHARED / f"aa_rdf_{name}.txt")
        d = res.diffusion_1e9_m2_s
        d_yh = d + units.diffusion_to_1e9_m2_s(yeh_hummer_correction(298.15, eta, res.box_nm)) if args.viscosity else None
        rows.append({"liquid": name, "molecules": args.molecules, "density": res.density_g_cm3,
                     "density_exp": rho_exp, "density_dev_pct": 100 * (res.density_g_cm3 / rho_exp - 1),
                     "eps_rdf": structure_error(res.rdf, target), "D_PBC": d, "D_err": res.diffusion_err_1e9_m2_s,
                     "D_YH": d_yh, "D_paper": d_paper, "D_dev_pct": 100 * ((d_yh or d) / d_paper - 1),
                     "box_nm": res.box_nm, "steps_per_s": res.steps_per_s, "wall_s": res.wall_s})
    print_table(rows, [("liquid", "liquid", ""), ("N", "molecules", "d"), ("ρ", "density", ".4f"),
                       ("ρ exp", "density_exp", ".3f"), ("Δρ %", "density_dev_pct", "+.1f"),
                       ("ε g(r)", "eps_rdf", ".4f"), ("D_PBC", "D_PBC", ".2f"), ("±", "D_err", ".2f"),
                       ("D_YH", "D_YH", ".2f"), ("D paper", "D_paper", ".2f"), ("ΔD %", "D_dev_pct", "+.0f"),
                       ("steps/s", "steps_per_s", ".0f")])
    write_json("validate_aa_paper", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
