"""Helpers engine plugins share: segmented runs with frame reporting, availability checks."""

from __future__ import annotations

import importlib
from typing import Callable

import numpy as np

from mobcg_core.contract.hookspecs import THREADS_ENV
from mobcg_core.contract.types import Trajectory

# One reported frame: (positions_nm (N, 3), box_nm (3,), E_pot kJ/mol, E_kin kJ/mol, P bar or None)
Frame = tuple[np.ndarray, np.ndarray, float, float, float | None]


def run_segments(step: Callable[[int], None], sample: Callable[[], Frame], duration_ps: float,
                 report_interval_ps: float, timestep_fs: float, start_time_ps: float,
                 mass_gmol: float, writer=None) -> Trajectory:
    """Advance ``duration_ps`` by calling ``step(n_steps)`` and ``sample()`` every report interval.

    With ``report_interval_ps <= 0`` only the final frame is sampled.  ``sample`` should
    raise :class:`~mobcg_core.contract.errors.SimulationError` when the state is not finite.  Each
    reported frame also goes to ``writer.write(time_ps, positions_nm, box_nm)`` when given.
    """
    dt_ps = timestep_fs * 1e-3
    n_steps = int(round(duration_ps / dt_ps))
    every = max(1, int(round(report_interval_ps / dt_ps))) if report_interval_ps > 0 else max(n_steps, 1)
    frames, times = [], []
    done = 0
    while done < n_steps:
        chunk = min(every, n_steps - done)
        step(chunk)
        done += chunk
        if report_interval_ps > 0 or done == n_steps:
            frames.append(sample())
            times.append(start_time_ps + done * dt_ps)
            if writer is not None and report_interval_ps > 0:
                writer.write(times[-1], frames[-1][0], frames[-1][1])
    if not frames:
        frames.append(sample())
        times.append(start_time_ps)
    pos, box, epot, ekin, press = zip(*frames)
    pressure = None if any(p is None for p in press) else np.array(press, dtype=float)
    return Trajectory(np.array(times), np.array(pos), np.array(box, dtype=float), mass_gmol,
                      np.array(epot, dtype=float), np.array(ekin, dtype=float), pressure)


class SegmentedRun:
    """Mixin giving a :class:`~mobcg_core.contract.hookspecs.Simulation` its ``run``.

    The engine provides ``protocol``, ``mass_gmol``, ``time_ps``, ``_step(n_steps)``
    (advances and adds to ``time_ps``) and ``_sample()`` (one :data:`Frame`).
    """

    streams_frames = True

    def run(self, duration_ps: float, report_interval_ps: float = 0.0) -> Trajectory:
        return run_segments(self._step, self._sample, duration_ps, report_interval_ps,
                            self.protocol.timestep_fs, self.time_ps, self.mass_gmol,
                            getattr(self, "frame_writer", None))


def missing_module(module: str, hint: str) -> str | None:
    """None if ``module`` imports, else a one-line reason ending with ``hint``."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{module} is not importable ({exc}); {hint}"
    return None




def executor_threads() -> int:
    """CPU threads an executor gives each job (env ``MOBCG_THREADS``); 0 when not set.

    Engines use it when their own thread option is left at 0 (automatic), so that
    N parallel jobs on one machine share its cores instead of each taking all.
    """
    import os

    try:
        return max(int(os.environ.get(THREADS_ENV, "0")), 0)
    except ValueError:
        return 0
