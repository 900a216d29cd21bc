"""Options of the IBI plugin (``[cg_method.ibi]``)."""

from mobcg_core.config.schema import Option

IBI_OPTIONS = {
    "max_iterations": Option(int, 30, "iteration limit", min=1, max=10000),
    "update": Option(str, "imc", "'imc': Gauss–Newton step for structure and pressure together "
                     "(plugins/ibi/imc.py; the default: measured 2x faster to ε ≤ 8e-4 than 'ibi' on "
                     "234TriMePe and 3MePe); 'ibi': Boltzmann inversion; 'newton': HNC/Ornstein–Zernike "
                     "step on the grid (plugins/ibi/newton.py)", choices=("ibi", "newton", "imc")),
    "newton_s_min": Option(float, 0.5, "Newton and IMC's HNC Jacobian: floor of the target's structure factor "
                           "S(k) (lower: larger many-body steps, less stable; 0.35 and below diverged on "
                           "234TriMePe)", min=0.01, max=1.0),
    "knot_nm": Option(float, 0.03, "IMC: spacing of the cubic B-splines that carry each update (nm)",
                      min=0.005, max=0.2),
    "imc_jacobian": Option(str, "blend", "IMC: structure Jacobian from the HNC closure ('hnc'), from the run's "
                           "covariance ('sampled'; noisy in short runs), the HNC one corrected by every "
                           "observed step ('broyden') or each column of the sampled one shrunk towards the HNC "
                           "one by its measured noise ('blend'); the pressure gradient is always sampled",
                           choices=("sampled", "hnc", "broyden", "blend")),
    "imc_sampled_below": Option(float, 0.0, "IMC: switch to the run's sampled Jacobian once ε falls below this "
                                "(0: never)", min=0.0),
    "imc_history": Option(int, 5, "IMC: mix each step with the last ones by DIIS (Pulay) over this many "
                          "iterations (plugins/ibi/mixing.py; 0 or 1: off)", min=0, max=10),
    "imc_history_regularization": Option(float, 1e-2, "IMC with DIIS: Tikhonov weight on the residuals' overlap "
                                         "matrix, relative to its mean diagonal (larger: mixtures closer to the "
                                         "newest proposal)", min=0.0),
    "imc_pressure_after_mixing": Option(bool, True, "IMC with DIIS: re-impose the pressure constraint on the mixed "
                                        "step with this run's pressure gradient (false: the mixture as it comes)"),
    "imc_closure_local": Option(str, "run", "IMC, HNC Jacobian: linearise the closure's local term −δg/g about "
                                "the target's g ('target') or, where larger, the run's ('run')",
                                choices=("target", "run")),
    "imc_regularization": Option(float, 3e-3, "IMC: Tikhonov weight relative to the Jacobian's mean diagonal "
                                 "(with DIIS, 3e-3 reached ε ≤ 6e-4 within 8 iterations in 5 of 6 seeded runs, "
                                 "1e-2 in 3 of 6)",
                                 min=0.0),
    "imc_many_body": Option(float, 1.0, "IMC, sampled Jacobian: weight of the many-body covariance (0: IBI's "
                            "local response)", min=0.0, max=1.0),
    "max_step_kT": Option(float, 1.0, "IMC: largest change of U per iteration outside the core (kT)",
                          min=0.0, exclusive_min=True),
    "tolerance": Option(float, 6e-4, "stop when ε = ∫(g_CG − g_target)² dr (nm) falls below this", min=0.0),
    "damping": Option(float, 1.0, "α: the fraction of each update applied (U += α ΔU)", min=0.0,
                      exclusive_min=True, max=2.0),
    "smoothing_nm": Option(float, 0.005, "Gaussian σ of the update smoothing (nm)", min=0.0),
    "cutoff_width_nm": Option(float, 0.1, "updates are switched off over this last stretch before r_c (nm)",
                              min=0.0, max=1.0),
    "rdf_dr_nm": Option(float, 0.005, "g(r) bin width used by IBI (nm)", min=1e-4, max=0.05),
    "error_r_min_nm": Option(float, 0.1, "ε integration start (nm)", min=0.0),
    "error_r_max_nm": Option(float, 1.5, "ε integration end (nm)", min=0.0, exclusive_min=True),
    "equilibration_ps": Option(float, 5.0, "relaxation after each update (ps)", min=0.0),
    "run_ps_min": Option(float, 20.0, "sampling per iteration far from the target (ps)",
                         min=0.0, exclusive_min=True),
    "run_ps_max": Option(float, 100.0, "sampling per iteration near the target (ps)",
                         min=0.0, exclusive_min=True),
    "report_interval_ps": Option(float, 0.2, "frame spacing for g(r) and the IMC statistics (ps; 0.2 instead of 0.5: "
                                 "more frames measure the sampled Jacobian better, ε after 8 iterations 3.1–4.8e-4 "
                                 "in six seeded runs against 3.9–6.2e-4)", min=0.0, exclusive_min=True),
    "friction_per_ps": Option(float, 1.0, "Langevin friction (1/ps)", min=0.0, exclusive_min=True),
    "stop_at_tolerance": Option(bool, True, "stop as soon as ε ≤ tolerance (false: go on until a plateau)"),
    "divergence_patience": Option(int, 4, "stop after this many iterations of growing error", min=2),
    "plateau_patience": Option(int, 6, "stop when the best ε has not improved for this many iterations",
                               min=2),
    "pressure_correction": Option(bool, True, "add a linear ramp driving P to the state pressure "
                                  "(the run file's state.pressure_bar), so the CG liquid holds its density there"),
    "pressure_relaxation": Option(float, 0.7, "fraction of the virial-estimated ramp applied per iteration",
                                  min=0.0, max=1.0, exclusive_min=True),
    "pressure_max_kT": Option(float, 0.5, "largest ramp amplitude per iteration (kT)", min=0.0),
    "pressure_tolerance_bar": Option(float, 50.0, "with pressure correction, also stop only when "
                                     "|P − P_target| is below this (bar)", min=0.0),
}
