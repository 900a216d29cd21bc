"""MLP predictor on a synthetic database (no MD): learning, ensemble, save/load, errors."""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_core.database import Database
from mobcg_core.contract.errors import PluginError
from mobcg_core.plugins import registry
from mobcg_core.physics.potentials import core_radius, table_grid
from mobcg_core.schema_defaults import plugin_defaults
from mobcg_core.contract.types import RDF

pytest.importorskip("torch")

KT = 2.479  # kJ/mol at 298.15 K
R_G = np.arange(0.1, 1.2001, 0.01)
R_U = table_grid(1.2, 0.002)


def lj_like(r, sigma, eps):
    """A smooth, soft-cored, switched LJ: a stand-in for an IBI potential (kJ/mol)."""
    rr = np.maximum(r, 0.8 * sigma)
    u = 4 * eps * ((sigma / rr) ** 12 - (sigma / rr) ** 6)
    return (u - u[-1]) * np.clip((1.2 - r) / 0.2, 0, 1) ** 2


def make_db(path, n_ff=36, masses=2, seed=0) -> Database:
    """Samples whose U depends on (σ, ε); g(r) = exp(−U/kT) (dilute limit); D from ε and mass."""
    rng = np.random.default_rng(seed)
    db = Database(path, R_G, R_U)
    for i in range(n_ff):
        sigma, eps = rng.uniform(0.45, 0.6), rng.uniform(1.0, 2.5)
        u, g = lj_like(R_U, sigma, eps), np.exp(-lj_like(R_G, sigma, eps) / KT)
        for j in range(masses):
            m = rng.uniform(20, 200)
            d = 30.0 / np.sqrt(m) * np.exp(-eps / 2)  # 1e-9 m²/s
            db.add("samples", {"key": f"s{i}-{j}", "forcefield_key": f"f{i}", "molecule": "toy", "mass_gmol": m,
                               "rdf": g, "diffusion_1e9_m2_s": d, "diffusion_err_1e9_m2_s": 0.01,
                               "pressure_bar": 0.0, "structure_error": 0.0, "potential_kjmol": u,
                               "wall_cg_s": 0.0, "provenance_json": {"state": {"temperature_K": 298.15}}})
    db.commit()
    return db


def mlp(**kw):
    opts = {"hidden_layers": [64, 64], "epochs": 150, "folds": 3, "n_components": 8, "batch_size": 16,
            "learning_rate": 3e-3, "device": "cpu", **kw}
    return registry().create("predictor", "mlp", plugin_defaults("predictor", "mlp", opts))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("mlp")
    db = make_db(d / "db.h5")
    meta = mlp().train(db.path, d / "model.pt", seed=3)
    return d, db, meta


def test_training_learns_and_beats_the_mean(trained):
    d, db, meta = trained
    for fold in meta["folds"]:
        assert fold["loss_last"] < 0.1 * fold["loss_first"]
    # Held-out force fields (group k-fold): the ensemble explains most of the variance.
    assert meta["cv"]["r2"] > 0.9, meta["cv"]
    sigma, eps = 0.52, 1.7  # a liquid not in the database
    g = RDF(R_G, np.exp(-lj_like(R_G, sigma, eps) / KT))
    pred = mlp().predict(d / "model.pt", 80.0, g, 1e-3 * 30 / np.sqrt(80) * np.exp(-eps / 2), R_U)
    true = lj_like(R_U, sigma, eps)
    sampled = R_U >= core_radius(g)
    err_model = np.abs(pred.potential.u_kjmol - true)[sampled].mean()
    err_mean = np.abs(db.read("samples")["potential_kjmol"].mean(0) - true)[sampled].mean()
    assert err_model < 0.5 * err_mean, (err_model, err_mean)
    # Inside the core: repulsive and monotonic (forces push apart), finite everywhere.
    core = R_U < core_radius(g)
    assert np.all(np.isfinite(pred.potential.u_kjmol))
    assert np.all(np.diff(pred.potential.u_kjmol[core]) < 0)
    assert pred.uncertainty_kjmol.shape == R_U.shape and pred.info["ensemble_size"] == 3
    assert pred.info["extrapolation"] == []
    far = mlp().predict(d / "model.pt", 500.0, g, 1e-3, R_U)  # a bead heavier than any in the database
    assert any("mass_gmol = 500" in problem for problem in far.info["extrapolation"])


def test_save_load_deterministic(trained, tmp_path):
    d, db, _ = trained
    g = RDF(R_G, db.read("samples")["rdf"][0])
    a = mlp().predict(d / "model.pt", 50.0, g, 2e-3, R_U).potential.u_kjmol
    b = mlp().predict(d / "model.pt", 50.0, g, 2e-3, R_U).potential.u_kjmol
    np.testing.assert_array_equal(a, b)
    mlp().train(db.path, tmp_path / "again.pt", seed=3)  # same seed -> same model
    c = mlp().predict(tmp_path / "again.pt", 50.0, g, 2e-3, R_U).potential.u_kjmol
    np.testing.assert_allclose(a, c, atol=1e-6)


def test_bad_model_and_grid_mismatch(trained, tmp_path):
    d, db, _ = trained
    g = RDF(R_G, db.read("samples")["rdf"][0])
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(PluginError, match="not a readable mobcg model"):
        mlp().predict(tmp_path / "junk.pt", 50.0, g, 2e-3, R_U)
    with pytest.raises(PluginError, match="no such model"):
        mlp().predict(tmp_path / "missing.pt", 50.0, g, 2e-3, R_U)
    with pytest.raises(PluginError, match="potential_r_nm grid"):
        mlp().predict(d / "model.pt", 50.0, g, 2e-3, table_grid(1.5, 0.001))
    with pytest.raises(PluginError, match="at least 2"):
        make_db(tmp_path / "one.h5", n_ff=1, masses=4)
        mlp().train(tmp_path / "one.h5", tmp_path / "m.pt")
