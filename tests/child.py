"""Python code run in a child process, for what a test cannot do to its own process: a first
import, a FIFO that would block, a working folder deleted under it."""

from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code: str, *args: str, path_first: tuple[str, ...] = (),
               timeout: float = 120) -> str:
    """Run ``python -c code args…`` from the repository's folder, with ``path_first`` and then
    the repository at the front of its module path; returns its standard output (text).

    Raises:
        AssertionError: the child exited with a status other than 0 (its standard error says
            why).
        subprocess.TimeoutExpired: it ran longer than ``timeout`` seconds.
    """
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([*path_first, REPO])})
    assert done.returncode == 0, done.stderr
    return done.stdout
