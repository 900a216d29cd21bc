"""A study's IBI + DPD (at the friction its friction stage calibrated) run on OpenMM (CPU).

Prints D_CG/D_AA and ε per liquid, so a friction calibrated on one engine is checked on another.

    python benchmarks/friction_on_openmm.py results/ml_reference 234TriMePe,3MePe,EtBz [threads]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from mobcg_core.analysis import structure_error
from mobcg_core.workflows import CGRun, measure_cg
from mobcg_core.plugins import registry
from mobcg_core.contract.types import PairPotential, RDF

ANALYSIS = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 2.5, "rdf_dr_nm": 0.005, "msd_fit_start": 0.1, "msd_fit_end": 0.5}


def main() -> None:
    run = Path(sys.argv[1]) / "liquids"
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    engine = registry().create("engine", "openmm", {"platform": "CPU", "threads": threads})
    out = {}
    for name in sys.argv[2].split(","):
        d = run / name
        target = json.loads((d / "target.json").read_text())
        g = np.load(d / "target.npz")
        friction = json.loads((d / "friction.json").read_text())["friction_per_ps"]
        p = np.load(d / "potential.npz")
        pot = PairPotential(p["r_nm"], p["u_kjmol"], p["f_kjmol_nm"])
        run = CGRun(target["n_beads"], target["mass_gmol"], target["box_nm"], 298.15, 5.0, 20.0, 100.0, 0.5,
                    thermostat="dpd", friction_per_ps=friction, seed=7)
        m = measure_cg(engine, pot, run, ANALYSIS)
        out[name] = {"friction_per_ps": friction, "D": m.diffusion.d_1e9_m2_s, "D_err": m.diffusion.d_err_1e9_m2_s,
                     "ratio": m.diffusion.d_1e9_m2_s / target["diffusion_1e9_m2_s"],
                     "eps": structure_error(m.rdf, RDF(g["r_nm"], g["g"])), "wall_s": m.total_wall_s}
        print(name, json.dumps(out[name]), flush=True)


if __name__ == "__main__":
    main()
