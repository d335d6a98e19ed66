"""While a child process compiles islands (runtime/aot.py), the bound BLAS runs on one thread fewer, so that the
compiler has a core and the BLAS's threads do not wait on each other for it (`aot.core_for_child`)."""
import threading

import pytest

from graphgrad.runtime import aot, blas

pytestmark = pytest.mark.skipif(blas.raw_functions() is None, reason="needs a BLAS whose thread count can be set")


@pytest.fixture
def two_threads():
    _, _, get, put = blas.raw_functions()
    before = get()
    put(2)
    yield get, put
    put(before)


def test_the_blas_lends_a_thread_while_a_child_compiles(two_threads):
    get, put = two_threads
    with aot.core_for_child():
        assert get() == 1 and aot.lent_threads() == 2
    assert get() == 2 and aot.lent_threads() is None


def test_overlapping_builds_give_the_thread_back_after_the_last(two_threads):
    get, put = two_threads
    first_in, second_out = threading.Event(), threading.Event()
    seen = []

    def second():
        first_in.wait()
        with aot.core_for_child():
            seen.append(get())
        second_out.set()
    t = threading.Thread(target=second)
    t.start()
    with aot.core_for_child():
        first_in.set()
        second_out.wait(10)
        seen.append(get())   # the second build ended, the first has not: still lent
    t.join()
    assert seen == [1, 1] and get() == 2


def test_a_count_someone_set_meanwhile_is_kept(two_threads):
    get, put = two_threads
    with aot.core_for_child():
        put(3)   # tf.config.threading.set_intra_op_parallelism_threads, say
    assert get() == 3


def test_one_thread_stays_one(two_threads):
    get, put = two_threads
    put(1)
    with aot.core_for_child():
        assert get() == 1 and aot.lent_threads() is None
    assert get() == 1


def test_a_pool_started_meanwhile_keeps_the_blas_at_one_thread_and_the_count_from_before(two_threads):
    from graphgrad.runtime import gemm_pool
    if not gemm_pool.wanted():
        pytest.skip("needs Numba, NumPy's OpenBLAS and two cores")
    get, put = two_threads
    gemm_pool.stop()
    try:
        with aot.core_for_child():
            assert gemm_pool.start()
        assert get() == 1 and gemm_pool._state[4][1] == 2   # what the pool gives back when it stops
    finally:
        gemm_pool.stop()
    assert get() == 2
