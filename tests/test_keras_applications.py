"""tf.keras.applications against tf_keras 2.21 (tools/record_keras_applications_reference.py ->
keras_applications_reference.json): layer names, classes, order, output shapes, weight names and shapes, parameter
counts, and outputs with the same weights; weights from a file, from "imagenet" through the download cache (a local
HTTP server, never the network), preprocess_input and decode_predictions."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from keras_applications_cases import CASES, HEAVY, RUN, build, images, weights_for

import graphgrad as tf
from graphgrad import keras

REFERENCE = json.load(open(os.path.join(os.path.dirname(__file__), "keras_applications_reference.json")))


def _layers(model):
    return [[layer.name, type(layer).__name__, layer.output_shape, [[w.name, w.shape.as_list()] for w in layer.weights]]
            for layer in model.layers]


def _norm(layers):
    """Output shapes as lists; the InputLayer unnamed (graphgrad's first Input is `input`, Keras' `input_1`) and
    its output shape one shape (Keras gives a list of one)."""
    return [["<input>" if c == "InputLayer" else n, c, _shape(o[0] if c == "InputLayer" and isinstance(o[0], list)
             else o), [[w, list(s)] for w, s in ws]] for n, c, o, ws in layers]


def _shape(o):
    return [list(s) for s in o] if o and isinstance(o[0], (list, tuple)) else list(o)


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.skipif(
    c in HEAVY and not os.environ.get("GRAPHGRAD_HEAVY_TESTS"), reason="GRAPHGRAD_HEAVY_TESTS=1 builds the deepest "
    "variants")) for c in sorted(CASES)])
def test_structure_matches_tf_keras(case):
    ref = REFERENCE[case]
    with tf.Graph().as_default():
        model = build(keras, case)
        assert model.name == ref["name"]
        got = _layers(model)
        got, want = _norm(got), _norm(ref["layers"])
        assert [x[:2] for x in got] == [x[:2] for x in want]  # names, classes, order
        assert [x[2] for x in got] == [x[2] for x in want]  # output shapes
        assert [x[3] for x in got] == [x[3] for x in want]  # weight names and shapes
        assert model.count_params() == ref["params"]


@pytest.mark.parametrize("case", RUN)
def test_outputs_match_tf_keras(case):
    with tf.Graph().as_default():
        model = build(keras, case)
        model.set_weights(weights_for([w.name for w in model.weights], [w.shape.as_list() for w in model.weights]))
        got = model.predict(images(case))
    want = np.array(REFERENCE[case]["outputs"])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def _write_keras_h5(path, model, values):
    """A weights file as Keras 2's save_weights writes it: layer_names, then each layer's weight_names and arrays."""
    h5py = pytest.importorskip("h5py")
    it = iter(values)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        for layer in model.layers:
            g = f.create_group(layer.name)
            g.attrs["weight_names"] = [w.name.encode() for w in layer.weights]
            for w in layer.weights:
                g.create_dataset(w.name, data=next(it))


def _mobilenet_file(tmp_path, name="weights.h5"):
    with tf.Graph().as_default():
        model = build(keras, "mobilenetv2_top")
        values = weights_for([w.name for w in model.weights], [w.shape.as_list() for w in model.weights])
        _write_keras_h5(tmp_path / name, model, values)
    return tmp_path / name, values


def test_weights_from_a_keras_h5_file(tmp_path):
    path, values = _mobilenet_file(tmp_path)
    with tf.Graph().as_default():
        model = keras.applications.MobileNetV2(weights=str(path), **CASES["mobilenetv2_top"][1])
        got = model.predict(images("mobilenetv2_top"))
        for a, b in zip(model.get_weights(), values):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(got, np.array(REFERENCE["mobilenetv2_top"]["outputs"]), rtol=1e-4, atol=1e-5)


def test_weights_argument_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="The `weights` argument should be either `None`"):
            keras.applications.VGG16(weights="/no/such/file.h5")
        with pytest.raises(ValueError, match="`classes` should be 1000"):
            keras.applications.ResNet50(weights="imagenet", classes=10)
        with pytest.raises(ValueError, match=r"`input_shape` should be \(224, 224, 3\)"):
            keras.applications.VGG16(weights="imagenet", input_shape=(32, 32, 3))
        with pytest.raises(ValueError, match="Input size must be at least 75x75"):
            keras.applications.InceptionV3(weights=None, include_top=False, input_shape=(64, 64, 3))
        with pytest.raises(ValueError, match="you should specify a static `input_shape`"):
            keras.applications.VGG16(weights=None, input_shape=(None, None, 3))
        with pytest.raises(ValueError, match="Only `None` and `softmax` activations are allowed"):
            keras.applications.MobileNetV2(weights="imagenet", classifier_activation="relu")


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A local HTTP server on 127.0.0.1 serving tmp_path/"served"; HOME moved so ~/.keras is a fresh cache."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}/", home / ".keras" / "models"
    httpd.shutdown()


def _md5(path):
    import hashlib

    return hashlib.md5(open(path, "rb").read()).hexdigest()


def test_imagenet_weights_are_fetched_once_into_the_keras_cache(server, monkeypatch):
    served, url, cache = server
    monkeypatch.setattr(keras.applications.mobilenet_v2, "BASE_WEIGHT_PATH", url)
    fname = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"  # 32 is no published size: 224's
    kwargs = dict(include_top=False, input_shape=(32, 32, 3))
    with tf.Graph().as_default():
        base = keras.applications.MobileNetV2(weights=None, **kwargs)
        values = weights_for([w.name for w in base.weights], [w.shape.as_list() for w in base.weights])
        _write_keras_h5(served / fname, base, values)
    with tf.Graph().as_default():
        model = keras.applications.MobileNetV2(weights="imagenet", **kwargs)
        for a, b in zip(model.get_weights(), values):
            np.testing.assert_array_equal(a, b)
    assert (cache / fname).is_file()
    (served / fname).unlink()  # now only the cache has it
    with tf.Graph().as_default():
        model = keras.applications.MobileNetV2(weights="imagenet", **kwargs)
        np.testing.assert_array_equal(model.get_weights()[0], values[0])


def test_a_file_that_fails_its_hash_is_not_kept(server, monkeypatch):
    served, url, cache = server
    (served / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"not the published file")
    monkeypatch.setattr(keras.applications.vgg16, "_URL", url + "{0}_weights_tf_dim_ordering_tf_kernels{1}.h5")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="file hash does not match"):
            keras.applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert not any(cache.iterdir())


def test_decode_predictions_reads_the_class_index_through_the_cache(server, monkeypatch):
    served, url, cache = server
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (served / "imagenet_class_index.json").write_text(json.dumps(index))
    iu = keras.applications.imagenet_utils
    monkeypatch.setattr(iu, "CLASS_INDEX", None)
    monkeypatch.setattr(iu, "CLASS_INDEX_PATH", url + "imagenet_class_index.json")
    monkeypatch.setattr(iu, "_CLASS_INDEX_HASH", _md5(served / "imagenet_class_index.json"))
    preds = np.random.RandomState(0).uniform(size=(2, 1000)).astype("float32")
    out = keras.applications.resnet50.decode_predictions(preds, top=3)
    for row, p in zip(out, preds):
        best = np.argsort(p)[::-1][:3]
        assert row == [(f"n{i:08d}", f"class_{i}", p[i]) for i in best]
    assert (cache / "imagenet_class_index.json").is_file()
    with pytest.raises(ValueError, match=r"expects a batch of predictions .*\(2, 10\)"):
        iu.decode_predictions(np.zeros((2, 10)))


@pytest.mark.parametrize("module, mode", [("vgg16", "caffe"), ("resnet_v2", "tf"), ("densenet", "torch")])
def test_preprocess_input_numpy_and_tensor(module, mode):
    x = np.random.RandomState(1).uniform(0, 255, (2, 4, 5, 3)).astype("float32")
    if mode == "caffe":
        want = x[..., ::-1] - np.array([103.939, 116.779, 123.68], "float32")
    elif mode == "tf":
        want = x / 127.5 - 1
    else:
        want = (x / 255 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    fn = getattr(keras.applications, module).preprocess_input
    with tf.Graph().as_default():
        t = fn(tf.constant(x))
        with tf.Session() as s:
            np.testing.assert_allclose(s.run(t), want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(fn(x.copy()), want, rtol=1e-5, atol=1e-4)
    first = np.moveaxis(x, -1, 1).copy()
    np.testing.assert_allclose(fn(first, data_format="channels_first"), np.moveaxis(want, -1, 1), rtol=1e-5,
                               atol=1e-4)
    with pytest.raises(ValueError, match="Expected mode to be one of"):
        keras.applications.imagenet_utils.preprocess_input(x, mode="other")


def test_transfer_learning_trains_only_the_new_head():
    rng = np.random.RandomState(0)
    x, y = rng.uniform(0, 255, (8, 32, 32, 3)).astype("float32"), rng.randint(0, 2, 8)
    with tf.Graph().as_default():
        base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
        base.set_weights(weights_for([w.name for w in base.weights], [w.shape.as_list() for w in base.weights]))
        base.trainable = False
        inputs = keras.Input((32, 32, 3))
        h = base(keras.applications.mobilenet_v2.preprocess_input(inputs), training=False)
        h = keras.layers.GlobalAveragePooling2D()(h)
        outputs = keras.layers.Dense(2, activation="softmax")(h)
        model = keras.Model(inputs, outputs)
        model.compile("adam", "sparse_categorical_crossentropy")
        frozen = base.get_weights()
        head = model.layers[-1].get_weights()
        assert [w.name for w in model.trainable_weights] == ["dense/kernel:0", "dense/bias:0"]
        assert any(layer is base for layer in model.layers)  # the base model is one layer of the new one
        model.fit(x, y, epochs=2, batch_size=4, verbose=0)
        for a, b in zip(base.get_weights(), frozen):
            np.testing.assert_array_equal(a, b)
        assert not np.allclose(model.layers[-1].get_weights()[0], head[0])


def test_a_nested_model_is_called_again_with_its_weights_and_fine_tunes():
    """A functional model called on new inputs: the same outputs as its own, its batch norm's moving averages
    updated by the outer model's fit (fine-tuning), none of the updates its own build made."""
    rng = np.random.RandomState(0)
    x, y = rng.normal(size=(16, 4)).astype("float32"), rng.randint(0, 2, 16)
    with tf.Graph().as_default():
        a = keras.Input((4,))
        h = keras.layers.Dense(3, name="d1")(a)
        inner = keras.Model(a, keras.layers.Add()([h, keras.layers.BatchNormalization(name="bn")(h)]), name="inner")
        b = keras.Input((4,))
        model = keras.Model(b, keras.layers.Dense(2, activation="softmax", name="head")(inner(b)))
        assert [layer.name for layer in model.layers][1:] == ["inner", "head"]
        np.testing.assert_allclose(keras.Model(b, inner(b)).predict(x), inner.predict(x), rtol=1e-6)
        model.compile("sgd", "sparse_categorical_crossentropy")
        mean = inner.get_layer("bn").get_weights()[2]
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)
        assert not np.allclose(inner.get_layer("bn").get_weights()[2], mean)
        assert len(model.trainable_weights) == 6


def test_input_tensor_a_plain_tensor_or_a_keras_tensor():
    with tf.Graph().as_default():
        t = tf.placeholder(tf.float32, [None, 32, 32, 3])
        model = keras.applications.VGG16(weights=None, include_top=False, input_tensor=t)
        assert model.inputs == [t] and type(model.layers[0]).__name__ == "InputLayer"  # Keras wraps it in an Input
        assert [layer.name for layer in model.layers[1:3]] == ["block1_conv1", "block1_conv2"]
        i = keras.Input((32, 32, 3))
        x = keras.layers.Lambda(lambda v: v * 2.0)(i)
        model = keras.applications.MobileNet(weights=None, include_top=False, input_tensor=x, alpha=0.25)
        assert model.inputs == [i] and model.layers[1].name == "lambda"  # the source Input, as get_source_inputs
        x = np.ones((1, 32, 32, 3), "float32")
        assert model.predict(x).shape == (1, 1, 1, 256)
