"""One writer at a time for a study folder or a database file.

An OS-level advisory lock (``flock``) on a small ``.lock`` file: the kernel releases it
when the holder exits, however it exits (a killed process leaves no stale lock).  The
holder writes who it is into the file, so a refused second writer can say whom it
waits for.  ``filelock`` is not used because it truncates the lock file on every
attempt, which would erase that line.  Readers never take the lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from pathlib import Path

from mobcg_core.contract.errors import LockedError


class WriterLock:
    """An exclusive, non-blocking lock on ``path``, taken by :meth:`acquire`.

    Args:
        path: the lock file (created if missing; left in place afterwards).
        what: what it protects, for the message (``"study runs/x"``).

    ``acquire`` is idempotent in the holding object; a second object (in this or
    another process) gets :class:`~mobcg_core.contract.errors.LockedError` at once.
    """

    def __init__(self, path: str | Path, what: str):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> "WriterLock":
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockedError(f"{self.what} is being written by {holder(self.path)}; wait for it to finish "
                              f"(or stop it), or write elsewhere and combine with `mobcg db merge`") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "since": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> "WriterLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def holder(path: str | Path) -> str:
    """``"PID 123 on host since 2026-12-01 04:00:00"`` from a lock file, or ``"another process"``."""
    try:
        info = json.loads(Path(path).read_text())
        return f"PID {info['pid']} on {info['host']} since {info['since']}"
    except (OSError, ValueError, KeyError):
        return "another process"
