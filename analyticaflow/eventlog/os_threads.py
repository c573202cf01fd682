"""Operating-system names for the event log's own threads, so ``top -H`` and ``/proc/<pid>/task/*/comm`` show
which thread spends the CPU (Python before 3.14 leaves every thread with the name of the thread that started it).
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_NAME = 15  # prctl option: name the calling thread
MAX_NAME_BYTES = 15  # the kernel keeps 15 bytes and a NUL

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def name_os_thread(name: str) -> None:
    """Give the calling thread ``name`` (cut to 15 bytes) in the operating system; elsewhere than Linux, nothing."""
    if _libc is None:
        return
    _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:MAX_NAME_BYTES]), 0, 0, 0)
