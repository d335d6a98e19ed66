"""Write the small GraphDef / MetaGraph files of tests/data/tf_graphs/ with real TensorFlow, for
tests/test_graph_io.py: graphgrad must import what TF1 wrote (`import_graph_def`, `import_meta_graph`) and compute
what TF computed.

    python tools/record_tf_graphs.py          # in a venv with tensorflow-cpu (2.x: compat.v1 graph mode)
    python tools/record_tf_graphs.py train [NAME ...]   # only the training graphs of tests/data/tf_graphs/train/
    python tools/record_tf_graphs.py segments   # only segments.pb (segment, partition and bucket ops)
    python tools/record_tf_graphs.py conds    # only conds.pb and loop_and_cond.meta: TF 1.x control flow
    python tools/record_tf_graphs.py --check-training GRAPHGRAD_PYTHON   # TF restores what graphgrad trained
    python tools/record_tf_graphs.py --check  # parse and import the meta graph graphgrad writes, under real TF

Each program writes its graph files beside `NAME.npz`, which holds the inputs fed (`feed/<tensor name>`) and the
values TF computed (`fetch/<tensor name>`). Weights come from a seeded NumPy generator, so every file is
deterministic.
"""
from __future__ import annotations

import glob
import os
import shutil
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "tf_graphs")


def _weights(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).normal(0, 0.5, shape).astype(np.float32)


def _save(name, feeds, fetches, sess):
    values = sess.run(fetches, feeds)
    arrays = {f"feed/{t.name}": v for t, v in feeds.items()}
    arrays.update({f"fetch/{t.name}": v for t, v in zip(fetches, values)})
    np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)


def mlp(tf):
    """An MLP trained one step: its .meta (with the training op and the saver's ops), its checkpoint, its
    frozen inference graph (.pb) and the same graph as text (.pbtxt)."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    w1 = tf.Variable(_weights(4, 8), name="w1")
    b1 = tf.Variable(np.zeros(8, np.float32), name="b1")
    w2 = tf.Variable(_weights(8, 3), name="w2")
    b2 = tf.Variable(np.full(3, 0.1, np.float32), name="b2")
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.nn.bias_add(tf.matmul(h, w2), b2, name="logits")
    probs = tf.nn.softmax(logits, name="probs")
    pred = tf.argmax(logits, 1, name="pred")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    acc = tf.reduce_mean(tf.cast(tf.equal(pred, y), tf.float32), name="accuracy")
    step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    tf.add_to_collection("train_op", step)
    feeds = {x: _weights(5, 4, seed=1), y: np.array([0, 1, 2, 1, 0])}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step, feeds)
        tf.train.Saver().save(sess, os.path.join(OUT, "mlp", "model.ckpt"))
        _save("mlp", feeds, [logits, probs, pred, loss, acc], sess)
        frozen = tf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["probs", "pred"])
        tf.train.write_graph(frozen, OUT, "mlp_frozen.pb", as_text=False)
        tf.train.write_graph(sess.graph_def, OUT, "mlp.pbtxt")


def cnn(tf):
    """A small CNN as a frozen .pb: Conv2D, MaxPool, AvgPool, a Reshape to a shape built from Shape,
    StridedSlice and Pack, Sigmoid/Tanh, Sum, Cast, RealDiv, Sub, a PlaceholderWithDefault."""
    x = tf.placeholder(tf.float32, (None, 6, 6, 2), name="images")
    scale = tf.placeholder_with_default(tf.constant(1.0), (), name="scale")
    k = tf.Variable(_weights(3, 3, 2, 4), name="conv/kernel")
    b = tf.Variable(_weights(4), name="conv/bias")
    c = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x * scale, k, [1, 1, 1, 1], "SAME"), b))
    p = tf.nn.max_pool(c, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    a = tf.nn.avg_pool(c, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    batch = tf.shape(x)[0]
    flat = tf.reshape(tf.concat([p, a], axis=3), tf.stack([batch, -1]), name="flat")
    w = tf.Variable(_weights(72, 3), name="dense/kernel")
    z = tf.matmul(flat, w)
    out = tf.subtract(tf.sigmoid(z), tf.tanh(z) / 2.0, name="out")
    total = tf.reduce_sum(out, axis=1, name="total")
    n = tf.cast(batch, tf.float32, name="n")
    mean = tf.realdiv(tf.reduce_sum(total), n, name="mean")
    feeds = {x: _weights(2, 6, 6, 2, seed=2)}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _save("cnn", feeds, [out, total, mean], sess)
        frozen = tf.graph_util.convert_variables_to_constants(sess, sess.graph_def, ["out", "total", "mean"])
        tf.train.write_graph(frozen, OUT, "cnn_frozen.pb", as_text=False)


def misc(tf):
    """The other ops import maps, as a GraphDef without variables: Transpose, ExpandDims, Squeeze, LeakyRelu,
    LogSoftmax, Max/Min/Prod, ArgMin, Fill, Tile, GatherV2, Minimum, Square."""
    x = tf.placeholder(tf.float32, (None, 3, 4), name="x")
    sq = tf.squeeze(tf.expand_dims(tf.transpose(x, [0, 2, 1]), 1), [1])
    ls = tf.nn.log_softmax(tf.nn.leaky_relu(sq, 0.3))
    mx = tf.reduce_max(ls, axis=2, name="max")
    mn = tf.reduce_min(ls, axis=[1], keepdims=True, name="min")
    pr = tf.reduce_prod(tf.sigmoid(x), axis=-1, name="prod")
    am = tf.argmin(mx, 1, name="argmin")
    filled = tf.minimum(tf.fill(tf.shape(mx), 2.0), tf.square(mx), name="filled")
    tl = tf.tile(mn, [1, 2, 1], name="tiled")
    g = tf.gather(x, [2, 0], axis=2, name="gathered")
    feeds = {x: _weights(2, 3, 4, seed=3)}
    with tf.Session() as sess:
        _save("misc", feeds, [mx, mn, pr, am, filled, tl, g], sess)
    tf.train.write_graph(tf.get_default_graph(), OUT, "misc.pb", as_text=False)

def segments(tf):
    """Segment, partition and bucket ops as TF writes them (SegmentSum ... HistogramFixedWidth), fed ids."""
    x = tf.placeholder(tf.float32, (None, 2), name="x")
    ids = tf.placeholder(tf.int32, (None,), name="ids")
    outs = [tf.segment_sum(x, ids), tf.segment_max(x, ids), tf.unsorted_segment_prod(x, ids, 4),
            tf.sparse_segment_mean(x, [0, 1, 2], [0, 0, 1]), tf.sparse_segment_sum(x, [0, 1], [0, 1], num_segments=3)]
    outs += tf.dynamic_partition(x, ids, 4)
    outs += [tf.invert_permutation([2, 0, 1]), tf.setdiff1d([1, 2, 3], [2]).out,
             tf.searchsorted([1.0, 3.0], [2.0], side="right"), tf.histogram_fixed_width([0.5, 1.5], [0.0, 2.0], 2),
             tf.unravel_index([5], [3, 4])]
    outs = [tf.identity(o, name=f"out{i}") for i, o in enumerate(outs)]
    feeds = {x: _weights(3, 2, seed=4), ids: np.array([0, 0, 2], np.int32)}
    with tf.Session() as sess:
        _save("segments", feeds, outs, sess)
    tf.train.write_graph(tf.get_default_graph(), OUT, "segments.pb", as_text=False)


def conds(tf):
    """TF 1.x control flow in a GraphDef without variables (conds.pb): a cond of two outputs, nested conds,
    tf.case (a chain of conds), a branch that returns an outside tensor, and their gradient (Switch and Merge
    both ways); fetched for each of four feeds (`fetch/<i>/<tensor name>`)."""
    x = tf.placeholder(tf.float32, (None, 3), name="x")
    flag = tf.placeholder(tf.bool, (), name="flag")
    a, b = tf.cond(flag, lambda: (tf.nn.relu(x) * 2.0, tf.reduce_sum(x)), lambda: (tf.tanh(x), tf.constant(-1.0)),
                   name="pair")
    nested = tf.cond(tf.reduce_mean(x) > 0.0, lambda: tf.cond(flag, lambda: x + 1.0, lambda: x - 1.0),
                     lambda: x, name="nested")
    case = tf.case([(tf.reduce_max(x) > 1.0, lambda: x * 3.0), (flag, lambda: -x)], default=lambda: x / 2.0,
                   name="case")
    out = tf.identity(a * b + nested + case, name="out")
    (dx,) = tf.gradients(tf.reduce_sum(out * out), [x], name="grad")
    fetches = [a, b, nested, case, out, tf.identity(dx, name="dx")]
    arrays = {}
    with tf.Session() as sess:
        for i, (scale, on) in enumerate([(1.0, True), (1.0, False), (-1.0, True), (0.2, False)]):
            feed = {x: _weights(2, 3, seed=5) * scale + (0.3 if scale > 0 else 0.0), flag: np.array(on)}
            arrays.update({f"feed/{i}/{t.name}": v for t, v in feed.items()})
            arrays.update({f"fetch/{i}/{t.name}": v for t, v in zip(fetches, sess.run(fetches, feed))})
    np.savez(os.path.join(OUT, "conds.npz"), **arrays)
    tf.train.write_graph(tf.get_default_graph(), OUT, "conds.pb", as_text=False)


def loop_and_cond(tf):
    """A meta graph (loop_and_cond.meta) with a tf.while_loop beside a tf.cond: the loop's own Switches and
    Merges must not be taken for the cond's (tests/test_tf_control_flow_import.py)."""
    x = tf.placeholder(tf.float32, (3,), name="x")
    flag = tf.placeholder(tf.bool, (), name="flag")
    _, looped = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), [tf.constant(0), x], name="loop")
    tf.identity(looped, name="looped")
    out = tf.cond(flag, lambda: x + 1.0, lambda: x * 3.0, name="cond")
    feed = {x: np.array([1.0, -2.0, 0.5], np.float32), flag: np.array(False)}
    with tf.Session() as sess:
        _save("loop_and_cond", feed, [out], sess)
    tf.train.export_meta_graph(os.path.join(OUT, "loop_and_cond.meta"))


# ---- training graphs: TF writes the .meta + checkpoint, then runs STEPS steps; graphgrad must match them ----

STEPS = 3


def _batches(*specs):
    """STEPS fixed batches: {name: array} per step, from (name, shape, kind) specs."""
    out = []
    for i in range(STEPS):
        rng = np.random.default_rng(100 + i)
        out.append({n: (rng.integers(0, k, shape) if isinstance(k, int) else rng.normal(0, 1, shape).astype(np.float32))
                    for n, shape, k in specs})
    return out


def _mlp_loss(tf):
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    w1 = tf.Variable(_weights(4, 8), name="w1")
    b1 = tf.Variable(np.full(8, 0.1, np.float32), name="b1")
    w2 = tf.Variable(_weights(8, 3), name="w2")
    b2 = tf.Variable(np.zeros(3, np.float32), name="b2")
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.nn.bias_add(tf.matmul(h, w2), b2, name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    return loss, _batches(("x", (6, 4), None), ("y", (6,), 3))


def _activations_loss(tf):
    """The activations' gradient kernels through a concat (ConcatOffset, Slice with bounds known when run),
    dense-label cross-entropy (TF1's, which reshapes its logits with Slice) and an L2 penalty."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.float32, (None, 3), name="y")
    w = tf.Variable(_weights(4, 6), name="w")
    z = tf.matmul(x, w)
    acts = [tf.nn.elu(z), tf.nn.selu(z), tf.nn.softplus(z), tf.tanh(z), tf.sigmoid(z), tf.nn.relu6(z * 4.0),
            tf.sqrt(tf.square(z) + 1.0), tf.rsqrt(tf.abs(z) + 1.0), tf.reciprocal(tf.exp(z) + 1.0),
            tf.log1p(tf.abs(z)), tf.nn.leaky_relu(z, 0.2), tf.maximum(z, -0.5), tf.minimum(z, 0.5)]
    h = tf.concat(acts, axis=1)
    w2 = tf.Variable(_weights(6 * len(acts), 3), name="w2")
    logits = tf.matmul(h, w2, name="logits")
    xent = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.add(tf.reduce_mean(xent), 1e-3 * (tf.nn.l2_loss(w) + tf.nn.l2_loss(w2)), name="loss")
    return loss, [{"x": b["x"], "y": np.eye(3, dtype=np.float32)[b["y"]]}
                  for b in _batches(("x", (5, 4), None), ("y", (5,), 3))]


def _dense_activations_loss(tf):
    """The smooth activations' gradient kernels and an L2 penalty behind the MLP's sparse cross-entropy."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    z = tf.matmul(x, tf.Variable(_weights(4, 6), name="w"))
    acts = [tf.nn.elu(z), tf.nn.selu(z), tf.nn.softplus(z), tf.tanh(z), tf.sigmoid(z), tf.nn.relu6(z * 4.0),
            tf.sqrt(tf.square(z) + 1.0), tf.rsqrt(tf.abs(z) + 1.0), tf.reciprocal(tf.exp(z) + 1.0),
            tf.log1p(tf.abs(z)), tf.nn.leaky_relu(z, 0.2), tf.maximum(z, -0.5), tf.minimum(z, 0.5)]
    ws = [tf.Variable(_weights(6, 3, seed=i), name=f"w2_{i}") for i in range(len(acts))]
    logits = tf.add_n([tf.matmul(a, w) for a, w in zip(acts, ws)], name="logits")
    xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
    loss = tf.add(tf.reduce_mean(xent), 1e-3 * tf.nn.l2_loss(ws[0]), name="loss")
    return loss, _batches(("x", (5, 4), None), ("y", (5,), 3))


def _dense_batch_norm_loss(tf):
    """tf.layers.batch_normalization on a dense layer (not fused: moments, Rsqrt, the moving averages'
    AssignSub in UPDATE_OPS)."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    h = tf.matmul(x, tf.Variable(_weights(4, 8), name="w1"))
    h = tf.nn.relu(tf.layers.batch_normalization(h, training=True, name="bn"))
    logits = tf.matmul(h, tf.Variable(_weights(8, 3), name="w2"), name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    return loss, _batches(("x", (6, 4), None), ("y", (6,), 3))


def _cnn_loss(tf, batch_norm=None):
    """A CNN; with `batch_norm` (the `training` argument: True, False or a tensor) batch norm (fused: 4-D) after
    the conv and (not fused) after the dense layer."""
    x = tf.placeholder(tf.float32, (None, 6, 6, 2), name="images")
    y = tf.placeholder(tf.int64, (None,), name="labels")
    k = tf.Variable(_weights(3, 3, 2, 4), name="conv/kernel")
    c = tf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME")
    if batch_norm is not None:
        c = tf.layers.batch_normalization(c, training=batch_norm, name="bn1")
    else:
        c = tf.nn.bias_add(c, tf.Variable(_weights(4), name="conv/bias"))
    c = tf.nn.relu(c)
    p = tf.nn.max_pool(c, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    a = tf.nn.avg_pool(c, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    flat = tf.reshape(tf.concat([p, a], axis=3), [-1, 3 * 3 * 8])
    h = tf.matmul(flat, tf.Variable(_weights(72, 5), name="dense/kernel"))
    if batch_norm is not None:
        h = tf.nn.relu(tf.layers.batch_normalization(h, training=batch_norm, name="bn2"))
    logits = tf.matmul(h, tf.Variable(_weights(5, 3), name="out/kernel"), name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    return loss, _batches(("images", (4, 6, 6, 2), None), ("labels", (4,), 3))


def _resource(build):
    """`build` with resource variables (`use_resource=True`, as `tf.enable_resource_variables()` makes every
    variable): VarHandleOp, ReadVariableOp, AssignVariableOp and the optimizers' ResourceApply* ops."""
    def resource_build(tf):
        with tf.variable_scope(tf.get_variable_scope(), use_resource=True):
            return build(tf)
    return resource_build


def _cond_loss(tf):
    """A tf.cond on a fed flag, nested in the true branch of another, as TF 1.x writes it (Switch, Merge and the
    branches' Identities; the gradient's Switch/Merge pairs): steps alternate the branches."""
    x = tf.placeholder(tf.float32, (None, 4), name="x")
    y = tf.placeholder(tf.int64, (None,), name="y")
    flag = tf.placeholder(tf.bool, (), name="flag")
    z = tf.matmul(x, tf.Variable(_weights(4, 6), name="w1"))
    v = tf.Variable(_weights(6, seed=4), name="v")
    h = tf.cond(flag, lambda: tf.nn.relu(z) * v + tf.cond(tf.reduce_sum(z) > 0.0, lambda: z * 0.5,
                                                             lambda: tf.square(z) * 0.1),
                lambda: tf.tanh(z) - v, name="cond")
    logits = tf.matmul(h, tf.Variable(_weights(6, 3), name="w2"), name="logits")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
    return loss, [dict(b, flag=np.array(i % 2 == 0)) for i, b in
                  enumerate(_batches(("x", (6, 4), None), ("y", (6,), 3)))]


def _cnn_batch_norm_cond_loss(tf):
    """Fused batch norm with `training` a fed tensor: TF writes both FusedBatchNormV3 calls in a cond, and the
    moving averages' updates too; steps alternate training and inference mode."""
    loss, batches = _cnn_loss(tf, batch_norm=tf.placeholder_with_default(True, (), name="training"))
    return loss, [dict(b, training=np.array(i != 1)) for i, b in enumerate(batches)]


def _embedding_loss(tf):
    ids = tf.placeholder(tf.int32, (None, 3), name="ids")
    y = tf.placeholder(tf.float32, (None,), name="y")
    emb = tf.Variable(_weights(10, 4), name="embeddings")
    e = tf.reduce_mean(tf.nn.embedding_lookup(emb, ids), axis=1)
    w = tf.Variable(_weights(4, 1), name="w")
    pred = tf.squeeze(tf.matmul(e, w), 1, name="pred")
    loss = tf.reduce_mean(tf.square(pred - y), name="loss")
    return loss, [{"ids": b["ids"], "y": b["y"]} for b in _batches(("ids", (5, 3), 10), ("y", (5,), None))]


def _dynamic_rnn_loss(tf):
    """A control flow v1 loop (tf.nn.dynamic_rnn over an LSTMCell, with sequence lengths) whose gradient is a
    second loop fed by stacks (StackV2/StackPushV2/StackPopV2) and TensorArray gradients (graph_io/tf_while.py);
    the loss reads both the outputs and the last state. Recorded with TF_USE_LEGACY_KERAS=1 (tf.nn.rnn_cell)."""
    x = tf.placeholder(tf.float32, (None, 4, 3), name="x")
    lengths = tf.placeholder(tf.int32, (None,), name="lengths")
    y = tf.placeholder(tf.float32, (None, 2), name="y")
    cell = tf.nn.rnn_cell.LSTMCell(5, initializer=tf.constant_initializer(_weights(8, 20)))
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    w = tf.Variable(_weights(5, 2), name="w")
    pred = tf.matmul(state.h + tf.reduce_mean(outputs, axis=1), w)
    loss = tf.reduce_mean(tf.square(pred - y), name="loss")
    batches = _batches(("x", (3, 4, 3), None), ("lengths", (3,), 5), ("y", (3, 2), None))
    return loss, [{k: v.astype(np.int32) if k == "lengths" else v for k, v in b.items()} for b in batches]


def _embedding_rnn_loss(tf):
    """Trainable inputs into TF 1.x loops: an embedding read by tf.nn.dynamic_rnn over a GRUCell (the inputs'
    TensorArray gets gradient writes in the gradient loop, their flows summed), then tf.scan over its outputs
    and tf.map_fn over its last state, so that three loops and their gradient loops train together."""
    ids = tf.placeholder(tf.int32, (None, 4), name="ids")
    lengths = tf.placeholder(tf.int32, (None,), name="lengths")
    y = tf.placeholder(tf.float32, (None, 2), name="y")
    emb = tf.Variable(_weights(6, 3), name="emb")
    cell = tf.nn.rnn_cell.GRUCell(5)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.nn.embedding_lookup(emb, ids), sequence_length=lengths,
                                       dtype=tf.float32)
    scanned = tf.scan(lambda a, r: a * 0.5 + r, tf.transpose(outputs, [1, 0, 2]))
    mapped = tf.map_fn(lambda r: tf.reduce_sum(r * r), state)
    w = tf.Variable(_weights(5, 2), name="w")
    pred = tf.matmul(state + tf.reduce_mean(scanned, axis=0), w) + tf.reduce_mean(mapped)
    loss = tf.reduce_mean(tf.square(pred - y), name="loss")
    batches = _batches(("ids", (3, 4), 6), ("lengths", (3,), 5), ("y", (3, 2), None))
    return loss, [{k: v if k == "y" else v.astype(np.int32) for k, v in b.items()} for b in batches]


TRAINING = {
    "mlp_sgd": (_mlp_loss, lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "mlp_momentum": (_mlp_loss, lambda tf: tf.train.MomentumOptimizer(0.1, 0.9)),
    "mlp_nesterov": (_mlp_loss, lambda tf: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)),
    "mlp_adam": (_mlp_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "mlp_adagrad": (_mlp_loss, lambda tf: tf.train.AdagradOptimizer(0.3)),
    "mlp_rmsprop": (_mlp_loss, lambda tf: tf.train.RMSPropOptimizer(0.02, momentum=0.5)),
    "mlp_rmsprop_centered": (_mlp_loss, lambda tf: tf.train.RMSPropOptimizer(0.02, centered=True)),
    "mlp_adadelta": (_mlp_loss, lambda tf: tf.train.AdadeltaOptimizer(1.0)),
    "activations_adam": (_dense_activations_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "batch_norm_momentum": (_dense_batch_norm_loss, lambda tf: tf.train.MomentumOptimizer(0.1, 0.9)),
    "cnn_adam": (_cnn_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "embedding_sgd": (_embedding_loss, lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "embedding_adam": (_embedding_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "embedding_adagrad": (_embedding_loss, lambda tf: tf.train.AdagradOptimizer(0.3)),
    "mlp_ftrl": (_mlp_loss, lambda tf: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.01,
                                                               l2_regularization_strength=0.01)),
    "mlp_proximal": (_mlp_loss, lambda tf: tf.train.ProximalGradientDescentOptimizer(
        0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.01)),
    "mlp_ftrl_shrinkage": (_mlp_loss, lambda tf: tf.train.FtrlOptimizer(
        0.3, l1_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.05)),
    "activations_sgd": (_activations_loss, lambda tf: tf.train.GradientDescentOptimizer(0.3)),
    "cnn_batch_norm": (lambda tf: _cnn_loss(tf, batch_norm=True), lambda tf: tf.train.MomentumOptimizer(0.1, 0.9)),
    "cnn_batch_norm_frozen": (lambda tf: _cnn_loss(tf, batch_norm=False),
                              lambda tf: tf.train.GradientDescentOptimizer(0.2)),
    "resource_mlp_sgd": (_resource(_mlp_loss), lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "resource_mlp_momentum": (_resource(_mlp_loss), lambda tf: tf.train.MomentumOptimizer(0.1, 0.9)),
    "resource_mlp_adam": (_resource(_mlp_loss), lambda tf: tf.train.AdamOptimizer(0.05)),
    "resource_mlp_rmsprop": (_resource(_mlp_loss), lambda tf: tf.train.RMSPropOptimizer(0.02, momentum=0.5)),
    "resource_mlp_adagrad": (_resource(_mlp_loss), lambda tf: tf.train.AdagradOptimizer(0.3)),
    "resource_embedding_sgd": (_resource(_embedding_loss), lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "resource_embedding_adagrad": (_resource(_embedding_loss), lambda tf: tf.train.AdagradOptimizer(0.3)),
    "resource_cnn_batch_norm": (_resource(lambda tf: _cnn_loss(tf, batch_norm=True)),
                                lambda tf: tf.train.AdamOptimizer(0.05)),
    "cnn_batch_norm_cond": (_cnn_batch_norm_cond_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "cond_sgd": (_cond_loss, lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "dynamic_rnn_adam": (_dynamic_rnn_loss, lambda tf: tf.train.AdamOptimizer(0.05)),
    "embedding_rnn_sgd": (_embedding_rnn_loss, lambda tf: tf.train.GradientDescentOptimizer(0.5)),
}

# Embeddings trained by the optimizers whose sparse updates differ from the dense ones (SparseApplyMomentum, ...).
TRAINING.update({
    "embedding_momentum": (_embedding_loss, lambda tf: tf.train.MomentumOptimizer(0.1, 0.9)),
    "embedding_rmsprop_centered": (_embedding_loss, lambda tf: tf.train.RMSPropOptimizer(0.02, momentum=0.5,
                                                                                          centered=True)),
    "embedding_adadelta": (_embedding_loss, lambda tf: tf.train.AdadeltaOptimizer(1.0)),
    "resource_embedding_rmsprop": (_resource(_embedding_loss),
                                   lambda tf: tf.train.RMSPropOptimizer(0.02, momentum=0.5)),
})

# Embeddings trained by the proximal and FTRL optimizers of the MLPs above: SparseApplyFtrl(V2),
# SparseApplyProximalGradientDescent, ApplyProximalAdagrad / SparseApplyProximalAdagrad, and AdagradDA's
# ApplyAdagradDA / SparseApplyAdagradDA, and their Resource* forms (graph_io/tf_ops.py).
TRAINING.update({
    "embedding_ftrl": (_embedding_loss, TRAINING["mlp_ftrl"][1]),
    "embedding_ftrl_shrinkage": (_embedding_loss, TRAINING["mlp_ftrl_shrinkage"][1]),
    "embedding_proximal_gd": (_embedding_loss, TRAINING["mlp_proximal"][1]),
    "embedding_proximal_adagrad": (_embedding_loss, lambda tf: tf.train.ProximalAdagradOptimizer(
        0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.01)),
    "resource_embedding_ftrl_shrinkage": (_resource(_embedding_loss), TRAINING["mlp_ftrl_shrinkage"][1]),
    "resource_embedding_proximal_adagrad": (_resource(_embedding_loss), lambda tf: tf.train.ProximalAdagradOptimizer(
        0.3, l2_regularization_strength=0.01)),
    "embedding_adagrad_da": (_embedding_loss, lambda tf: tf.train.AdagradDAOptimizer(
        0.3, tf.train.get_or_create_global_step(), l1_regularization_strength=0.01, l2_regularization_strength=0.01)),
    "resource_embedding_adagrad_da": (_resource(_embedding_loss), lambda tf: tf.train.AdagradDAOptimizer(
        0.3, tf.train.get_or_create_global_step(), l2_regularization_strength=0.01)),
})


# Control flow v2 (graph_io/tf_functions.py): the cond and the dynamic_rnn above as TF 2.x writes them with its
# default settings (If/While with function branches and bodies; the gradient writes more If/While ops whose
# functions read the forward's intermediates, which the forward If/While returns as extra outputs).
def _control_flow_v2(build):
    def v2_build(tf):
        tf.enable_control_flow_v2()
        try:
            return build(tf)
        finally:
            tf.disable_control_flow_v2()
    return v2_build


TRAINING.update({
    "cond_v2_sgd": (_control_flow_v2(_cond_loss), lambda tf: tf.train.GradientDescentOptimizer(0.5)),
    "dynamic_rnn_v2_sgd": (_control_flow_v2(_dynamic_rnn_loss), lambda tf: tf.train.GradientDescentOptimizer(0.5)),
})

#: Training graphs graphgrad cannot run yet (docs/graph-io.md, "What does not import"): `train NAME` records one
#: for the work that makes it run; tests/test_tf_training_graphs.py runs every recording present.
OPEN = {}


def training(tf, name):
    """One training graph: its .meta and checkpoint before training (`train/NAME/model.ckpt`), then TF's loss
    before each of STEPS steps on fixed batches and every variable after them (`train/NAME.npz`)."""
    build, optimizer = {**TRAINING, **OPEN}[name]
    tf.set_random_seed(0)
    loss, batches = build(tf)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        step = optimizer(tf).minimize(loss, global_step=tf.train.get_or_create_global_step(), name="train")
    d = os.path.join(OUT, "train", name)
    g = tf.get_default_graph()
    feeds = [{g.get_tensor_by_name(k + ":0"): v for k, v in b.items()} for b in batches]
    arrays = {f"feed/{i}/{k}:0": v for i, b in enumerate(batches) for k, v in b.items()}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, os.path.join(d, "model.ckpt"))
        os.remove(os.path.join(d, "checkpoint"))  # it names the absolute path; the test gives the prefix
        for i, feed in enumerate(feeds):
            arrays[f"loss/{i}"] = sess.run(loss, feed)
            sess.run(step, feed)
        arrays.update({f"var/{v.op.name}": sess.run(v) for v in tf.global_variables()})
    np.savez_compressed(os.path.join(OUT, "train", f"{name}.npz"), **arrays)


def train_in_graphgrad(d):
    """In a Python with graphgrad: resume every training graph from TF's files, run its STEPS steps and save
    under `d/NAME/`."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import graphgrad as gg

    for name in TRAINING:
        rec = np.load(os.path.join(OUT, "train", f"{name}.npz"))
        with gg.Graph().as_default():
            saver = gg.train.import_meta_graph(os.path.join(OUT, "train", name, "model.ckpt.meta"))
            with gg.Session() as s:
                saver.restore(s, os.path.join(OUT, "train", name, "model.ckpt"))
                for i in range(STEPS):
                    s.run(gg.get_collection("train_op")[0],
                          {k.split("/", 2)[2]: rec[k] for k in rec.files if k.startswith(f"feed/{i}/")})
                saver.save(s, os.path.join(d, name, "model.ckpt"))


def check_training(tf, graphgrad_python):
    """Under real TF: TF's own training graph restores the checkpoint graphgrad saved after training it (in
    `graphgrad_python`), holds the variables TF's own training reached, and trains on from it."""
    import subprocess
    import tempfile

    d = tempfile.mkdtemp()
    subprocess.run([graphgrad_python, os.path.abspath(__file__), "--graphgrad-train", d], check=True)
    for name in TRAINING:
        rec = np.load(os.path.join(OUT, "train", f"{name}.npz"))
        with tf.Graph().as_default():
            saver = tf.train.import_meta_graph(os.path.join(OUT, "train", name, "model.ckpt.meta"))
            with tf.Session() as sess:
                saver.restore(sess, os.path.join(d, name, "model.ckpt"))
                variables = {v.op.name: v for v in tf.global_variables()}  # a resource variable's op is its handle
                worst = max(float(np.max(np.abs(sess.run(variables[k[4:]]) - rec[k]), initial=0))
                            for k in rec.files if k.startswith("var/"))
                feed = {k.split("/", 2)[2]: rec[k] for k in rec.files if k.startswith("feed/0/")}
                sess.run(tf.get_collection("train_op")[0], feed)
        print(f"TF restores graphgrad's checkpoint of {name} and trains on: largest difference from TF's own "
              f"training {worst:.2g}")


def check():
    """Under real TF: parse the meta graph graphgrad writes (tests/test_graph_io.py's `graphgrad_meta_graph`),
    import it, restore graphgrad's checkpoint of it and compare one run."""
    import tempfile

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import graphgrad as gg

    d = tempfile.mkdtemp()
    g = gg.Graph()
    with g.as_default():
        x = gg.placeholder(gg.float32, (None, 3), name="x")
        w = gg.Variable(_weights(3, 2), name="w")
        y = gg.nn.relu(gg.matmul(x, w) + 1.0, name="y")
        with gg.Session() as s:
            s.run(gg.global_variables_initializer())
            gg.train.Saver().save(s, os.path.join(d, "model"))
            gg.train.write_graph(g, d, "g.pbtxt")
            want = s.run(y, {x: np.ones((2, 3), np.float32)})
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    mg = tf.MetaGraphDef()
    with open(os.path.join(d, "model.meta"), "rb") as f:
        mg.ParseFromString(f.read())
    print("parsed meta graph:", len(mg.graph_def.node), "nodes, collections", sorted(mg.collection_def))
    from google.protobuf import text_format

    gd = text_format.Parse(open(os.path.join(d, "g.pbtxt")).read(), tf.GraphDef())
    print("parsed GraphDef text:", len(gd.node), "nodes")
    with tf.Graph().as_default():
        tf.import_graph_def(gd, name="")
        with tf.Session() as sess:
            sess.run("w/Assign")
            got = sess.run("y:0", {"x:0": np.ones((2, 3), np.float32)})
    print("TF runs graphgrad's GraphDef:", np.allclose(got, want, atol=1e-6))


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "--check" in sys.argv:
        return check()
    if "--graphgrad-train" in sys.argv:
        return train_in_graphgrad(sys.argv[sys.argv.index("--graphgrad-train") + 1])
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    if "--check-training" in sys.argv:
        return check_training(tf, sys.argv[sys.argv.index("--check-training") + 1])
    if "conds" in sys.argv[1:2]:
        for program in (conds, loop_and_cond):
            with tf.Graph().as_default():
                program(tf)
        return None
    if "train" in sys.argv[1:2]:
        return record_training(tf, sys.argv[2:] or list(TRAINING))
    if "segments" in sys.argv[1:2]:  # only this graph, the others kept
        with tf.Graph().as_default():
            return segments(tf)
    os.makedirs(OUT, exist_ok=True)
    for program in (mlp, cnn, misc, segments):  # their own files only: train/, conds and loops are kept
        for path in glob.glob(os.path.join(OUT, program.__name__ + "*")):
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        with tf.Graph().as_default():
            program(tf)
    _sizes(OUT)


def record_training(tf, names):
    for name in names:
        shutil.rmtree(os.path.join(OUT, "train", name), ignore_errors=True)
        os.makedirs(os.path.join(OUT, "train", name))
        with tf.Graph().as_default():
            training(tf, name)
    _sizes(os.path.join(OUT, "train"))


def _sizes(top):
    for root, _, files in os.walk(top):
        for f in sorted(files):
            print(os.path.relpath(os.path.join(root, f), top), os.path.getsize(os.path.join(root, f)))


if __name__ == "__main__":
    main()
