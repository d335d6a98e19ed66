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
