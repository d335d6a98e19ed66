"""The tf.RaggedTensor subset the Unicode and bytes_split ops give (values, row_splits, to_tensor, to_list) in
graph and eager mode; their values are checked against TF by strings_format_ngrams_unicode."""
import pytest

import graphgrad as tf
from graphgrad.eager import eager_mode


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def test_ragged_rows_in_graph_and_eager_mode():
    rows = tf.strings.unicode_decode(tf.constant(["ab", "", "c"]), "UTF-8")
    with pytest.raises(ValueError, match="only supported in eager mode"):
        rows.to_list()
    with tf.Session() as s:
        value, dense = s.run([rows, rows.to_tensor(-1)])
    assert value.to_list() == [[97, 98], [], [99]] and dense.tolist() == [[97, 98], [-1, -1], [99, -1]]
    with eager_mode():
        assert tf.strings.bytes_split(tf.constant(["xy", "z"])).to_list() == [[b"x", b"y"], [b"z"]]
