"""Pulay (DIIS) mixing of the last few IMC updates.

A Gauss–Newton step with an imperfect Jacobian removes a fixed fraction of the residual in
each iteration; when the leftover sits in a few slow directions (the first shell's packing,
the core's foot), the iteration crawls along them.  Pulay's direct inversion in the iterative
subspace (DIIS; the Anderson mixing of integral-equation solvers) uses the iterations
already run: each iteration j left a residual e_j (g_j − g_target, and the pressure error)
and proposed a potential V_j = U_j + δU_j.  If the residual depends linearly on U near the
target, the mixture Σ α_j V_j with Σ α_j = 1 leaves the residual Σ α_j e_j, so the α that
minimise |Σ α_j e_j| give the next potential — the Jacobian's error along the directions the
iteration moved in is measured from the runs themselves, without a Jacobian of them.

Units: residual rows are dimensionless (√(dr/nm) (g − g_target), the ε integrand) or the
pressure error divided by a scale in bar; potentials in kJ/mol.
"""

from __future__ import annotations

import numpy as np

from .linalg import matmul, solve


def residual_vector(g: np.ndarray, g_target: np.ndarray, weight: np.ndarray,
                    pressure_error_bar: float | None, pressure_scale_bar: float) -> np.ndarray:
    """(n_bins [+1],) residual whose squared norm is ε (+ (ΔP / scale)²)."""
    rows = np.sqrt(weight) * (np.asarray(g) - np.asarray(g_target))
    if pressure_error_bar is None:
        return rows
    return np.append(rows, pressure_error_bar / pressure_scale_bar)


def diis_weights(residuals: list[np.ndarray], regularization: float = 1e-3, max_weight: float = 3.0,
                 min_newest: float = 0.25) -> np.ndarray:
    """α (m,), Σ α = 1, minimising |Σ α_j e_j|² over the m residuals (oldest first).

    The overlap matrix is Tikhonov-regularised by ``regularization`` × its mean diagonal, so
    residuals that differ only by noise do not give huge, cancelling weights.  If some |α_j|
    still exceeds ``max_weight``, or the newest proposal gets less than ``min_newest`` (the
    fit would go back to older potentials rather than learn from the newest run — on
    234TriMePe that preceded a run stuck at +170 bar), the oldest residual is dropped and the
    fit repeated, down to the newest alone: α = (1,), the plain step.
    """
    e = np.array(residuals, dtype=float)
    while len(e) > 1:
        m = len(e)
        overlap = matmul(e, e.T)
        overlap = overlap + regularization * float(np.mean(np.diag(overlap))) * np.eye(m)
        bordered = np.zeros((m + 1, m + 1))
        bordered[:m, :m], bordered[:m, m], bordered[m, :m] = overlap, 1.0, 1.0
        alpha = solve(bordered, np.append(np.zeros(m), 1.0))[:m]
        if np.all(np.abs(alpha) <= max_weight) and alpha[-1] >= min_newest:
            return np.concatenate([np.zeros(len(residuals) - m), alpha])
        e = e[1:]
    return np.concatenate([np.zeros(len(residuals) - 1), [1.0]])
