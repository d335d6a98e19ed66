"""What every `tf.keras.applications` model shares, as tf_keras 2.21 has it: `preprocess_input` (the "caffe", "tf"
and "torch" pixel conventions the published weights were trained with), `decode_predictions` (the ImageNet class
names), the input-shape rules, the image input, the model's weights (None, a file, or "imagenet" fetched once into
Keras's cache ~/.keras/models) and the classifier head."""
from __future__ import annotations

import hashlib
import json
import os
import urllib.request
import warnings

import numpy as np

from .. import backend as K
from .. import layers
from ..models import Model

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
_CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
_MEAN = {"caffe": [103.939, 116.779, 123.68], "torch": [0.485, 0.456, 0.406]}
_STD = {"torch": [0.229, 0.224, 0.225]}


def _cache_dir():
    """Keras' get_file cache: ~/.keras/models, or /tmp/.keras/models where ~/.keras cannot be written."""
    base = os.path.join(os.path.expanduser("~"), ".keras")
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    return os.path.join(base, "models")


def _hash_ok(path, file_hash):
    if file_hash is None:
        return True
    h = hashlib.sha256() if len(file_hash) == 64 else hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest() == file_hash


def _fetch(fname, origin, file_hash=None):
    """get_file(fname, origin, cache_subdir="models", file_hash=...): the cached file when its hash (md5, or sha256
    for a 64-digit hash) matches, else downloaded again; a download that does not match is not kept.
    (Private until tf.keras.utils.get_file lands; same cache location and file names.)"""
    folder = _cache_dir()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, fname)
    if os.path.exists(path) and _hash_ok(path, file_hash):
        return path
    print(f"Downloading data from {origin}")
    part = path + ".part"
    try:
        with urllib.request.urlopen(origin, timeout=60) as response, open(part, "wb") as out:
            for chunk in iter(lambda: response.read(1 << 16), b""):
                out.write(chunk)
    except Exception as e:
        if os.path.exists(part):
            os.remove(part)
        raise Exception(f"URL fetch failure on {origin}: {e}") from e
    if not _hash_ok(part, file_hash):
        os.remove(part)
        raise ValueError(f"Incomplete or corrupted file detected. The file hash does not match the provided value "
                         f"of {file_hash}.")
    os.replace(part, path)
    return path


def preprocess_input(x, data_format=None, mode="caffe"):
    """Pixels in [0, 255] as the weights expect them: "caffe" RGB->BGR minus the ImageNet channel means, "tf"
    scaled to [-1, 1], "torch" scaled to [0, 1] then normalized per channel. A NumPy float array is changed in
    place (as Keras does); a tensor gives a new tensor."""
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    if data_format is None:
        data_format = K.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. Received: "
                         f"data_format={data_format}")
    numpy = isinstance(x, np.ndarray)
    if numpy and not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx(), copy=False)
    if mode == "tf":
        if numpy:
            x /= 127.5
            x -= 1.0
            return x
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0 if not numpy else np.divide(x, 255.0, out=x)
    else:  # caffe: RGB -> BGR
        ndim = x.ndim if numpy else K.ndim(x)
        x = x[:, ::-1] if data_format == "channels_first" and ndim == 4 else (
            x[::-1] if data_format == "channels_first" else x[..., ::-1])
    mean, std = np.array(_MEAN[mode]), _STD.get(mode)
    ndim = x.ndim if numpy else K.ndim(x)
    shape = [3, 1, 1] if data_format == "channels_first" else [3]
    if numpy:
        x -= mean.reshape(shape).astype(x.dtype)
        if std is not None:
            x /= np.array(std).reshape(shape).astype(x.dtype)
        return x
    x = K.bias_add(x, K.cast(K.constant(-mean), K.dtype(x)), data_format=data_format) if ndim >= 3 else x - mean
    if std is not None:
        x = x / K.reshape(K.constant(np.array(std), dtype=K.dtype(x)), shape)
    return x


def decode_predictions(preds, top=5):
    """The `top` (class_name, description, score) of each row of a (samples, 1000) ImageNet prediction, best
    first; the class names come from imagenet_class_index.json (fetched once, like the weights)."""
    global CLASS_INDEX
    if len(preds.shape) != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Found array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        with open(_fetch("imagenet_class_index.json", CLASS_INDEX_PATH, _CLASS_INDEX_HASH)) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        result = [(*CLASS_INDEX[str(i)], pred[i]) for i in pred.argsort()[-top:][::-1]]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """Keras' rules for a model's input shape: the default for "imagenet" with the top, else the given shape checked
    (three dimensions, at least min_size square, 3 channels for "imagenet"), else (None, None, 3)."""
    first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an input_shape "
                          f"with {channels} input channels.", stacklevel=3)
        default_shape = (channels, default_size, default_size) if first else (default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, `input_shape` should "
                             f"be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers.")
        channels, spatial = (input_shape[0], input_shape[1:]) if first else (input_shape[-1], input_shape[:2])
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. Received: "
                         f"input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ((top, bottom), (left, right)) zero padding that makes a strided 'valid' convolution centre like TF's
    'same' one."""
    axis = 2 if K.image_data_format() == "channels_first" else 1
    size = K.int_shape(inputs)[axis:axis + 2]
    kernel_size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return (correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1])


def validate_activation(classifier_activation, weights):
    """Pretrained weights allow only a softmax or linear classifier."""
    if weights is None:
        return
    name = getattr(classifier_activation, "__name__", classifier_activation)
    if name not in {None, "softmax", "linear"}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         "argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


# --- what the model functions share --------------------------------------------------------------------------
def channel_axis():
    return 1 if K.image_data_format() == "channels_first" else 3


def check_weights(weights, include_top, classes):
    if not (weights in {"imagenet", None} or os.path.exists(weights)):
        raise ValueError("The `weights` argument should be either `None` (random initialization), `imagenet` "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded.  Received: "
                         f"weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with `include_top` as true, `classes` should be '
                         f"1000.  Received: classes={classes}")


def start(weights, include_top, classes, input_tensor, input_shape, default_size, min_size):
    """The checks every model makes and its image input: (input tensor, checked input shape)."""
    check_weights(weights, include_top, classes)
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                     data_format=K.image_data_format(), require_flatten=include_top, weights=weights)
    return image_input(input_tensor, input_shape), input_shape


def published(url, files, include_top):
    """The `fetch` of a model with one weight file with and one without the top: files {True/False: (name, hash)}."""
    fname, file_hash = files[bool(include_top)]
    return lambda: (fname, url + fname, file_hash)


def image_input(input_tensor, input_shape):
    """The model's input: a new Input, an Input wrapping a plain tensor, or the given Keras tensor."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not K.is_keras_tensor(input_tensor):
        return layers.Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def source_inputs(tensor):
    """The Input tensors a Keras tensor comes from (Keras' layer_utils.get_source_inputs)."""
    hist, out, seen = K.history(tensor.graph), [], set()

    def visit(t):
        layer, ins = hist.get(t, (None, []))
        if not ins:
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
        for i in ins:
            visit(i)
    visit(tensor)
    return out


def head(x, include_top, pooling, classes, classifier_activation, weights, pool_names=(None, None)):
    """The classifier (global average pooling, Dense `predictions`) or the feature pooling ("avg"/"max"/None)."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=pool_names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=pool_names[1])(x)
    return x


def finish(img_input, input_tensor, x, name, weights, fetch=None):
    """The functional model, its weights loaded: a file path, or "imagenet" via `fetch()` -> (fname, url, hash)."""
    model = Model(source_inputs(input_tensor) if input_tensor is not None else img_input, x, name=name)
    if weights == "imagenet":
        model.load_weights(_fetch(*fetch()))
    elif weights is not None:
        model.load_weights(weights)
    return model
