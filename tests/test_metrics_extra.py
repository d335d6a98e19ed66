"""tf.metrics beyond accuracy and AUC, tf.keras.losses and the Keras 2 optimizers Adamax, Nadam and Ftrl: what the
recorded TF programs (tests/test_tf1_conformance.py: metrics_*, keras_losses_*, keras_optimizers_extra) do not
show — collections, SparseTensor labels, restarting, serialization round trips, training through compile, sparse
updates."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad import keras

SCORES = np.array([[0.1, 0.5, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1], [0.0, 0.1, 0.7, 0.2]], np.float32)
LABELS = np.array([[0, 2], [1, -1], [2, 3]], np.int64)


def _new_metrics(labels, scores):
    m = tf.metrics
    return [m.precision_at_k(labels, scores, 2), m.recall_at_k(labels, scores, 3),
            m.precision_at_k(labels, scores, 2, class_id=2), m.average_precision_at_k(labels, scores, 3)]


def test_at_k_metrics_take_sparse_labels_as_their_dense_sets():
    """A SparseTensor row holds only its present values: the dense rows without the -1 padding."""
    with tf.Graph().as_default():
        dense = _new_metrics(tf.constant(LABELS), tf.constant(SCORES))
        present = np.argwhere(LABELS >= 0)
        sparse = tf.SparseTensor(present, LABELS[LABELS >= 0], LABELS.shape)
        padded = _new_metrics(sparse, tf.constant(SCORES))
        dense_minus_pad = _new_metrics(tf.constant(np.where(LABELS < 0, 0, LABELS)), tf.constant(SCORES))
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            got_dense = s.run([u for _, u in dense])
            got_sparse = s.run([u for _, u in padded])
            other = s.run([u for _, u in dense_minus_pad])
    # row 2's -1 is one more (never predicted) label in the dense form: recall differs, precision does not
    np.testing.assert_allclose(got_sparse[0], got_dense[0])
    assert got_sparse[1] > got_dense[1]
    np.testing.assert_allclose(got_sparse[2], got_dense[2])
    assert got_sparse[3] != other[3]  # the 0 that replaced -1 is a real label there


def test_new_metrics_collections_and_restart():
    with tf.Graph().as_default():
        labels = tf.placeholder(tf.int64, [None])
        pred = tf.placeholder(tf.int64, [None])
        scores = tf.placeholder(tf.float32, [None])
        m = tf.metrics
        pairs = [m.mean_iou(labels, pred, 3, metrics_collections=["v"], updates_collections=["u"]),
                 m.mean_per_class_accuracy(labels, pred, 3, metrics_collections=["v"], updates_collections=["u"]),
                 m.precision_at_thresholds(tf.cast(labels, tf.bool), scores, [0.5], metrics_collections=["v"],
                                           updates_collections=["u"]),
                 m.mean_tensor(tf.constant([1.0, 2.0]), metrics_collections=["v"], updates_collections=["u"])]
        assert tf.get_collection("v") == [v for v, _ in pairs]
        assert tf.get_collection("u") == [u for _, u in pairs]
        assert set(tf.get_collection(m.METRIC_VARIABLES)) == set(tf.local_variables())
        assert not tf.trainable_variables() and not tf.global_variables()
        feed = {labels: [0, 1, 2, 1], pred: [0, 1, 1, 1], scores: [0.9, 0.2, 0.7, 0.6]}
        with tf.Session() as s:
            for _ in range(2):  # re-initializing the local variables starts every metric again
                s.run(tf.local_variables_initializer())
                first = s.run([u for _, u in pairs], feed)
                again = s.run([u for _, u in pairs], feed)
                np.testing.assert_allclose(again[0], 2 * first[0])  # mean_iou's update returns the matrix
                for a, b in zip(first[1:], again[1:]):  # the same batch twice: the same ratios
                    np.testing.assert_allclose(a, b, rtol=1e-6)
                assert s.run(pairs[0][0]) == pytest.approx((1 / 1 + 2 / 3 + 0 / 1) / 3)


def test_mean_tensor_needs_a_static_shape_per_element():
    with tf.Graph().as_default():
        value, update = tf.metrics.mean_tensor(tf.constant([[1.0, 2.0], [3.0, 4.0]]),
                                               weights=tf.constant([[1.0], [0.0]]))
        assert value.shape.as_list() == [2, 2]
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            np.testing.assert_allclose(s.run(update), [[1.0, 2.0], [0.0, 0.0]])


# --- keras losses --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Huber", "LogCosh", "CategoricalHinge", "KLDivergence", "Poisson",
                                  "CosineSimilarity", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                                  "MeanSquaredLogarithmicError", "SparseCategoricalCrossentropy"])
def test_loss_objects_round_trip_through_serialize(name):
    loss = getattr(keras.losses, name)(reduction="sum", name="mine")
    back = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(back) is type(loss) and back.get_config() == loss.get_config()
    assert back.reduction == "sum" and back.name == "mine"


def test_compile_trains_with_a_loss_object_and_a_new_optimizer():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    with tf.Graph().as_default():
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
        model.compile(keras.optimizers.Nadam(0.05), keras.losses.Huber(delta=0.5))
        history = model.fit(x, y, batch_size=16, epochs=15, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < 0.2 * losses[0]


def test_keras_optimizers_bind_positional_arguments_as_keras():
    assert keras.optimizers.Adam(0.01, 0.8).get_config()["beta_1"] == 0.8
    ftrl = keras.optimizers.Ftrl(0.1, -0.5, 0.1, 0.0, 0.0, "f", 0.3, 0.2)
    assert (ftrl.get_config()["name"], ftrl.hyper["l2_shrinkage_regularization_strength"], ftrl.hyper["beta"]) \
        == ("f", 0.3, 0.2)
    assert keras.optimizers.Nadam(decay=0.01).get_config()["decay"] == 0.01
    with pytest.raises(TypeError):
        keras.optimizers.Adamax(0.1, 0.9, 0.9, 1e-7, "a", 3)


@pytest.mark.parametrize("make", [lambda: keras.optimizers.Adamax(0.1), lambda: keras.optimizers.Nadam(0.1),
                                  lambda: keras.optimizers.Ftrl(0.3, l1_regularization_strength=0.01, beta=0.1)])
def test_sparse_updates_match_dense_ones_when_every_row_is_looked_up_once(make):
    """An embedding's IndexedSlices gradient updates the rows it names by the dense formula."""
    table = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(4, 3)
    results = []
    for sparse in (True, False):
        with tf.Graph().as_default():
            emb = tf.Variable(table)
            rows = tf.nn.embedding_lookup(emb, [2, 0, 3, 1]) if sparse else tf.gather(tf.identity(emb), [2, 0, 3, 1])
            loss = tf.reduce_sum(tf.square(rows - 0.25) * np.arange(1.0, 5.0, dtype=np.float32)[:, None])
            opt = make().build()
            step = opt.minimize(loss)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                for _ in range(3):
                    s.run(step)
                results.append(s.run([emb] + [opt.get_slot(emb, n) for n in opt.get_slot_names()]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
