"""Closed-loop prediction: the D fed to the model is lowered until the CG liquid moves at D_AA."""

from __future__ import annotations

import math

import pytest

from conftest import predict_study
from mobcg_core.study.mobility_match import match_mobility


def _power_law(d_open: float, eps_open: float):
    """A model liquid as measured on the shipped model: D_CG/D_AA ∝ f^0.25, ε ∝ f^-0.3."""
    calls = []

    def probe(f):
        calls.append(f)
        return f"potential for {f:.3g}", {"ratio": d_open * f ** 0.25, "ratio_err": 0.02,
                                           "structure_error": eps_open * f ** -0.3}
    return probe, calls


def test_closed_loop_reaches_a_reachable_mobility():
    probe, calls = _power_law(d_open=1.6, eps_open=0.006)  # f = 0.15 gives D_CG = D_AA at ε 0.011
    m = match_mobility(probe, target_ratio=1.0, tolerance=0.05, max_structure_error=0.02)
    assert m.converged and abs(math.log(m.probes[-1]["ratio"])) <= math.log(1.05)
    assert m.chosen == f"potential for {m.factor:.3g}" and calls[0] == 1.0
    assert len(calls) <= 4  # the secant in (ln f, ln D) gets there in a few probes


def test_closed_loop_never_accepts_a_potential_past_the_structure_limit():
    probe, calls = _power_law(d_open=5.0, eps_open=0.0149)  # ε 0.02 is reached at f ≈ 0.48
    m = match_mobility(probe, target_ratio=1.0, max_structure_error=0.02, rounds=6)
    assert not m.converged
    chosen = next(p for p in m.probes if p["factor"] == m.factor)
    assert chosen["structure_error"] <= 0.02
    assert chosen["ratio"] < 5.0 * 0.85  # yet it went as far as the structure allows
    rejected = [p["factor"] for p in m.probes if p["structure_error"] > 0.02]
    assert rejected and all(f > max(rejected) for f in calls[calls.index(max(rejected)) + 1:])


def test_closed_loop_prediction_moves_slower_than_the_open_loop_one(tmp_path, monkeypatch):
    """Real engine, shipped model: feeding the model a lower D gives a slower CG liquid, and
    the predict stage records the probes and keeps the closest one within ε ≤ 0.02."""
    pytest.importorskip("torch")
    from mobcg_core.study.ml_stages import stage_predict

    study = predict_study(tmp_path, "pressure_correction = false\nmobility_target = 1.0\nmobility_rounds = 2\n"
                                    "mobility_probe_ps = 60.0", cg_extra="equilibration_ps = 20.0")
    result = stage_predict(study, study.cfg["liquids"][0])
    first, second = result["mobility_probes"]
    assert first["factor"] == 1.0 and second["factor"] < 0.5
    # the open-loop prediction moves ~2.4x too fast (validation); a quarter of D_AA fed: ~30 % slower
    assert second["ratio"] < first["ratio"] - 2 * (first["ratio_err"] + second["ratio_err"]), result["mobility_probes"]
    assert result["mobility_factor"] == second["factor"] and second["structure_error"] <= 0.02
    # interrupted after its probes (predict.json never written), the stage resumes from them: no MD again
    (study.liquid_dir(study.cfg["liquids"][0]) / "ml" / "predict.json").unlink()
    import mobcg_core.study.ml_stages as ml_stages

    def no_md(*args, **kwargs):
        raise AssertionError("a finished probe ran again")
    monkeypatch.setattr(ml_stages, "measure_cg", no_md)
    assert stage_predict(study, study.cfg["liquids"][0])["mobility_probes"] == result["mobility_probes"]


def test_predict_keeps_the_ibi_potential_when_no_probe_is_within_budget(tmp_path):
    """Real engine, shipped model, a budget no prediction meets: f is doubled (1, 2, 4) and the
    study's IBI potential becomes the ML row's, recorded as the fallback."""
    pytest.importorskip("torch")
    import numpy as np

    from conftest import lj_potential
    from mobcg_core.study.artifacts import load_potential, save_potential
    from mobcg_core.study.ml_stages import stage_predict

    study = predict_study(tmp_path, "pressure_correction = false\nmobility_target = 1.0\nmobility_rounds = 3\n"
                                    "mobility_probe_ps = 10.0\nmobility_max_structure_error = 1e-7",
                          cg_extra="equilibration_ps = 2.0")
    liquid = study.cfg["liquids"][0]
    ibi = lj_potential(0.6, 2.5, 1.55, dr_nm=0.001)  # stands in for the coarse_grain stage's result
    study.liquid_dir(liquid).mkdir(parents=True, exist_ok=True)
    save_potential(study.liquid_dir(liquid), ibi)
    result = stage_predict(study, liquid)
    assert [p["factor"] for p in result["mobility_probes"]] == [1.0, 2.0, 4.0]
    assert result["mobility_within_budget"] is False and result["mobility_fallback"] == "ibi"
    np.testing.assert_array_equal(load_potential(study.liquid_dir(liquid) / "ml").u_kjmol, ibi.u_kjmol)


def test_closed_loop_rejects_a_probe_whose_liquid_froze():
    """Benzene-like failure: below f = 0.3 the CG liquid freezes (α collapses, ε still small)."""
    def probe(f):
        frozen = f < 0.3
        return f"potential for {f:.3g}", {"ratio": 0.05 if frozen else 2.0 * f ** 0.5, "ratio_err": 0.01,
                                           "structure_error": 0.01, "frozen": frozen}
    m = match_mobility(probe, target_ratio=1.0, max_structure_error=0.02, rounds=6)
    chosen = next(p for p in m.probes if p["factor"] == m.factor)
    assert not chosen["frozen"] and m.within_budget
    assert any(p["frozen"] for p in m.probes)  # it was tried, and not taken although 0.05 is "closer" in ln


def test_closed_loop_feeds_a_higher_d_when_the_open_loop_probe_is_over_budget():
    probe, calls = _power_law(d_open=2.0, eps_open=0.029)  # 3-ethylhexane-like: ε 0.029 at f = 1
    m = match_mobility(probe, target_ratio=1.0, max_structure_error=0.02)
    chosen = next(p for p in m.probes if p["factor"] == m.factor)
    assert m.within_budget and m.factor > 1.0 and chosen["structure_error"] <= 0.02
    assert calls[:3] == [1.0, 2.0, 4.0]  # doubled until within the budget (ε 0.019 at f = 4)


def test_closed_loop_says_when_no_probe_is_within_budget():
    probe, calls = _power_law(d_open=2.0, eps_open=0.05)  # even f = 4 leaves ε 0.033
    m = match_mobility(probe, target_ratio=1.0, max_structure_error=0.02)
    assert not m.within_budget and not m.converged and m.factor == 1.0 and max(calls) == 4.0


def test_compare_potentials_run_at_their_own_timestep(tmp_path):
    """[validation] compare_timestep_fs: a published rough table is run at 2 fs while cg stays at 5 fs."""
    from mobcg_core.study.artifacts import save_potential
    from mobcg_core.study.ml_stages import _one_potential
    from conftest import lj_potential

    study = predict_study(tmp_path, "", "equilibration_ps = 2.0\nproduction_ps = 6.0\nreport_interval_ps = 0.5\n"
                          "[validation]\nnpt_ps = 0.0\nnve_drift_ps = 0.0\ncompare_timestep_fs = 2.0")
    liquid = study.cfg["liquids"][0]
    study.require("target", liquid)
    save_potential(tmp_path / "pot", lj_potential(0.6, 2.5, 1.55, study.cfg["cg"]["table_dr_nm"]))
    row = _one_potential(study, liquid, "table", tmp_path / "pot", None,
                         study.cfg["validation"]["compare_timestep_fs"])
    assert row["timestep_fs"] == 2.0 and study.cfg["cg"]["timestep_fs"] == 5.0
    assert row["D_CG_1e9_m2_s"] > 0 and row["phase"] == "liquid"


def test_database_candidates_are_the_nearest_in_mobility_within_the_structure_budget(tmp_path):
    """Candidates, brought to the target's number density by corresponding states (λ = (n/n_T)^(1/3):
    g(r/λ), D·λ, U(r/λ)): g(r) within the budget, expected D_CG/D_AA = λ·D·√m / (D_AA·√M) nearest the
    target, one per force field; a database on another potential grid is refused."""
    import numpy as np

    from conftest import fake_sample
    from mobcg_core.contract.errors import MobcgError
    from mobcg_core.contract.types import RDF
    from mobcg_core.database import Database
    from mobcg_core.study.db_candidates import database_candidates

    def g_of(r):
        return 1.0 + np.exp(-((r - 0.5) / 0.05) ** 2)

    r_g, r_u = np.linspace(0.1, 2.0, 381), np.linspace(0.0, 1.0, 101)
    target, n_t = RDF(r_g, g_of(r_g)), 4.0  # beads/nm³
    db = Database(tmp_path / "db.h5", r_g, r_u)
    decaying = np.cos(3 * r_u) * (1 - r_u) ** 2  # ≈ 0 near the cutoff (1 nm): stretching loses nothing
    # (key, force field, D, mass, density scale λ, g offset, U); D_AA = 1, M = 100
    for key, ff, d, m, lam, dg, u in [("fast", "a", 3.0, 100.0, 1.0, 0.0, decaying),
                                      ("near", "b", 1.2, 100.0, 1.0, 0.0, decaying),
                                      ("near-twin", "b", 1.3, 100.0, 1.0, 0.0, decaying),
                                      ("heavy-slow", "c", 0.4, 400.0, 1.0, 0.0, decaying),
                                      ("off-structure", "d", 1.0, 100.0, 1.0, 0.3, decaying),
                                      ("denser", "e", 1.0, 100.0, 1.1, 0.0, decaying),
                                      ("denser-with-tail", "f", 0.9091, 100.0, 1.1, 0.0, np.cos(3 * r_u))]:
        row = fake_sample(key, m, len(r_g), len(r_u))
        box = (300 / (n_t * lam ** 3)) ** (1 / 3)  # 300 beads at λ³ times the target's density
        db.add("samples", {**row, "forcefield_key": ff, "diffusion_1e9_m2_s": d, "rdf": g_of(r_g * lam) + dg,
                           "potential_kjmol": u, "provenance_json": {"n_beads": 300, "box_nm": box}})
    db.commit()
    found = database_candidates([db.path], target, 100.0, 1.0, n_t, r_u, 3, 0.015)
    # ratios 1.1 (denser: λ·D), 1.2, 0.8; "b" once; unscaled, "denser"'s peak sits 10 % short; the
    # stretched tail of "denser-with-tail" (ratio 1.0) would be cut at the cutoff: left out
    assert [c.key for c in found] == ["denser", "near", "heavy-slow"]
    assert [round(c.expected_ratio, 6) for c in found] == [1.1, 1.2, 0.8]
    assert found[0].scale == pytest.approx(1.1) and found[0].structure_error < 1e-4
    np.testing.assert_allclose(found[0].potential.u_kjmol, np.interp(r_u / 1.1, r_u, decaying), atol=1e-12)
    with pytest.raises(MobcgError, match="grid"):
        database_candidates([db.path], target, 100.0, 1.0, n_t, np.linspace(0.0, 1.5, 16), 3, 0.015)


def test_closed_loop_takes_a_slower_database_candidate_when_the_model_misses(tmp_path):
    """Real engine, shipped model and database: one model probe (open loop, ~2.4x too fast) misses
    D_CG/D_AA = 1, so database candidates are probed; the one kept moves slower than the open-loop
    prediction, within ε ≤ 0.02, and is recorded by its database key."""
    pytest.importorskip("torch")
    import numpy as np

    from conftest import ROOT
    from mobcg_core.study.artifacts import load_potential
    from mobcg_core.study.ml_stages import stage_predict

    db = ROOT / "benchmarks" / "data" / "ml_database.h5"
    study = predict_study(tmp_path, "pressure_correction = false\nmobility_target = 1.0\nmobility_rounds = 1\n"
                                    f"mobility_probe_ps = 60.0\ncandidates = 2\ncandidate_databases = ['{db}']",
                          cg_extra="equilibration_ps = 20.0")
    liquid = study.cfg["liquids"][0]
    result = stage_predict(study, liquid)
    model, *cands = result["mobility_probes"]
    assert model["factor"] == 1.0 and len(cands) == 2 and all(c["candidate"].startswith("database ") for c in cands)
    assert result["mobility_factor"] is None and result["candidate"] in {c["candidate"] for c in cands}
    kept = next(c for c in cands if c["candidate"] == result["candidate"])
    assert kept["structure_error"] <= 0.02
    assert kept["ratio"] < model["ratio"] - 2 * (kept["ratio_err"] + model["ratio_err"])
    chosen = load_potential(study.liquid_dir(liquid) / "ml")
    probe = load_potential(study.liquid_dir(liquid) / "ml" / "closed_loop" /
                           ("database_" + kept["candidate"].split(":", 1)[1].replace(":", "_")))
    np.testing.assert_array_equal(chosen.u_kjmol, probe.u_kjmol)
