"""Where IBI's time goes: wall time per iteration, split into simulation and analysis.

234TriMePe target, 1000 beads at the all-atom density, 5 fs, fixed 50 ps per iteration.

    python benchmarks/ibi_cost.py --engines lammps openmm --iterations 5
"""

from __future__ import annotations

import argparse
import shutil
import time

import numpy as np

from _common import RESULTS, SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.physics.tables import read_rdf_file


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", nargs="+", default=["lammps", "openmm"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--run-ps", type=float, default=50.0)
    args = ap.parse_args()
    mass, rho = 114.2302, 0.7332
    task = CGTask(name="234TriMePe", target=read_rdf_file(SHARED / "aa_rdf_234TriMePe.txt"), mass_gmol=mass,
                  n_beads=1000, box_nm=units.box_length_nm(1000, mass, rho), temperature_K=298.15,
                  cutoff_nm=1.55, table_dr_nm=0.001, timestep_fs=5.0, seed=1)
    opts = plugin_defaults("cg_method", "ibi", {"max_iterations": args.iterations, "tolerance": 1e-9,
                                                "run_ps_min": args.run_ps, "run_ps_max": args.run_ps,
                                                "equilibration_ps": 5.0})
    rows = []
    for name in args.engines:
        workdir = RESULTS / "ibi" / f"cost_{name}"
        shutil.rmtree(workdir, ignore_errors=True)
        t0 = time.perf_counter()
        out = registry().create("cg_method", "ibi", opts).derive(task, engine(name, args.threads), workdir)
        total = time.perf_counter() - t0
        hist = out.info["history"]
        wall = np.array([h["wall_s"] for h in hist])
        sim = np.array([h["sim_s"] for h in hist])
        steps = (args.run_ps + 5.0) / 0.005
        rows.append({"engine": name, "iterations": len(hist), "per_iter_s": wall.mean(), "sim_s": sim.mean(),
                     "analysis_s": (wall - sim).mean(), "analysis_share": float((wall - sim).sum() / wall.sum()),
                     "setup_s": total - wall.sum(), "total_s": total, "steps_per_s": steps / sim.mean()})
    print_table(rows, [("engine", "engine", ""), ("iter", "iterations", "d"), ("s/iter", "per_iter_s", ".2f"),
                       ("sim s", "sim_s", ".2f"), ("analysis s", "analysis_s", ".3f"),
                       ("analysis %", "analysis_share", ".1%"), ("setup s", "setup_s", ".1f"),
                       ("steps/s", "steps_per_s", ".0f")])
    write_json("ibi_cost", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
