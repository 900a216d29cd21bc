"""Does a model's potential follow the D it is fed?  Open-loop predictions on the validation liquids.

For each validation liquid (benchmarks/data/validation: never in a database or a training),
the model predicts U(r) from the liquid's molar mass and all-atom g(r) with D = D_AA × f for
each factor f; each potential then runs as CG MD (LAMMPS, NVT at the all-atom density,
``--beads`` beads, 5 fs) and gives D_CG and ε against the all-atom g(r).  Reported per liquid:
the response slope d ln D_CG / d ln D_fed (1: the CG liquid moves exactly as fed; 0: the model
ignores D), α = D_CG/D_AA and ε at f = 1 (the paper's open-loop protocol) and the ε to the
nearest training g(r), which calibrates the model's extrapolation warning.

    python benchmarks/ml_d_response.py [--model FILE] [--factors 1 0.5 0.25] [--out NAME]

Writes benchmarks/results/NAME.json (default ml_d_response).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from _common import engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.workflows import CGRun, measure_cg
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 2.5, "rdf_dr_nm": 0.005, "msd_fit_start": 0.1, "msd_fit_end": 0.5}
STATE = {"temperature_K": 298.15, "pressure_bar": 1.01325}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=None, help="model file (default: the shipped model)")
    ap.add_argument("--factors", type=float, nargs="+", default=[1.0, 0.5, 0.25])
    ap.add_argument("--beads", type=int, default=500)
    ap.add_argument("--ps", type=float, default=60.0, help="production (ps) per CG run")
    ap.add_argument("--liquids", nargs="*", default=None)
    ap.add_argument("--out", default="ml_d_response")
    args = ap.parse_args()
    mlp = registry().create("predictor", "mlp", plugin_defaults("predictor", "mlp", {}))
    model = Path(args.model) if args.model else mlp.default_model()
    lammps = engine("lammps")
    cg = {"timestep_fs": 5.0, "production_ps": args.ps, "equilibration_ps": 10.0, "report_interval_ps": 0.5,
          "friction_per_ps": 1.0, "thermostat": "nose_hoover"}
    rows = []
    for info_file in sorted((ROOT / "benchmarks/data/validation").glob("*/*.json")):
        liq = json.loads(info_file.read_text())
        if args.liquids and liq["liquid"] not in args.liquids:
            continue
        target = read_rdf_file(info_file.parent / f"aa_rdf_{liq['liquid']}.txt")
        mass, d_aa, rho = liq["mass_gmol"], liq["diffusion_1e9_m2_s"], liq["density_g_cm3"]
        box = units.box_length_nm(args.beads, mass, rho)
        runs = []
        for f in args.factors:
            pred = mlp.predict(model, mass, target, units.diffusion_from_1e9_m2_s(d_aa * f))
            run = CGRun.from_config(cg, STATE, args.beads, mass, box, seed=7)
            m = measure_cg(lammps, pred.potential, run, ANALYSIS).sample(ANALYSIS, target)
            runs.append({"factor": f, "D_CG": m["diffusion_1e9_m2_s"], "D_CG_err": m["diffusion_err_1e9_m2_s"],
                         "eps": m["structure_error"], "frozen": m["frozen"],
                         "nearest_training_eps": pred.info.get("nearest_training_rdf_error")})
            print(f"  {liq['liquid']} f = {f:g}: D_CG = {m['diffusion_1e9_m2_s']:.3g}, ε = {m['structure_error']:.4f}"
                  f"{' FROZEN' if m['frozen'] else ''}", flush=True)
        x = np.log([r["factor"] for r in runs])
        y = np.log([max(r["D_CG"], 1e-6) for r in runs])
        first = runs[0]
        rows.append({"liquid": liq["liquid"], "D_AA": d_aa, "alpha_fed_D_AA": first["D_CG"] / d_aa,
                     "eps_fed_D_AA": first["eps"], "slope": float(np.polyfit(x, y, 1)[0]) if len(runs) > 1 else None,
                     "nearest_training_eps": first["nearest_training_eps"],
                     "any_frozen": any(r["frozen"] for r in runs), "runs": runs})
    print_table(rows, [("liquid", "liquid", ""), ("D_AA", "D_AA", ".3g"), ("α (fed D_AA)", "alpha_fed_D_AA", ".2f"),
                       ("ε (fed D_AA)", "eps_fed_D_AA", ".4f"), ("slope", "slope", ".2f"),
                       ("nearest ε", "nearest_training_eps", ".4f"), ("frozen", "any_frozen", "")])
    write_json(args.out, {"model": str(model), "factors": args.factors, "beads": args.beads,
                          "production_ps": args.ps, "rows": rows})


if __name__ == "__main__":
    main()
