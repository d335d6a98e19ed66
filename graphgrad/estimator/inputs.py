"""`tf.estimator.inputs.numpy_input_fn`: an input_fn that serves NumPy arrays in batches.

TensorFlow fed them through a queue; here they go through `tf.data` (slices, an optional shuffle, `repeat`,
`batch`) with the same results: `num_epochs=None` repeats forever in full batches, a number of epochs ends with a
last partial batch and then `OutOfRangeError`, which ends `Estimator.train`/`evaluate` quietly.
"""
from __future__ import annotations

import collections

import numpy as np

__all__ = ["numpy_input_fn"]

_DIRECT_KEY = "__direct_np_input__"
_TARGET_KEY = "__target_key__"


def _features_dict(x):
    if isinstance(x, dict):
        if not x:
            raise ValueError("x cannot be an empty dict")
        return collections.OrderedDict(sorted(x.items(), key=lambda t: t[0]))
    if isinstance(x, np.ndarray):
        if x.size == 0:
            raise ValueError("x cannot be an empty array")
        return collections.OrderedDict({_DIRECT_KEY: x})
    raise ValueError(f"x must be a dict or array; got {type(x).__name__}")


def _target_key(features):
    """A key for `y` that no feature uses (TF's `__target_key__`, with `_n` appended while it collides)."""
    key = _TARGET_KEY
    while key in features:
        key += "_n"
    return key


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1):
    """An input_fn returning `(features, labels)` batches of `x` (a dict of arrays, or one array) and `y` (an
    array, a dict of arrays, or None: then only features). `shuffle` must be given (True for training);
    `num_epochs=None` cycles forever. `queue_capacity` and `num_threads` are accepted for compatibility."""
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean (it is recommended to set it as "
                         f"True for training); got {shuffle}")

    def input_fn():
        from ..data import Dataset, make_one_shot_iterator

        data = _features_dict(x)
        feature_keys = list(data)
        if y is None:
            target_keys = None
        elif isinstance(y, dict):
            if not y:
                raise ValueError("y cannot be empty dict, use None instead.")
            ordered_y = collections.OrderedDict(sorted(y.items(), key=lambda t: t[0]))
            target_keys = list(ordered_y)
            duplicates = set(feature_keys) & set(target_keys)
            if duplicates:
                raise ValueError(f"{len(duplicates)} duplicate keys are found in both x and y: {duplicates}")
            data.update(ordered_y)
        else:
            target_keys = _target_key(data)
            data[target_keys] = y
        data = collections.OrderedDict((k, np.asarray(v)) for k, v in data.items())
        if len({v.shape[0] for v in data.values()}) != 1:
            shapes_x = {k: data[k].shape for k in feature_keys}
            shape_y = (None if target_keys is None else data[target_keys].shape if isinstance(target_keys, str)
                       else {k: data[k].shape for k in target_keys})
            raise ValueError("Length of tensors in x and y is mismatched. All elements in x and y must have the same "
                             f"length.\nShapes in x: {shapes_x}\nShapes in y: {shape_y}\n")
        dataset = Dataset.from_tensor_slices(dict(data))
        if shuffle:
            dataset = dataset.shuffle(len(next(iter(data.values()))))
        dataset = dataset.repeat(num_epochs).batch(batch_size, drop_remainder=num_epochs is None)
        batch = make_one_shot_iterator(dataset).get_next()
        features = batch[_DIRECT_KEY] if isinstance(x, np.ndarray) else {k: batch[k] for k in feature_keys}
        if target_keys is None:
            return features
        if isinstance(target_keys, str):
            return features, batch[target_keys]
        return features, {k: batch[k] for k in target_keys}

    return input_fn
