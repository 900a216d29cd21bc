"""The validation report: ML vs the CG method's potential, per liquid (markdown, JSON, plots)."""

from __future__ import annotations

import numpy as np

from mobcg_core.io import atomic_write_json, atomic_write_text, read_json
from mobcg_core.study.friction_stage import friction_results
from mobcg_core.study.ml_stages import compare_dirs

COLUMNS = [("liquid", "liquid", ""), ("potential", "potential", ""), ("D_CG [1e-9 m²/s]", "D_CG_1e9_m2_s", ".3g"),
           ("±", "D_CG_err_1e9_m2_s", ".2g"), ("D_AA", "D_AA_1e9_m2_s", ".3g"), ("D_CG/D_AA", "acceleration", ".3g"),
           ("±", "acceleration_err", ".2g"), ("ε", "structure_error", ".3g"), ("P(NVT) [bar]", "pressure_bar", ".0f"),
           ("ρ(NPT) [g/cm³]", "density_npt_g_cm3", ".4f"), ("ρ_AA", "density_aa_g_cm3", ".4f"),
           ("Δρ [%]", "density_deviation_pct", "+.1f"), ("D_CG/D_AA (NPT)", "acceleration_npt", ".3g"),
           ("±", "acceleration_npt_err", ".2g"), ("NVE drift [kT/bead/ns]", "nve_drift_kT_per_bead_ns", ".3g"),
           ("ML spread [kJ/mol]", "spread_max_kjmol", ".2f"), ("in training range", "in_training_range", "")]


def write_validation(study) -> str:
    """``validation.md``/``.json`` and one ``validation_NAME.png`` per liquid; returns the table."""
    rows = []
    for liquid in study.cfg["liquids"]:
        path = study.liquid_dir(liquid) / "validate.json"
        if not path.exists():
            continue
        data = read_json(path)
        for row in data["rows"]:
            rows.append({"liquid": data["liquid"], "density_aa_g_cm3": data.get("density_aa_g_cm3"), **row})
        _plot(study, liquid)
    lines = ["| " + " | ".join(h for h, _, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(k), f) for _, k, f in COLUMNS) + " |")
    table = "\n".join(lines)
    atomic_write_text(study.out_dir / "validation.md", table + "\n")
    atomic_write_json(study.out_dir / "validation.json", rows)
    study.reporter.result(table)
    return table


def _fmt(v, fmt: str) -> str:
    if v is None:
        return "–"
    return format(v, fmt) if fmt and isinstance(v, (int, float)) else str(v)


def _plot(study, liquid: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = study.liquid_dir(liquid)
    target = np.load(d / "target.npz")
    sets = [("ML", d / "ml", d / "ml" / "validate_nvt.npz"),
            (study.cfg["cg_method"]["name"].upper(), d, d / "cg_md.npz")]
    open_loop = d / "ml" / "closed_loop" / "1"  # the closed loop's first probe: the model fed D_AA
    if (open_loop / "validate_nvt.npz").exists():
        sets.insert(1, ("ML, open loop", open_loop, open_loop / "validate_nvt.npz"))
    sets += [(label, pot_dir, pot_dir / "validate_nvt.npz") for label, pot_dir in compare_dirs(study, liquid).items()]
    for fr, runs_dir in friction_results(study, liquid):  # calibrated runs: IBI's potential, slower dynamics
        i = next(k for k, r in enumerate(fr["runs"]) if r["friction_per_ps"] == fr["friction_per_ps"]
                 and r["thermostat"] == fr["thermostat"])
        sets.append((f"IBI + {fr['thermostat'].upper()}", d, runs_dir / f"run_{i}.npz"))
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    ax[0].plot(10 * target["r_nm"], target["g"], "k", lw=2, label="target (all-atom)")
    d_aa = read_json(d / "target.json").get("diffusion_1e9_m2_s")
    for i, (label, pot_dir, md) in enumerate(sets):
        if not md.exists():
            md = pot_dir / "validate_nvt.npz"
        pot = np.load(pot_dir / "potential.npz")
        ax[1].plot(10 * pot["r_nm"], pot["u_kjmol"], f"C{i}", label=label)
        if label == "ML" and (pot_dir / "uncertainty.npz").exists():
            s = np.load(pot_dir / "uncertainty.npz")["sigma_kjmol"]
            ax[1].fill_between(10 * pot["r_nm"], pot["u_kjmol"] - s, pot["u_kjmol"] + s, color=f"C{i}", alpha=0.3)
        if md.exists():
            arr = np.load(md)
            ax[0].plot(10 * arr["rdf_r_nm"], arr["rdf_g"], f"C{i}--", label=label)
            ax[2].plot(arr["msd_lag_ps"], arr["msd_nm2"], f"C{i}", label=label)
            if d_aa and label == "ML":
                t = arr["msd_lag_ps"]
                ax[2].plot(t, 6e-3 * d_aa * t, "k:", label="6 D_AA t")
    ax[0].set(xlabel="r (Å)", ylabel="g(r)")
    ax[1].set(xlabel="r (Å)", ylabel="U(r) (kJ/mol)", ylim=(-4, 8))
    ax[2].set(xlabel="lag (ps)", ylabel="MSD (nm²)")
    for a in ax:
        a.legend()
    fig.suptitle(liquid["name"])
    fig.tight_layout()
    fig.savefig(study.out_dir / f"validation_{liquid['name']}.png", dpi=110)
    plt.close(fig)
