"""Cost of a CG MD picosecond in LAMMPS against the neighbour-list skin (the default's evidence).

1000 beads at the all-atom density, the target's potential of mean force tabulated to
1.55 nm, 298.15 K, 5 fs, Langevin 1/ps, one core, frames every 0.5 ps as IBI takes them.
Lists are checked every step (``neigh_modify every 1 delay 0 check yes``), so the skin changes
only the cost, never the trajectory's physics: a thinner skin means fewer pairs in each list
and more frequent rebuilds.

    taskset -c 1 python benchmarks/cg_skin.py --liquids 234TriMePe 3MePe --skins 2.0 1.5 1.0 0.7

(pinned to one idle core: the numbers are per-core costs, and another job on the same core
would be timed too).
"""

from __future__ import annotations

import argparse
import time

from _common import print_table, write_json
from ibi_vs_votca import LIQUIDS, _task
from mobcg_core.contract.types import MDProtocol
from mobcg_core.contract.units import kT_kjmol
from mobcg_core.physics import potentials as P
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults


def seconds_per_ps(name: str, skin_a: float, run_ps: float) -> float:
    task, _ = _task(name)
    pot = P.pmf_potential(task.target, kT_kjmol(task.temperature_K), task.cutoff_nm, task.table_dr_nm)
    eng = registry().create("engine", "lammps", plugin_defaults("engine", "lammps", {"cg_neighbor_skin_A": skin_a}))
    sim = eng.cg_simulation(cg_box(task.n_beads, task.mass_gmol, task.box_nm, pot, seed=1),
                            MDProtocol(task.temperature_K, task.timestep_fs, 0.0, seed=1, friction_per_ps=1.0))
    try:
        sim.minimize()
        sim.run(5.0, 0.0)
        t0 = time.perf_counter()
        sim.run(run_ps, 0.5)
        return (time.perf_counter() - t0) / run_ps
    finally:
        sim.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liquids", nargs="+", default=["234TriMePe", "3MePe"], choices=list(LIQUIDS))
    ap.add_argument("--skins", nargs="+", type=float, default=[2.0, 1.5, 1.0, 0.7])
    ap.add_argument("--run-ps", type=float, default=40.0)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for name in args.liquids:
        for skin in args.skins:
            times = [seconds_per_ps(name, skin, args.run_ps) for _ in range(args.repeats)]
            rows.append({"liquid": name, "skin_A": skin, "s_per_ps": min(times), "s_per_ps_all": times})
        base = next(r["s_per_ps"] for r in rows if r["liquid"] == name and r["skin_A"] == args.skins[0])
        for r in rows:
            if r["liquid"] == name:
                r["relative"] = r["s_per_ps"] / base
    print_table(rows, [("liquid", "liquid", ""), ("skin [Å]", "skin_A", ".1f"), ("s/ps (best)", "s_per_ps", ".4f"),
                       ("vs first", "relative", ".2f")])
    write_json("cg_skin", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
