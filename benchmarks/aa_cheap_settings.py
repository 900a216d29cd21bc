"""The cheapest all-atom settings whose g(r) a database can trust: each candidate against a full run.

A database sample needs the centre-of-mass g(r) to 1.5 nm, D and the density of a *synthetic*
force field (random bonded parameters in the paper's ranges), not a physical liquid: what
matters is that a cheaper run gives the same g(r) as a full one. For each (molecule, synthetic
draw) this runs the reference — 300 molecules, PPPM, 1.0 nm cutoff, 50 + 200 ps, the settings of
``validation_liquids.py`` — and the candidates below, and reports ε = ∫(g − g_ref)² dr over
0.1–1.5 nm (the budget is ε ≤ 0.002), the density and D deviations, steps/s and wall time.
LAMMPS, one thread, SHAKE on bonds to hydrogen, 2 fs, NPT Nosé–Hoover at 298.15 K and 1 atm.

Every run is one job written to ``--out`` as JSON when done; a rerun skips finished jobs.

    python benchmarks/aa_cheap_settings.py --out ~/runs/aa_cheap              # all candidates
    python benchmarks/aa_cheap_settings.py --collect ~/runs/aa_cheap          # table + JSON
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
from _common import engine, print_table, write_json  # noqa: E402

from mobcg_core.analysis import structure_error  # noqa: E402
from mobcg_core.contract import units  # noqa: E402
from mobcg_core.contract.types import RDF  # noqa: E402
from mobcg_core.workflows import run_aa_liquid  # noqa: E402

#: base molecules of the database (the paper's three) and one synthetic draw each
CASES = {"234TriMePe": ("CC(C)C(C)C(C)C", 0.72, 101), "EtBz": ("CCc1ccccc1", 0.87, 202)}
#: label: (molecules, electrostatics, cutoff nm, equilibration ps, production ps)
SETTINGS = {
    "reference": (300, "pppm", 1.0, 50.0, 200.0),
    "150 pppm 1.0 20+100": (150, "pppm", 1.0, 20.0, 100.0),
    "150 dsf 1.0 20+100": (150, "dsf", 1.0, 20.0, 100.0),
    "150 dsf 0.9 20+50": (150, "dsf", 0.9, 20.0, 50.0),
    "150 dsf 1.0 20+50": (150, "dsf", 1.0, 20.0, 50.0),
    "120 dsf 0.9 10+40": (120, "dsf", 0.9, 10.0, 40.0),
    # what synthetic_database.toml runs today (its samples' g(r), D and U come from their own CG
    # runs, so this bounds how far an all-atom seed sits from its force field's full-run g(r))
    "100 pppm 0.9 5+20": (100, "pppm", 0.9, 5.0, 20.0),
}


def run_job(case: str, label: str, out: Path) -> dict:
    smiles, rho, ff_seed = CASES[case]
    n, elec, rc, equil, prod = SETTINGS[label]
    eng = engine("lammps", 1)
    eng.opts.update({"constraints": "h-bonds", "electrostatics": elec, "aa_cutoff_nm": rc})
    aa = {"timestep_fs": 2.0, "equilibration_ps": equil, "production_ps": prod, "report_interval_ps": 1.0,
          "thermostat": "nose_hoover", "friction_per_ps": 1.0}
    t0 = time.time()
    res = run_aa_liquid(eng, smiles, n, 0.9 * rho, aa, 298.15, units.ATM_TO_BAR, seed=1, forcefield_seed=ff_seed)
    row = {"case": case, "settings": label, "molecules": n, "electrostatics": elec, "cutoff_nm": rc,
           "equilibration_ps": equil, "production_ps": prod, "density_g_cm3": res.density_g_cm3,
           "diffusion_1e9_m2_s": res.diffusion_1e9_m2_s, "diffusion_err_1e9_m2_s": res.diffusion_err_1e9_m2_s,
           "box_nm": res.box_nm, "steps_per_s": res.steps_per_s, "wall_s": time.time() - t0,
           "rdf_r_nm": res.rdf.r_nm.tolist(), "rdf_g": res.rdf.g.tolist(), "forcefield": res.bonded}
    path = out / f"{case}__{label.replace(' ', '_')}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(row) + "\n")
    os.replace(tmp, path)
    return row


def collect(out: Path) -> None:
    rows = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    refs = {r["case"]: r for r in rows if r["settings"] == "reference"}
    for r in rows:
        ref = refs.get(r["case"])
        if ref is None:
            continue
        g, g_ref = (RDF(np.asarray(x["rdf_r_nm"]), np.asarray(x["rdf_g"])) for x in (r, ref))
        r.update(eps=structure_error(g, g_ref), density_dev_pct=100 * (r["density_g_cm3"] / ref["density_g_cm3"] - 1),
                 D_dev_pct=100 * (r["diffusion_1e9_m2_s"] / ref["diffusion_1e9_m2_s"] - 1),
                 speedup=ref["wall_s"] / r["wall_s"])
    print_table(rows, [("case", "case", ""), ("settings", "settings", ""), ("ε vs ref", "eps", ".4f"),
                       ("Δρ %", "density_dev_pct", "+.2f"), ("ΔD %", "D_dev_pct", "+.0f"),
                       ("steps/s", "steps_per_s", ".1f"), ("wall [s]", "wall_s", ".0f"),
                       ("speed-up", "speedup", ".1f")])
    write_json("aa_cheap_settings", {"rows": [{k: v for k, v in r.items() if not k.startswith("rdf_")} for r in rows]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    ap.add_argument("--collect", type=Path, metavar="DIR", help="run nothing: compare DIR's finished runs")
    args = ap.parse_args()
    if args.collect:
        return collect(args.collect)
    args.out.mkdir(parents=True, exist_ok=True)
    for case in args.cases:
        for label in args.settings:
            if (args.out / f"{case}__{label.replace(' ', '_')}.json").exists():
                continue
            print(f"{case} / {label}", flush=True)
            row = run_job(case, label, args.out)
            print(f"  {row['steps_per_s']:.1f} steps/s, {row['wall_s']:.0f} s, ρ {row['density_g_cm3']:.4f}",
                  flush=True)


if __name__ == "__main__":
    main()
