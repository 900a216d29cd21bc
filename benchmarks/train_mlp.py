"""Learning curve of the MLP predictor: R² and MAE (kJ/mol) against training-set size.

A fixed 20 % of the database's force fields is held out as the test set; models are
trained on growing subsets of the remaining force fields (all their masses) with the
run file's predictor options, and scored on the held-out potentials where g(r) > 0.

    python benchmarks/train_mlp.py results/database_study/database.h5 [--sizes 50 100 200 400] [--name NAME]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from _common import RESULTS, print_table, write_json
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("database")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="training samples (default: doubling)")
    ap.add_argument("--options", default="{}", help="predictor options as JSON")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="train_mlp", help="results/NAME.json and NAME.png (default train_mlp)")
    args = ap.parse_args()
    plugin = registry().create("predictor", "mlp", plugin_defaults("predictor", "mlp", json.loads(args.options)))
    from mobcg_mlp.dataset import load_training_set
    from mobcg_mlp.ensemble import fit_ensemble, predict_members
    from mobcg_mlp.model import Basis, score

    ts = load_training_set(args.database)
    rng = np.random.default_rng(args.seed)
    groups = rng.permutation(np.unique(ts.groups))
    test_groups = groups[: max(1, len(groups) // 5)]
    test = np.flatnonzero(np.isin(ts.groups, test_groups))
    pool_groups = groups[len(test_groups):]
    per_group = ts.n / len(np.unique(ts.groups))
    sizes = args.sizes or [int(s) for s in 2 ** np.arange(4, 14) if s < len(pool_groups) * per_group] + \
        [int(len(pool_groups) * per_group)]
    rows = []
    for size in sizes:
        n_groups = max(2, int(round(size / per_group)))
        chosen = np.flatnonzero(np.isin(ts.groups, pool_groups[:n_groups]))
        sub = _subset(ts, chosen)
        fit = fit_ensemble(sub, plugin.opts, args.seed, plugin._device())
        record = {"options": plugin.opts, "members": fit["members"]}
        pred = predict_members(record, ts.x[test]).mean(0)
        basis = Basis.from_dict(fit["members"][0]["basis"])
        window = ts.potential_r_nm >= basis.r_lo_nm
        mask = (ts.potential_r_nm[window][None, :] >= ts.core_nm[test, None])
        s = score(pred, ts.u_kjmol[test][:, window], mask)
        mean_u = ts.u_kjmol[chosen][:, window].mean(0)
        s_mean = score(np.broadcast_to(mean_u, pred.shape), ts.u_kjmol[test][:, window], mask)
        rows.append({"train_samples": int(len(chosen)), "forcefields": n_groups, "test_samples": int(len(test)),
                     "r2": s["r2"], "mae_kjmol": s["mae_kjmol"], "cv_r2": fit["cv"]["r2"],
                     "mean_model_mae_kjmol": s_mean["mae_kjmol"], "train_s": fit["train_s"]})
        print(f"  {len(chosen)} samples: test R² {s['r2']:.4f}, MAE {s['mae_kjmol']:.4f} kJ/mol", flush=True)
    print_table(rows, [("train", "train_samples", "d"), ("FFs", "forcefields", "d"), ("test", "test_samples", "d"),
                       ("R²", "r2", ".4f"), ("MAE kJ/mol", "mae_kjmol", ".4f"), ("CV R²", "cv_r2", ".4f"),
                       ("mean-U MAE", "mean_model_mae_kjmol", ".4f"), ("train s", "train_s", ".1f")])
    _plot(rows, args.name)
    write_json(args.name, {"database": args.database, "options": plugin.opts, "database_hash": ts.database_hash,
                             "molecules": ts.molecules, "rows": rows})


def _subset(ts, idx):
    from dataclasses import replace

    return replace(ts, x=ts.x[idx], u_kjmol=ts.u_kjmol[idx], core_nm=ts.core_nm[idx], groups=ts.groups[idx])


def _plot(rows, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["train_samples"] for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    ax[0].semilogx(n, [r["r2"] for r in rows], "o-")
    ax[0].set(xlabel="training samples", ylabel="test R²")
    ax[1].loglog(n, [r["mae_kjmol"] for r in rows], "o-", label="MLP ensemble")
    ax[1].loglog(n, [r["mean_model_mae_kjmol"] for r in rows], "k:", label="mean potential")
    ax[1].axhline(0.15, color="C3", ls="--", label="paper, ~1000 samples")
    ax[1].set(xlabel="training samples", ylabel="test MAE (kJ/mol)")
    ax[1].legend()
    fig.tight_layout()
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(RESULTS / f"{name}.png", dpi=110)
    print(f"wrote {RESULTS / f'{name}.png'}")


if __name__ == "__main__":
    main()
