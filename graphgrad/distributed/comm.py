"""The process group: MPI through mpi4py, or a world of one process without it.

`world()` is the process's one `World` (made by `init()`, or on first use). A World of size 1 needs neither MPI
nor mpi4py: every collective is then the identity. With more processes each collective is a *non-blocking*
MPI call on NumPy buffers (buffer protocol, `MPI.IN_PLACE` where MPI allows it; never pickled objects) followed by
a wait loop (`World.wait`) that

- calls `Request.Test` and sleeps a little between tests (MPI makes progress inside Test, and a rank that waits
  gives its core to the others: on a machine with fewer cores than ranks a spinning MPI wait would starve the
  rank everybody is waiting for),
- every `CHECK_EVERY` seconds looks for a peer that has failed: a peer process on this host that is gone (its
  pid, exchanged at `init`), or an exit notice from a peer that left its program (see below); either stops the
  whole job at once with `MPI.COMM_WORLD.Abort`, after one line on stderr naming the failed rank,
- warns once after `STALL_WARNING` seconds and stops the job after `GRAPHGRAD_DIST_TIMEOUT` seconds (default
  600; 0 waits for ever), naming the collective.

Failures that end a rank are turned into a stop of every rank:

- an uncaught exception: `sys.excepthook` prints "rank R of N failed: ..." and aborts the job;
- a rank that leaves its program (sys.exit, the end of the script) while others still run collectives: at exit it
  sends an exit notice to every peer on a control communicator and waits for theirs. A peer that is waiting in a
  collective (or enters one later) finds the notice and aborts the job naming the rank that left; when every
  rank reaches its exit the notices cross and MPI is finalized normally;
- a rank killed by a signal runs no more code, and MPICH's launcher kills every peer within a millisecond, before
  one can look: the rank's supervisor (its parent, `supervisor.py`) names it; where the launcher leaves the others
  running (`srun` without `--kill-on-bad-exit`), a peer on the same host also finds the pid gone at its next
  collective wait and aborts naming the rank, and a peer on another host stops after the timeout.

CuPy arrays go to MPI as they are where the MPI library is CUDA-aware (`GRAPHGRAD_MPI_CUDA_AWARE=1`, or
mpi4py's `Query_cuda_support()`), and are staged through host copies otherwise (`to_mpi`).
"""
from __future__ import annotations

import atexit
import os
import socket
import sys
import threading
import time

import numpy as np

from .supervisor import launcher_rank, launcher_size

__all__ = ["World", "world", "init", "shutdown", "is_initialized", "launcher_size", "DistributedError",
           "SUM", "AVERAGE"]

SUM, AVERAGE = "sum", "average"
TIMEOUT_VAR = "GRAPHGRAD_DIST_TIMEOUT"
CUDA_AWARE_VAR = "GRAPHGRAD_MPI_CUDA_AWARE"
FIRST_CHECK = 0.005     # seconds into a wait before the first check for failed peers
CHECK_EVERY = 0.1       # seconds between two checks for failed peers while waiting
STALL_WARNING = 60.0    # seconds in one wait before a warning
_EXIT_TAG = 77


class DistributedError(RuntimeError):
    """graphgrad.distributed cannot do what was asked (mpi4py missing for a multi-process launch, ...)."""


class World:
    """The processes of one job: `rank`, `size`, `local_rank`, `local_size`, and the collectives on NumPy
    buffers (`iallreduce` ... `wait`). `comm` is mpi4py's COMM_WORLD, or None in a world of one."""

    _cuda_aware = False    # whether MPI takes CUDA device buffers as they are
    timeout = 0.0          # seconds a wait may last before the job is stopped (0: for ever)

    def __init__(self, comm=None, MPI=None):
        self.comm, self.MPI = comm, MPI
        self.pending = {}          # id(flat buffer) -> (request, staged host copy, average?, what): bucket allreduces
        self.collectives = 0       # collective calls made (for the benchmark and the tests)
        self.wait_seconds = 0.0    # time spent waiting in them
        self.closed = False
        self._lock = threading.Lock()
        if comm is None:
            self.rank, self.size, self.local_rank, self.local_size = 0, 1, 0, 1
            self.host, self.peers = socket.gethostname(), [(socket.gethostname(), os.getpid())]
            self.ctl = None
            return
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        local.Free()
        self.host = socket.gethostname()
        self.peers = comm.allgather((self.host, os.getpid()))  # init only: a handful of bytes, once
        self.ctl = comm.Dup()      # exit notices travel here, never mixed with the collectives
        for c in (comm, self.ctl):  # errors come back as exceptions, so the wait loop can name a failed peer
            c.Set_errhandler(MPI.ERRORS_RETURN)
        self._notice = np.zeros(1, np.int32)
        self.timeout = float(os.environ.get(TIMEOUT_VAR, "600") or 0)
        self._cuda_aware = _cuda_aware(MPI)

    # --- collectives on host (or CUDA-aware device) buffers -------------------------------------------------
    def iallreduce(self, buf):
        """Start summing `buf` over the ranks, in place; `wait` on the request."""
        with self._lock:
            self.collectives += 1
        return self.comm.Iallreduce(self.MPI.IN_PLACE, buf, self.MPI.SUM)

    def allreduce_(self, buf, what):
        """Sum `buf` over the ranks, in place."""
        if self.size > 1:
            self.wait(self.iallreduce(buf), what)
        return buf

    def bcast_(self, buf, root, what):
        """`buf` becomes root's `buf` on every rank, in place."""
        if self.size > 1:
            self.collectives += 1
            self.wait(self.comm.Ibcast(buf, root=root), what)
        return buf

    def reduce_to(self, buf, root, what):
        """The sum of `buf` over the ranks on `root` (a new array there); None elsewhere."""
        if self.size == 1:
            return buf.copy()
        self.collectives += 1
        out = np.empty_like(buf) if self.rank == root else None
        self.wait(self.comm.Ireduce(buf, out, op=self.MPI.SUM, root=root), what)
        return out

    def counts(self, n, what):
        """Every rank's `n` (one int each), as a NumPy array indexed by rank."""
        out = np.empty(self.size, np.int64)
        out[self.rank] = n
        if self.size > 1:
            self.collectives += 1
            self.wait(self.comm.Iallgather(self.MPI.IN_PLACE, out), what)
        return out

    def allgatherv(self, buf, counts, what):
        """The ranks' `buf`s (C-contiguous, `counts[r]` rows each) concatenated along axis 0."""
        row = int(np.prod(buf.shape[1:], dtype=np.int64))
        out = np.empty((int(counts.sum()),) + buf.shape[1:], buf.dtype)
        if self.size == 1:
            out[...] = buf
            return out
        sizes = [int(c) * row for c in counts]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int).tolist()
        self.collectives += 1
        self.wait(self.comm.Iallgatherv(np.ascontiguousarray(buf), [out, (sizes, offsets)]), what)
        return out

    # --- waiting, and stopping the job when a peer failed ---------------------------------------------------
    def wait(self, request, what):
        """Wait for `request`, checking for failed peers and the timeout (module docstring)."""
        t0 = time.perf_counter()
        next_check, pause, warned = t0 + FIRST_CHECK, 0.0, False
        while not self._test(request, what):
            now = time.perf_counter()
            if now >= next_check:
                if self.check_peers(what, request):
                    break
                next_check = now + CHECK_EVERY
                waited = now - t0
                if waited > STALL_WARNING and not warned:
                    warned = True
                    _say(f"rank {self.rank} of {self.size} has waited {waited:.0f} s in {what}: every rank must "
                         "run the same collectives in the same order (the same graph, the same fetches)")
                if self.timeout and waited > self.timeout:
                    self.abort(f"rank {self.rank} waited {waited:.0f} s in {what} ({TIMEOUT_VAR}="
                               f"{self.timeout:g}): a peer is stuck or runs other collectives")
            time.sleep(pause)
            pause = min(pause * 2 or 2e-5, 1e-3)
        self.wait_seconds += time.perf_counter() - t0

    def _test(self, request, what):
        """`request.Test()`; an MPI error (a peer's process failed, where MPI reports it) stops the job naming the
        peer that is gone, or MPI's message."""
        try:
            return request.Test()
        except self.MPI.Exception as e:
            self.check_peers(what)
            self.abort(f"MPI failed in {what}: {e}")

    def check_peers(self, what, request=None):
        """Abort the job, naming the peer, if a peer left its program (an exit notice) or its process on this host
        is gone. A peer that finished the very collective this rank waits for may leave before this rank saw the
        collective complete: `request` gets a second's grace first (True: it completed)."""
        status = self.MPI.Status() if self.ctl is not None else None
        if status is not None and self.ctl.Iprobe(source=self.MPI.ANY_SOURCE, tag=_EXIT_TAG, status=status):
            r = status.Get_source()
            if request is not None:
                end = time.perf_counter() + 1.0
                while time.perf_counter() < end:
                    if request.Test():
                        return True
                    time.sleep(1e-3)
            self.abort(f"rank {r} of {self.size} ({self._where(r)}) left its program while rank {self.rank} waits in "
                       f"{what}; every rank must run the same collectives")
        for r, (host, pid) in enumerate(self.peers):
            if r != self.rank and host == self.host and not _alive(pid):
                self.abort(f"rank {r} of {self.size} ({self._where(r)}) died while rank {self.rank} waits in {what}")
        return False

    def _where(self, r):
        host, pid = self.peers[r]
        return f"pid {pid} on {host}"

    def abort(self, message, code=1):
        """One line on stderr, then stop every rank of the job (MPI_Abort)."""
        _say(f"stopping the job: {message}")
        time.sleep(0.25)  # the launcher forwards the line before MPI_Abort tears its pipes down
        self.comm.Abort(code)

    # --- leaving ----------------------------------------------------------------------------------------------
    def goodbye(self):
        """At exit: tell every peer this rank is leaving and wait until each one says the same, so that a peer
        still waiting in a collective stops the job instead of hanging, and a normal end finalizes MPI."""
        if self.comm is None or self.closed:
            return
        self.closed = True
        notice = np.array([self.rank], np.int32)
        sends = [self.ctl.Isend(notice, dest=r, tag=_EXIT_TAG) for r in range(self.size) if r != self.rank]
        got = {}
        for r in range(self.size):
            if r != self.rank:
                got[r] = np.zeros(1, np.int32)
        recvs = [self.ctl.Irecv(buf, source=r, tag=_EXIT_TAG) for r, buf in got.items()]
        for req in recvs + sends:
            while not req.Test():
                for r, (host, pid) in enumerate(self.peers):
                    if r != self.rank and host == self.host and not _alive(pid):
                        self.abort(f"rank {r} of {self.size} ({self._where(r)}) died before the end of the job")
                time.sleep(1e-3)


def _alive(pid) -> bool:
    """Whether process `pid` (on this host) still runs: it exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True  # no /proc (macOS): kill(0) answered


def _cuda_aware(MPI) -> bool:
    v = os.environ.get(CUDA_AWARE_VAR)
    if v is not None:
        return v.strip().lower() in ("1", "true", "yes", "on")
    query = getattr(MPI, "Query_cuda_support", None)
    try:
        return bool(query()) if query is not None else False
    except Exception:  # noqa: BLE001 - an MPI without the MPIX extension
        return False


def _say(text):
    r = _WORLD.rank if _WORLD is not None else "?"
    n = _WORLD.size if _WORLD is not None else "?"
    sys.stderr.write(f"graphgrad.distributed (rank {r} of {n}): {text}\n")
    sys.stderr.flush()


# --- device buffers -------------------------------------------------------------------------------------------

def to_mpi(w, ctx, buf):
    """`(mpi_buffer, finish)`: what to hand MPI for the backend array `buf`, and `finish(result)` that puts MPI's
    result back into `buf` (a no-op where MPI worked on `buf` itself). NumPy arrays go as they are; CuPy arrays as
    they are through a CUDA-aware MPI (after the device finished writing them), else through a host copy."""
    if ctx is None or isinstance(buf, np.ndarray) and type(buf) is np.ndarray:
        return buf, _nothing
    if w._cuda_aware and hasattr(buf, "__cuda_array_interface__"):
        ctx.backend.synchronize()
        return buf, _nothing
    host = np.ascontiguousarray(ctx.to_host(buf))

    def finish(result=None):
        value = host if result is None else result
        ctx.xp.copyto(buf, ctx.to_device(value))
    return host, finish


def _nothing(result=None):
    pass


# --- the process's one world -----------------------------------------------------------------------------------

_WORLD: World | None = None
_INIT_LOCK = threading.Lock()


def init() -> World:
    """Join the job: MPI when the process was started by an MPI launcher (mpiexec, mpirun, srun), else a world of
    one process. Idempotent. Raises DistributedError when the launcher started several processes and mpi4py is
    missing."""
    global _WORLD
    with _INIT_LOCK:
        if _WORLD is not None and not _WORLD.closed:
            return _WORLD
        requested = launcher_size()
        if requested is None or requested <= 1:
            _WORLD = World()
            return _WORLD
        try:
            from mpi4py import MPI
        except ImportError as e:
            where = "=".join(launcher_rank() or ())
            raise DistributedError(
                f"graphgrad.distributed: this process is one of {requested} started by an MPI launcher"
                f"{' (' + where + ')' if where else ''}, but mpi4py cannot be imported ({e}). Install it with "
                "`pip install 'graphgrad[distributed]'` (mpi4py and the mpich wheel), or run one process "
                "without mpiexec.") from None
        _WORLD = World(MPI.COMM_WORLD, MPI)
        if _WORLD.size > 1:
            _install_failure_handlers()
        return _WORLD


def world() -> World:
    """The process's World, joining the job first if needed."""
    return _WORLD if _WORLD is not None and not _WORLD.closed else init()


def is_initialized() -> bool:
    return _WORLD is not None and not _WORLD.closed


def shutdown():
    """Leave the job: every rank calls it (after its last collective); later calls of `init()` start over."""
    global _WORLD
    w = _WORLD
    if w is not None:
        w.goodbye()
    _WORLD = None


_HANDLERS = []


def _install_failure_handlers():
    if _HANDLERS:
        return
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        previous(kind, value, tb)
        w = _WORLD
        if w is not None and w.comm is not None and not w.closed and not issubclass(kind, KeyboardInterrupt):
            w.abort(f"rank {w.rank} of {w.size} ({w._where(w.rank)}) failed: {kind.__name__}: {value}")
        elif w is not None and w.comm is not None and not w.closed:
            w.abort(f"rank {w.rank} of {w.size} was interrupted (KeyboardInterrupt)", code=130)

    sys.excepthook = excepthook
    atexit.register(_at_exit)  # runs before mpi4py's MPI_Finalize (registered earlier, atexit is LIFO)
    _HANDLERS.append(excepthook)


def _at_exit():
    w = _WORLD
    if w is not None and w.comm is not None:
        w.goodbye()
