"""The model shipped inside the mlp plugin: it loads without any database and predicts sensibly."""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import EXAMPLES, lj_potential, predict_study
from mobcg_core.contract import units
from mobcg_core.plugins import registry
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.contract.types import RDF

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def mlp():
    return registry().create("predictor", "mlp", {"smoothing_nm": 0.005})


def test_shipped_model_is_in_the_package(mlp):
    path = mlp.default_model()
    assert path is not None and path.exists(), "plugins/mlp_model/data/ must hold the shipped model"
    assert path.stat().st_size < 10e6  # a few MB


def test_reference_liquid_gets_a_smooth_repulsive_potential_in_seconds(mlp):
    target = read_rdf_file(EXAMPLES / "data" / "aa_rdf_234TriMePe.txt")
    t0 = time.perf_counter()
    pred = mlp.predict(mlp.default_model(), 114.2302, target, units.diffusion_from_1e9_m2_s(1.20))
    assert time.perf_counter() - t0 < 10.0
    r, u = pred.potential.r_nm, pred.potential.u_kjmol
    assert np.all(np.isfinite(u)) and abs(u[-1]) < 1e-6                   # U(r_c) = 0
    core = r < 0.45
    assert np.all(np.diff(u[core]) < 0) and u[core][0] > 50.0              # a steep, monotonic wall
    well = (r > 0.5) & (r < 0.8)
    assert -6.0 < u[well].min() < -0.3                                     # one attractive well of ~kT
    assert np.max(np.abs(np.diff(u[r > 0.45], 2))) < 0.05                  # smooth: no grid-scale noise
    assert pred.info["extrapolation"] == [] and pred.info["ensemble_size"] >= 3


def test_a_liquid_unlike_the_training_set_says_so(mlp):
    """Argon-like beads (σ = 0.34 nm): a g(r) far from every hydrocarbon in the database."""
    r = np.arange(0.1, 2.5, 0.005)
    lj = lj_potential(0.34, 0.99774, 1.0)
    g = np.exp(-np.interp(r, lj.r_nm, lj.u_kjmol, right=0.0) / units.kT_kjmol(120.0))  # dilute-gas g(r)
    pred = mlp.predict(mlp.default_model(), 39.948, RDF(r, g), units.diffusion_from_1e9_m2_s(2.0))
    assert any("g(r) is ε" in p for p in pred.info["extrapolation"]), pred.info["extrapolation"]
    assert any("mass_gmol" not in p or "outside" in p for p in pred.info["extrapolation"])


def test_predict_command_writes_a_potential_from_a_smiles(tmp_path):
    from conftest import run_cli

    proc = run_cli("predict", "--rdf", str(EXAMPLES / "data" / "aa_rdf_234TriMePe.txt"), "--diffusion", "1.2",
                   "--smiles", "CC(C)C(C)C(C)C", "-o", str(tmp_path / "p"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "p" / "potential.table").exists() and (tmp_path / "p" / "predict.json").exists()
    missing = run_cli("predict", "--rdf", str(EXAMPLES / "data" / "aa_rdf_234TriMePe.txt"), "--diffusion", "1.2")
    assert missing.returncode == 1 and "--mass" in missing.stderr and "Traceback" not in missing.stderr


def test_predict_refuses_bad_input_before_writing(tmp_path):
    """Each bad input: exit 1, one line naming the option and the fix, and no output folder."""
    from conftest import run_cli

    rdf = str(EXAMPLES / "data" / "aa_rdf_234TriMePe.txt")
    (tmp_path / "nan.txt").write_text("# r [angstrom] g\n" + "".join(f"{r}.0 {'nan' if r == 5 else 1}\n"
                                                                     for r in range(1, 26)))
    (tmp_path / "bare.txt").write_text("\n".join(f"{r:.2f} {1.0 if r > 4 else 0.0}" for r in range(1, 26)) + "\n")
    (tmp_path / "junk.pt").write_text("not a model")
    base = ["--rdf", rdf, "--diffusion", "1.2"]
    cases = [(["--rdf", str(tmp_path / "nan.txt"), "--diffusion", "1.2", "--mass", "114"], "not finite"),
             (["--rdf", str(tmp_path / "bare.txt"), "--diffusion", "1.2", "--mass", "114"], "--rdf-unit"),
             (base + ["--mass", "nan"], "--mass"), (base + ["--mass", "-3"], "--mass"),
             (["--rdf", rdf, "--diffusion", "0", "--mass", "114"], "--diffusion"),
             (base + ["--smiles", "CCO"], "hydrocarbon"),
             (base + ["--smiles", "CC(C)C(C)C(C)C", "--mass", "60"], "contradicts"),
             (base + ["--mass", "114", "--model", str(tmp_path / "junk.pt")], "junk.pt")]
    for args, expect in cases:
        res = run_cli("predict", *args, "-o", str(tmp_path / "out"))
        assert res.returncode == 1 and expect in res.stderr, (args, res.stderr)
        assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists(), (args, res.stderr)
    ok = run_cli("predict", "--rdf", str(tmp_path / "bare.txt"), "--rdf-unit", "angstrom", "--diffusion", "1.2",
                 "--mass", "114", "-o", str(tmp_path / "out"))
    assert ok.returncode == 0, ok.stderr
    again = run_cli("predict", *base, "--mass", "114", "-o", str(tmp_path / "out"))
    assert again.returncode == 1 and "--force" in again.stderr
    assert run_cli("predict", *base, "--mass", "114", "-o", str(tmp_path / "out"), "--force").returncode == 0


def test_predict_stage_brings_the_predicted_potential_to_1_atm(tmp_path):
    """The predicted potential of 2,3,4-trimethylpentane holds ~100 bar too much or too little
    at its density (the validation's NPT density was off by up to 6.6 %); the predict stage's
    probes add the ramp that removes it, and the ramp is small (structure and D barely move)."""
    from mobcg_core.study.ml_stages import stage_predict

    study = predict_study(tmp_path, "probe_ps = 15.0\nprobe_rounds = 3\ntolerance_bar = 30.0")
    result = stage_predict(study, study.cfg["liquids"][0])
    probes = [p["pressure_bar"] for p in result["pressure_probes"]]
    assert len(probes) >= 2, probes
    assert abs(probes[-1] - 1.0) < abs(probes[0] - 1.0), probes
    assert abs(probes[-1] - 1.0) < 60.0, probes
    assert abs(result["pressure_ramp_kjmol"]) < 0.5  # kJ/mol: a gentle ramp, not a new potential
    assert (study.liquid_dir(study.cfg["liquids"][0]) / "ml" / "uncorrected" / "potential.npz").exists()
