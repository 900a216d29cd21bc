"""IBI for the paper's three liquids (VOTCA side by side: benchmarks/ibi_vs_votca.py).

For each liquid: 1000 beads at the all-atom density (NVT, 298.15 K, 5 fs), target g(r)
from ../shared/reference/aa_rdf_<MOL>.txt, IBI from the potential of mean force until
ε = ∫(g_CG − g_target)² dr (0.1–1.5 nm) stops improving; then CG MD with the best
potential (Nosé–Hoover) for D_CG and D_CG/D_AA.

    python benchmarks/ibi_paper_liquids.py --engine lammps --liquids 234TriMePe 3MePe EtBz
    python benchmarks/ibi_paper_liquids.py --pressure-correction
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import RESULTS, SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.analysis import fit_diffusion, rdf, rdf_grid
from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_rdf_file, write_lammps_table
from mobcg_core.contract.types import MDProtocol

LIQUIDS = {  # M [g/mol], D_AA [1e-9 m²/s], AA density [g/cm³]  (../shared/README.md)
    "234TriMePe": (114.2302, 1.20, 0.7332),
    "3MePe": (86.1766, 2.74, 0.6625),
    "EtBz": (106.1670, 0.90, 0.8651),
}
TOL = 6e-4


def run_liquid(name: str, args) -> dict:
    mass, d_aa, rho = LIQUIDS[name]
    box = units.box_length_nm(1000, mass, rho)
    target = read_rdf_file(SHARED / f"aa_rdf_{name}.txt")
    task = CGTask(name=name, target=target, mass_gmol=mass, n_beads=1000, box_nm=box, temperature_K=298.15,
                  cutoff_nm=1.55, table_dr_nm=0.001, timestep_fs=5.0, pressure_bar=units.ATM_TO_BAR, seed=1)
    opts = plugin_defaults("cg_method", "ibi", {
        "max_iterations": args.max_iterations, "tolerance": TOL, "stop_at_tolerance": False,
        "pressure_correction": args.pressure_correction, "run_ps_min": args.run_ps_min,
        "run_ps_max": args.run_ps_max, "smoothing_nm": args.smoothing_nm, "damping": args.damping})
    eng = engine(args.engine, args.threads)
    workdir = RESULTS / "ibi" / f"{name}{'_pc' if args.pressure_correction else ''}"
    if workdir.exists() and not args.resume:
        import shutil

        shutil.rmtree(workdir)
    t0 = time.perf_counter()
    out = registry().create("cg_method", "ibi", opts).derive(task, eng, workdir)
    total = time.perf_counter() - t0
    hist = out.info["history"]
    setup = total - sum(h["wall_s"] for h in hist)
    cumulative = setup + np.cumsum([h["wall_s"] for h in hist])
    reached = [i for i, h in enumerate(hist) if h["error"] <= TOL
               and (not args.pressure_correction or abs(h["pressure_bar"] - 1.01325) < 50)]
    sim_share = sum(h["sim_s"] for h in hist) / sum(h["wall_s"] for h in hist)
    write_lammps_table(out.potential, workdir / "ibi.table", n_points=1550, r_min_nm=1e-5)
    md = cg_md(out.potential, mass, box, eng, args)
    row = {"liquid": name, "iterations": len(hist), "eps_first": hist[0]["error"], "eps_best": out.info["error"],
           "best_iteration": out.info["best_iteration"],
           "iter_to_tol": reached[0] + 1 if reached else None,
           "wall_to_tol_s": float(cumulative[reached[0]]) if reached else None, "wall_total_s": total,
           "sim_share": sim_share, "P_bar": out.info["pressure_bar"], **md, "D_AA": d_aa,
           "acceleration": md["D_CG"] / d_aa, "history": hist}
    plot(name, target, out, md, "_pc" if args.pressure_correction else "")
    return row


def cg_md(pot, mass, box, eng, args) -> dict:
    proto = MDProtocol(298.15, 5.0, 0.0, thermostat="nose_hoover", friction_per_ps=1.0, seed=2)
    sim = eng.cg_simulation(cg_box(1000, mass, box, pot, 2), proto)
    sim.minimize()
    sim.run(50.0)
    traj = sim.run(args.md_ps, 1.0)
    sim.close()
    fit = fit_diffusion(traj, 0.1, 0.5)
    return {"D_CG": fit.d_1e9_m2_s, "D_CG_err": fit.d_err_1e9_m2_s, "P_md_bar": float(np.mean(traj.pressure_bar)),
            "g_md": rdf(traj, rdf_grid(0.0025, 1.55, 0.005))}


def plot(name, target, out, md, suffix: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(target.r_nm, target.g, "k-", label="all-atom target")
    a.plot(md["g_md"].r_nm, md["g_md"].g, "r--", label="CG (IBI potential)")
    a.set(xlabel="r [nm]", ylabel="g(r)", xlim=(0.2, 1.55), title=name)
    a.legend()
    m = out.potential.r_nm > 0.3
    b.plot(out.potential.r_nm[m], out.potential.u_kjmol[m], "r-")
    b.set(xlabel="r [nm]", ylabel="U(r) [kJ/mol]", ylim=(-3, 5), title="IBI potential")
    fig.tight_layout()
    fig.savefig(RESULTS / f"ibi_{name}{suffix}.png", dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="lammps")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--liquids", nargs="+", default=list(LIQUIDS))
    ap.add_argument("--max-iterations", type=int, default=25)
    ap.add_argument("--run-ps-min", type=float, default=20.0)
    ap.add_argument("--run-ps-max", type=float, default=100.0)
    ap.add_argument("--smoothing-nm", type=float, default=0.005)
    ap.add_argument("--damping", type=float, default=1.0)
    ap.add_argument("--md-ps", type=float, default=300.0)
    ap.add_argument("--pressure-correction", action="store_true")
    ap.add_argument("--resume", action="store_true", help="continue stored IBI runs instead of restarting")
    args = ap.parse_args()
    rows = [run_liquid(name, args) for name in args.liquids]
    print_table(rows, [("liquid", "liquid", ""), ("iter", "iterations", "d"), ("ε first", "eps_first", ".2e"),
                       ("ε best", "eps_best", ".2e"), ("it→6e-4", "iter_to_tol", ""),
                       ("t→6e-4 [s]", "wall_to_tol_s", ".0f"), ("t total [s]", "wall_total_s", ".0f"),
                       ("sim share", "sim_share", ".2f"), ("P [bar]", "P_md_bar", ".0f"),
                       ("D_CG", "D_CG", ".2f"), ("± D", "D_CG_err", ".2f"), ("D_CG/D_AA", "acceleration", ".2f")])
    for row in rows:
        row.pop("g_md", None)
    write_json("ibi_paper_liquids_" + "_".join(args.liquids) + ("_pc" if args.pressure_correction else ""),
               {"engine": args.engine, "threads": args.threads, "args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
