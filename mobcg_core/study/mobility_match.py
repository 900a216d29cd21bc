"""Closed-loop prediction: choose the D fed to the model so that the CG liquid moves at a target D.

The model maps (mass, g(r), D) to U(r), and the paper's protocol feeds it the all-atom D.
But the model is not exact: for 3-methylpentane the potential it predicts for D_AA moves
2.5× faster than D_AA in CG MD (``benchmarks/results/ml_reference_pressure_validation.md``).
Feeding a lower D yields potentials whose liquids are slower, at a cost in structure.
Measured on the shipped model (1000 beads, LAMMPS, Nosé–Hoover, pressure-matched; D fed
f × D_AA with f = 1, 0.5, 0.25): 3-methylpentane D_CG/D_AA 2.53, 2.11, 1.78 with ε 0.0066,
0.0099, 0.0131; ethylbenzene 5.00, 4.13, 3.69 with ε 0.0149, 0.0188, 0.0226
(``~/mobcg-runs/exp17/closed_loop_nh.py``): D_CG ∝ f^0.25, ε ∝ f^-0.3.  This module closes the
loop: it probes the D fed, ``f × D_AA``, runs each prediction (pressure-matched, as every
prediction is) in NVT at the all-atom density and moves f along the secant of
ln D_CG against ln f until D_CG/D_AA is within ``tolerance`` of ``target_ratio`` — never
accepting a potential whose ε exceeds ``max_structure_error``.  When even the open-loop probe
(f = 1) is over that budget (toluene with the synthetic-database model: ε 0.0209), f is doubled
until a probe is within it: a higher D fed gives a potential closer to the structure-matching
one (ε ∝ f^-0.3), still slower than IBI's.

Units: D in 1e-9 m²/s, U in kJ/mol, r in nm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class MobilityMatch:
    """Result of :func:`match_mobility`.

    Attributes:
        chosen: what ``probe`` returned first for the chosen f (e.g. the potential).
        factor: the chosen f (the model was fed f × D_AA); None for a probe of no f (a database
            candidate, :mod:`mobcg_core.study.db_candidates`).
        probes: one dict per probe: ``factor``, ``ratio`` (D_CG/D_AA), ``ratio_err``,
            ``structure_error``, plus what the ``probe`` callable reported.
        converged: whether the chosen probe is within the tolerance of the target ratio.
        within_budget: whether the chosen probe is within the ε budget and liquid (False when
            no probe was: the open-loop probe is then kept, and must be reported as such).
    """

    chosen: Any
    factor: float | None
    probes: list[dict] = field(default_factory=list)
    converged: bool = False
    within_budget: bool = True


def match_mobility(probe: Callable[[float], tuple[Any, dict]], target_ratio: float = 1.0,
                   tolerance: float = 0.1, max_structure_error: float = 0.02, rounds: int = 5,
                   slope: float = 0.25, factor_range: tuple[float, float] = (0.02, 4.0)) -> MobilityMatch:
    """Search f so that the probe's D_CG/D_AA approaches ``target_ratio``.

    Args:
        probe: f ↦ (candidate, measurement) where the measurement holds ``ratio``
            (D_CG/D_AA), ``ratio_err`` and ``structure_error`` (ε, nm) of a CG run with the
            potential predicted for f × D_AA.
        target_ratio: the D_CG/D_AA aimed at (1: the all-atom mobility).
        tolerance: stop once |ln(ratio / target_ratio)| ≤ ln(1 + tolerance).
        max_structure_error: probes with a larger ε are never chosen; the search bisects
            (in ln f) between such a probe and the nearest acceptable one.
        rounds: most probes (the first is f = 1, the open-loop prediction).
        slope: d ln D_CG / d ln f assumed until two probes measure it (0.25 measured on the
            shipped model).
        factor_range: (lowest, highest) f probed; f > 1 only while no probe is within the budget
            or the liquid moves slower than the target.
    """
    lo_f, hi_f = factor_range
    f, probes, found = 1.0, [], []
    for _ in range(rounds):
        candidate, m = probe(f)
        probes.append({"factor": f, **m})
        found.append(candidate)
        ok = [p for p in probes if _acceptable(p, max_structure_error)]
        if ok and _miss(ok[-1], target_ratio) <= math.log1p(tolerance) and probes[-1] is ok[-1]:
            break
        f = _next_factor(probes, target_ratio, max_structure_error, slope, lo_f, hi_f)
        if f is None or any(abs(math.log(f / p["factor"])) < 1e-3 for p in probes):
            break
    return choose(found, probes, target_ratio, tolerance, max_structure_error)


def choose(found: list, probes: list[dict], target_ratio: float, tolerance: float,
           max_structure_error: float) -> MobilityMatch:
    """The probe nearest ``target_ratio`` in ln D among those within the ε budget and liquid (the
    first probe when none is); ``found[i]`` is what probe ``i`` returned with its measurement."""
    ok = [i for i, p in enumerate(probes) if _acceptable(p, max_structure_error)] or [0]
    best = min(ok, key=lambda i: _miss(probes[i], target_ratio))
    within = _acceptable(probes[best], max_structure_error)
    converged = within and _miss(probes[best], target_ratio) <= math.log1p(tolerance)
    return MobilityMatch(found[best], probes[best].get("factor"), probes, converged, within)


def _acceptable(p: dict, max_eps: float) -> bool:
    """A probe may be chosen: within the structure budget and still a liquid."""
    return p["structure_error"] <= max_eps and not p.get("frozen", False)


def _miss(p: dict, target: float) -> float:
    return abs(math.log(p["ratio"] / target))


def _next_factor(probes: list[dict], target: float, max_eps: float, slope: float, lo: float,
                 hi: float) -> float | None:
    """The secant step in (ln f, ln D) from the last two structurally acceptable probes, kept
    inside the bracket that the structurally rejected probes leave (ε grows as f falls)."""
    ok = [p for p in probes if _acceptable(p, max_eps)]
    if not ok:  # nothing within the budget yet: feed a higher D (ε falls as f rises)
        top = max(p["factor"] for p in probes)
        return min(2.0 * top, hi) if top < hi else None
    rejected = [p["factor"] for p in probes if not _acceptable(p, max_eps)]
    floor = max([f for f in rejected if f < ok[-1]["factor"]], default=0.0)
    if len(ok) >= 2:
        a, b = ok[-2], ok[-1]
        dlf = math.log(b["factor"] / a["factor"])
        if dlf != 0:
            measured = math.log(b["ratio"] / a["ratio"]) / dlf
            slope = measured if measured > 0.02 else slope  # noise or a flat response: keep the prior
    step = math.log(target / ok[-1]["ratio"]) / slope
    step = max(min(step, math.log(4.0)), -math.log(4.0))  # at most a factor of 4 per probe
    f = min(max(ok[-1]["factor"] * math.exp(step), lo), hi)
    if f <= floor:  # past a rejected probe: bisect (in ln f) between it and the acceptable one
        f = math.sqrt(floor * ok[-1]["factor"])
        if ok[-1]["factor"] / floor < 1.1:
            return None
    return f
