"""DIIS (Pulay) mixing of IMC steps: it must beat the plain step where the Jacobian is wrong."""

from __future__ import annotations

import numpy as np

from mobcg_ibi.mixing import diis_weights, residual_vector


def _iterate(history: int, n_iterations: int, noise: float = 0.0, seed: int = 0) -> list[float]:
    """A linear 'liquid' e(x) = A (x − x*) solved with a Jacobian model that is wrong in two directions.

    The model's step removes only 20 % (and overshoots by 60 % in another) of the residual
    along two directions, as the HNC closure does for the first shell's packing; elsewhere it
    is right.  Returns |e| after each iteration.
    """
    rng = np.random.default_rng(seed)
    n = 12
    a = np.eye(n) + 0.3 * rng.normal(size=(n, n))
    x_star = rng.normal(size=n)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    wrong = q @ np.diag([0.2, 1.6] + [1.0] * (n - 2)) @ q.T  # the model's step / the right step
    x = np.zeros(n)
    residuals, proposals, norms = [], [], []
    for _ in range(n_iterations):
        e = a @ (x - x_star) + noise * rng.normal(size=n)
        norms.append(float(np.linalg.norm(e)))
        residuals.append(residual_vector(e, np.zeros(n), np.ones(n), None, 1.0))
        proposals.append(x - wrong @ np.linalg.solve(a, e))
        keep = max(history, 1)
        alpha = diis_weights(residuals[-keep:])
        x = sum(w * p for w, p in zip(alpha, proposals[-keep:]))
    return norms


def test_diis_removes_what_a_wrong_jacobian_leaves_where_the_plain_step_crawls():
    plain, mixed = _iterate(1, 8), _iterate(5, 8)
    assert plain[-1] > 0.01 * plain[0]  # 0.8 of the slow direction remains after each plain step
    assert mixed[-1] < 1e-3 * mixed[0]  # measured: plain 2.3e-2, mixed 3.4e-5 of the first residual
    # with noise in every residual the mixing still helps rather than amplifies it
    plain_n, mixed_n = _iterate(1, 8, 1e-3, seed=3), _iterate(5, 8, 1e-3, seed=3)
    assert mixed_n[-1] < 0.1 * plain_n[-1]  # measured: 9.8e-4 vs 4.9e-2


def test_diis_weights_sum_to_one_minimise_the_residual_and_stay_bounded():
    e1, e2 = np.array([1.0, 0.0]), np.array([-0.5, 0.0])
    alpha = diis_weights([e1, e2], regularization=0.0)
    assert np.isclose(alpha.sum(), 1.0) and np.allclose(alpha @ np.array([e1, e2]), 0.0)
    # two residuals equal up to noise: unbounded weights would cancel them; the oldest is dropped
    rng = np.random.default_rng(0)
    base = rng.normal(size=50)
    alpha = diis_weights([base, base + 1e-9 * rng.normal(size=50)], regularization=0.0)
    assert np.allclose(alpha, [0.0, 1.0])
    assert np.allclose(diis_weights([base]), [1.0])


def test_residual_vector_squared_is_the_structure_error_plus_the_scaled_pressure_error():
    g, target, weight = np.array([1.1, 0.9]), np.array([1.0, 1.0]), np.array([0.005, 0.005])
    e = residual_vector(g, target, weight, 40.0, 2000.0)
    assert np.isclose(e @ e, 0.005 * 0.02 + (40.0 / 2000.0) ** 2)
