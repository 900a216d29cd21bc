"""Structure and mobility analysis of centre-of-mass trajectories (nm, ps).

Neighbour search and MSD are delegated to freud (C++, FFT-based) instead of
Python loops.
"""

from mobcg_core.analysis.mobility import (DiffusionFit, FiniteSizeFit, fit_diffusion, fit_finite_size, msd_per_axis,
                       yeh_hummer_correction)
from mobcg_core.analysis.structure import density_g_cm3, rdf, rdf_grid, rdf_sampling_error, structure_error
from mobcg_core.analysis.phase import PhaseCheck, check_phase

__all__ = ["PhaseCheck", "check_phase", "DiffusionFit", "FiniteSizeFit",
           "fit_diffusion", "fit_finite_size",
           "msd_per_axis",
           "yeh_hummer_correction", "rdf_sampling_error", "density_g_cm3", "rdf", "rdf_grid", "structure_error"]
