"""One rank of an MPI job run as the child of a small supervisor process, so that a rank killed by a signal is named.

A rank killed by a signal (`kill -9`, the out-of-memory killer, a segfault in a C library) runs no more code, and
its peers cannot name it either: MPICH's launcher (hydra) SIGKILLs every other process of the job within a
millisecond of seeing one die by a signal (with or without `-disable-auto-cleanup`), and its report names a pid
that is not reliably the killed one. So the process the launcher starts is this supervisor: it starts the rank as
its child, waits for it, and when a signal killed the child it prints the rank's name, pid, host and the signal
before leaving with status 128 + the signal, after which the launcher ends the job as it does for any failed rank.
Other exits pass through unchanged.

    mpiexec -n 4 python -m graphgrad.distributed train.py ARGS     # a script (docs/distributed.md)
    mpiexec -n 4 graphgrad train --distributed ...                  # the CLI supervises itself

The child runs with the supervisor's environment and file descriptors (the launcher's PMI socket included) plus
`GRAPHGRAD_DIST_SUPERVISOR=<supervisor pid>`; on Linux it is killed when the supervisor dies (PR_SET_PDEATHSIG),
so a launcher that kills the supervisor kills the rank. SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2, which launchers send
to the process they started, are passed on; SIGINT and SIGQUIT are the terminal's keys, which reach the child
directly (one process group), so the supervisor ignores them.

Run as a script (`python -I supervisor.py PYTHON_ARGS`) it imports nothing but the standard library: it costs
about 10 MB and 0.1 s per rank. `GRAPHGRAD_DIST_SUPERVISE=0` turns the CLI's supervision off.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

SUPERVISOR_VAR = "GRAPHGRAD_DIST_SUPERVISOR"
SUPERVISE_VAR = "GRAPHGRAD_DIST_SUPERVISE"
#: Environment variables through which launchers tell a process how many were started and its rank (MPICH's
#: hydra, Open MPI, PMIx, Slurm's srun, MVAPICH, Intel MPI).
LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "SLURM_STEP_NUM_TASKS", "MV2_COMM_WORLD_SIZE",
                      "MPI_LOCALNRANKS")
LAUNCHER_RANK_VARS = ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID", "MV2_COMM_WORLD_RANK")
PASSED_ON = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2")
IGNORED = ("SIGINT", "SIGQUIT")


def launcher_size() -> int | None:
    """How many processes the launcher started, from its environment variables, or None outside a launcher."""
    for var in LAUNCHER_SIZE_VARS:
        v = os.environ.get(var)
        if v and v.strip().isdigit():
            if var == "SLURM_STEP_NUM_TASKS" and "SLURM_PROCID" not in os.environ:
                continue
            return int(v)
    if "PMIX_RANK" in os.environ:
        return 2  # PMIx names no size: at least ask for MPI
    return None


def launcher_rank() -> tuple[str, str] | None:
    """(variable, value) of the launcher's variable that gives this process's rank, or None."""
    for var in LAUNCHER_RANK_VARS:
        if var in os.environ:
            return var, os.environ[var]
    return None


def is_supervised() -> bool:
    """Whether this process is the child of a supervisor (its parent's pid in GRAPHGRAD_DIST_SUPERVISOR)."""
    return os.environ.get(SUPERVISOR_VAR) == str(os.getppid())


def exec_supervisor(python_args):
    """Replace this process (the one the launcher started, same pid) by a supervisor of `python PYTHON_ARGS`."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-I", os.path.abspath(__file__), *python_args])


def supervise_this_command():
    """Under a launcher of several processes, re-run this Python command (`sys.orig_argv`) as a supervised child:
    this call then never returns. Does nothing outside a launcher, in the child itself, with
    GRAPHGRAD_DIST_SUPERVISE=0, or off POSIX (where exec starts a new process)."""
    if ((launcher_size() or 1) > 1 and not is_supervised() and os.environ.get(SUPERVISE_VAR, "1").strip() != "0"
            and os.name == "posix"):
        exec_supervisor(sys.orig_argv[1:])


def signal_name(signum) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _child_setup():
    """The child's preexec_fn: default dispositions for the signals the supervisor handles (an ignored one would
    stay ignored through exec), and on Linux SIGKILL when the supervisor dies (PR_SET_PDEATHSIG)."""
    parent = os.getpid()
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec():
        for name in IGNORED + PASSED_ON:
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        if prctl is not None:
            prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG
            if os.getppid() != parent:    # the supervisor died before prctl
                os._exit(1)
    return preexec


def run(python_args) -> int:
    """Run `python PYTHON_ARGS` as this process's child and return the exit status to leave with (module
    docstring)."""
    child, early, passed = None, [], []

    def pass_on(signum, frame):
        passed.append(signum)
        if child is None:
            early.append(signum)
        else:
            child.send_signal(signum)

    for name in IGNORED:
        signal.signal(getattr(signal, name), signal.SIG_IGN)
    for name in PASSED_ON:
        signal.signal(getattr(signal, name), pass_on)
    env = dict(os.environ, **{SUPERVISOR_VAR: str(os.getpid())})
    child = subprocess.Popen([sys.executable, *python_args], env=env, close_fds=False, preexec_fn=_child_setup())
    for signum in early:
        child.send_signal(signum)
    code = child.wait()
    if code >= 0:
        return code
    signum = -code
    if signum not in passed:
        size, rank = launcher_size(), launcher_rank()
        who = f"rank {rank[1] if rank else '?'} of {size or '?'}"
        sys.stderr.write(f"graphgrad.distributed ({who}): stopping the job: {who} (pid {child.pid} on "
                         f"{socket.gethostname()}) was killed by signal {signum} ({signal_name(signum)})\n")
        sys.stderr.flush()
    return 128 + signum


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
