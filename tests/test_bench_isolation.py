"""bench's worker processes: a peer run in its own process computes what it computes in this one.

Uses only the hand-written NumPy peer, so it needs no torch, TensorFlow or JAX.
"""

from __future__ import annotations

import pytest

from bench import harness
from bench import workloads as wls
from bench.peers import numpy_ref


@pytest.fixture
def worker():
    w = harness.Worker("bench.peers.numpy_ref", threads=1)
    try:
        yield w
    finally:
        w.close()


def test_worker_matches_in_process_and_times(worker):
    assert worker.ready() == ""
    assert worker.version == harness.peer_version(numpy_ref)
    assert worker.has_matmul

    wl = wls.W1
    local = harness.build_step(numpy_ref, wl, wls.init_params(wl), wls.make_data(wl), threads=1)
    expected = harness._check(local, 4)
    remote = worker.make_step(wl)
    assert remote.check(4) == pytest.approx(expected, rel=1e-6)
    assert harness._time_batch(remote, 3) > 0.0

    # While it lives, the worker is registered, so OtherLoad counts its CPU time as ours.
    assert harness._WORKERS[worker.proc.pid] is worker
    assert harness._cpu_of(worker.proc.pid) >= 0.0
    remote.close()
    with pytest.raises(harness.WorkerError) as err:
        remote.check(1)  # dropped: the worker reports the error and serves on
    assert err.value.kind == "KeyError"
    assert worker.make_step(wls.W1F).check(1)[0] == pytest.approx(expected[0], rel=1e-6)


def test_worker_exits_on_close(worker):
    assert worker.ready() == ""
    worker.close()
    assert worker.proc.poll() is not None
    assert worker.proc.pid not in harness._WORKERS


def test_missing_peer_is_a_note_not_a_crash():
    w = harness.Worker("bench.peers.no_such_peer", threads=1)
    assert w.ready().startswith("skipped: bench.peers.no_such_peer does not exist yet")
    assert w.proc.poll() is not None


def test_a_memory_child_hands_the_peer_its_only_copy_of_the_weights(monkeypatch):
    """`--memory` children (one peer each) pass the weights uncopied: a copy kept by the harness would count in
    the peak of every peer that copies them into storage of its own; the timing workers still copy them."""
    seen = []
    monkeypatch.setattr(numpy_ref, "make_step", lambda wl, params, data, **kw: seen.append(params))
    params = wls.init_params(wls.W1)
    harness.build_step(numpy_ref, wls.W1, params, {}, threads=1, copy=False)
    harness.build_step(numpy_ref, wls.W1, params, {}, threads=1)
    assert seen[0] is params
    assert seen[1] is not params and all(w is not w0 for (w, _), (w0, _) in zip(seen[1], params))
    calls = []
    monkeypatch.setattr(harness, "build_step", lambda *a, **kw: calls.append(kw) or (lambda: 0.0))
    monkeypatch.setattr(harness, "load_peer", lambda path: (numpy_ref, ""))
    monkeypatch.setattr(harness, "limit_threads", lambda threads: "")  # keep this process's BLAS pools as they are
    harness._rss_child("bench.peers.numpy_ref", "W1", 1, 1)
    assert calls == [{"copy": False}]


def test_the_honest_w3_flop_count_is_the_products_of_the_step():
    wl = wls.W3
    per_layer = [2 * wl.batch * i * o for i, o in zip(wl.sizes[:-1], wl.sizes[1:])]
    # forward + weight gradients for every layer, input gradients for all but the first
    assert wls.gemm_flops(wl) == 2 * sum(per_layer) + sum(per_layer[1:])
    assert wls.train_flops(wl) / wls.gemm_flops(wl) == pytest.approx(1.2, abs=0.01)
