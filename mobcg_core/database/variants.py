"""CG-level extension of the database: perturbed variants of every stored potential.

All-atom runs are the expensive part of a sample (minutes to hours each); a CG run of a
few hundred beads takes seconds.  So each potential in ``/forcefields`` (from a synthetic
all-atom run, or a liquid's IBI potential added with ``mobcg db seed``) spawns
``database.variants_per_forcefield`` smooth random variants U'(r), and each variant is run
at ``database.variant_masses`` random bead masses.  Every such sample is physically
consistent by construction: its g(r), D and pressure are measured with its own U'(r) and
mass, which is all the predictor learns from ((mass, g, D) -> U).

A variant combines three changes, each a smooth function of r switched off towards r_c, all
scaled by one random magnitude in [0, 1] (so variants range from near-copies to strong changes):

* a size change U(r/λ), λ in ``variant_size_range`` (packing: the strongest lever on D);
* a well-depth change (s − 1)·min(U, 0), s in [0.6, 1.6] (cohesion, peak height);
* 1–3 Gaussian bumps of rms height ``variant_amplitude_kT`` between the core and 1.2 nm
  (shell structure);

and the density of its box changes by up to ±``variant_density_change``.  A short probe run
then measures the pressure, and a linear ramp A(1 − r/r_c) (Wang/Reith, amplitude from the
virial) brings it to ``state.pressure_bar``, so every variant holds roughly the state
pressure at its density, as IBI's pressure-corrected potentials do.
"""

from __future__ import annotations

import time

import numpy as np

from mobcg_core.physics import potentials as P
from mobcg_core.contract import units
from mobcg_core.analysis import rdf_grid
from mobcg_core.io import stable_hash
from mobcg_core.contract.types import PairPotential, RDF
from mobcg_core.database.jobs import plugin, sample_fields
from mobcg_core.workflows import CGRun, measure_cg
from mobcg_core.database.settings import cg_engine_table, cg_md_settings, parse_json, job_seed

_SIZE_SWITCH_NM = 0.15  # the perturbation fades to zero over this width below r_c


def draw_variant(r_nm: np.ndarray, u_kjmol: np.ndarray, kT: float, rng: np.random.Generator,
                 amplitude_kT: float, size_range: tuple[float, float]) -> tuple[np.ndarray, dict]:
    """A random smooth variant of U(r) (kJ/mol on ``r_nm``, shape (n,)); returns (U', parameters)."""
    switch = P.cutoff_switch(r_nm, _SIZE_SWITCH_NM)
    # One magnitude scales every change: variants range evenly from near-copies of the seed
    # (dense sampling where the targets lie) to strongly changed liquids (coverage).
    magnitude = float(rng.uniform(0.0, 1.0))
    lam = 1.0 + magnitude * (float(rng.uniform(*size_range)) - 1.0)
    du = np.interp(r_nm / lam, r_nm, u_kjmol, right=0.0) - u_kjmol
    depth = 1.0 + magnitude * float(rng.uniform(-0.4, 0.6))
    du += (depth - 1.0) * np.minimum(u_kjmol, 0.0)
    # Bumps start at the repulsive wall (U = 5 kT): inside it they would change nothing sampled.
    wall = float(r_nm[np.argmax(u_kjmol < 5.0 * kT)])
    k = int(rng.integers(1, 4))
    centres = rng.uniform(wall, 1.2, k)
    widths = rng.uniform(0.02, 0.08, k)
    heights = magnitude * rng.normal(0.0, amplitude_kT * kT, k)
    for c, w, a in zip(centres, widths, heights):
        du += a * np.exp(-0.5 * ((r_nm - c) / w) ** 2)
    du = P.smooth(du * switch, 1.0)
    params = {"magnitude": magnitude, "size": lam, "depth": depth, "bumps": [[float(c), float(w), float(a)]
                                                      for c, w, a in zip(centres, widths, heights)]}
    return u_kjmol + du, params


def pressure_ramp(r_nm: np.ndarray, dp_bar: float, g: RDF, density_nm3: float, cap_kjmol: float) -> np.ndarray:
    """The ramp A (1 − r/r_c) (kJ/mol on ``r_nm``) predicted by the virial to change P by −dp_bar."""
    a = -dp_bar / P.ramp_pressure_slope(g, density_nm3, float(r_nm[-1]))
    return float(np.clip(a, -cap_kjmol, cap_kjmol)) * (1.0 - r_nm / r_nm[-1])


def variant_payloads(study, database, seed_keys: set[str] | None = None) -> list[tuple[str, dict]]:
    """(key, payload) of every variant sample job the run file asks for, for all stored potentials."""
    cfg, db = study.cfg, study.cfg["database"]
    if db["variants_per_forcefield"] == 0:
        return []
    ff = database.read("forcefields")
    r_u = database.grids()["potential_r_nm"]
    lo, hi = db["mass_range_gmol"]
    n_beads = db["n_beads"] or cfg["cg"]["n_beads"] or 500
    spec = {k: db[k] for k in ("variant_amplitude_kT", "variant_size_range", "variant_density_change")}
    jobs = []
    # Index-major order: a run stopped early holds about as many variants of every seed.
    for j in range(db["variants_per_forcefield"]):
        for i, fk in enumerate(ff["key"].tolist()):
            prov = parse_json(ff["provenance_json"][i])
            density = float(ff["aa_density_g_cm3"][i])
            variant = stable_hash({"parent": fk, "index": j, "spec": spec}, 16)
            for m in range(db["variant_masses"]):
                # Log-uniform masses: D scales as m^-1/2, so this spreads D evenly on a log scale.
                draw = np.random.default_rng(job_seed(variant, "mass", m)).uniform(np.log(lo), np.log(hi))
                mass = float(np.exp(draw))
                physics = {"variant": variant, "mass_index": m, "mass_gmol": mass, "n_beads": n_beads,
                           "cg": cg_md_settings(cfg), "analysis": cfg["analysis"], "state": cfg["state"],
                           "engine": cg_engine_table(cfg)["name"]}
                jobs.append((stable_hash(physics, 16), {
                    **physics, "parent_key": fk, "variant_index": j, "spec": spec, "engine": cg_engine_table(cfg),
                    "molecule": prov["molecule"], "molar_mass_gmol": float(ff["molar_mass_gmol"][i]),
                    "density_g_cm3": density, "seed": job_seed(variant, "cg", m), "variant_seed": job_seed(variant),
                    "aa_rdf": ff["aa_rdf"][i], "potential_r_nm": r_u, "parent_kjmol": ff["potential_kjmol"][i]}))
    return jobs


def variant_job(p: dict) -> dict:
    """Draw the variant, correct its pressure with a probe run, then measure it.  Units: core."""
    cg, state, spec = p["cg"], p["state"], p["spec"]
    kT = units.kT_kjmol(state["temperature_K"])
    r = np.asarray(p["potential_r_nm"])
    u, params = draw_variant(r, np.asarray(p["parent_kjmol"]), kT, np.random.default_rng(p["variant_seed"]),
                             spec["variant_amplitude_kT"], tuple(spec["variant_size_range"]))
    change = params["magnitude"] * np.random.default_rng(p["variant_seed"] + 1).uniform(-1.0, 1.0) \
        * spec["variant_density_change"]
    density = p["density_g_cm3"] * (1.0 + change)
    box = units.box_length_nm(p["n_beads"], p["molar_mass_gmol"], density)
    engine = plugin("engine", p["engine"])
    t0 = time.perf_counter()
    an = p["analysis"]
    probe_run = CGRun.from_config(cg, state, p["n_beads"], p["mass_gmol"], box, p["seed"] + 1, production_ps=10.0,
                                  equilibration_ps=min(cg["equilibration_ps"], 5.0), report_interval_ps=0.5)
    probe = measure_cg(engine, PairPotential(r, u), probe_run, an).sample(an)
    if np.isfinite(probe["pressure_bar"]):
        u = u + pressure_ramp(r, probe["pressure_bar"] - state["pressure_bar"], probe["rdf_measured"],
                              p["n_beads"] / box ** 3, 2.0 * kT)
    pot = PairPotential(r, u)
    run = CGRun.from_config(cg, state, p["n_beads"], p["mass_gmol"], box, p["seed"])
    out = measure_cg(engine, pot, run, an).sample(an, RDF(_grid(an), np.asarray(p["aa_rdf"])))
    return {**sample_fields(out), "potential_kjmol": u, "box_nm": box, "density_g_cm3": density, "variant": params,
            "probe_pressure_bar": probe["pressure_bar"], "wall_cg_s": time.perf_counter() - t0}


def _grid(an: dict) -> np.ndarray:
    return rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"])
