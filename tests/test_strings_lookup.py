"""String ops and lookup tables beyond the recorded programs (tests/test_tf1_conformance.py's strings_* and
lookup_*): a whole TF1 text classifier, tables per session, tables in tf.data, and the hashes against their
published test vectors."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.ops.string_ops import hash64, siphash

SENTENCES = ["a great fun film", "great acting and a fine story", "fine fun", "boring and dull",
             "a dull sad mess", "sad boring story", "great great fun", "dull mess"]
LABELS = [1, 1, 1, 0, 0, 0, 1, 0]


def text_classifier(tf, vocab_path, vocab_size, steps=60):
    """A TF1 text program as tutorials wrote it (vocabulary file -> ids -> embeddings -> logistic regression),
    written against `tf` only, so that the same function runs under TensorFlow and graphgrad."""
    lines = tf.placeholder(tf.string, [None], name="lines")
    labels = tf.placeholder(tf.int64, [None], name="labels")
    table = tf.contrib.lookup.index_table_from_file(vocab_path, num_oov_buckets=1)
    words = tf.string_split(lines)
    ids = table.lookup(words)
    dense_ids = tf.sparse_tensor_to_dense(ids, default_value=-1)
    mask = tf.cast(tf.not_equal(dense_ids, -1), tf.float32)
    embeddings = tf.get_variable("embeddings", [vocab_size + 1, 8],  # + the out-of-vocabulary bucket
                                 initializer=tf.random_uniform_initializer(-0.1, 0.1, seed=1))
    vectors = tf.nn.embedding_lookup(embeddings, tf.maximum(dense_ids, 0)) * mask[:, :, None]
    mean = tf.reduce_sum(vectors, 1) / tf.maximum(tf.reduce_sum(mask, 1, keepdims=True), 1.0)
    logits = tf.layers.dense(mean, 2, kernel_initializer=tf.glorot_uniform_initializer(seed=2))
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    step = tf.train.AdamOptimizer(0.1).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
    feed = {lines: SENTENCES, labels: LABELS}
    with tf.Session() as s:
        s.run([tf.global_variables_initializer(), tf.tables_initializer()])
        first = s.run(loss, feed)
        for _ in range(steps):
            s.run(step, feed)
        return first, s.run([loss, accuracy], feed), s.run(ids, {lines: ["great unseen fun"]})


@pytest.fixture
def vocab(tmp_path):
    words = sorted({w for s in SENTENCES for w in s.split()})
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(words) + "\n")
    return str(path), words


def test_a_tf1_text_classifier_trains_on_words_looked_up_in_a_vocabulary_file(vocab):
    path, words = vocab
    assert len(words) == 12  # + 1 out-of-vocabulary bucket: the embedding's 13 rows
    with tf.Graph().as_default():
        first, (last, accuracy), ids = text_classifier(tf, path, len(words))
    assert first > 0.6 and last < 0.05 * first and accuracy == 1.0
    assert ids.values.tolist() == [words.index("great"), 12, words.index("fun")]
    assert ids.indices.tolist() == [[0, 0], [0, 1], [0, 2]] and ids.dense_shape.tolist() == [1, 3]


def test_each_session_holds_its_own_tables():
    table = tf.contrib.lookup.MutableHashTable(tf.string, tf.int64, -1)
    insert = table.insert(tf.constant(["a"]), tf.constant([1], tf.int64))
    found = table.lookup(tf.constant(["a"]))
    one, two = tf.Session(), tf.Session()
    one.run(insert)
    assert one.run(found).tolist() == [1] and two.run(found).tolist() == [-1]
    static = tf.contrib.lookup.index_table_from_tensor(["x", "y"])
    ids = static.lookup(tf.constant(["y"]))
    one.run(static.initializer)
    assert one.run(ids).tolist() == [1]
    with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized."):
        two.run(ids)


def test_a_vocabulary_lookup_inside_a_dataset_map_with_a_one_shot_pipeline(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("the\ncat\n")
    table = tf.contrib.lookup.index_table_from_file(str(path), default_value=-1)
    ds = tf.data.Dataset.from_tensor_slices(["the cat", "cat dog"]).map(
        lambda line: table.lookup(tf.string_split([line]).values)).batch(2)
    it = ds.make_initializable_iterator()
    with tf.Session() as s:
        s.run(tf.tables_initializer())
        s.run(it.initializer)
        assert s.run(it.get_next()).tolist() == [[0, 1], [1, -1]]


def test_hashes_match_their_reference_vectors():
    # SipHash-2-4's reference vectors (Aumasson & Bernstein): key 00..0f, messages 00, 00 01, ...
    k0, k1 = int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little")
    assert siphash(k0, k1, b"") == 0x726FDB47DD0E0E31
    assert siphash(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5
    assert siphash(k0, k1, bytes(range(16))) == 0x3F2ACC7F57C29BDB
    # TF's Hash64 is MurmurHash64A seeded with 0xDECAFCAFFE: of nothing, the seed's two mixing rounds
    m = 0xC6A4A7935BD1E995
    h = (0xDECAFCAFFE ^ 0) & (2 ** 64 - 1)
    h = ((h ^ (h >> 47)) * m) & (2 ** 64 - 1)
    assert hash64(b"") == h ^ (h >> 47)


def test_string_ops_keep_strings_on_the_host_and_have_no_gradient():
    x = tf.placeholder(tf.string, [None])
    n = tf.placeholder(tf.float32, [None])
    out = tf.strings.length(tf.string_join([x, tf.as_string(n)], "="))
    assert tf.gradients(tf.cast(out, tf.float32), n) == [None]
    with tf.Session() as s:
        assert s.run(out, {x: ["ab", "é"], n: [1.0, 2.5]}).tolist() == [11, 11]


def test_string_ops_on_higher_ranks_and_scalars():
    m = tf.constant([["ab", "c"], ["", "déf"]])
    with tf.Session() as s:
        lengths, upper, sub, joined = s.run([tf.strings.length(m, unit="UTF8_CHAR"), tf.strings.upper("é x"),
                                             tf.substr(m, 0, 1), tf.reduce_join(m, 0, separator="+")])
    assert lengths.tolist() == [[2, 1], [0, 3]] and upper == b"\xc3\xa9 X"
    assert sub.tolist() == [[b"a", b"c"], [b"", b"d"]] and joined.tolist() == [b"ab+", "c+déf".encode()]
    assert np.asarray(joined).dtype == object


def test_strings_split_refuses_the_ragged_form_it_cannot_give():
    with pytest.raises(ValueError, match="no RaggedTensor"):
        tf.strings.split(["a b"], result_type="RaggedTensor")


def test_monitored_sessions_and_estimators_fill_the_tables_themselves(tmp_path):
    """As TF's Scaffold: its default local_init_op runs tables_initializer(), so an Estimator's model_fn may
    look words up in a vocabulary table without running anything itself."""
    path = tmp_path / "vocab.txt"
    path.write_text("good\nbad\n")

    def model_fn(features, labels, mode):
        table = tf.contrib.lookup.index_table_from_file(str(path), num_oov_buckets=1)
        ids = table.lookup(features["word"])
        logits = tf.layers.dense(tf.one_hot(ids, 3), 2)
        if mode == tf.estimator.ModeKeys.PREDICT:
            return tf.estimator.EstimatorSpec(mode, predictions={"ids": ids})
        loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
        step = tf.train.GradientDescentOptimizer(0.5).minimize(loss, tf.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=step)

    words = np.array([b"good", b"bad", b"meh", b"good"], dtype=object)
    est = tf.estimator.Estimator(model_fn, model_dir=str(tmp_path / "model"))
    est.train(tf.estimator.inputs.numpy_input_fn({"word": words}, np.array([1, 0, 0, 1]), batch_size=4,
                                                  shuffle=False, num_epochs=None), steps=3)
    predicted = est.predict(tf.estimator.inputs.numpy_input_fn({"word": words}, batch_size=4, shuffle=False))
    assert [p["ids"] for p in predicted] == [0, 1, 2, 0]


def test_string_ops_run_eagerly_and_tables_say_they_need_graph_mode():
    from graphgrad.eager import eager_mode

    with eager_mode():
        assert tf.strings.length(["ab", "é"]).numpy().tolist() == [2, 2]
        assert tf.string_split(["a b"]).values.numpy().tolist() == [b"a", b"b"]
        with pytest.raises(RuntimeError, match="graph mode"):
            tf.contrib.lookup.index_table_from_tensor(["a"])
