"""Keras' global settings: the float type, the fuzz factor and the image layout every `K.*` call defaults to, and
whether layers follow TF2's dtype behaviour (`keras.layers.enable_v2_dtype_behavior`)."""
from __future__ import annotations

_SETTINGS = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last", "v2_dtype_behavior": False}


def backend():
    """The name of the backend: Keras 2 on TensorFlow says "tensorflow", and graphgrad stands in for it."""
    return "tensorflow"


def epsilon():
    return _SETTINGS["epsilon"]


def set_epsilon(value):
    _SETTINGS["epsilon"] = value


def floatx():
    return _SETTINGS["floatx"]


def set_floatx(value):
    accepted = {"float16", "float32", "float64"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    _SETTINGS["floatx"] = str(value)


def image_data_format():
    return _SETTINGS["image_data_format"]


def set_image_data_format(data_format):
    accepted = {"channels_last", "channels_first"}
    if data_format not in accepted:
        raise ValueError(f"Unknown `data_format`: {data_format}. Expected one of {accepted}")
    _SETTINGS["image_data_format"] = str(data_format)


def normalize_data_format(data_format):
    """`data_format` or the global one, checked as Keras checks it."""
    data_format = image_data_format() if data_format is None else data_format
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Unknown data_format: " + str(data_format))
    return data_format


def enable_v2_dtype_behavior():
    """TF2's layer dtypes: a layer without a `dtype` computes in floatx and casts floating inputs to its dtype
    (TF1's Keras, the default here as under `tf.compat.v1`, takes the dtype of the first input)."""
    _SETTINGS["v2_dtype_behavior"] = True


def disable_v2_dtype_behavior():
    _SETTINGS["v2_dtype_behavior"] = False


def v2_dtype_behavior_enabled():
    return _SETTINGS["v2_dtype_behavior"]
