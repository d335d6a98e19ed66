"""tf.nest (graphgrad/ops/nest.py): flatten and pack are inverse on any nesting, attrs classes and defaultdicts
keep their type, composites open only with expand_composites. TF's values and errors: tf1_reference's nest_api."""
import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf

P = collections.namedtuple("P", "a b")
leaves = st.one_of(st.none(), st.integers(), st.text(max_size=3))
structures = st.recursive(leaves, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.tuples(kids, kids).map(lambda t: P(*t)), st.tuples(kids),
    st.dictionaries(st.text(max_size=2), kids, max_size=3)), max_leaves=12)


@settings(max_examples=60, deadline=None)
@given(structures)
def test_pack_inverts_flatten_and_map_keeps_structure(s):
    flat = tf.nest.flatten(s)
    assert tf.nest.pack_sequence_as(s, flat) == s
    ids = tf.nest.pack_sequence_as(s, list(range(len(flat))))
    tf.nest.assert_same_structure(s, ids)
    assert tf.nest.flatten(ids) == list(range(len(flat)))
    pairs = tf.nest.map_structure(lambda x, i: (x, i), s, ids)
    assert tf.nest.flatten(tf.nest.map_structure(lambda x, i: (x, i), s, ids)) == [
        v for pair in zip(flat, range(len(flat))) for v in pair]
    assert tf.nest.pack_sequence_as(s, tf.nest.flatten(pairs)[::2]) == s


class _Field:
    def __init__(self, name):
        self.name = name


class Pair:
    """What the attrs library makes: a class whose __attrs_attrs__ lists its fields in order."""
    __attrs_attrs__ = (_Field("y"), _Field("x"))

    def __init__(self, y, x):
        self.y, self.x = y, x


def test_attrs_defaultdict_and_ordered_dicts():
    p = tf.nest.map_structure(lambda v: v * 10, Pair(1, [2, 3]))
    assert isinstance(p, Pair) and (p.y, p.x) == (10, [20, 30]) and tf.nest.is_nested(p)
    assert tf.nest.flatten(Pair(1, 2)) == [1, 2]
    d = collections.defaultdict(list, {"b": 1, "a": 2})
    out = tf.nest.map_structure(lambda v: -v, d)
    assert type(out) is collections.defaultdict and out.default_factory is list and list(out.items()) == [
        ("b", -1), ("a", -2)]
    assert tf.nest.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [2, 1]


def test_composites_are_leaves_unless_expanded():
    rt = tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 3])
    sl = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]), tf.constant([3, 2]))
    assert tf.nest.flatten([rt, sl]) == [rt, sl] and not tf.nest.is_nested(rt)
    parts = tf.nest.flatten([rt, sl], expand_composites=True)
    assert parts == [rt.values, rt.row_splits, sl.values, sl.indices, sl.dense_shape]
    back = tf.nest.map_structure(lambda t: t, [rt, sl], expand_composites=True)
    assert isinstance(back[0], tf.RaggedTensor) and isinstance(back[1], tf.IndexedSlices)
    with tf.Session() as s:
        assert s.run(back[1]).indices.tolist() == [1]
    with pytest.raises(TypeError, match="don't have the same sequence type"):
        tf.nest.assert_same_structure(rt, P(1, 2), expand_composites=True)
    with pytest.raises(ValueError, match="is a sequence, while substructure"):
        tf.nest.assert_same_structure(rt, P(1, 2))
    assert tf.nest.flatten(np.arange(3))[0].tolist() == [0, 1, 2]
