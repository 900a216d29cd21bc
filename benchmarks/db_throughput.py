"""Database generation throughput: samples per hour with 1 and 2 workers, and the cost split.

Settings default to those of benchmarks/database_study.toml (all-atom on OpenMM, CG parts on
LAMMPS).

A small but real study (per molecule: K synthetic force fields x M bead masses; all-atom
boxes of --molecules molecules, IBI, CG runs) is generated from scratch with the local
executor at each worker count.  Prints samples/hour, the scaling efficiency
(throughput(n) / (n · throughput(1))) and where the CPU time goes (all-atom MD, CG method,
CG MD, summed over jobs).

    python benchmarks/db_throughput.py --workers 1 2

With ``--variants SEED_DB`` it measures the CG-level extension instead (the shipped database's
way, benchmarks/ml_database.toml): the potentials of SEED_DB's /forcefields are copied into a
fresh database and ``--k`` variants of each of the first ``--seeds`` are run (probe + 20 ps +
100 ps of 400 beads):

    python benchmarks/db_throughput.py --variants results/ml_database/database.h5 --k 8
"""

from __future__ import annotations

import argparse
import shutil
import time

import numpy as np

from _common import RESULTS, print_table, write_json
from mobcg_core.config import load_config
from mobcg_core.database import Database
from mobcg_core.study.pipeline import Study
from mobcg_core.plugins import registry
from mobcg_core.study.progress import Reporter

TEMPLATE = """
[run]
output = "{out}"
seed = 11
stages = ["database"]
[engine]
name = "openmm"
[engine.openmm]
platform = "CPU"
threads = 1                       # one thread per job: workers compare fairly
electrostatics = "reaction_field"
aa_cutoff_nm = 0.9
[engine.lammps]
threads = 1
[cg_method.ibi]
max_iterations = {iterations}
run_ps_min = 10.0
run_ps_max = 20.0
equilibration_ps = 2.0
[executor]
name = "local"
[executor.local]
workers = {workers}
[aa]
timestep_fs = 1.0
ensemble = "NPT"
thermostat = "langevin"
equilibration_ps = 4.0
production_ps = {aa_ps}
report_interval_ps = 0.1
[cg]
cutoff_nm = 1.55
equilibration_ps = 5.0
production_ps = {cg_ps}
report_interval_ps = 0.5
[database]
cg_engine = "{cg_engine}"
molecules = {molecules}
forcefields_per_molecule = {k}
masses_per_forcefield = {m}
n_molecules = {n_mol}
n_beads = {n_beads}
start_density_g_cm3 = 0.6
"""


VARIANTS = """
[run]
output = "{out}"
seed = 11
stages = ["database"]
[engine]
name = "lammps"
[engine.lammps]
threads = 1
[executor]
name = "local"
[executor.local]
workers = {workers}
[cg]
cutoff_nm = 1.55
equilibration_ps = 20.0
production_ps = {cg_ps}
report_interval_ps = 0.5
[database]
forcefields_per_molecule = 0
n_beads = {n_beads}
variants_per_forcefield = {k}
"""


def run_variants(workers: int, args) -> dict:
    out = RESULTS / "db_throughput" / f"variants_w{workers}"
    shutil.rmtree(out, ignore_errors=True)
    (out / "run").mkdir(parents=True)
    seeds = Database(args.variants)
    with Database(out / "run" / "database.h5", **seeds.grids()) as db:
        ff = seeds.read("forcefields")
        for i in range(min(args.seeds, len(ff["key"]))):
            db.add("forcefields", {k: v[i] for k, v in ff.items()})
        db.commit()
    toml = out / "study.toml"
    toml.write_text(VARIANTS.format(out=str(out / "run"), workers=workers, cg_ps=args.cg_ps, n_beads=args.n_beads,
                                    k=args.k))
    t0 = time.perf_counter()
    Study(load_config(toml, registry()), registry(), Reporter(quiet=True)).run()
    wall = time.perf_counter() - t0
    db = Database(out / "run" / "database.h5")
    s = db.read("samples")
    seed_cost = float(np.sum(ff["wall_cg_method_s"][:args.seeds]))
    return {"workers": workers, "samples": len(s["key"]), "failures": db.count("failures"), "wall_s": wall,
            "samples_per_hour": len(s["key"]) / wall * 3600.0, "share all-atom MD": 0.0,
            "share CG method (IBI)": 0.0, "share CG MD": 1.0,
            "job_cpu_s": {"CG MD (probe + run)": float(np.sum(s["wall_cg_s"])),
                          "seed IBI, once (not in the rate)": seed_cost},
            "median_D_rel_err": float(np.median(s["diffusion_err_1e9_m2_s"] / s["diffusion_1e9_m2_s"]))}


def run(workers: int, args) -> dict:
    if args.variants:
        return run_variants(workers, args)
    out = RESULTS / "db_throughput" / f"w{workers}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    toml = out / "study.toml"
    toml.write_text(TEMPLATE.format(out=str(out / "run"), cg_engine=args.cg_engine, workers=workers,
                                    iterations=args.iterations, aa_ps=args.aa_ps, cg_ps=args.cg_ps,
                                    molecules=str(args.molecules).replace("'", '"'), k=args.k, m=args.m,
                                    n_mol=args.n_molecules, n_beads=args.n_beads))
    t0 = time.perf_counter()
    Study(load_config(toml, registry()), registry(), Reporter(quiet=True)).run()
    wall = time.perf_counter() - t0
    db = Database(out / "run" / "database.h5")
    ff, s = db.read("forcefields"), db.read("samples")
    cost = {"all-atom MD": float(np.sum(ff["wall_aa_s"])), "CG method (IBI)": float(np.sum(ff["wall_cg_method_s"])),
            "CG MD": float(np.sum(s["wall_cg_s"]))}
    total = sum(cost.values())
    return {"workers": workers, "samples": len(s["key"]), "failures": db.count("failures"), "wall_s": wall,
            "samples_per_hour": len(s["key"]) / wall * 3600.0,
            **{f"share {k}": v / total for k, v in cost.items()}, "job_cpu_s": cost}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--cg-engine", default="lammps", help="engine of the CG parts (all-atom: OpenMM)")
    ap.add_argument("--molecules", nargs="+", default=["3MePe", "234TriMePe"])
    ap.add_argument("--k", type=int, default=3, help="force fields per molecule")
    ap.add_argument("--m", type=int, default=3, help="masses per force field")
    ap.add_argument("--n-molecules", type=int, default=30)
    ap.add_argument("--n-beads", type=int, default=300)
    ap.add_argument("--aa-ps", type=float, default=8.0)
    ap.add_argument("--cg-ps", type=float, default=40.0)
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--variants", default=None, help="seed database: measure CG-level variants instead")
    ap.add_argument("--seeds", type=int, default=3, help="with --variants: the first N stored potentials")
    args = ap.parse_args()
    if args.variants and args.cg_ps == 40.0:
        args.cg_ps, args.n_beads = 100.0, 400  # the shipped database's settings
    rows = [run(w, args) for w in args.workers]
    base = rows[0]["samples_per_hour"] / rows[0]["workers"]
    for r in rows:
        r["scaling_efficiency"] = r["samples_per_hour"] / (r["workers"] * base)
    print_table(rows, [("workers", "workers", "d"), ("samples", "samples", "d"), ("failed", "failures", "d"),
                       ("wall s", "wall_s", ".1f"), ("samples/h", "samples_per_hour", ".1f"),
                       ("efficiency", "scaling_efficiency", ".2f"), ("AA share", "share all-atom MD", ".2f"),
                       ("IBI share", "share CG method (IBI)", ".2f"), ("CG share", "share CG MD", ".2f")])
    write_json("db_throughput_variants" if args.variants else "db_throughput", {"settings": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
