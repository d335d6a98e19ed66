"""Record what TF-Slim programs observe, as the reference tests/test_slim.py checks graphgrad's tf.contrib.slim
against: the nets' end points, variables and shapes, small ResNets' values and gradients with fixed weights,
tf.contrib.losses and the streaming metrics, create_train_op / learning.train / evaluation.evaluate_once, and
tf.train.Supervisor.

TensorFlow 2.x has no tf.contrib; its TF-Slim lives on as the `tf-slim` package (a port of tf.contrib.slim to
TF 2.x's compat.v1 graph mode), which is what the programs below run under real TensorFlow:

    pip install tf-slim==1.1.0            # beside tensorflow-cpu 2.21 (and tf-keras 2.21)
    TF_USE_LEGACY_KERAS=1 python tools/record_slim_reference.py          # writes tests/slim_reference.json
    python tools/record_slim_reference.py --graphgrad [program ...]       # prints what graphgrad observes

Each program is `fn(tf, slim, folder) -> JSON-able`; arrays are recorded as lists (the test compares floats
with a tolerance). Only deterministic things are recorded (no timer-driven checkpoints or summaries).
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile

import numpy as np

REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "slim_reference.json")
PROGRAMS = {}


def program(fn):
    PROGRAMS[fn.__name__] = fn
    return fn


def _shape(t):
    return [d if isinstance(d, int) or d is None else d.value for d in t.get_shape().as_list()] \
        if t.get_shape().ndims is not None else None


def _variables(tf):
    return [[v.op.name, v.get_shape().as_list()] for v in tf.global_variables()]


def _end_points(end_points):
    return [[k, _shape(t)] for k, t in end_points.items()]


def _error(e):
    return [type(e).__name__, str(e)]


def _set_weights(tf, sess, seed=0, scale=0.3):
    """Every global variable set from a seeded generator, in name order (moving variances kept positive)."""
    rng = np.random.default_rng(seed)
    for v in sorted(tf.global_variables(), key=lambda v: v.op.name):
        shape = v.get_shape().as_list()
        dt = v.dtype.base_dtype.as_numpy_dtype
        if not np.issubdtype(dt, np.floating):
            continue
        value = rng.standard_normal(shape) * scale
        if "moving_variance" in v.op.name or "gamma" in v.op.name:
            value = 1.0 + np.abs(value)
        sess.run(tf.assign(v, value.astype(dt)))


# --- the nets --------------------------------------------------------------------------------------------------

@program
def classic_nets(tf, slim, folder):
    """VGG A/16/19, AlexNet v2, OverFeat: logits, end points, variables, weight-decay losses (graphs only)."""
    from importlib import import_module

    out = {}
    for module, fn, size in (("vgg", "vgg_a", 224), ("vgg", "vgg_16", 224), ("vgg", "vgg_19", 224),
                             ("alexnet", "alexnet_v2", 224), ("overfeat", "overfeat", 231)):
        nets = import_module(slim.__name__ + ".nets." + module)
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [None, size, size, 3], name="images")
            arg_scope = getattr(nets, fn.split("_")[0] + ("_v2" if fn == "alexnet_v2" else "") + "_arg_scope")
            with slim.arg_scope(arg_scope()):
                logits, end_points = getattr(nets, fn)(x, num_classes=7, is_training=False)
            out[fn] = {"logits": [logits.name, _shape(logits)], "end_points": _end_points(end_points),
                       "variables": _variables(tf),
                       "regularization": len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))}
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [2, size + 32, size + 32, 3])
            logits, _ = getattr(nets, fn)(x, num_classes=7, spatial_squeeze=False)
            out[fn]["larger_input"] = _shape(logits)
    return out


@program
def resnet_graphs(tf, slim, folder):
    """ResNet v1/v2 50 at 64x64: end points, variables, update ops; output_stride and no global pooling."""
    from importlib import import_module

    out = {}
    for version in ("v1", "v2"):
        nets = import_module(f"{slim.__name__}.nets.resnet_{version}")
        for variant, kwargs in (("plain", {}), ("stride8", {"output_stride": 8}),
                                ("features", {"num_classes": None, "global_pool": False})):
            with tf.Graph().as_default():
                x = tf.placeholder(tf.float32, [2, 64, 64, 3])
                with slim.arg_scope(nets.resnet_arg_scope()):
                    net, end_points = getattr(nets, f"resnet_{version}_50")(x, **{"num_classes": 5, **kwargs})
                out[f"{version}_{variant}"] = {
                    "net": [net.name, _shape(net)], "end_points": _end_points(end_points),
                    "variables": _variables(tf) if variant == "plain" else len(tf.global_variables()),
                    "updates": len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))}
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [1, 32, 32, 3])
            _, end_points = getattr(nets, f"resnet_{version}_101")(x, num_classes=3)
            out[f"{version}_101_variables"] = len(tf.global_variables())
            try:
                getattr(nets, f"resnet_{version}_50")(x, output_stride=6, scope="bad")
            except ValueError as e:
                out[f"{version}_bad_stride"] = _error(e)
    return out


@program
def tiny_resnet_values(tf, slim, folder):
    """Small ResNets (two blocks) with fixed weights: logits in inference and training mode, the gradient of
    the first convolution's weights, the moving means after one training step; v1 also with output_stride."""
    from importlib import import_module

    x_value = np.random.default_rng(5).standard_normal((2, 16, 16, 3)).astype(np.float32)
    out = {}
    for version, kwargs in (("v1", {}), ("v2", {}), ("v1", {"output_stride": 8})):
        nets = import_module(f"{slim.__name__}.nets.resnet_{version}")
        block = getattr(nets, f"resnet_{version}_block")
        with tf.Graph().as_default():
            x = tf.constant(x_value)
            training = tf.placeholder_with_default(False, [])
            blocks = [block("block1", base_depth=2, num_units=2, stride=2), block("block2", base_depth=4,
                                                                                  num_units=1, stride=1)]
            with slim.arg_scope(nets.resnet_arg_scope()):
                logits, end_points = getattr(nets, f"resnet_{version}")(x, blocks, num_classes=3,
                                                                        is_training=training, **kwargs)
            first = [v for v in tf.global_variables() if v.op.name.endswith("conv1/weights")][0]
            grad = tf.gradients(tf.reduce_sum(tf.square(logits)), first)[0]
            updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
            means = sorted((v for v in tf.global_variables() if "moving_mean" in v.op.name), key=lambda v: v.op.name)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                _set_weights(tf, s)
                key = version + ("_stride" if kwargs else "")
                out[key] = {"inference": s.run(logits).tolist(),
                            "training": s.run(logits, {training: True}).tolist(),
                            "grad_first_conv": s.run(grad, {training: True}).ravel()[:12].tolist()}
                s.run(updates, {training: True})
                out[key]["first_moving_mean"] = s.run(means[0]).tolist()
                out[key]["shapes"] = {k: _shape(t) for k, t in end_points.items()}
    return out


# --- Inception and MobileNet -----------------------------------------------------------------------------------
# Inception v1-v3 are in the tf-slim package; Inception v4, Inception-ResNet v2 and MobileNet v1 only in the
# TensorFlow models repository's research/slim, whose nets/*.py are loaded from a git snapshot of it under TF:
# SLIM_MODELS_GIT names the git directory (default: a mirror of a copy of research/slim), its HEAD is read.

SLIM_MODELS_GIT = os.environ.get("SLIM_MODELS_GIT", "/work/.mirror/lizhaoliu-Lec+slim/repo/.git")
TRANSFER_CHECKPOINT = os.path.join(os.path.dirname(REFERENCE), "data", "slim_mobilenet", "model.ckpt")


def _models_module(name):
    """research/slim's nets/<name>.py as a module, its `tf.contrib.slim` replaced by the tf-slim package."""
    import subprocess
    import types

    if "nets" not in sys.modules:
        sys.modules["nets"] = types.ModuleType("nets")
        sys.modules["nets"].__path__ = []
    full = "nets." + name
    if full not in sys.modules:
        src = subprocess.run(["git", "--git-dir", SLIM_MODELS_GIT, "show", f"HEAD:nets/{name}.py"], check=True,
                             capture_output=True, text=True).stdout
        for old, new in (("import tensorflow.contrib.slim as slim", "import tf_slim as slim"),
                         ("import tensorflow as tf", "import tensorflow.compat.v1 as tf\nimport tf_slim"),
                         ("tf.contrib.slim", "tf_slim"), ("tf.contrib.layers", "tf_slim")):
            src = src.replace(old, new)
        for dependency in re.findall(r"^from nets import (\w+)", src, re.M):
            _models_module(dependency)
        module = types.ModuleType(full)
        sys.modules[full] = module
        exec(compile(src, f"research/slim/nets/{name}.py", "exec"), module.__dict__)
        setattr(sys.modules["nets"], name, module)
    return sys.modules[full]


def _net_module(tf, slim, name):
    from importlib import import_module

    if tf.__name__.startswith("graphgrad") or name in ("inception_v1", "inception_v2", "inception_v3"):
        return import_module(f"{slim.__name__}.nets.{name}")
    return _models_module(name)


def _digest(items):
    """A list too long to record: its length, a SHA-256 of its lines, its first and last entries."""
    import hashlib

    lines = [json.dumps(i) for i in items]
    return [len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16], items[:2], items[-2:]]


def _sample(a):
    """A recorded stand-in for an array: its shape, mean magnitude, sum, and 12 spread-out entries in units of
    that mean magnitude (so that entries which cancel out to nearly nothing compare at the array's scale)."""
    a = np.asarray(a, np.float64)
    flat = a.ravel()
    scale = float(np.abs(flat).mean()) or 1.0
    return {"shape": list(a.shape), "mean_abs": scale, "sum": float(flat.sum()),
            "some": (flat[:: max(1, flat.size // 12)][:12] / scale).tolist()}


_INCEPTION_GRAPHS = [  # (module, net, arg scope, image size, extra arguments)
    ("inception_v1", "inception_v1", "inception_v1_arg_scope", 224, {}),
    ("inception_v2", "inception_v2", "inception_v2_arg_scope", 224, {}),
    ("inception_v3", "inception_v3", "inception_v3_arg_scope", 299, {}),
    ("inception_v4", "inception_v4", "inception_v4_arg_scope", 299, {}),
    ("inception_resnet_v2", "inception_resnet_v2", "inception_resnet_v2_arg_scope", 299, {}),
    ("mobilenet_v1", "mobilenet_v1", "mobilenet_v1_arg_scope", 224, {}),
    ("mobilenet_v1", "mobilenet_v1", "mobilenet_v1_arg_scope", 128, {"depth_multiplier": 0.25}),
]


@program
def inception_graphs(tf, slim, folder):
    """Inception v1-v4, Inception-ResNet v2 and MobileNet v1 at their image sizes, in their arg scopes: logits,
    end points, a digest of the variables (names, shapes), regularization losses, update ops, moving_vars."""
    out = {}
    for module, fn, scope_fn, size, kwargs in _INCEPTION_GRAPHS:
        nets = _net_module(tf, slim, module)
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [None, size, size, 3], name="images")
            with slim.arg_scope(getattr(nets, scope_fn)()):
                logits, end_points = getattr(nets, fn)(x, num_classes=7, **kwargs)
            out[f"{fn}_{size}"] = {
                "logits": [logits.name, _shape(logits)], "end_points": _end_points(end_points),
                "variables": _digest(_variables(tf)),
                "regularization": len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
                "updates": len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)),
                "moving_vars": len(tf.get_collection("moving_vars")),
                "trainable": len(tf.trainable_variables())}
    return out


@program
def inception_variants(tf, slim, folder):
    """final_endpoint, depth_multiplier / min_depth, small inputs, no logits (features), global pooling,
    output_stride, explicit padding, and the errors."""
    out = {}
    cases = [
        ("inception_v1", "inception_v1_base", 96, {"final_endpoint": "Mixed_4c"}),
        ("inception_v2", "inception_v2_base", 96, {"final_endpoint": "Mixed_4a", "depth_multiplier": 0.5}),
        ("inception_v2", "inception_v2", 64, {"num_classes": 3, "depth_multiplier": 0.25, "min_depth": 8}),
        ("inception_v3", "inception_v3_base", 75, {"depth_multiplier": 0.5}),
        ("inception_v3", "inception_v3", 75, {"num_classes": 3, "create_aux_logits": False,
                                              "depth_multiplier": 0.1, "min_depth": 8}),
        ("inception_v4", "inception_v4_base", 75, {"final_endpoint": "Mixed_6a"}),
        ("inception_v4", "inception_v4", 75, {"num_classes": None}),
        ("inception_resnet_v2", "inception_resnet_v2_base", 75, {"final_endpoint": "PreAuxLogits",
                                                                 "output_stride": 8, "align_feature_maps": True}),
        ("inception_resnet_v2", "inception_resnet_v2", 75, {"num_classes": 0}),
        ("mobilenet_v1", "mobilenet_v1_base", 96, {"output_stride": 8, "final_endpoint": "Conv2d_9_depthwise"}),
        ("mobilenet_v1", "mobilenet_v1_base", 96, {"use_explicit_padding": True, "depth_multiplier": 0.5}),
        ("mobilenet_v1", "mobilenet_v1", 100, {"num_classes": None, "global_pool": True}),
        ("mobilenet_v1", "mobilenet_v1", 100, {"num_classes": 4, "global_pool": True, "spatial_squeeze": False}),
    ]
    for i, (module, fn, size, kwargs) in enumerate(cases):
        nets = _net_module(tf, slim, module)
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [2, size, size, 3])
            net, end_points = getattr(nets, fn)(x, **kwargs)
            out[f"{i:02d}_{fn}"] = {"net": [net.name, _shape(net)], "end_points": _end_points(end_points),
                                    "variables": _digest(_variables(tf))}
    errors = [("inception_v3", "inception_v3_base", {"depth_multiplier": 0}),
              ("inception_v1", "inception_v1_base", {"final_endpoint": "Mixed_9z"}),
              ("inception_v2", "inception_v2_base", {"final_endpoint": "Mixed_9z"}),
              ("inception_v4", "inception_v4_base", {"final_endpoint": "Mixed_9z"}),
              ("inception_resnet_v2", "inception_resnet_v2_base", {"output_stride": 4}),
              ("inception_resnet_v2", "inception_resnet_v2_base", {"output_stride": 8}),
              ("mobilenet_v1", "mobilenet_v1_base", {"output_stride": 4}),
              ("mobilenet_v1", "mobilenet_v1_base", {"final_endpoint": "Conv2d_99"})]
    for module, fn, kwargs in errors:
        nets = _net_module(tf, slim, module)
        with tf.Graph().as_default():
            try:
                getattr(nets, fn)(tf.placeholder(tf.float32, [1, 75, 75, 3]), **kwargs)
                out.setdefault("errors", []).append(None)
            except ValueError as e:
                out.setdefault("errors", []).append([type(e).__name__, str(e)])
    return out


_VALUE_CASES = [  # (module, net, arg scope, image size, extra arguments, end points to record)
    ("inception_v1", "inception_v1_base", "inception_v1_arg_scope", 48, {"final_endpoint": "Mixed_3c"},
     ["Conv2d_1a_7x7", "Mixed_3b", "Mixed_3c"]),
    ("inception_v2", "inception_v2_base", "inception_v2_arg_scope", 48, {"final_endpoint": "Mixed_3b"},
     ["Conv2d_1a_7x7", "Conv2d_2c_3x3", "Mixed_3b"]),
    ("inception_v3", "inception_v3_base", "inception_v3_arg_scope", 75, {"final_endpoint": "Mixed_5b"},
     ["Conv2d_1a_3x3", "Conv2d_4a_3x3", "Mixed_5b"]),
    ("mobilenet_v1", "mobilenet_v1_base", "mobilenet_v1_arg_scope", 64,
     {"final_endpoint": "Conv2d_5_pointwise", "depth_multiplier": 0.5},
     ["Conv2d_0", "Conv2d_3_depthwise", "Conv2d_5_pointwise"]),
    ("inception_v4", "inception_v4_base", "inception_v4_arg_scope", 75, {"final_endpoint": "Mixed_5b"},
     ["Mixed_4a", "Mixed_5a", "Mixed_5b"]),
    ("inception_resnet_v2", "inception_resnet_v2_base", "inception_resnet_v2_arg_scope", 75,
     {"final_endpoint": "Mixed_5b"}, ["Conv2d_4a_3x3", "Mixed_5b"]),
]


@program
def inception_values(tf, slim, folder):
    """Inception trunks with fixed weights, batch norm on batch statistics: the output and end points. (A
    gradient of the squared output is left out: through batch norm it nearly cancels, so float32 rounding
    decides it.)"""
    x_value = np.random.default_rng(11).standard_normal((2, 150, 150, 3)).astype(np.float32)
    out = {}
    for module, fn, scope_fn, size, kwargs, points in _VALUE_CASES:
        nets = _net_module(tf, slim, module)
        with tf.Graph().as_default():
            x = tf.constant(x_value[:, :size, :size])
            with slim.arg_scope(getattr(nets, scope_fn)()):
                net, end_points = getattr(nets, fn)(x, **kwargs)
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                _set_weights(tf, s, seed=3, scale=0.2)
                net_v, points_v = s.run([net, {k: end_points[k] for k in points}])
            out[fn] = {"net": _sample(net_v), "end_points": {k: _sample(v) for k, v in points_v.items()}}
    return out


#: the small MobileNet of the transfer-learning test: narrow layers, a quarter of the channels, 3 classes
TRANSFER_NET = {"depth_multiplier": 0.25, "num_classes": 3}


def transfer_images():
    """Four 32x32 noise images of two kinds (dark: 0, bright: 1) and their labels."""
    labels = np.array([0, 1, 1, 0])
    images = np.random.default_rng(21).random((4, 32, 32, 3)) * 0.5 + labels[:, None, None, None]
    return images.astype(np.float32), labels


def _pretrain(tf, slim, nets, steps=200):
    """Train the small MobileNet under TF on a source task — 20 noise images, dark or bright — from seeded
    He-scaled weights, so that its trunk's features tell such images apart, as a published checkpoint's do."""
    rng = np.random.default_rng(8)
    kinds = np.repeat(np.arange(2), 10)
    images = rng.random((20, 32, 32, 3)) * 0.5 + kinds[:, None, None, None]
    logits, end_points = transfer_net(tf, slim, nets, tf.constant(images.astype(np.float32)))
    loss = tf.losses.sparse_softmax_cross_entropy(tf.constant(kinds), logits)
    train_op = tf.train.AdamOptimizer(0.003).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for v in sorted(tf.trainable_variables(), key=lambda v: v.op.name):
            shape = v.get_shape().as_list()
            if v.op.name.endswith("weights"):
                fan_in = int(np.prod(shape[:2] if "depthwise" in v.op.name else shape[:-1]))
                s.run(tf.assign(v, (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)))
        losses = [s.run([train_op, loss])[1] for _ in range(steps)]
        assert losses[-1] < 0.05 * losses[0], losses[::10]
        os.makedirs(os.path.dirname(TRANSFER_CHECKPOINT), exist_ok=True)
        tf.train.Saver().save(s, TRANSFER_CHECKPOINT, write_meta_graph=False, write_state=False)


def transfer_net(tf, slim, nets, images, **kwargs):
    defs = [nets.Conv([3, 3], 2, 32)] + [nets.DepthSepConv([3, 3], 2 if i in (2, 4, 6, 12) else 1, 32 + 32 * (i > 6))
                                          for i in range(1, 14)]  # MobileNet's strides, 8 or 16 channels
    with slim.arg_scope(nets.mobilenet_v1_arg_scope(is_training=False)):
        return nets.mobilenet_v1(images, conv_defs=defs, **{**TRANSFER_NET, "is_training": False, **kwargs})


@program
def transfer_checkpoint(tf, slim, folder):
    """The transfer-learning test's starting point: TF trains a small MobileNet v1 on a source task and saves it
    to tests/data/slim_mobilenet (`_pretrain`); TF and graphgrad restore it and record the end points for four
    other images."""
    nets = _net_module(tf, slim, "mobilenet_v1")
    images, _ = transfer_images()
    if not tf.__name__.startswith("graphgrad"):
        with tf.Graph().as_default():
            _pretrain(tf, slim, nets)
    with tf.Graph().as_default():
        logits, end_points = transfer_net(tf, slim, nets, tf.constant(images))
        with tf.Session() as s:
            tf.train.Saver().restore(s, TRANSFER_CHECKPOINT)
            values = s.run({k: end_points[k] for k in ("Conv2d_1_pointwise", "Conv2d_3_pointwise", "AvgPool_1a",
                                                       "Logits")})
        variables = _variables(tf)
    return {"variables": variables,
            "end_points": {k: _sample(v) if k.startswith("Conv") else np.round(v.astype(np.float64), 5).tolist()
                           for k, v in values.items()}}


# --- losses and metrics ------------------------------------------------------------------------------------

@program
def contrib_losses(tf, slim, folder):
    """tf.contrib.losses: predictions first, weights broadcast from the left, the mean over present elements."""
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    labels = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
    probs = 1 / (1 + np.exp(-logits))
    targets = (rng.random((4, 3)) > 0.5).astype(np.float32)
    weights4 = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    out = {}
    with tf.Graph().as_default():
        L = slim.losses
        logits, labels, probs, targets = (tf.constant(a) for a in (logits, labels, probs, targets))
        cases = {
            "softmax": L.softmax_cross_entropy(logits, labels),
            "softmax_weighted": L.softmax_cross_entropy(logits, labels, weights=weights4),
            "softmax_smoothed": L.softmax_cross_entropy(logits, labels, label_smoothing=0.1),
            "sparse": L.sparse_softmax_cross_entropy(logits, tf.constant([[0], [2], [1], [2]], tf.int64)),
            "sparse_weighted": L.sparse_softmax_cross_entropy(logits, tf.constant([0, 2, 1, 2], tf.int32),
                                                              weights=weights4),
            "sigmoid": L.sigmoid_cross_entropy(logits, targets),
            "sigmoid_row_weights": L.sigmoid_cross_entropy(logits, targets, weights=weights4.reshape(4, 1)),
            "sigmoid_smoothed": L.sigmoid_cross_entropy(logits, targets, label_smoothing=0.2),
            "mse_left_weights": L.mean_squared_error(probs, targets, weights=tf.constant(weights4)),
            "mse_full_weights": L.mean_squared_error(probs, targets, weights=tf.abs(logits)),
            "absolute_zero_weight": L.absolute_difference(probs, targets, weights=0.0),
            "absolute": L.absolute_difference(probs, targets),
            "log_loss": L.log_loss(probs, targets),
            "cosine": L.cosine_distance(tf.nn.l2_normalize(logits, 1), tf.nn.l2_normalize(targets + 0.1, 1), dim=1),
            "pairwise": L.mean_pairwise_squared_error(probs, targets),
            "pairwise_weighted": L.mean_pairwise_squared_error(probs, targets, weights=tf.constant(weights4)),
            "weighted": L.compute_weighted_loss(tf.abs(logits), weights=weights4),
        }
        hinge = L.hinge_loss(logits, targets)
        names = {k: v.name for k, v in cases.items()}
        n_losses = len(L.get_losses())
        tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.25))
        total = L.get_total_loss()
        without = L.get_total_loss(add_regularization_losses=False, name="data_loss")
        with tf.Session() as s:
            values = s.run(cases)
            out["values"] = {k: float(v) for k, v in values.items()}
            out["hinge"] = s.run(hinge).tolist()
            out["total"] = [float(s.run(total)), float(s.run(without)), total.name, without.name]
        out["names"] = names
        out["collected"] = n_losses
    return out


@program
def streaming_metrics(tf, slim, folder):
    """The streaming metrics (predictions first) over two fed batches, and the one-batch accuracy."""
    out = {}
    with tf.Graph().as_default():
        p = tf.placeholder(tf.int64, [None])
        y = tf.placeholder(tf.int64, [None])
        s_ = tf.placeholder(tf.float32, [None])
        M = slim.metrics
        values, updates = M.aggregate_metric_map({
            "accuracy": M.streaming_accuracy(p, y),
            "mean": M.streaming_mean(s_),
            "mse": M.streaming_mean_squared_error(tf.cast(p, tf.float32), tf.cast(y, tf.float32)),
            "rmse": M.streaming_root_mean_squared_error(tf.cast(p, tf.float32), tf.cast(y, tf.float32)),
            "mae": M.streaming_mean_absolute_error(tf.cast(p, tf.float32), tf.cast(y, tf.float32)),
            "precision": M.streaming_precision(tf.greater(p, 0), tf.greater(y, 0)),
            "recall": M.streaming_recall(tf.greater(p, 0), tf.greater(y, 0)),
            "tp": M.streaming_true_positives(tf.greater(p, 0), tf.greater(y, 0)),
            "fn": M.streaming_false_negatives(tf.greater(p, 0), tf.greater(y, 0)),
            "auc": M.streaming_auc(s_, tf.greater(y, 0)),
        })
        batch_accuracy = M.accuracy(p, y, weights=tf.constant([1.0, 2.0, 0.0, 1.0]))
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            feeds = [{p: [1, 0, 2, 1], y: [1, 1, 2, 0], s_: [0.9, 0.2, 0.7, 0.4]},
                     {p: [0, 0, 1], y: [0, 1, 1], s_: [0.1, 0.3, 0.8]}]
            for feed in feeds:
                s.run(updates, feed)
            out["values"] = {k: float(v) for k, v in s.run(values).items()}
            out["batch_accuracy"] = float(s.run(batch_accuracy, feeds[0]))
        out["local_variables"] = sorted(v.op.name for v in tf.local_variables())
        try:
            M.accuracy(tf.constant([1.0]), tf.constant([1.0]))
        except ValueError as e:
            out["float_labels"] = _error(e)
    return out


# --- training and evaluation --------------------------------------------------------------------------------

def _regression(tf, slim):
    x = tf.constant(np.random.default_rng(3).standard_normal((8, 4)).astype(np.float32))
    target = tf.reduce_sum(x, axis=1, keepdims=True) * 0.5 + 1.0
    net = slim.fully_connected(x, 5, normalizer_fn=slim.batch_norm, weights_initializer=tf.constant_initializer(
        np.linspace(-0.5, 0.5, 20).reshape(4, 5)), scope="hidden")
    pred = slim.fully_connected(net, 1, activation_fn=None, weights_initializer=tf.constant_initializer(0.1),
                                scope="out")
    slim.losses.mean_squared_error(pred, target)
    return slim.losses.get_total_loss()


@program
def create_train_op(tf, slim, folder):
    """Loss before each step, global step, a moving mean (the update ops run), clipping and multipliers."""
    out = {}
    for variant, kwargs in (("plain", {}), ("clipped", {"clip_gradient_norm": 0.05}),
                            ("multiplied", {"gradient_multipliers": {"out/weights": 0.0}}),
                            ("subset", {"variables_to_train": "hidden"}), ("no_updates", {"update_ops": []})):
        with tf.Graph().as_default():
            loss = _regression(tf, slim)
            if kwargs.get("variables_to_train") == "hidden":
                kwargs = {"variables_to_train": slim.get_trainable_variables("hidden")}
            train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.1), **kwargs)
            step = tf.train.get_global_step()
            mean = slim.get_variables_by_name("moving_mean")[0]
            out_w = slim.get_variables_by_name("out/weights")[0]
            with tf.Session() as s:
                s.run(tf.global_variables_initializer())
                losses = [float(s.run(train_op)) for _ in range(3)]
                out[variant] = {"losses": losses, "step": int(s.run(step)),
                                "moving_mean": s.run(mean).tolist(), "out_weights": s.run(out_w).ravel().tolist(),
                                "train_ops": len(tf.get_collection(tf.GraphKeys.TRAIN_OP)),
                                "name": train_op.name}
    return out


@program
def learning_train(tf, slim, folder):
    """slim.learning.train: stops at number_of_steps, saves a last checkpoint, runs init_fn only when it did not
    restore, and a second call continues from the checkpoint; then evaluate_once on it."""
    out = {}
    calls = []
    for steps in (5, 8):
        with tf.Graph().as_default():
            loss = _regression(tf, slim)
            train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.1))
            final = slim.learning.train(train_op, folder, number_of_steps=steps, save_interval_secs=0,
                                        save_summaries_secs=0, log_every_n_steps=0,
                                        init_fn=lambda sess, steps=steps: calls.append(steps))
            out[f"to_{steps}"] = {"final_loss": float(final),
                                  "latest": os.path.basename(tf.train.latest_checkpoint(folder))}
    out["init_fn_calls"] = calls
    with tf.Graph().as_default():
        loss = _regression(tf, slim)
        tf.train.get_or_create_global_step()
        value, update = slim.metrics.streaming_mean(loss)
        result = slim.evaluation.evaluate_once("", tf.train.latest_checkpoint(folder), None, num_evals=3,
                                               eval_op=update, final_op=[value, tf.train.get_global_step()])
        out["evaluate_once"] = [float(result[0]), int(result[1])]
    with tf.Graph().as_default():
        loss = _regression(tf, slim)
        train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.1))
        saver = tf.train.Saver()
        for bad in ({"number_of_steps": 0}, {"saver": saver}, {"summary_op": None}):
            try:
                slim.learning.train(train_op, None, **bad)
            except ValueError as e:
                out.setdefault("errors", []).append(_error(e))
        out["no_logdir"] = float(slim.learning.train(train_op, None, number_of_steps=2, log_every_n_steps=0))
    return out


@program
def supervisor(tf, slim, folder):
    """tf.train.Supervisor: finalizes the graph, restores the newest checkpoint of logdir, ends quietly at the
    end of the input, passes other errors on, and stops its coordinator."""
    out = {}

    def build():
        step = tf.train.get_or_create_global_step()
        return step, tf.assign_add(step, 1)

    with tf.Graph().as_default() as g:
        step, inc = build()
        sv = tf.train.Supervisor(logdir=folder, save_model_secs=0, save_summaries_secs=0)
        out["finalized"] = g.finalized
        out["save_path"] = os.path.relpath(sv.save_path, folder)
        out["chief"] = sv.is_chief
        with sv.managed_session() as s:
            for _ in range(3):
                s.run(inc)
            sv.saver.save(s, sv.save_path, global_step=sv.global_step)
            raise tf.errors.OutOfRangeError(None, None, "end of input")
        out["stopped_after_end_of_input"] = sv.should_stop()
    with tf.Graph().as_default():
        step, inc = build()
        sv = tf.train.Supervisor(logdir=folder, save_model_secs=0, save_summaries_secs=0)
        with sv.managed_session() as s:
            out["restored_step"] = int(s.run(step))
        try:
            with sv.managed_session() as s:
                raise ValueError("boom")
        except ValueError as e:
            out["other_error"] = _error(e)
    with tf.Graph().as_default():
        step, inc = build()
        sv = tf.train.Supervisor(logdir=None)
        out["without_logdir"] = [sv.save_path, sv.summary_writer is None, type(sv.saver).__name__]
        with sv.managed_session() as s:
            out["fresh_step"] = int(s.run(step))
    return out


@program
def outputs_and_aliases(tf, slim, folder):
    """outputs_collections with aliases (the scopes' names), convert_collection_to_dict, repeat/stack names."""
    out = {}
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 8, 8, 3])
        with tf.variable_scope("net"):
            with slim.arg_scope([slim.conv2d, slim.max_pool2d, slim.fully_connected, slim.flatten, slim.dropout,
                                 slim.batch_norm], outputs_collections="ends"):
                n = slim.repeat(x, 2, slim.conv2d, 4, [3, 3], scope="conv1")
                n = slim.max_pool2d(n, [2, 2], scope="pool1")
                n = slim.batch_norm(n)
                n = slim.flatten(n)
                n = slim.stack(n, slim.fully_connected, [6, 5], scope="fc")
                n = slim.dropout(n, 0.5, scope="drop")
                logits = slim.fully_connected(n, 3, activation_fn=None)
        ends = slim.utils.convert_collection_to_dict("ends")
        out["end_points"] = _end_points(ends)
        out["aliases"] = slim.utils.get_tensor_aliases(logits)
        out["uncollected"] = slim.utils.get_tensor_aliases(tf.identity(x, name="plain"))
        probs = slim.softmax(tf.reshape(logits, [2, 1, 3]))
        out["softmax"] = [probs.name, _shape(probs)]
        out["variables"] = _variables(tf)
        slim.utils.convert_collection_to_dict("ends", clear_collection=True)
        out["cleared"] = len(tf.get_collection("ends"))
    return out


@program
def data_pipeline(tf, slim, folder):
    """TF-Slim's data module on TFRecord files of tf.train.Examples (a PNG, a raw image, a label, a VarLen
    feature, box coordinates): DatasetDataProvider read in order until the end of the epoch, single_pass_read,
    prefetch_queue of a dict, get_data_files, and the errors."""
    rng = np.random.default_rng(9)
    images = rng.integers(0, 256, (5, 3, 4, 3)).astype(np.uint8)
    with tf.Graph().as_default(), tf.Session() as s:
        img = tf.placeholder(tf.uint8, [3, 4, 3])
        pngs = [s.run(tf.image.encode_png(img), {img: im}) for im in images]

    def feature(kind, values):
        box = {"bytes": tf.train.BytesList, "int64": tf.train.Int64List, "float": tf.train.FloatList}[kind]
        return tf.train.Feature(**{f"{kind}_list": box(value=values)})

    paths = []
    for shard in range(2):
        path = os.path.join(folder, f"train-{shard}.tfrecord")
        paths.append(path)
        with tf.python_io.TFRecordWriter(path) as w:
            for i in range(shard * 3, min(shard * 3 + 3, 5)):
                raw = i == 4
                example = tf.train.Example(features=tf.train.Features(feature={
                    "image/encoded": feature("bytes", [images[i].tobytes() if raw else pngs[i]]),
                    "image/format": feature("bytes", [b"raw" if raw else b"png"]),
                    "label": feature("int64", [i * 10]),
                    "tags": feature("int64", list(range(i % 3 + 1))),
                    "box/ymin": feature("float", [0.1 * i]), "box/xmin": feature("float", [0.2]),
                    "box/ymax": feature("float", [0.5]), "box/xmax": feature("float", [0.9])}))
                w.write(example.SerializeToString())
    out = {"files": [os.path.basename(p) for p in slim.parallel_reader.get_data_files(os.path.join(folder, "*"))]}
    D = slim.tfexample_decoder
    keys = {"image/encoded": tf.FixedLenFeature((), tf.string), "image/format": tf.FixedLenFeature((), tf.string),
            "label": tf.FixedLenFeature([1], tf.int64), "tags": tf.VarLenFeature(tf.int64),
            **{f"box/{k}": tf.VarLenFeature(tf.float32) for k in ("ymin", "xmin", "ymax", "xmax")}}
    handlers = {"image": D.Image(shape=[3, 4, 3]), "label": D.Tensor("label", shape=[]),
                "tags": D.Tensor("tags", default_value=-1), "boxes": D.BoundingBox(prefix="box/"),
                "twice": D.ItemHandlerCallback(["label"], lambda t: t["label"] * 2)}
    with tf.Graph().as_default():
        dataset = slim.dataset.Dataset(os.path.join(folder, "train-*.tfrecord"), tf.TFRecordReader,
                                       D.TFExampleDecoder(keys, handlers), num_samples=5, items_to_descriptions={})
        provider = slim.dataset_data_provider.DatasetDataProvider(dataset, num_readers=1, shuffle=False,
                                                                  num_epochs=1)
        items = ["image", "label", "tags", "boxes", "twice", "record_key"]
        tensors = provider.get(items)
        out["items"] = sorted(provider.list_items())
        out["num_samples"] = provider.num_samples()
        out["static"] = [t.shape.as_list() if t.shape.ndims is not None else None for t in tensors]
        got = []
        with tf.Session() as s:
            s.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(s, coord)
            try:
                while True:
                    image, label, tags, boxes, twice, key = s.run(tensors)
                    got.append([bool((image == images[int(label) // 10]).all()), np.shape(label), int(label),
                                tags.tolist(), boxes.round(4).tolist(), twice.tolist(),
                                os.path.basename(key.decode().rsplit(":", 1)[0])])  # offsets: PNG sizes differ
            except tf.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
        out["records"] = got
        try:
            provider.get(["nope"])
        except ValueError as e:
            out["unknown_item"] = _error(e)
    with tf.Graph().as_default():
        key, value = slim.parallel_reader.single_pass_read(paths[1], tf.TFRecordReader)
        label = tf.parse_single_example(value, {"label": tf.FixedLenFeature([], tf.int64)})["label"]
        queue = slim.prefetch_queue.prefetch_queue({"label": label, "key": key}, capacity=4)
        batch = queue.dequeue()
        out["prefetch"] = [sorted(batch), batch["label"].shape.as_list()]
        with tf.Session() as s:
            s.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(s, coord)
            out["single_pass"] = [int(s.run(batch)["label"]) for _ in range(2)]
            coord.request_stop()
            coord.join(threads, stop_grace_period_secs=5, ignore_live_threads=True)
    for bad in (lambda: slim.parallel_reader.get_data_files(os.path.join(folder, "none-*")),
                lambda: slim.tfexample_decoder.Tensor("a", shape_keys="b", shape=[1])):
        try:
            bad()
        except ValueError as e:
            out.setdefault("errors", []).append([type(e).__name__, str(e).replace(folder, "<folder>")])
    return out


def tf_slim_shims(tf):
    """What tf-slim 1.1 needs of TensorFlow 2.21: tensorflow.python.layers loads tf_keras.legacy_tf_layers, which
    tf-keras 2.21 keeps under .src, and tf-slim looks for Tensor, IndexedSlices, case and cond where TF 1 had
    them."""
    import importlib

    for mod in ("", ".base", ".core", ".convolutional", ".normalization", ".pooling", ".variable_scope_shim"):
        sys.modules["tf_keras.legacy_tf_layers" + mod] = importlib.import_module("tf_keras.src.legacy_tf_layers" + mod)
    from tensorflow.python.framework import ops as _ops

    _ops.Tensor, _ops.IndexedSlices = tf.Tensor, tf.IndexedSlices
    from tensorflow.python.ops import control_flow_case, control_flow_ops

    control_flow_ops.case, control_flow_ops.cond = control_flow_case.case, tf.cond


def run_all(tf, slim, names=None):
    results = {}
    for name in names or PROGRAMS:
        with tempfile.TemporaryDirectory() as folder:
            results[name] = json.loads(json.dumps(PROGRAMS[name](tf, slim, folder)))
    return results


if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--graphgrad" in sys.argv:
        import graphgrad as tf

        print(json.dumps(run_all(tf, tf.contrib.slim, names), indent=1))
    else:
        import tensorflow.compat.v1 as tf

        tf_slim_shims(tf)
        import tf_slim

        tf.disable_v2_behavior()
        results = {}
        if names and os.path.exists(REFERENCE):
            with open(REFERENCE) as f:
                results = json.load(f)
        for name in names or PROGRAMS:  # written after each program: some take minutes
            results.update(run_all(tf, tf_slim, [name]))
            with open(REFERENCE, "w") as f:
                json.dump(results, f, indent=1, sort_keys=True)
                f.write("\n")
        print(f"wrote {len(results)} programs to {REFERENCE}")
