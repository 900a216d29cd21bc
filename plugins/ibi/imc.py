"""Inverse Monte Carlo (IMC) update with a pressure constraint, in a smooth spline basis.

IBI moves U(r) at each r by kT ln(g/g_target) as if g at r depended on U at r alone.  In
a dense liquid it does not: a change of U anywhere reshapes every shell.  IMC
(Lyubartsev & Laaksonen, PRE 1995) measures that coupling in the CG run itself — the
canonical-ensemble identity

    ∂⟨g_α⟩/∂c_j = −β cov(g_α, s_j),      s_j = Σ_pairs φ_j(r_ij)  (per frame)

gives the exact Jacobian of g with respect to the coefficients c_j of a potential change
δU(r) = Σ_j c_j φ_j(r), and the pressure's Jacobian is the same identity plus the
explicit virial term,

    ∂⟨P⟩/∂c_j = ⟨w_j⟩ − β cov(P_vir, s_j),      w_j = −(1/3V) Σ_pairs r_ij φ_j'(r_ij).

Binned IMC (VOTCA's ``imc``) needs a covariance matrix of hundreds of bins; here δU lives
in ~40 cubic B-splines (``knot_nm`` apart, all vanishing with their slope at the cutoff).
The step is a Gauss–Newton step for ε = ∫(g − g_target)² dr with the pressure as a
linear equality constraint (Lagrange multiplier), Tikhonov-regularised and capped in
size.  Because the pressure is part of the same linear solve, structure and pressure no
longer fight one iteration after the other (as IBI with a separate ramp does).

Measured (2,3,4-trimethylpentane, 1000 beads, 60 ps, 240 frames): the sampled structure
Jacobian is noise: its two halves differ by 1.5× its norm, and noise in J shrinks every
Gauss–Newton step (ε 2.1e-3 after 10 iterations, IBI 1.4e-3).  The first default therefore
took the structure Jacobian from the HNC closure (:func:`.newton.hnc_response`, no
noise) and sampled only the pressure gradient, one well-determined row (ε 1.1e-3 after 8
iterations, 8e-4 after 10, |P − 1 atm| ≤ 10 bar from the fourth iteration on).

Where the remaining iterations go (same liquid; ``~/mobcg-runs/exp16``): ε falls in pairs.
A step that stiffens the core is realised as the model predicts; the next, a small
shoulder over the first shell, moves g two to three times more than predicted, and at the
shell's rising edge in the opposite sense (beads pushed out of the shell into its inner
flank: packing, which the closure underestimates).  The model's relative error on the
observed changes is 0.5–0.7 early and ≈ 1 late (then noise-dominated); a Percus–Yevick
closure predicts no better, an S(k) floor of 0.3 a little better but diverges (scaling the
closure's many-body part by 1.5 is the best single factor: relative error 0.55–0.75 early
against 0.56–0.78, offline on the stored runs — too little to try); linearising
the local term about the run's g instead of the target's, or relaxing 15–30 ps instead of 5
after each update, leaves the pairing as it is.  Without the pressure constraint the same
update reaches ε 6.4e-4 after 10 iterations (at +2000 bar); the constraint costs the rest.
At 1 atm the method levels off at ε 5.4–6.2e-4, mean 5.8e-4 (iterations 19–30 of a
30-iteration run): at the usual 6e-4 tolerance.  Half of that residual sits at the core's foot
(0.45–0.52 nm: the wall below r_core is softer than the target's PMF, and the one Tikhonov
weight for all coefficients mutes the low-sensitivity foot splines); weighting each
coefficient by its own sensitivity (Marquardt) removes the foot's share (1.8e-4 → 3.5e-5)
and the pairing, but the residual moves into the first shell, where the closure's predicted
change is ten times the realised one late in the run: 5.9e-4 after 17 iterations, the same
level (5.6e-4) after 20.  The same run with an S(k) floor of 0.3 oscillates (ε 1.3–5.3e-3).

That level is the closure's, not the liquid's: continued from the end of the 30-iteration
run with the **sampled** Jacobian (``imc_jacobian = "sampled"``), ε falls at 1 atm from
5.4e-4 to 4.3e-4 in 5 iterations of 100 ps, to 3.8e-4 in 4 of 200 ps and to 3.5e-4 in 4 of
400 ps (|P − 1 atm| ≤ 4 bar).  Near the target the sampled covariance, noisy as it is, is
right where the closure is biased.  ``imc_sampled_below`` switches to it once ε falls below
a threshold: from 1.5e-3 (iteration 9) ε reached 6.3e-4 after 14 iterations, from 3e-3
(iteration 7) 7.7e-4 after 12 — a lower floor, not a faster start, so the default stays 0.
``imc_jacobian = "blend"`` (:func:`blended_jacobian`) uses the sampled Jacobian column by
column as far as the run's two halves say it is measured, the HNC one elsewhere: it removes
the pairing and is faster early (234TriMePe ε 2.6e-3 after 3 iterations, 1.5e-3 after 6,
1.0e-3 after 8, against 5.1e-3, 4.3e-3, 1.9–2.3e-3 in two HNC runs), level later (7.1e-4
after 12 against 7.7e-4 and 1.3e-3; a quarter of it still at the foot; with Marquardt
weights 8.0e-4); 3-methylpentane 5.7e-4 after 9 against 6.0e-4.  Side by side with VOTCA
(``benchmarks/ibi_vs_votca.py --mobcg-options '{"imc_jacobian": "blend"}'``): 15 / 9 iterations
to 6e-4 (0.41× / 0.37× VOTCA's wall time) where the HNC default took 18 / 10.
Nor does a better start buy much: the HNC inversion of the target (−kT ln g + kT(h − c))
begins at ε 1.37e-2 instead of the PMF's 1.66e-2 and follows the same course (1.50e-3
after 7 iterations).

The default now is the blend plus two changes and a lighter regularisation
(:mod:`.imc_update`).  *DIIS* (:mod:`.mixing`, ``imc_history = 5``): from 2.6e-3 on, ε fell
by a steady ~15 % per iteration — the steps fall short along a few directions, the same ones
each time — and mixing each proposal with the last four by the residuals their runs left
removes that (234TriMePe ε after 8 iterations 7.3e-4 in two runs, blend alone 1.0e-3).
*The closure's local term about the run's g* (``imc_closure_local = "run"``): in the core's
foot (0.45–0.52 nm) the run's g is 3–8× the target's, so a closure linearised about the
target predicts a response that many times too small there; the regularisation then mutes
those splines and the foot kept 1.7–3.5e-4 of ε for good, growing as DIIS pressed the first
shell.  About the run's g (where it exceeds the target's) the foot stays at ~1.5e-4 and the
rest falls.  ε after 8 iterations, seeds 1, 3, 5, 7 on 234TriMePe and 1, 7 on
3-methylpentane: with λ = 1e-2, 6.7, 5.2, 6.3, 5.8 and 6.5, 4.3e-4 (3 of 6 runs at the 6e-4
tolerance within 8 iterations); with λ = 3e-3 (``imc_regularization``, the default),
8.2, 4.7, 5.5, 4.9 and 4.2, 5.3e-4, 3-methylpentane already below 6e-4 after 7 (5 of 6);
run_ps_min 40 instead of 20 on top, 4 of 6.  Then three more (the numbers below in the same
order): *the pressure after mixing* (``imc_pressure_after_mixing``,
:meth:`.imc_update.IMCUpdate._restore_pressure`): each proposal met the pressure constraint
under its own run's linear model, the mixture only as far as P is linear in U across them,
and near the core it is not (seed 1 held +56 to +103 bar over iterations 4–6; one mixed step
predicted to remove 101 bar removed 1).  This run's gradient now predicts the mixed step's ΔP
and the IMC step that moves g least removes the rest: 6.8, 4.6, 4.4, 4.0 and 6.2, 5.1e-4.
With the DIIS overlap regularised by 1e-2 instead of 1e-3 (``imc_history_regularization``:
mixtures nearer the newest proposal) 5.3, 3.9, 4.1, 4.3 and 6.2, 6.2e-4.  With frames every
0.2 ps instead of 0.5 (``report_interval_ps``: the blend measures more of the Jacobian)
3.5, 3.7, 4.8, 4.8 and 3.9, 3.1e-4, the default: all six within 8 iterations (7, 7, 8, 8 and
8, 7), |P − 1 atm| ≤ 36 bar from the third iteration on, ε 1.7–3.0e-4 after 10.  The extra
frames cost ~15 % per ps, after pair statistics became a third cheaper (6.6 ms per frame,
each pair once).  Tried on the way, not adopted (seed 1 unless said; the first three
without the pressure fix): dropping the DIIS
entries whose ε exceeds 4× the newest (seed 5: 1.5e-3 after 8), the pressure weighted 2× in
the DIIS residual (9.7e-4), |α| ≤ 1.5 (1.5e-3), knots 0.02 nm (seed 5 held +100–180 bar).
ε's own noise in a 90-ps run is 6.5e-5 (four runs of one
potential), so steps are limited by the model, not by sampling: 40–200 ps runs were no
better (9.7e-4 after 9).  Tried and not adopted (each 234TriMePe, 1000 beads): IBI's step in
the foot (the foot's share 3e-4 → 5e-5, but the first peak's rising edge, 0.52–0.60 nm, grew
to 1e-3); knots 0.02 / 0.015 nm (the pressure drifted to +60 / +280 bar); over-relaxation 1.3
(diverged); the pressure's implicit response from the Jacobian instead of the run (stuck at
+100 bar: the closure's pressure is biased); a half pressure correction per step (one seed
of four stuck at +170 bar).

Units: r in nm, U in kJ/mol, P in bar; arrays are 1-D over pair-distance bins or basis
functions as stated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import BSpline
from scipy.spatial import cKDTree

from mobcg_core.contract.types import Trajectory
from mobcg_core.contract.units import BAR_TO_KJMOL_NM3

from .linalg import matmul, solve


def spline_basis(r_lo_nm: float, r_c_nm: float, knot_nm: float) -> tuple[np.ndarray, int]:
    """Knots of cubic B-splines on [r_lo, r_c] whose members all vanish (with slope) at r_c.

    Returns (knots, n_basis).  The basis drops the splines that reach past r_c, so any
    combination leaves U(r_c) and F(r_c) untouched.
    """
    n = max(int(np.ceil((r_c_nm - r_lo_nm) / knot_nm)), 5)
    knots = np.linspace(r_c_nm - n * knot_nm, r_c_nm, n + 1)
    return knots, n - 3  # splines B_0..B_{n-4} have support [t_j, t_{j+4}] ⊂ [t_0, r_c]


def evaluate_basis(knots: np.ndarray, n_basis: int, r_nm: np.ndarray, derivative: int = 0) -> np.ndarray:
    """(len(r), n_basis) values (or derivatives, per nm) of the basis at ``r_nm``; zero outside."""
    out = np.zeros((len(r_nm), n_basis))
    for j in range(n_basis):
        b = BSpline.basis_element(knots[j:j + 5], extrapolate=False)
        values = (b.derivative(derivative) if derivative else b)(r_nm)
        out[:, j] = np.nan_to_num(values)
    return out


@dataclass
class PairStatistics:
    """Per-frame pair statistics of one CG run, the input of an IMC step.

    Attributes:
        r_nm: (n_bins,) g(r) bin centres (nm).
        g_frames: (n_frames, n_bins) g(r) of each frame.
        s_frames: (n_frames, n_basis) Σ_pairs φ_j(r_ij) of each frame (dimensionless).
        w_frames: (n_frames, n_basis) virial pressure of each basis function (bar).
        p_vir_frames: (n_frames,) virial pressure of the current potential (bar).
        cov_local: (n_bins, n_basis) cov(g, s) if pair counts were independent (Poisson), the
            noise-free part of the covariance that gives IBI's local response δg = −βg δU.
    """

    r_nm: np.ndarray
    g_frames: np.ndarray
    s_frames: np.ndarray
    w_frames: np.ndarray
    p_vir_frames: np.ndarray
    cov_local: np.ndarray


def pair_statistics(traj: Trajectory, r_nm: np.ndarray, knots: np.ndarray, n_basis: int,
                    du_dr: callable, fine_nm: float = 0.001) -> PairStatistics:
    """Histogram each frame's pair distances finely, then project them on g bins and the basis.

    ``du_dr(r)``: derivative of the current potential (kJ/mol/nm), for the virial.
    """
    dr = float(r_nm[1] - r_nm[0])
    r_max = float(knots[-1])
    sub = max(int(round(dr / fine_nm)), 1)
    n_fine = int(np.ceil(max(r_max, r_nm[-1] + 0.5 * dr) / (dr / sub)))
    edges = np.arange(n_fine + 1) * (dr / sub)
    centres = 0.5 * (edges[1:] + edges[:-1])
    phi = evaluate_basis(knots, n_basis, centres)
    dphi = evaluate_basis(knots, n_basis, centres, derivative=1)
    n_bins = len(r_nm)
    g_rows, s_rows, w_rows, p_rows, ideal_rows, count_sum = [], [], [], [], [], np.zeros(n_fine)
    for i in range(traj.n_frames):
        edge = np.asarray(traj.box_nm[i], dtype=float)
        volume = float(np.prod(edge))
        points = np.mod(traj.positions_nm[i], edge) % edge  # the second mod maps −0.0 / rounding to [0, L)
        # each pair once, then its minimum-image distance (r_max < L/2): a third faster per frame than
        # the tree's own distance matrix, which lists every pair twice
        pairs = cKDTree(points, boxsize=edge).query_pairs(float(edges[-1]), output_type="ndarray")
        delta = points[pairs[:, 0]] - points[pairs[:, 1]]
        delta -= edge * np.round(delta / edge)
        dist = np.sqrt(np.einsum("ij,ij->i", delta, delta))
        counts = np.bincount((dist / (dr / sub)).astype(np.int64), minlength=n_fine)[:n_fine].astype(float)
        n = len(points)
        coarse = counts[: n_bins * sub].reshape(n_bins, sub).sum(axis=1)
        lo, hi = r_nm - 0.5 * dr, r_nm + 0.5 * dr
        ideal = 0.5 * n * (n - 1) / volume * (4 * np.pi / 3) * (hi ** 3 - lo ** 3)
        g_rows.append(coarse / ideal)
        ideal_rows.append(ideal)
        count_sum += counts
        s_rows.append(matmul(counts, phi))
        virial = -(counts * centres) / (3 * volume * BAR_TO_KJMOL_NM3)  # bar per unit dU/dr
        w_rows.append(matmul(virial, dphi))
        p_rows.append(float(matmul(virial, du_dr(centres))))
    mean_counts = count_sum / traj.n_frames
    ideal = np.mean(ideal_rows, axis=0)
    local = np.zeros((n_bins, n_basis))
    for a in range(n_bins):  # var(n_b) = ⟨n_b⟩ per fine bin, bins independent
        fine = slice(a * sub, (a + 1) * sub)
        local[a] = matmul(mean_counts[fine], phi[fine]) / ideal[a]
    return PairStatistics(np.asarray(r_nm), np.array(g_rows), np.array(s_rows), np.array(w_rows),
                          np.array(p_rows), local)


def _centred_cov(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return matmul((a - a.mean(axis=0)).T, b - b.mean(axis=0)) / (len(a) - 1)


def pressure_gradient(stats: PairStatistics, kT: float, many_body: float = 1.0) -> np.ndarray:
    """(n_basis,) ∂⟨P⟩/∂c_j (bar per kJ/mol): the explicit virial term ⟨w_j⟩ − β ``many_body`` cov(P_vir, s_j)."""
    p_cov = _centred_cov(stats.p_vir_frames[:, None], stats.s_frames)[0]
    return stats.w_frames.mean(axis=0) - many_body / kT * p_cov


def imc_step(stats: PairStatistics, g_target: np.ndarray, kT: float, weight: np.ndarray,
             pressure_error_bar: float | None, regularization: float = 1e-2,
             many_body: float = 1.0, jacobian: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Coefficients c (n_basis,) of δU = Σ c_j φ_j (kJ/mol) and the pressure change they predict (bar).

    Minimises Σ_α weight_α (ḡ_α + J_α·c − g_target,α)² + λ|c|² with, when
    ``pressure_error_bar`` (⟨P⟩ − P_target) is given, ⟨P⟩ + p·c = P_target exactly.
    J = −β [cov_local + ``many_body`` (cov − cov_local)]: the sampled many-body part of
    the covariance is noisy in a short run (two halves of a 60 ps, 1000-bead run differ by
    more than its size), and noise in J shrinks every Gauss–Newton step, so it can be
    scaled down; 0 is IBI's local response with the pressure solved jointly.
    λ = ``regularization`` × the mean diagonal of JᵀWJ.  A ``jacobian`` (n_bins, n_basis;
    per kJ/mol), e.g. the HNC closure's (:func:`.newton.hnc_response`) or its Broyden
    update (:func:`broyden_jacobian`), replaces the sampled one; the pressure's gradient
    is always sampled (one row, well determined).
    """
    beta = 1.0 / kT
    cov = stats.cov_local + many_body * (_centred_cov(stats.g_frames, stats.s_frames) - stats.cov_local)
    jac = -beta * cov if jacobian is None else jacobian  # (n_bins, n_basis)
    p_grad = pressure_gradient(stats, kT, many_body)
    resid = stats.g_frames.mean(axis=0) - g_target
    a = matmul(jac.T, weight[:, None] * jac)
    a = a + regularization * max(float(np.mean(np.diag(a))), 1e-30) * np.eye(len(a))
    rhs = -matmul(jac.T, weight * resid)
    if pressure_error_bar is None:
        c = solve(a, rhs)
    else:
        n = len(a)
        kkt = np.zeros((n + 1, n + 1))
        kkt[:n, :n], kkt[:n, n], kkt[n, :n] = a, p_grad, p_grad
        c = solve(kkt, np.append(rhs, -pressure_error_bar))[:n]
    return c, float(matmul(p_grad, c))


def broyden_jacobian(jac0: np.ndarray, steps: list[np.ndarray], changes: list[np.ndarray]) -> np.ndarray:
    """Broyden's ("good") rank-one corrections of a Jacobian model by observed steps.

    Each earlier iteration applied coefficients s_k and the run after it measured the change
    y_k = g_{k+1} − g_k; J ← J + (y − J s) sᵀ / (sᵀ s) makes the model reproduce that change
    exactly, so the directions the iteration actually moves along — where a closure's
    Jacobian is wrong, IBI and HNC steps crawl — are corrected from the simulations.

    Args:
        jac0: (n_bins, n_basis) starting model (g per kJ/mol).
        steps: (n_basis,) applied coefficients (kJ/mol), oldest first.
        changes: (n_bins,) resulting changes of g, oldest first.
    """
    jac = np.array(jac0, dtype=float)
    for s, y in zip(steps, changes):
        norm = float(matmul(s, s))
        if norm > 0:
            jac += np.outer(y - matmul(jac, s), s) / norm
    return jac


def blended_jacobian(stats: PairStatistics, model: np.ndarray, kT: float, weight: np.ndarray) -> np.ndarray:
    """Per basis function, the sampled Jacobian shrunk towards a model (e.g. the HNC closure's).

    Column j of the sampled Jacobian −β cov(g, s_j) is noisy; its noise variance is estimated
    from the difference of the run's two halves, its signal from how far it lies from the
    model beyond that noise.  Each column is model + w_j (sampled − model) with
    w_j = S_j / (S_j + N_j) ∈ [0, 1]: where the run has measured the response well, it is used;
    where it has not, the model is.  ``weight`` (n_bins,) weights the rows (the ε integral).
    """
    beta = 1.0 / kT
    sampled = -beta * _centred_cov(stats.g_frames, stats.s_frames)
    half = len(stats.g_frames) // 2
    a = -beta * _centred_cov(stats.g_frames[:half], stats.s_frames[:half])
    b = -beta * _centred_cov(stats.g_frames[half:], stats.s_frames[half:])
    wr = weight[:, None]
    noise = np.sum(wr * (a - b) ** 2, axis=0) / 4.0          # variance of the full-run mean, per column
    distance = np.sum(wr * (sampled - model) ** 2, axis=0)
    signal = np.maximum(distance - noise, 0.0)
    w = signal / np.maximum(signal + noise, 1e-300)
    return model + w[None, :] * (sampled - model)
