"""The IMC update of the IBI plugin: one constrained Gauss–Newton step per iteration, then DIIS.

A mixin of :class:`.method.IBI` (it reads ``self.opts`` and the run's target pressure): the
iteration loop, IBI's own update and the stopping rules stay in :mod:`.method`; here is how
an iteration's pair statistics become the next potential — the Jacobian (HNC closure,
sampled, blended or Broyden-corrected; :mod:`.imc`), the solve with the pressure as a
constraint, the mixing with the last proposals (:mod:`.mixing`) and the trust region.
"""

from __future__ import annotations

import math

import numpy as np

from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.contract.types import RDF, PairPotential
from mobcg_core.physics import potentials as P

from .imc import (blended_jacobian, broyden_jacobian, evaluate_basis, imc_step, pair_statistics, pressure_gradient,
                  spline_basis)
from .linalg import matmul
from .mixing import diis_weights, residual_vector
from .newton import hnc_response
from .record import IterationStore


class IMCUpdate:
    """IMC steps for :class:`.method.IBI` (``update = "imc"``)."""

    def _basis(self, r_core: float, cutoff_nm: float) -> tuple[np.ndarray, int]:
        return spline_basis(max(r_core - 2 * self.opts["knot_nm"], 0.05), cutoff_nm, self.opts["knot_nm"])

    def _pair_statistics(self, traj, r_g: np.ndarray, pot: PairPotential, r_core: float):
        knots, n_basis = self._basis(r_core, pot.cutoff_nm)
        return pair_statistics(traj, r_g, knots, n_basis, lambda r: -np.interp(r, pot.r_nm, pot.f_kjmol_nm))

    def _update_imc(self, pot: PairPotential, stats, target: RDF, r_table: np.ndarray, r_core: float,
                    kT: float, pressure: float | None, task: CGTask, history: list[dict],
                    store: IterationStore, eps: float) -> tuple[PairPotential, float | None, dict]:
        """IMC step (:mod:`.imc`): structure and pressure in one constrained Gauss–Newton solve.

        Returns the next potential, the pressure change predicted (bar) and the fields this
        step adds to the iteration's record: the applied spline coefficients (kJ/mol; Broyden's
        update of later iterations reads them back), the step proposed before damping and mixing
        (:mod:`.mixing` reads it back) and the DIIS weights (None without mixing).
        """
        o = self.opts
        r = stats.r_nm
        weight = ((r >= o["error_r_min_nm"]) & (r <= o["error_r_max_nm"])) * (r[1] - r[0])
        dp = None
        if o["pressure_correction"] and pressure is not None and task.pressure_bar is not None:
            dp = pressure - task.pressure_bar
        knots, n_basis = self._basis(r_core, pot.cutoff_nm)
        jac = None
        sampled = o["imc_jacobian"] == "sampled" or eps <= o["imc_sampled_below"]
        if not sampled:
            density = task.n_beads / task.box_nm ** 3
            # about the target the closure is constant over a run (cached; the key follows the liquid,
            # since one plugin object may derive many); about the run's g it changes every iteration
            g_local = stats.g_frames.mean(axis=0) if o["imc_closure_local"] == "run" else None
            key = (target.g.tobytes(), r.tobytes(), r_core, density, o["newton_s_min"], knots.tobytes(),
                   None if g_local is None else g_local.tobytes())
            if getattr(self, "_hnc_cache", (None,))[0] != key:
                self._hnc_cache = (key, hnc_response(r, target.g, density, r_core, s_min=o["newton_s_min"],
                                                     basis=evaluate_basis(knots, n_basis, r), g_local=g_local))
            jac = self._hnc_cache[1] / kT
            if o["imc_jacobian"] == "blend":
                jac = blended_jacobian(stats, jac, kT, weight)
            if o["imc_jacobian"] == "broyden":
                jac = broyden_jacobian(jac, *self._observed_steps(history, store, stats))
        c, predicted = imc_step(stats, target.g, kT, weight, dp, o["imc_regularization"], o["imc_many_body"], jac)
        basis = evaluate_basis(knots, n_basis, r_table)
        g = stats.g_frames.mean(axis=0)
        du = matmul(basis, c)
        alpha = None
        if o["imc_history"] > 1:
            du, alpha = self._mixed_step(pot, du, basis, g, dp, target, weight, history, store)
        mixed_dp = None
        if alpha is not None and dp is not None and o["imc_pressure_after_mixing"]:
            du, mixed_dp = self._restore_pressure(du, basis, r_table >= r_core, stats, g, kT, weight, dp, jac)
        # a trust region: a Gauss–Newton step far from the target may overshoot
        largest = float(np.max(np.abs(du[r_table >= r_core]), initial=0.0))
        scale = o["damping"] * (min(1.0, o["max_step_kT"] * kT / largest) if largest > 0 else 1.0)
        u = P.add_core_wall(r_table, pot.u_kjmol + scale * du, r_core, kT)
        fields = dict(step_coefficients=(scale * c).tolist(), proposal_coefficients=c.tolist(),
                      mixing_weights=None if alpha is None else alpha.tolist(), mixed_pressure_error_bar=mixed_dp)
        return PairPotential(r_table, u), (None if dp is None else scale * predicted), fields

    def _restore_pressure(self, du: np.ndarray, basis: np.ndarray, outside_core: np.ndarray, stats,
                          g: np.ndarray, kT: float, weight: np.ndarray, dp: float,
                          jac: np.ndarray | None) -> tuple[np.ndarray, float]:
        """δU (kJ/mol, table grid) with the pressure constraint re-imposed on a DIIS mixture.

        Each proposal met ⟨P⟩ = P_target under its own run's linear model; their mixture meets
        it only as far as P is linear in U across all of them, and near the core it is not
        (234TriMePe: mixed steps predicted to remove 100 bar removed 1).  This run's pressure
        gradient predicts the mixed step's ΔP; the error it leaves is removed by the IMC step
        that changes g least (zero structure residual, the same Jacobian and regularisation).
        Returns (δU, the pressure error the mixture alone was predicted to leave, bar).
        """
        o = self.opts
        p_grad = pressure_gradient(stats, kT, o["imc_many_body"])
        c_mix = np.linalg.lstsq(basis[outside_core], du[outside_core], rcond=None)[0]
        left = dp + float(matmul(p_grad, c_mix))
        c_fix, _ = imc_step(stats, g, kT, weight, left, o["imc_regularization"], o["imc_many_body"], jac)
        return du + matmul(basis, c_fix), left

    def _mixed_step(self, pot: PairPotential, du: np.ndarray, basis: np.ndarray, g: np.ndarray,
                    dp: float | None, target: RDF, weight: np.ndarray, history: list[dict],
                    store: IterationStore) -> tuple[np.ndarray, np.ndarray | None]:
        """δU (kJ/mol, on the table grid) to the DIIS mixture of this and the last proposals, and its weights."""
        o = self.opts
        scale = o["pressure_tolerance_bar"] / math.sqrt(o["tolerance"])  # |ΔP| at tolerance ~ ε at tolerance
        residuals, proposals = [], []
        for h in history[-(o["imc_history"] - 1):]:
            earlier = store.load(h["index"])
            if h.get("proposal_coefficients") is None or len(earlier.rdf.g) != len(g):
                residuals, proposals = [], []  # a gap: mix only what follows it
                continue
            dp_h = None if dp is None or h.get("pressure_bar") is None else h["pressure_bar"] - self._target_pressure
            residuals.append(residual_vector(earlier.rdf.g, target.g, weight, dp_h, scale))
            proposals.append(earlier.potential.u_kjmol + matmul(basis, np.asarray(h["proposal_coefficients"])))
        residuals.append(residual_vector(g, target.g, weight, dp, scale))
        proposals.append(pot.u_kjmol + du)
        if len({len(e) for e in residuals}) > 1:
            return du, None
        alpha = diis_weights(residuals, regularization=o["imc_history_regularization"])
        return sum(a * v for a, v in zip(alpha, proposals)) - pot.u_kjmol, alpha

    @staticmethod
    def _observed_steps(history: list[dict], store: IterationStore, stats) -> tuple[list, list]:
        """(applied coefficients, resulting change of g) of every earlier IMC step, from the store."""
        gs = [store.load(h["index"]).rdf.g for h in history[:-1]] + [stats.g_frames.mean(axis=0)]
        steps, changes = [], []
        for k, h in enumerate(history[:-1]):
            if h.get("step_coefficients") is not None and len(gs[k + 1]) == len(gs[k]):
                steps.append(np.asarray(h["step_coefficients"]))
                changes.append(gs[k + 1] - gs[k])
        return steps, changes
