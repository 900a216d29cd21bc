"""Peak memory of a CG run that writes its trajectory: 10⁴ beads, 1000 frames (1 ns at 1 ps).

The memory of a measured CG run is set by its frames (n_frames × N × 3 positions), not by its
length: 1000 frames of 10⁴ beads are what 1 ns at the default 1 ps frame spacing keeps. To stay
within minutes on a CPU the run is 1000 frames at 0.05 ps spacing (50 ps, 10⁴ steps of 5 fs), a
Lennard-Jones liquid through :func:`mobcg_core.workflows.measure_cg` with the DCD writer of the
``cg_md`` stage. Peak resident memory (``ru_maxrss``) is read before and after; the frames the
analysis holds (float64) are the expected difference.

    python benchmarks/cg_trajectory_memory.py [--beads 10000] [--frames 1000] [--engine lammps]

Prints a table and writes benchmarks/results/cg_trajectory_memory.json.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from _common import engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.physics.potentials import lennard_jones
from mobcg_core.plugin_kit.frame_writer import FrameWriter
from mobcg_core.workflows import CGRun, measure_cg

ANALYSIS = {"rdf_r_min_nm": 0.1, "rdf_r_max_nm": 1.5, "rdf_dr_nm": 0.005, "msd_fit_start": 0.1, "msd_fit_end": 0.5}
MASS = 100.0  # g/mol


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beads", type=int, default=10_000)
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--engine", default="lammps")
    args = ap.parse_args()
    interval = 0.05
    box = units.box_length_nm(args.beads, MASS, 0.75)
    run = CGRun(args.beads, MASS, box, 298.15, 5.0, 2.0, args.frames * interval, interval, seed=3)
    pot = lennard_jones(0.55, 2.5, 1.5, 0.001)
    eng = engine(args.engine)
    before = _peak_mb()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        with FrameWriter(Path(tmp) / "cg_md.dcd", args.beads, MASS, "LJ", interval) as writer:
            m = measure_cg(eng, pot, run, ANALYSIS, writer=writer)
        dcd_mb = (Path(tmp) / "cg_md.dcd").stat().st_size / 1e6
    row = {"engine": args.engine, "beads": args.beads, "frames": m.n_frames, "peak_before_MB": before,
           "peak_after_MB": _peak_mb(), "frames_float64_MB": m.n_frames * args.beads * 3 * 8 / 1e6,
           "dcd_MB": dcd_mb, "wall_s": time.perf_counter() - t0, "D_1e9_m2_s": m.diffusion.d_1e9_m2_s}
    row["increase_MB"] = row["peak_after_MB"] - before
    print_table([row], [("engine", "engine", ""), ("beads", "beads", "d"), ("frames", "frames", "d"),
                        ("peak before [MB]", "peak_before_MB", ".0f"), ("peak after [MB]", "peak_after_MB", ".0f"),
                        ("frames f64 [MB]", "frames_float64_MB", ".0f"), ("DCD [MB]", "dcd_MB", ".0f"),
                        ("wall [s]", "wall_s", ".0f")])
    write_json("cg_trajectory_memory", {"rows": [row], "note": "1000 frames of 10^4 beads = 1 ns at 1 ps spacing; "
                                        "run as 50 ps at 0.05 ps spacing (memory depends on frames, not length)"})


if __name__ == "__main__":
    main()
