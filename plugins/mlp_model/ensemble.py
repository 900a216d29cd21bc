"""k-fold cross-validation, the ensemble of the k models, and the versioned model file."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import PluginError

from .dataset import TrainingSet
from .model import Basis, loss_mask, predict_window, score, train_one

MODEL_FORMAT, MODEL_VERSION = "mobcg-mlp", 1
_ARCH_KEYS = ("hidden_layers", "activation", "n_components")


def group_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Split sample indices into ``k`` folds by group (a force field's samples share a potential,
    so they must not be split between training and validation)."""
    ids = np.unique(groups)
    np.random.default_rng(seed).shuffle(ids)
    return [np.flatnonzero(np.isin(groups, part)) for part in np.array_split(ids, k)]


def fit_ensemble(ts: TrainingSet, opts: dict, seed: int, device, progress=None) -> dict:
    """Train ``folds`` models (each validated on its held-out fold); return the model record."""
    n_groups = len(np.unique(ts.groups))
    k = min(opts["folds"], n_groups)
    if k < 2:
        raise PluginError(f"predictor 'mlp': the database has {n_groups} force field(s); k-fold training "
                          "needs at least 2 (raise database.forcefields_per_molecule)")
    folds = group_folds(ts.groups, k, seed)
    members, metrics = [], []
    oof_pred, oof_true, oof_mask = [], [], []
    t0 = time.perf_counter()
    for i, val in enumerate(folds):
        train = np.setdiff1d(np.arange(ts.n), val)
        state, basis, m = train_one(ts, train, val, opts, seed * 100 + i, device)
        members.append({"state": state, "basis": basis.to_dict()})
        metrics.append(m)
        oof_pred.append(predict_window(state, basis, opts, ts.x[val]))
        oof_true.append(ts.u_kjmol[val][:, basis.window])
        oof_mask.append(loss_mask(ts, basis, val))
        if progress:
            progress(i + 1, k, f"fold R²={m['r2']:.3f} MAE={m['mae_kjmol']:.3f} kJ/mol")
    # Cross-validated scores pool the out-of-fold predictions of every sample (one number,
    # not a mean of per-fold R² that a small fold can swing).
    cv = score(np.concatenate(oof_pred), np.concatenate(oof_true), np.concatenate(oof_mask))
    cv["n_samples"], cv["folds"] = int(ts.n), k
    return {"members": members, "folds": metrics, "cv": cv, "train_s": time.perf_counter() - t0}


def predict_members(record: dict, x: np.ndarray) -> np.ndarray:
    """(k, n, n_window) predictions of every ensemble member."""
    opts = record["options"]
    return np.stack([predict_window(m["state"], Basis.from_dict(m["basis"]), opts, x) for m in record["members"]])


def save_model(path: Path, record: dict) -> None:
    """One file: weights, normalisation, basis, grids, options, metadata (torch.save, atomic)."""
    import torch

    from mobcg_core.io import _atomic_write

    payload = {"format": MODEL_FORMAT, "format_version": MODEL_VERSION, **_to_torch(record)}
    _atomic_write(path, lambda fh: torch.save(payload, fh))


def load_model(path: Path) -> dict:
    """Read a model file; a missing, foreign or newer file is a one-line error."""
    import torch

    path = Path(path)
    if not path.exists():
        raise PluginError(f"{path}: no such model file (run the 'train' stage or set model.file)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same user error
        raise PluginError(f"{path}: not a readable mobcg model file ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise PluginError(f"{path}: not a mobcg MLP model (format != {MODEL_FORMAT!r})")
    if int(payload.get("format_version", 0)) > MODEL_VERSION:
        raise PluginError(f"{path}: model format {payload['format_version']} is newer than this plugin reads "
                          f"({MODEL_VERSION}); upgrade mobcg")
    return _from_torch(payload)


def _to_torch(obj):
    """numpy arrays -> tensors so the file loads with ``weights_only=True`` (no pickled code)."""
    import torch

    if isinstance(obj, dict):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_torch(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(obj))
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _from_torch(obj, key: str = ""):
    import torch

    if key == "state":
        return obj  # network weights stay tensors
    if isinstance(obj, dict):
        return {k: _from_torch(v, k) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_torch(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        return obj.numpy()
    return obj
