"""Engine throughput: the paper's 1000-bead CG table system and a ~200-molecule all-atom box.

Reports steps/s and ns/day per engine and thread count, LAMMPS driven directly (no mobcg)
as the reference for mobcg's own overhead, and where the time goes (stepping vs handing
frames to the analysis every 0.5 ps).  For OpenMM it runs every CG kernel (``numpy``,
``segments``, ``spline``; the numpy kernel's rows say how many steps a pair list lasts) and
floors no kernel of its kind can beat: a CustomNonbondedForce whose expression does nothing
and a plain NonbondedForce (LJ), both at the table's cutoff, and a PythonForce returning
zeros (the integrator plus the Python call, no pair work).

    python benchmarks/engine_throughput.py --engines lammps openmm:numpy openmm:segments --threads 1 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_lammps_table
from mobcg_core.contract.types import MDProtocol

TABLE = SHARED / "paper_ml_potential_234TriMePe.table"
MASS, N = 114.2302, 1000


def cg_row(name: str, threads: int, steps: int, dt_fs: float) -> dict:
    """``name`` is an engine, or ``openmm:KERNEL`` for one OpenMM CG kernel."""
    pot = read_lammps_table(TABLE).shifted()
    box = units.box_length_nm(N, MASS, 0.774)
    eng = engine(name.split(":")[0], threads)
    if ":" in name:
        eng.opts["cg_kernel"] = name.split(":")[1]
    sim = eng.cg_simulation(cg_box(N, MASS, box, pot, 1),
                            MDProtocol(298.15, dt_fs, 0.0, thermostat="nose_hoover", seed=1))
    sim.minimize()
    sim.run(200 * dt_fs * 1e-3)
    ps = steps * dt_fs * 1e-3
    t0 = time.perf_counter()
    sim.run(ps, 0.0)
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(ps, 0.5)
    framed = time.perf_counter() - t0
    verlet = getattr(sim, "verlet", None)
    sim.close()
    row = {"system": "CG 1000 beads", "engine": name, "threads": threads, "steps_per_s": steps / bare,
           "ns_per_day": ps * 1e-3 * 86400 / bare, "frame_overhead": framed / bare - 1}
    if verlet is not None:  # the pair-list rebuilds are part of the kernel's cost
        row["steps_per_list_build"] = (2 * steps + 200) / verlet.n_builds
    return row


def lammps_direct_row(steps: int, dt_fs: float) -> dict:
    """The same system as a plain LAMMPS input, for mobcg's overhead."""

    from mobcg_lammps.session import new_lammps
    from mobcg_core.plugin_kit.systems import lattice_positions

    lmp = new_lammps()
    box_a = units.box_length_nm(N, MASS, 0.774) * 10
    for c in ["units real", "atom_style atomic", f"region b block 0 {box_a} 0 {box_a} 0 {box_a}",
              "create_box 1 b", f"mass 1 {MASS}"]:
        lmp.command(c)
    pos = np.mod(lattice_positions(N, box_a / 10, 1) * 10, box_a)
    lmp.create_atoms(N, list(range(1, N + 1)), [1] * N, pos.ravel().tolist())
    for c in ["pair_style table linear 1550", f"pair_coeff 1 1 {TABLE} VOTCA 15.5", "neighbor 2.0 bin",
              "neigh_modify every 1 delay 0 check yes", f"timestep {dt_fs}", "minimize 1e-4 1e-6 1000 10000",
              "velocity all create 298.15 1 dist gaussian", "fix 1 all nvt temp 298.15 298.15 1000",
              "run 200"]:
        lmp.command(c)
    t0 = time.perf_counter()
    lmp.command(f"run {steps}")
    wall = time.perf_counter() - t0
    lmp.close()
    return {"system": "CG 1000 beads", "engine": "lammps (direct)", "threads": 1, "steps_per_s": steps / wall,
            "ns_per_day": steps * dt_fs * 1e-6 * 86400 / wall}


def openmm_floor_rows(threads: int, steps: int, dt_fs: float) -> list[dict]:
    """Steps/s of OpenMM's CPU pair loop itself at the table's cutoff (no table work at all)."""
    import openmm as mm

    from mobcg_core.plugin_kit.systems import lattice_positions

    box, rows = units.box_length_nm(N, MASS, 0.774), []
    for label in ("CustomNonbondedForce doing nothing", "NonbondedForce LJ", "PythonForce doing nothing"):
        system = mm.System()
        system.setDefaultPeriodicBoxVectors(mm.Vec3(box, 0, 0), mm.Vec3(0, box, 0), mm.Vec3(0, 0, box))
        for _ in range(N):
            system.addParticle(MASS)
        system.addForce(_floor_force(label, box))
        integrator = mm.NoseHooverIntegrator(298.15, 1.0, dt_fs * 1e-3)
        context = mm.Context(system, integrator, mm.Platform.getPlatformByName("CPU"), {"Threads": str(threads)})
        context.setPositions(lattice_positions(N, box, 1))
        mm.LocalEnergyMinimizer.minimize(context, 10.0, 200)
        integrator.step(200)
        t0 = time.perf_counter()
        integrator.step(steps)
        wall = time.perf_counter() - t0
        rows.append({"system": "CG 1000 beads", "engine": f"openmm floor: {label}", "threads": threads,
                     "steps_per_s": steps / wall, "ns_per_day": steps * dt_fs * 1e-6 * 86400 / wall})
    return rows


def _zero_forces(state):
    return 0.0, np.zeros((N, 3))


def _floor_force(label: str, box: float):
    import openmm as mm

    if label.startswith("Python"):
        force = mm.PythonForce(_zero_forces)
        force.setUsesPeriodicBoundaryConditions(True)
        return force
    if label.startswith("Custom"):
        force = mm.CustomNonbondedForce("1e-9*r")
    else:
        force = mm.NonbondedForce()
        force.setUseDispersionCorrection(False)
    force.setNonbondedMethod(mm.NonbondedForce.CutoffPeriodic)  # same value (2) in both classes
    force.setCutoffDistance(1.55)
    for _ in range(N):
        force.addParticle([]) if label.startswith("Custom") else force.addParticle(0.0, 0.5, 0.5)
    return force


def add_ratios(rows: list[dict]) -> None:
    """steps/s relative to LAMMPS (through mobcg) at the same thread count."""
    ref = {r["threads"]: r["steps_per_s"] for r in rows if r["engine"] == "lammps" and r["system"].startswith("CG")}
    for r in rows:
        if r["system"].startswith("CG") and r["threads"] in ref:
            r["vs_lammps"] = r["steps_per_s"] / ref[r["threads"]]


def aa_row(threads: int, molecules: int, steps: int) -> dict:
    from mobcg_core.forcefield import build_liquid_box, build_molecule, parametrize

    eng = engine("openmm", threads)
    eng.opts.update({"electrostatics": "PME", "aa_cutoff_nm": 1.0, "constraints": "h-bonds"})
    box = build_liquid_box(parametrize(build_molecule("CC(C)C(C)C(C)C")), molecules, 0.70, seed=1)
    sim = eng.aa_simulation(box, MDProtocol(298.15, 2.0, 0.0, pressure_bar=1.01325, thermostat="nose_hoover", seed=1))
    sim.minimize()
    sim.run(0.2)
    t0 = time.perf_counter()
    sim.run(steps * 0.002, 0.0)
    wall = time.perf_counter() - t0
    return {"system": f"AA {molecules} × 234TriMePe ({molecules * 26} atoms, PME)", "engine": "openmm",
            "threads": threads, "steps_per_s": steps / wall, "ns_per_day": steps * 2e-6 * 86400 / wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", nargs="+", default=["lammps", "openmm:numpy", "openmm:segments", "openmm:spline"],
                    help="engines; openmm:KERNEL runs one OpenMM CG kernel")
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--aa-molecules", type=int, default=200)
    ap.add_argument("--aa-steps", type=int, default=500)
    args = ap.parse_args()
    rows = [cg_row(e, t, args.steps, 2.0) for e in args.engines for t in args.threads]
    if "lammps" in args.engines:
        rows.append(lammps_direct_row(args.steps, 2.0))
    if any(e.startswith("openmm") for e in args.engines):
        rows += [row for t in args.threads for row in openmm_floor_rows(t, args.steps, 2.0)]
    add_ratios(rows)
    if args.aa_molecules:
        rows += [aa_row(t, args.aa_molecules, args.aa_steps) for t in args.threads]
    print_table(rows, [("system", "system", ""), ("engine", "engine", ""), ("threads", "threads", "d"),
                       ("steps/s", "steps_per_s", ".0f"), ("ns/day", "ns_per_day", ".1f"),
                       ("× LAMMPS", "vs_lammps", ".2f"),
                       ("frames cost", "frame_overhead", "+.1%"), ("steps/list", "steps_per_list_build", ".0f")])
    write_json("engine_throughput", {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
