"""Bring a given CG potential to the state pressure at its liquid's density.

A predicted potential (or any potential made without pressure correction) reproduces D and
g(r) at the all-atom density, but nothing holds that density at 1 atm: a few hundred bar
of excess pressure expand the liquid by several per cent in NPT.  The standard remedy
(Wang et al. 2009; Reith et al. 2003) adds a linear ramp A (1 − r/r_c), which shifts the
pressure strongly and the structure and dynamics little.  Here A comes from short NVT
probes at the all-atom density: the first from the virial (:func:`potentials.
ramp_pressure_slope`), later ones from the secant through the probes measured so far,
which includes the liquid's structural response that the virial estimate leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mobcg_core.physics import potentials as P
from mobcg_core.contract.units import kT_kjmol
from mobcg_core.workflows import CGRun, measure_cg
from mobcg_core.contract.types import PairPotential


@dataclass
class PressureMatch:
    """Result of :func:`match_pressure`.

    Attributes:
        potential: the corrected potential (kJ/mol on the input grid, nm).
        amplitude_kjmol: the ramp amplitude A finally added (kJ/mol).
        probes: one dict per probe run: ``amplitude_kjmol``, ``pressure_bar``.
        converged: whether the last probe was within the tolerance.
    """

    potential: PairPotential
    amplitude_kjmol: float
    probes: list[dict] = field(default_factory=list)
    converged: bool = False


def match_pressure(engine, pot: PairPotential, mass_gmol: float, n_beads: int, box_nm: float, cg: dict,
                   analysis: dict, state: dict, seed: int, probe_ps: float = 20.0, rounds: int = 3,
                   tolerance_bar: float = 25.0, max_amplitude_kT: float = 1.0) -> PressureMatch:
    """Add the ramp A (1 − r/r_c) that brings ⟨P⟩ to ``state["pressure_bar"]`` at ``box_nm``.

    Each probe is an NVT run of ``probe_ps`` (after a 5 ps relaxation) with the run file's
    CG protocol ``cg``; at most ``rounds`` probes, stopping once |P − P_state| ≤
    ``tolerance_bar``.  The amplitude is capped at ``max_amplitude_kT`` kT.
    """
    r = pot.r_nm
    shape = 1.0 - r / r[-1]
    kT = kT_kjmol(state["temperature_K"])
    p_target = state["pressure_bar"]
    density = n_beads / box_nm ** 3
    amplitude, probes = 0.0, []
    for k in range(rounds):
        trial = PairPotential(r, pot.u_kjmol + amplitude * shape)
        run = CGRun.from_config(cg, state, n_beads, mass_gmol, box_nm, seed + k, equilibration_ps=5.0,
                                production_ps=probe_ps)
        m = measure_cg(engine, trial, run, analysis).sample(analysis)
        pressure = float(m["pressure_bar"])
        probes.append({"amplitude_kjmol": amplitude, "pressure_bar": pressure})
        if not np.isfinite(pressure):
            break
        if abs(pressure - p_target) <= tolerance_bar:
            return PressureMatch(trial, amplitude, probes, True)
        if k == rounds - 1:
            break
        slope = P.ramp_pressure_slope(m["rdf_measured"], density, float(r[-1]))  # bar per kJ/mol
        if len(probes) >= 2:
            a0, a1 = probes[-2]["amplitude_kjmol"], probes[-1]["amplitude_kjmol"]
            measured = (probes[-1]["pressure_bar"] - probes[-2]["pressure_bar"]) / (a1 - a0) if a1 != a0 else 0.0
            slope = measured if measured > 0 else slope  # a noisy or inverted secant falls back to the virial
        amplitude = float(np.clip(amplitude - (pressure - p_target) / slope,
                                  -max_amplitude_kT * kT, max_amplitude_kT * kT))
    best = min(probes, key=lambda p: abs(p["pressure_bar"] - p_target) if np.isfinite(p["pressure_bar"]) else np.inf)
    return PressureMatch(PairPotential(r, pot.u_kjmol + best["amplitude_kjmol"] * shape),
                         best["amplitude_kjmol"], probes, False)
