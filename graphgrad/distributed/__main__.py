"""`python -m graphgrad.distributed PYTHON_ARGS`: run `python PYTHON_ARGS` (a script and its arguments, or `-m
module ...`) as one rank of an MPI job, supervised, so that a rank killed by a signal is named (supervisor.py):

    mpiexec -n 4 python -m graphgrad.distributed train.py --epochs 3

Outside a launcher of several processes it runs `python PYTHON_ARGS` as it is."""
import os
import sys

from .supervisor import exec_supervisor, launcher_size

if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
    print(__doc__, file=sys.stdout if len(sys.argv) > 1 else sys.stderr)
    sys.exit(0 if len(sys.argv) > 1 else 2)
if (launcher_size() or 1) > 1:
    exec_supervisor(sys.argv[1:])
sys.stdout.flush()
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
