"""CG validation against Bag & Müller-Plathe: their ML table for 2,3,4-trimethylpentane.

1000 beads of 114.2302 g/mol, NPT 298.15 K / 1 atm (Nosé–Hoover thermostat and
barostat where the engine has them), the paper's table from ../shared/reference.
Published: D_CG = 3.23e-9 m²/s (x, y, z: 3.21, 3.27, 3.23), density ≈ 0.774 g/cm³.

    python benchmarks/validate_cg_paper.py --engine lammps --dt 2 1 --prod-ps 1000

Error bars: D from the spread of the three axes (standard error) and, where more than
one block is run, from block averages; density from 5 block means.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.analysis import density_g_cm3, fit_diffusion
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_lammps_table
from mobcg_core.contract.types import MDProtocol

MASS, N, PAPER_D, PAPER_RHO = 114.2302, 1000, 3.23, 0.774


def run(engine_name: str, threads: int, dt_fs: float, equil_ps: float, prod_ps: float, blocks: int,
        seed: int, shift: bool) -> dict:
    pot = read_lammps_table(SHARED / "paper_ml_potential_234TriMePe.table")  # LAMMPS's header spacing
    if shift:
        pot = pot.shifted()  # U(r_c) = 0: removes the −0.0022 kcal/mol step a MC barostat would see
    box = units.box_length_nm(N, MASS, 0.7332)
    proto = MDProtocol(298.15, dt_fs, 0.0, pressure_bar=units.ATM_TO_BAR, friction_per_ps=1.0,
                       thermostat="nose_hoover", seed=seed)
    sim = engine(engine_name, threads).cg_simulation(cg_box(N, MASS, box, pot, seed), proto)
    sim.minimize()
    t0 = time.perf_counter()
    sim.run(equil_ps, 0.0)
    d_blocks, rho_blocks, d_axes = [], [], []
    t1 = time.perf_counter()
    for _ in range(blocks):
        traj = sim.run(prod_ps / blocks, 1.0)
        fit = fit_diffusion(traj, 0.1, 0.5)
        d_blocks.append(fit.d_1e9_m2_s)
        d_axes.append([units.diffusion_to_1e9_m2_s(d) for d in fit.d_axes_nm2_ps])
        rho_blocks.append(density_g_cm3(traj)[0])
    wall = time.perf_counter() - t1
    sim.close()
    d_blocks, rho_blocks = np.array(d_blocks), np.array(rho_blocks)
    d_err = d_blocks.std(ddof=1) / np.sqrt(blocks) if blocks > 1 else fit.d_err_1e9_m2_s
    rho_err = rho_blocks.std(ddof=1) / np.sqrt(blocks) if blocks > 1 else density_g_cm3(traj)[1]
    steps = (equil_ps + prod_ps) / (dt_fs * 1e-3)
    return {"engine": engine_name, "threads": threads, "dt_fs": dt_fs, "equil_ps": equil_ps, "prod_ps": prod_ps,
            "D": float(d_blocks.mean()), "D_err": float(d_err), "D_axes_last_block": d_axes[-1],
            "density": float(rho_blocks.mean()), "density_err": float(rho_err),
            "D_dev_sigma": float((d_blocks.mean() - PAPER_D) / max(d_err, 1e-9)),
            "steps_per_s": (prod_ps / (dt_fs * 1e-3)) / wall, "wall_s": time.perf_counter() - t0,
            "total_steps": steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", nargs="+", default=["lammps"])
    ap.add_argument("--dt", nargs="+", type=float, default=[2.0, 1.0], help="timesteps (fs)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--equil-ps", type=float, default=200.0)
    ap.add_argument("--prod-ps", type=float, default=1000.0)
    ap.add_argument("--blocks", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-shift", action="store_true", help="keep U(r_c) = −0.0022 kcal/mol as in the file")
    args = ap.parse_args()
    rows = [run(e, args.threads, dt, args.equil_ps, args.prod_ps, args.blocks, args.seed, not args.no_shift)
            for e in args.engine for dt in args.dt]
    print(f"paper: D = {PAPER_D} x 1e-9 m²/s, density ≈ {PAPER_RHO} g/cm³")
    print_table(rows, [("engine", "engine", ""), ("dt [fs]", "dt_fs", ".1f"), ("prod [ps]", "prod_ps", ".0f"),
                       ("D [1e-9]", "D", ".3f"), ("± D", "D_err", ".3f"), ("(D-3.23)/σ", "D_dev_sigma", "+.2f"),
                       ("ρ [g/cm³]", "density", ".4f"), ("± ρ", "density_err", ".4f"),
                       ("steps/s", "steps_per_s", ".0f")])
    write_json("validate_cg_paper", {"paper": {"D": PAPER_D, "density": PAPER_RHO}, "rows": rows})


if __name__ == "__main__":
    main()
