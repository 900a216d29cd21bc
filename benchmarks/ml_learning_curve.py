"""Learning curve of the mlp predictor on held-out all-atom force fields: R² and MAE vs training size.

The samples are grouped by ancestry (every sample, variant and seed descending from one all-atom
force field or liquid is one group, as in training's k-fold split). One fifth of the groups is
held out as the test set; the network of ``ml_train_synthetic.toml`` is trained on 25, 50 and
100 % of the other groups and scored on the held-out ones (U(r) over the learning window,
kJ/mol). Repeated for ``--repeats`` different held-out fifths.

    python benchmarks/ml_learning_curve.py benchmarks/results/training_database.h5 [--repeats 2]

Prints a table and writes benchmarks/results/ml_learning_curve.json.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from _common import print_table, write_json
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_mlp.dataset import load_training_set
from mobcg_mlp.ensemble import group_folds
from mobcg_mlp.model import loss_mask, predict_window, score, train_one

#: the network of benchmarks/ml_train_synthetic.toml
OPTIONS = {"hidden_layers": [256, 256, 256], "epochs": 400, "n_components": 32, "g_components": 4}
FRACTIONS = (0.25, 0.5, 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("database", type=Path)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    opts = plugin_defaults("predictor", "mlp", OPTIONS)
    ts = load_training_set(args.database)
    rows = []
    for rep in range(args.repeats):
        folds = group_folds(ts.groups, 5, seed=rep)
        test = folds[0]
        train_groups = np.unique(ts.groups[np.concatenate(folds[1:])])
        np.random.default_rng(rep).shuffle(train_groups)
        for frac in FRACTIONS:
            keep = train_groups[: max(2, int(round(frac * len(train_groups))))]
            train = np.flatnonzero(np.isin(ts.groups, keep))
            t0 = time.perf_counter()
            state, basis, _ = train_one(ts, train, np.array([], dtype=int), opts, 1000 * rep + int(100 * frac), "cpu")
            pred = predict_window(state, basis, opts, ts.x[test])
            m = score(pred, ts.u_kjmol[test][:, basis.window], loss_mask(ts, basis, test))
            rows.append({"repeat": rep, "fraction": frac, "train_groups": int(len(keep)),
                         "train_samples": int(len(train)), "test_groups": int(len(np.unique(ts.groups[test]))),
                         "test_samples": int(len(test)), "r2": m["r2"], "mae_kjmol": m["mae_kjmol"],
                         "train_s": time.perf_counter() - t0})
            print(rows[-1], flush=True)
    print_table(rows, [("repeat", "repeat", "d"), ("fraction", "fraction", ".2f"), ("train FFs", "train_groups", "d"),
                       ("train samples", "train_samples", "d"), ("test FFs", "test_groups", "d"),
                       ("R²", "r2", ".3f"), ("MAE [kJ/mol]", "mae_kjmol", ".3f")])
    write_json("ml_learning_curve", {"database": str(args.database), "options": OPTIONS, "rows": rows})


if __name__ == "__main__":
    main()
