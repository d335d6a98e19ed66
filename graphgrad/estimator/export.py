"""`tf.estimator.export`: what a served model receives (`ServingInputReceiver` and the functions that build one)
and what it answers (`PredictOutput`, `ClassificationOutput`, `RegressionOutput`), and `Estimator.export_saved_model`,
which writes the PREDICT graph with the newest checkpoint's values as a SavedModel (docs/saved-model.md)."""
from __future__ import annotations

import os
import shutil
import time

from .. import logging
from ..framework import dtypes
from ..framework.graph import Graph, GraphKeys, Tensor
from ..framework.tensor_shape import TensorShape
from ..ops.sparse_ops import SparseTensor

__all__ = ["ServingInputReceiver", "TensorServingInputReceiver", "build_raw_serving_input_receiver_fn",
           "build_parsing_serving_input_receiver_fn", "ExportOutput", "PredictOutput", "ClassificationOutput",
           "RegressionOutput"]

_SINGLE_FEATURE_KEY, _SINGLE_RECEIVER_KEY = "feature", "input"
_TENSORS = (Tensor, SparseTensor)


def _wrap(value, key, what):
    if value is None:
        raise ValueError(f"{what} must be defined.")
    value = dict(value) if isinstance(value, dict) else {key: value}
    for name, tensor in value.items():
        if not isinstance(name, str):
            raise ValueError(f"{what} keys must be strings: {name}.")
        if not isinstance(tensor, _TENSORS):
            raise ValueError(f"{what} must be a Tensor, SparseTensor, or dict of string to Tensor or SparseTensor; "
                             f"got {tensor}.")
    return value


class ServingInputReceiver:
    """`features` (a tensor or a dict of them) go to model_fn; `receiver_tensors` (a tensor or a dict) are what the
    served model is fed, the signature's inputs; `receiver_tensors_alternatives` more such dicts, by name."""

    def __init__(self, features, receiver_tensors, receiver_tensors_alternatives=None):
        self.features = _wrap(features, _SINGLE_FEATURE_KEY, "features")
        self.receiver_tensors = _wrap(receiver_tensors, _SINGLE_RECEIVER_KEY, "receiver_tensors")
        alternatives = receiver_tensors_alternatives or {}
        if not isinstance(alternatives, dict):
            raise ValueError(f"receiver_tensors_alternatives must be a dict: {alternatives}.")
        self.receiver_tensors_alternatives = {name: _wrap(t, _SINGLE_RECEIVER_KEY, "receiver_tensors")
                                              for name, t in alternatives.items()}


class TensorServingInputReceiver(ServingInputReceiver):
    """A receiver whose `features` is one tensor, passed to model_fn as it is (not in a dict)."""

    def __init__(self, features, receiver_tensors, receiver_tensors_alternatives=None):
        if not isinstance(features, _TENSORS):
            raise ValueError(f"feature must be a Tensor or SparseTensor; got {features}.")
        super().__init__(features, receiver_tensors, receiver_tensors_alternatives)
        self.features = features


def build_raw_serving_input_receiver_fn(features, default_batch_size=None):
    """A serving_input_receiver_fn that feeds a placeholder per feature, named and shaped like `features` (a dict
    of tensors) with the batch dimension `default_batch_size`."""
    from ..ops.core import placeholder

    def serving_input_receiver_fn():
        receiver = {}
        for name, t in features.items():
            dims = list(TensorShape(t.shape).as_list())
            dims[0] = default_batch_size
            receiver[name] = placeholder(t.dtype.base_dtype, dims, name=t.op.name)
        return ServingInputReceiver(receiver, dict(receiver))

    return serving_input_receiver_fn


def build_parsing_serving_input_receiver_fn(feature_spec, default_batch_size=None):
    """A serving_input_receiver_fn fed serialized tf.Examples (`examples`), parsed by `feature_spec`."""
    from ..io import parse_example
    from ..ops.core import placeholder

    def serving_input_receiver_fn():
        examples = placeholder(dtypes.string, [default_batch_size], name="input_example_tensor")
        return ServingInputReceiver(parse_example(examples, feature_spec), {"examples": examples})

    return serving_input_receiver_fn


def _signatures():
    """saved_model's signature_def_utils, loaded on first use: its protobufs load tensorboardX (graphgrad/__init__)."""
    from ..saved_model import signature_def_utils

    return signature_def_utils


class ExportOutput:
    """One signature of an exported model: `as_signature_def(receiver_tensors)`."""

    def as_signature_def(self, receiver_tensors):
        raise NotImplementedError


def _single_string_input(receiver_tensors, what):
    if len(receiver_tensors) != 1 or next(iter(receiver_tensors.values())).dtype.base_dtype != dtypes.string:
        raise ValueError(f"{what} signatures can only accept a single tensor input of type tf.string. Please check to "
                         "make sure that you have structured the serving_input_receiver_fn so that it creates a "
                         "single string placeholder. If your model function expects multiple inputs, then use "
                         f"`tf.io.parse_example()` to parse the string into multiple tensors.\n Received: "
                         f"{receiver_tensors}")
    return next(iter(receiver_tensors.values()))


class PredictOutput(ExportOutput):
    """TF Serving's Predict API: `outputs` (a tensor, as `output`, or a dict of them) for any inputs."""

    def __init__(self, outputs):
        outputs = outputs if isinstance(outputs, dict) else {"output": outputs}
        for key, value in outputs.items():
            if not isinstance(value, Tensor):
                raise ValueError(f"Prediction output value must be a Tensor; got {key}: {value}.")
        self.outputs = outputs

    def as_signature_def(self, receiver_tensors):
        return _signatures().predict_signature_def(receiver_tensors, self.outputs)


class ClassificationOutput(ExportOutput):
    """TF Serving's Classify API: float `scores` and/or string `classes`, for serialized tf.Examples."""

    def __init__(self, scores=None, classes=None):
        if scores is not None and not (isinstance(scores, Tensor) and scores.dtype.base_dtype.is_floating):
            raise ValueError(f"Classification scores must be a float32 Tensor; got {scores}")
        if classes is not None and not (isinstance(classes, Tensor) and classes.dtype.base_dtype == dtypes.string):
            raise ValueError(f"Classification classes must be a string Tensor; got {classes}")
        if scores is None and classes is None:
            raise ValueError("Cannot create a ClassificationOutput with empty arguments. At least one of `scores` "
                             "and `classes` must be defined.")
        self.scores, self.classes = scores, classes

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, "Classification")
        return _signatures().classification_signature_def(examples, self.classes, self.scores)


class RegressionOutput(ExportOutput):
    """TF Serving's Regress API: one float `value` per serialized tf.Example."""

    def __init__(self, value):
        if not (isinstance(value, Tensor) and value.dtype.base_dtype.is_floating):
            raise ValueError(f"Regression output value must be a float32 Tensor; got {value}")
        self.value = value

    def as_signature_def(self, receiver_tensors):
        examples = _single_string_input(receiver_tensors, "Regression")
        return _signatures().regression_signature_def(examples, self.value)


def export_outputs_for_mode(export_outputs, predictions):
    """TF's checks of a PREDICT spec's `export_outputs`: a Predict signature of `predictions` by default, dict
    values of ExportOutput, and one of several keyed `serving_default` (added when there is one)."""
    default = "serving_default"  # signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY
    if export_outputs is None:
        export_outputs = {default: PredictOutput(predictions)}
    if not isinstance(export_outputs, dict):
        raise TypeError(f"`export_outputs` must be dict, given: {export_outputs}.")
    for value in export_outputs.values():
        if not isinstance(value, ExportOutput):
            raise TypeError(f"Values in `export_outputs` must be ExportOutput objects, given: {export_outputs}.")
    export_outputs = dict(export_outputs)
    if len(export_outputs) == 1:
        export_outputs.setdefault(default, next(iter(export_outputs.values())))
    elif default not in export_outputs:
        raise ValueError("Multiple `export_outputs` were provided, but none of them are specified as the default.  "
                         "Use`tf.saved_model.signature_constants.DEFAULT_SERVING_SIGNATURE_DEF_KEY` to specify a "
                         "default.")
    return export_outputs


def build_all_signature_defs(receiver_tensors, export_outputs, receiver_tensors_alternatives=None):
    """A signature per export output (and per alternative receiver, as `receiver:output`); those that cannot be
    built or that TF Serving would refuse are left out and logged."""
    receivers = [(None, receiver_tensors), *(receiver_tensors_alternatives or {}).items()]
    signatures, excluded = {}, {}
    for receiver_name, tensors in receivers:
        for key, output in export_outputs.items():
            name = key if receiver_name is None else f"{receiver_name}:{key}"
            try:
                signatures[name] = output.as_signature_def(tensors)
            except ValueError as e:
                excluded[name] = str(e)
    for name, why in excluded.items():
        logging.warning("Export includes no signature for %s: %s", name, why)
    return {k: v for k, v in signatures.items() if _signatures().is_valid_signature(v)}


def timestamped_export_dir(export_dir_base):
    """`export_dir_base/<seconds since the epoch>`, a name not taken yet (TF waits a second and retries)."""
    for _ in range(10):
        path = os.path.join(os.fspath(export_dir_base), str(int(time.time())))
        if not os.path.exists(path):
            return path
        time.sleep(1)
    raise RuntimeError("Failed to obtain a unique export directory name after 10 attempts.")


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                       checkpoint_path=None):
    """The body of `Estimator.export_saved_model`: returns the new folder's path (bytes, as TF)."""
    from ..runtime.session import Session
    from ..saved_model import tag_constants
    from ..saved_model.builder import SavedModelBuilder
    from ..train.monitored_session import Scaffold
    from ..train.saver import Saver

    if not serving_input_receiver_fn:
        raise ValueError("An input_receiver_fn must be defined.")
    checkpoint_path = checkpoint_path or estimator.latest_checkpoint()
    if not checkpoint_path:
        raise ValueError(f"Couldn't find trained model at {estimator.model_dir}.")
    export_dir = timestamped_export_dir(export_dir_base)
    temp_dir = os.path.join(os.path.dirname(export_dir), f"temp-{os.path.basename(export_dir)}")
    with Graph().as_default() as g:
        estimator._new_graph(g)
        receiver = serving_input_receiver_fn()
        spec = estimator._call_model_fn(receiver.features, None, "infer")
        signatures = build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs,
                                              receiver.receiver_tensors_alternatives)
        with Session(config=estimator.config.session_config) as sess:
            saver = spec.scaffold.saver or Saver(sharded=True)
            saver.restore(sess, checkpoint_path)
            local_init = spec.scaffold.local_init_op
            if local_init is None:
                local_init = Scaffold.default_local_init_op()
            builder = SavedModelBuilder(temp_dir)
            builder.add_meta_graph_and_variables(sess, [tag_constants.SERVING], signature_def_map=signatures,
                                                 assets_collection=g.get_collection(GraphKeys.ASSET_FILEPATHS),
                                                 main_op=local_init, saver=saver)
        builder.save(as_text)
    for dest, source in (assets_extra or {}).items():
        target = os.path.join(temp_dir, "assets.extra", dest)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)
    os.rename(temp_dir, export_dir)  # a model server watching export_dir_base sees the whole version or none
    return export_dir.encode()
