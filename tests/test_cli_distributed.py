"""`mpiexec -n N python -m graphgrad train --distributed ...`: N processes give the numbers of one process on the
same global batch (fresh and resumed), only rank 0 writes and prints, a failing rank ends the job naming it, and
`--distributed` outside a launcher trains as one process."""
from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mpi_launch  # noqa: E402
from mpi_launch import needs_mpi  # noqa: E402

ARGS = ["--epochs", "2", "--no-progress", "--batch-size", "32", "--hidden", "32"]



pytestmark = pytest.mark.host_process("the ranks are fresh processes")


def run(n, *args, timeout=120, code=None):
    """`python -m graphgrad train ...` (under mpiexec -n n when n): (returncode, stdout, stderr)."""
    py = ["-c", code] if code else ["-m", "graphgrad"]
    return mpi_launch.launch(n, *py, "train", *args, timeout=timeout)[:3]


def weights(logdir):
    from graphgrad.train.saver import list_variables, load_variable

    return {name: load_variable(str(logdir), name) for name, _ in list_variables(str(logdir))}


def final_line(out):
    return [line for line in out.splitlines() if line.startswith("digits: ")]


def test_distributed_outside_a_launcher_trains_as_one_process(tmp_path):
    rc, out, err = run(0, *ARGS, "--no-logdir", "--distributed")
    assert rc == 0, err
    assert "training as one process" in err
    rc1, out1, _ = run(0, *ARGS, "--no-logdir")
    assert rc1 == 0 and final_line(out)[0].split("(")[0] == final_line(out1)[0].split("(")[0]


@needs_mpi
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_two_processes_give_the_numbers_of_one_on_the_same_global_batch(tmp_path, optimizer):
    rc, out, err = run(0, *ARGS, "--optimizer", optimizer, "--logdir", tmp_path / "one")
    assert rc == 0, err
    # 3 ranks: 32 rows split 11, 11, 10, and the last batch of the epoch (29 rows) 10, 10, 9
    rc, out3, err3 = run(3, *ARGS, "--optimizer", optimizer, "--logdir", tmp_path / "three", "--distributed")
    assert rc == 0, err3
    assert len(final_line(out3)) == 1 and out3.count("logging to") == 1        # rank 0 alone prints
    assert final_line(out3)[0].split("(")[0] == final_line(out)[0].split("(")[0]
    one, three = weights(tmp_path / "one"), weights(tmp_path / "three")
    assert sorted(one) == sorted(three)
    for name in one:
        np.testing.assert_allclose(three[name], one[name], rtol=1e-4, atol=1e-5, err_msg=name)
    assert len([n for n in os.listdir(tmp_path / "three") if n.startswith("events.out")]) == 1


@needs_mpi
def test_a_distributed_run_resumes_to_the_numbers_of_an_uninterrupted_one(tmp_path):
    rc, out, err = run(0, *ARGS[2:], "--epochs", "3", "--logdir", tmp_path / "one")
    assert rc == 0, err
    rc, _, err = run(2, *ARGS, "--logdir", tmp_path / "two", "--distributed")
    assert rc == 0, err
    rc, out2, err = run(2, *ARGS[2:], "--epochs", "3", "--logdir", tmp_path / "two", "--distributed", "--resume")
    assert rc == 0, err
    assert out2.count("resuming from") == 1 and "after epoch 2/3" in out2
    assert final_line(out2)[0].split("(")[0] == final_line(out)[0].split("(")[0]
    one, two = weights(tmp_path / "one"), weights(tmp_path / "two")
    for name in one:
        np.testing.assert_allclose(two[name], one[name], rtol=1e-4, atol=1e-5, err_msg=name)


@needs_mpi
def test_a_logdir_error_stops_every_rank_with_one_line(tmp_path):
    rc, _, err = run(2, *ARGS, "--logdir", tmp_path / "none", "--distributed", "--resume")
    assert rc == 2
    assert err.count("error:") == 1 and "no checkpoint to resume from" in err


FAILING_RANK = """
import os, signal, sys
from graphgrad import cli, trainer
part = trainer._rank_part
calls = []
def failing(job, xb, yb):
    calls.append(1)
    if job.rank == 1 and len(calls) == 50:
        if os.environ["GRAPHGRAD_TEST_FAIL"] == "kill":
            print("pid", os.getpid(), file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        raise trainer.TrainingError("rank one gave up")
    return part(job, xb, yb)
trainer._rank_part = failing
sys.exit(cli.main(sys.argv[1:]))
"""


@needs_mpi
@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_naming_it_and_the_checkpoint_restores(tmp_path, how, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_TEST_FAIL", how)
    rc, out, err = run(2, *ARGS, "--logdir", tmp_path / "run", "--distributed", code=FAILING_RANK, timeout=60)
    assert rc != 0
    if how == "raise":
        assert "rank 1 of 2" in err and "rank one gave up" in err, err[-2000:]
    else:   # `graphgrad train --distributed` runs each rank under a supervisor, which names it
        pid = re.search(r"^pid (\d+)$", err, re.M).group(1)
        assert re.search(rf"stopping the job: rank 1 of 2 \(pid {pid} on \S+\) was killed by signal 9 \(SIGKILL\)",
                         err), err[-2000:]
    assert not final_line(out)
    # step 50 is in epoch 2: epoch 1's checkpoint (step 43) is there, and --resume finishes the run
    rc, out, err = run(2, *ARGS, "--logdir", tmp_path / "run", "--distributed", "--resume")
    assert rc == 0, err
    assert "resuming from" in out and "model.ckpt-43" in out
