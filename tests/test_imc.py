"""The IMC update: its spline basis, its constrained Gauss–Newton solve, Broyden, and a run."""

from __future__ import annotations

import numpy as np
import pytest

from mobcg_ibi.imc import PairStatistics, blended_jacobian, broyden_jacobian, evaluate_basis, imc_step, spline_basis
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults


def test_spline_basis_leaves_the_cutoff_untouched():
    knots, n = spline_basis(0.4, 1.55, 0.03)
    r = np.linspace(1.5, 1.55, 51)
    values, slopes = evaluate_basis(knots, n, r), evaluate_basis(knots, n, r, derivative=1)
    assert np.abs(values[-1]).max() < 1e-12 and np.abs(slopes[-1]).max() < 1e-9
    inside = evaluate_basis(knots, n, np.linspace(0.5, 1.4, 200))
    assert np.allclose(inside.sum(axis=1), 1.0)  # cubic B-splines: a partition of unity inside


def _synthetic(jac_true: np.ndarray, g0: np.ndarray, rng, n_frames=400) -> PairStatistics:
    """Frames whose mean g is g0; only the fields imc_step reads with a given Jacobian matter."""
    n_bins, n_basis = jac_true.shape
    g = g0 + 1e-3 * rng.standard_normal((n_frames, n_bins))
    g -= g.mean(axis=0) - g0
    return PairStatistics(np.linspace(0.1, 1.5, n_bins), g, rng.standard_normal((n_frames, n_basis)),
                          np.tile(np.linspace(-50.0, 50.0, n_basis), (n_frames, 1)), np.zeros(n_frames),
                          np.zeros((n_bins, n_basis)))


def test_gauss_newton_step_inverts_a_linear_response_under_a_pressure_constraint():
    rng = np.random.default_rng(1)
    n_bins, n_basis, kT = 60, 8, 2.479
    jac = rng.standard_normal((n_bins, n_basis)) * 0.05
    c_true = rng.standard_normal(n_basis)
    g0 = 1.0 + 0.1 * rng.standard_normal(n_bins)
    target = g0 + jac @ c_true
    stats = _synthetic(jac, g0, rng)
    weight = np.full(n_bins, 0.005)
    c, _ = imc_step(stats, target, kT, weight, None, regularization=0.0, jacobian=jac)
    assert np.allclose(c, c_true, atol=1e-8)
    # with a pressure error the step must change P by exactly −ΔP along the sampled gradient
    c_p, predicted = imc_step(stats, target, kT, weight, 120.0, regularization=0.0, jacobian=jac)
    p_grad = stats.w_frames.mean(axis=0)
    assert predicted == pytest.approx(-120.0) and p_grad @ c_p == pytest.approx(-120.0)


def test_broyden_reproduces_every_observed_change_of_orthogonal_steps():
    rng = np.random.default_rng(2)
    jac0 = rng.standard_normal((30, 5))
    true = jac0 + 0.5 * rng.standard_normal((30, 5))
    steps = [np.eye(5)[i] * (i + 1) for i in range(3)]  # orthogonal steps keep earlier secants exact
    changes = [true @ s for s in steps]
    jac = broyden_jacobian(jac0, steps, changes)
    for s, y in zip(steps, changes):
        assert np.allclose(jac @ s, y)
    assert not np.allclose(jac0 @ steps[0], changes[0])


def _linear_liquid(response: np.ndarray, n_frames: int, noise: float, seed: int = 0) -> PairStatistics:
    """Frames whose g responds to the basis sums s exactly as −β cov(g, s) = ``response`` (kT = 1)."""
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n_frames, response.shape[1]))
    g = -(s @ response.T) + noise * rng.normal(size=(n_frames, response.shape[0]))
    zeros = np.zeros((n_frames, response.shape[1]))
    return PairStatistics(np.arange(response.shape[0]) * 0.01, g, s, zeros, np.zeros(n_frames),
                          np.zeros(response.shape))


def test_blended_jacobian_follows_the_run_where_it_measured_and_the_model_where_it_did_not():
    rng = np.random.default_rng(1)
    true = rng.normal(size=(40, 6))
    weight = np.full(40, 0.01)
    # a long run: the sampled columns are accurate, so a wrong model (zero) is overruled
    long_run = blended_jacobian(_linear_liquid(true, 4000, 0.5), np.zeros_like(true), 1.0, weight)
    assert np.linalg.norm(long_run - true) < 0.1 * np.linalg.norm(true)
    # a short, noisy run of a liquid the model describes: the blend stays near the model,
    # much nearer than the raw sampled Jacobian
    stats = _linear_liquid(true, 60, 20.0, seed=2)
    raw = -np.cov(stats.g_frames.T, stats.s_frames.T)[:40, 40:]
    blend = blended_jacobian(stats, true, 1.0, weight)
    assert np.linalg.norm(blend - true) < 0.5 * np.linalg.norm(raw - true)


def test_the_closure_answers_in_proportion_to_the_run_where_the_run_is_above_the_target():
    """Dilute limit (c = h, no many-body term): δg = −g δβU with the g each bin has.

    In the core's foot a CG run's g is several times the target's; linearised about the
    target the closure would predict a response that many times too small there.
    """
    from mobcg_ibi.newton import hnc_response

    r = 0.005 * (np.arange(300) + 0.5)
    g_target = np.clip((r - 0.4) / 0.1, 0.0, 1.0) ** 2 + 1e-3
    g_run = np.where(r < 0.45, 3.0 * g_target, 0.5 * g_target)  # above the target in the foot only
    keep = r >= 0.42
    about_target = hnc_response(r, g_target, 1e-9, 0.42)
    about_run = hnc_response(r, g_target, 1e-9, 0.42, g_local=g_run)
    assert np.allclose(np.diag(about_target)[keep], -g_target[keep], rtol=1e-3)
    expected = -np.maximum(g_run, g_target)  # where the run is lower, the target's (smaller steps)
    assert np.allclose(np.diag(about_run)[keep], expected[keep], rtol=1e-3)


def test_imc_matches_structure_and_pressure_together(tmp_path, openmm_engine):
    """2,3,4-trimethylpentane, 300 beads: IMC (HNC Jacobian, pressure in the same solve) against
    IBI with its separate pressure ramp, same start, seeds and run lengths, 4 iterations.

    Measured (1000 beads, benchmarks/ibi_vs_votca.py protocol): IMC ε 1.1e-3 after 8
    iterations with |P − 1 atm| ≤ 10 bar from the fourth on; IBI 1.6e-3.
    """
    from test_ibi import _task

    task = _task(300)
    task.pressure_bar = 1.01325
    common = dict(max_iterations=4, run_ps_min=15.0, run_ps_max=30.0, equilibration_ps=2.0,
                  stop_at_tolerance=False)
    runs = {}
    for update, extra in (("imc", {"imc_jacobian": "hnc"}), ("ibi", {})):
        method = registry().create("cg_method", "ibi", plugin_defaults("cg_method", "ibi",
                                                                       dict(update=update, **common, **extra)))
        runs[update] = method.derive(task, openmm_engine, tmp_path / update).info["history"]
    imc, ibi = runs["imc"], runs["ibi"]
    assert imc[0]["error"] == pytest.approx(ibi[0]["error"], rel=0.05)  # the same start
    assert imc[-1]["error"] < 0.5 * imc[0]["error"], imc
    assert abs(imc[-1]["pressure_bar"] - 1.0) < 100.0, imc


def test_one_plugin_object_derives_two_liquids_as_two_fresh_ones_would(tmp_path, openmm_engine):
    """The HNC Jacobian is cached per run; a database derives many liquids with one plugin
    object, so the cache must follow the target (a stale closure would silently steer IBI)."""
    from conftest import EXAMPLES
    from mobcg_core.physics.tables import read_rdf_file
    from test_ibi import _task

    first, second = _task(300), _task(300)
    second.target = read_rdf_file(EXAMPLES / "data" / "aa_rdf_234TriMePe.txt")
    second.target.g = np.where(second.target.r_nm < 0.5, second.target.g, 1.0 + 0.8 * (second.target.g - 1.0))
    opts = plugin_defaults("cg_method", "ibi", dict(max_iterations=2, run_ps_min=5.0, run_ps_max=5.0,
                                                    equilibration_ps=1.0, stop_at_tolerance=False))
    shared = registry().create("cg_method", "ibi", opts)
    shared.derive(first, openmm_engine, tmp_path / "a")
    reused = shared.derive(second, openmm_engine, tmp_path / "b").info["history"]
    fresh = registry().create("cg_method", "ibi", opts).derive(second, openmm_engine, tmp_path / "c").info["history"]
    # iteration 1 runs the first update's potential: it depends on the Jacobian used
    assert [h["error"] for h in reused] == [h["error"] for h in fresh]


def test_a_mixed_step_gets_the_pressure_constraint_back_at_the_least_cost_to_structure():
    """DIIS mixes proposals that each met the pressure constraint under their own run's model;
    the mixture is put back on it with this run's gradient, by the step that moves g least."""
    rng = np.random.default_rng(4)
    kT, n_bins = 2.479, 60
    knots, n_basis = spline_basis(0.4, 1.2, 0.05)
    r_table = np.linspace(0.3, 1.2, 451)
    basis = evaluate_basis(knots, n_basis, r_table)
    jac = rng.standard_normal((n_bins, n_basis)) * 0.05
    g0 = 1.0 + 0.1 * rng.standard_normal(n_bins)
    stats = _synthetic(jac, g0, rng)
    weight = np.full(n_bins, 0.005)
    ibi = registry().create("cg_method", "ibi", plugin_defaults("cg_method", "ibi", {}))
    c_mix = rng.standard_normal(n_basis)
    p_grad = stats.w_frames.mean(axis=0)
    du, left = ibi._restore_pressure(basis @ c_mix, basis, r_table >= 0.45, stats, g0, kT, weight, 80.0, jac)
    assert left == pytest.approx(80.0 + p_grad @ c_mix)  # the error the mixture alone would leave
    c_total = np.linalg.lstsq(basis, du, rcond=None)[0]
    assert p_grad @ c_total == pytest.approx(-80.0)  # the step removes the run's pressure error
    c_fix = c_total - c_mix
    # the fix that moves g least: min |J c|² subject to p·c = −left (Lagrange, unregularised)
    kkt = np.block([[jac.T @ jac, p_grad[:, None]], [p_grad[None, :], np.zeros((1, 1))]])
    least = np.linalg.solve(kkt, np.append(np.zeros(n_basis), -left))[:n_basis]
    along_gradient = -left * p_grad / (p_grad @ p_grad)  # the smallest fix in |c|, blind to g
    assert np.linalg.norm(jac @ c_fix) < 1.05 * np.linalg.norm(jac @ least)
    assert np.linalg.norm(jac @ least) < 0.9 * np.linalg.norm(jac @ along_gradient)
