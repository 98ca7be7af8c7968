"""Helper processes that die with the process that started them: on Linux the kernel kills them
when their parent dies, even by SIGKILL, so a killed build leaves no reasoner or JVM behind."""

from __future__ import annotations


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; elsewhere nothing)."""
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the request: nobody is left to answer
        sys.exit(1)
