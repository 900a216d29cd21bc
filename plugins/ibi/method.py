"""Iterative Boltzmann inversion driven through the engine contract only."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

from mobcg_core.physics import potentials as P
from mobcg_core.analysis import rdf as compute_rdf
from mobcg_core.analysis import structure_error
from mobcg_core.contract.errors import SimulationError
from mobcg_core.contract.hookspecs import CGMethod, CGOutcome, CGTask
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.contract.types import MDProtocol, PairPotential, RDF
from mobcg_core.contract.units import kT_kjmol

from .imc_update import IMCUpdate
from .newton import hnc_update
from .record import IterationStore
from .schema import IBI_OPTIONS


def _mean_pressure(traj) -> float | None:
    return float(np.mean(traj.pressure_bar)) if traj.pressure_bar is not None and len(traj.pressure_bar) else None


class IBI(IMCUpdate, CGMethod):
    """U_{k+1}(r) = U_k(r) + α ΔU_k(r), with a core wall.

    ΔU is one of
    * ``update = "imc"`` (default, :mod:`.imc_update`): a Gauss–Newton step in a cubic-spline
      basis with the run's sampled Jacobian shrunk towards the HNC closure's by its noise
      (or either alone, or Broyden's correction of the HNC one) and the pressure as an exact
      linear constraint, whose gradient the run samples; then mixed with the last steps by
      DIIS (:mod:`.mixing`);
    * ``update = "ibi"``: kT ln(g_k(r)/g_target(r)), smoothed, plus a separate linear
      pressure ramp;
    * ``update = "newton"`` (:mod:`.newton`): IBI's step plus the HNC/Ornstein–Zernike
      many-body term on the g(r) grid, plus the ramp.

    Structure error: ε = ∫ (g_CG − g_target)² dr over [error_r_min_nm, error_r_max_nm]
    (r in nm, VOTCA's measure).  Runs are short while ε is large and lengthen as it
    approaches the tolerance.  Every iteration is stored; a rerun resumes after the
    last stored one and reproduces an uninterrupted run exactly.
    """

    name = "ibi"
    version = "0.1.0"
    options = IBI_OPTIONS

    def derive(self, task: CGTask, engine, workdir: Path, progress=None) -> CGOutcome:
        o = self.opts
        kT = kT_kjmol(task.temperature_K)
        self._target_pressure = task.pressure_bar if task.pressure_bar is not None else 1.01325
        store = IterationStore(Path(workdir))
        r_table = P.table_grid(task.cutoff_nm, task.table_dr_nm)
        r_g = self._rdf_grid(task)
        target = RDF(r_g, task.target.on(r_g))
        r_core = P.core_radius(task.target)
        last = store.last()
        if last is None:
            pot = P.pmf_potential(task.target, kT, task.cutoff_nm, task.table_dr_nm)
            positions, start = None, 0
        else:
            pot, positions, start = last.next_potential, last.positions_nm, last.index + 1
        protocol = MDProtocol(task.temperature_K, task.timestep_fs, 0.0, seed=task.seed,
                              friction_per_ps=o["friction_per_ps"])
        system = cg_box(task.n_beads, task.mass_gmol, task.box_nm, pot, seed=task.seed)
        sim = engine.cg_simulation(system, protocol)
        if positions is None:
            sim.minimize()
            positions = sim.run(o["equilibration_ps"], 0.0).positions_nm[-1]
        history = store.history()
        try:
            for k in range(start, o["max_iterations"]):
                if self._should_stop(history):
                    break
                t0 = time.perf_counter()
                sim.set_potential(pot)
                sim.restart(positions, task.box_nm, seed=task.seed * 1000 + k + 1)
                run_ps = self._run_length(history)
                sim.run(o["equilibration_ps"], 0.0)
                traj = sim.run(run_ps, o["report_interval_ps"])
                t_sim = time.perf_counter() - t0
                stats = self._pair_statistics(traj, r_g, pot, r_core) if o["update"] == "imc" else None
                g_cg = compute_rdf(traj, r_g) if stats is None else RDF(r_g, stats.g_frames.mean(axis=0))
                eps = structure_error(g_cg, target, o["error_r_min_nm"], o["error_r_max_nm"])
                pressure = _mean_pressure(traj)
                positions = traj.positions_nm[-1]
                record = dict(index=k, error=eps, pressure_bar=pressure, run_ps=run_ps)
                if stats is not None:
                    new_pot, predicted, fields = self._update_imc(pot, stats, target, r_table, r_core, kT,
                                                                  pressure, task, history, store, eps)
                    record.update(fields)
                else:
                    new_pot, predicted = self._update(pot, g_cg, target, r_table, r_core, kT, pressure, task,
                                                      history + [record])
                record.update(ramp_predicted_bar=predicted,
                              wall_s=time.perf_counter() - t0, sim_s=t_sim)
                store.save(k, pot, new_pot, g_cg, positions, record)
                history.append(record)
                if progress:
                    progress(k + 1, o["max_iterations"], f"ε={eps:.2e}")
                if not math.isfinite(eps):
                    raise SimulationError(f"IBI iteration {k}: structure error is not finite")
                pot = new_pot
        except SimulationError as exc:
            return self._outcome(store, history, stopped=f"simulation failed: {exc}")
        finally:
            sim.close()
        return self._outcome(store, history)

    # ------------------------------------------------------------------ pieces
    def _rdf_grid(self, task: CGTask) -> np.ndarray:
        dr = self.opts["rdf_dr_nm"]
        r_max = min(task.cutoff_nm, 0.5 * task.box_nm - dr)
        n = int((r_max - 0.5 * dr) / dr)
        return dr * (np.arange(n) + 0.5)

    def _run_length(self, history: list[dict]) -> float:
        """Short runs while far from the target, long ones close to it (log-interpolated)."""
        o = self.opts
        if not history:
            return o["run_ps_min"]
        first, last = history[0]["error"], history[-1]["error"]
        tol = o["tolerance"]
        if not (first > tol and last > 0):
            return o["run_ps_max"]
        frac = np.clip(math.log(last / tol) / math.log(first / tol), 0.0, 1.0)
        return float(o["run_ps_max"] - frac * (o["run_ps_max"] - o["run_ps_min"]))

    def _update(self, pot: PairPotential, g_cg: RDF, target: RDF, r_table: np.ndarray, r_core: float,
                kT: float, pressure: float | None, task: CGTask,
                history: list[dict]) -> tuple[PairPotential, float | None]:
        """The next potential and the pressure change its ramp is predicted to make (bar)."""
        o = self.opts
        if o["update"] == "newton":
            density = task.n_beads / task.box_nm ** 3
            du = o["damping"] * hnc_update(g_cg.r_nm, g_cg.g, target.g, density, kT, task.cutoff_nm, P.G_FLOOR,
                                           s_min=o["newton_s_min"])
        else:
            both = (g_cg.g > P.G_FLOOR) & (target.g > P.G_FLOOR)
            du = np.zeros_like(g_cg.g)
            du[both] = o["damping"] * kT * np.log(g_cg.g[both] / target.g[both])
        du = P.smooth(du, o["smoothing_nm"] / self.opts["rdf_dr_nm"])
        du_table = CubicSpline(g_cg.r_nm, du)(np.clip(r_table, g_cg.r_nm[0], g_cg.r_nm[-1]))
        du_table[r_table > g_cg.r_nm[-1]] = 0.0
        # Switch the *update* off towards r_c: U and F stay continuous there and U(r_c) = 0,
        # without re-switching U itself (which would build a step just inside r_c).
        u = pot.u_kjmol + du_table * P.cutoff_switch(r_table, o["cutoff_width_nm"])
        if o["pressure_correction"] and pressure is not None and task.pressure_bar is not None:
            density = task.n_beads / task.box_nm ** 3
            ramp, predicted = self._pressure_ramp(r_table, pressure - task.pressure_bar, kT, g_cg, density, history)
            u = u + ramp
        else:
            predicted = None
        u = P.add_core_wall(r_table, u, r_core, kT)
        return PairPotential(r_table, u), predicted

    def _pressure_ramp(self, r: np.ndarray, dp_bar: float, kT: float, g: RDF, density_nm3: float,
                       history: list[dict]) -> tuple[np.ndarray, float]:
        """Wang/Reith ramp ΔU = A (1 − r/r_c); the amplitude comes from the virial and adapts.

        For this ramp the virial theorem gives ΔP = (2π/3) ρ² (A/r_c) ∫₀^{r_c} r³ g(r) dr,
        so the amplitude that removes a pressure error follows from the measured g(r) and
        density — no hand-tuned constant.  The IBI update itself shifts the pressure from
        one iteration to the next (a drift); that drift is measured as the pressure change
        not explained by the previous ramp (mean of the last three) and corrected for too,
        so the pressure does not settle at an offset.  Returns (ramp, predicted ΔP).
        """
        o = self.opts
        dp_da = P.ramp_pressure_slope(g, density_nm3, float(r[-1]))  # bar per kJ/mol
        drifts = [b["pressure_bar"] - a["pressure_bar"] - (a.get("ramp_predicted_bar") or 0.0)
                  for a, b in zip(history[:-1], history[1:]) if a.get("pressure_bar") is not None]
        drift = float(np.mean(drifts[-3:])) if drifts else 0.0
        drift = float(np.clip(drift, -abs(dp_bar) - 100.0, abs(dp_bar) + 100.0))
        a = -(o["pressure_relaxation"] * dp_bar + drift) / dp_da
        a = float(np.clip(a, -o["pressure_max_kT"] * kT, o["pressure_max_kT"] * kT))
        return a * (1.0 - r / r[-1]), a * dp_da

    def _should_stop(self, history: list[dict]) -> bool:
        return self._stop_reason(history) is not None

    def _stop_reason(self, history: list[dict]) -> str | None:
        """Why iterating should end: converged, diverging, plateau — or None to go on."""
        o = self.opts
        if not history:
            return None
        last = history[-1]
        pressure_ok = (not o["pressure_correction"] or last.get("pressure_bar") is None
                       or abs(last["pressure_bar"] - self._target_pressure) <= o["pressure_tolerance_bar"])
        if o["stop_at_tolerance"] and last["error"] <= o["tolerance"] and pressure_ok:
            return "converged"
        errors = [h["error"] for h in history]
        n = o["divergence_patience"]
        if len(errors) > n and all(errors[-i] > errors[-i - 1] for i in range(1, n + 1)):
            return "diverging"
        best = int(np.argmin(errors))
        # A plateau in ε ends the run only once the pressure is in tolerance too: with pressure
        # correction on, the ramp may still be moving the pressure while ε stands still.
        if len(errors) - 1 - best >= o["plateau_patience"] and pressure_ok:
            return "plateau"
        return None

    def _outcome(self, store: IterationStore, history: list[dict], stopped: str | None = None) -> CGOutcome:
        if not history:
            raise SimulationError(f"IBI produced no iteration ({stopped or 'no iterations run'})")
        o = self.opts
        candidates = history
        if o["pressure_correction"]:
            in_tol = [h for h in history if h.get("pressure_bar") is not None
                      and abs(h["pressure_bar"] - self._target_pressure) <= o["pressure_tolerance_bar"]]
            candidates = in_tol or history
        best = min(candidates, key=lambda h: h["error"])
        converged = best["error"] <= o["tolerance"]
        diverged = self._stop_reason(history) == "diverging"
        info = dict(iterations=len(history), best_iteration=best["index"], error=best["error"],
                    final_error=history[-1]["error"], converged=converged, diverged=diverged,
                    stopped=stopped or self._stop_reason(history) or "iteration limit",
                    wall_s=sum(h["wall_s"] for h in history),
                    pressure_bar=best.get("pressure_bar"), history=history)
        return CGOutcome(store.load(best["index"]).potential, info)
