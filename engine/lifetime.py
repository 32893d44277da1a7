"""Worker processes die with the process that started them.

A pool's workers are children of the planning process; when that process is
killed (``kill -9`` by a timeout, an Airflow task killed on its timeout) nothing
would stop them and they keep burning a core. Each worker therefore asks the
kernel for ``SIGKILL`` when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``,
through ctypes), and, where that is not available, watches its parent's pid
from a daemon thread and exits once it changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
#: How often the fallback watchdog looks at the parent pid (seconds).
WATCH_INTERVAL_S = 1.0


def die_with_parent() -> None:
    """Make this (worker) process end when its parent ends; call first in a pool initializer."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the call took effect
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_INTERVAL_S)
        if os.getppid() != parent:
            os._exit(1)
