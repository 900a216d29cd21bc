"""Does the prediction's smoothing change physics?  NVE drift, D and ε with and without it.

Predicts the 234TriMePe potential with a trained model at smoothing_nm = 0 and 0.005 nm, then
for each: NVE energy drift at 2 and 5 fs, and an NVT run at 2 fs (where both are stable)
for D_CG and the g(r) error ε against the all-atom target.

    python benchmarks/ml_smoothing.py results/validate_ml/model.pt --engine lammps
"""

from __future__ import annotations

import argparse

from _common import SHARED, engine, print_table, write_json
from mobcg_core.contract import units
from mobcg_core.analysis import fit_diffusion, rdf, rdf_grid, structure_error
from mobcg_core.plugins import registry
from mobcg_core.physics.potentials import table_grid
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.physics.timestep import energy_drift
from mobcg_core.contract.types import MDProtocol

MASS, RHO, D_AA = 114.2302, 0.7332, 1.20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--engine", default="lammps")
    ap.add_argument("--beads", type=int, default=500)
    ap.add_argument("--run-ps", type=float, default=200.0)
    args = ap.parse_args()
    target = read_rdf_file(SHARED / "aa_rdf_234TriMePe.txt")
    eng = engine(args.engine)
    box = units.box_length_nm(args.beads, MASS, RHO)
    rows = []
    for smoothing in (0.0, 0.005):
        mlp = registry().create("predictor", "mlp", plugin_defaults("predictor", "mlp", {"smoothing_nm": smoothing}))
        d_aa = units.diffusion_from_1e9_m2_s(D_AA)
        pot = mlp.predict(args.model, MASS, target, d_aa, table_grid(1.55, 0.001)).potential
        row = {"smoothing_nm": smoothing}
        for dt in (2.0, 5.0):
            row[f"drift_{dt:g}fs"] = energy_drift(eng, cg_box(args.beads, MASS, box, pot, 1), 298.15, dt, 20.0, seed=1)
        sim = eng.cg_simulation(cg_box(args.beads, MASS, box, pot, 2), MDProtocol(298.15, 2.0, 0.0, seed=2))
        sim.minimize()
        sim.run(20.0, 0.0)
        traj = sim.run(args.run_ps, 1.0)
        sim.close()
        fit = fit_diffusion(traj)
        row.update(D_CG=fit.d_1e9_m2_s, D_err=fit.d_err_1e9_m2_s,
                   eps=structure_error(rdf(traj, rdf_grid()), target))
        rows.append(row)
        print(row, flush=True)
    print_table(rows, [("smoothing nm", "smoothing_nm", ".3f"), ("drift 2 fs", "drift_2fs", ".4f"),
                       ("drift 5 fs", "drift_5fs", ".4f"), ("D_CG", "D_CG", ".3f"), ("±", "D_err", ".3f"),
                       ("ε", "eps", ".5f")])
    write_json("ml_smoothing", {"model": args.model, "engine": args.engine, "beads": args.beads, "rows": rows})


if __name__ == "__main__":
    main()
