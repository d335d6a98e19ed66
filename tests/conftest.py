import pytest

import graphgrad as tf


@pytest.fixture(autouse=True)
def _fresh_default_graph():
    """Every test starts on an empty default graph with no default session left over."""
    tf.reset_default_graph()
    yield
    s = tf.get_default_session()
    while s is not None:
        s.close()
        s = tf.get_default_session()


def _hypothesis_profile():
    """No per-example deadline (CI machines are slow and shared) and a fixed example sequence, so a run
    on CI checks exactly what passed here; set HYPOTHESIS_PROFILE=explore to search new examples."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
    settings.register_profile("explore", deadline=None, max_examples=500)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


_hypothesis_profile()
