"""How the multi-process tests launch jobs: MPICH's `mpiexec` from the `distributed` extra (next to Python or on
PATH), an environment without the launching process's own launcher variables, and a wall-clock limit after which
the whole launch (its process group) is killed and the test fails instead of hanging the suite."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from graphgrad.distributed import supervisor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAUNCHER_VARS = supervisor.LAUNCHER_SIZE_VARS + supervisor.LAUNCHER_RANK_VARS


def _mpiexec():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install -e '.[distributed]')"
    for d in (os.path.dirname(sys.executable), *os.environ.get("PATH", "").split(os.pathsep)):
        p = os.path.join(d, "mpiexec")
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p, None
    return None, "no mpiexec next to Python or on PATH (pip install -e '.[distributed]' brings MPICH's)"


MPIEXEC, WHY_NOT = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason=f"multi-process tests: {WHY_NOT}")


def job_env():
    """This environment less any launcher's variables, with the repository on the path, unbuffered output, one
    BLAS thread per process, and a 30 s limit on a collective wait."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONUNBUFFERED="1",
               GRAPHGRAD_DIST_TIMEOUT="30", OMP_NUM_THREADS="1")
    for var in LAUNCHER_VARS + (supervisor.SUPERVISOR_VAR,):
        env.pop(var, None)
    return env


def launch(n, *python_args, timeout=60):
    """`mpiexec -n n python PYTHON_ARGS` (plain `python PYTHON_ARGS` when n is 0) from the repository root:
    (returncode, stdout, stderr, seconds). A launch that outlives `timeout` is killed, process group and all, and
    fails the test."""
    cmd = ([MPIEXEC, "-n", str(n)] if n else []) + [sys.executable, *map(str, python_args)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=job_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail(f"{' '.join(cmd[:12])} hung for {timeout} s:\n{out[-2000:]}\n{err[-2000:]}")
    return p.returncode, out, err, time.perf_counter() - t0
