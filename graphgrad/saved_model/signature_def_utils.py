"""`tf.saved_model.signature_def_utils`: SignatureDefs, the named inputs and outputs of a SavedModel's meta graph
that TF Serving (and `loader.load`'s callers) look tensors up by."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import Tensor
from ..graph_io.protos import SignatureDef
from ..summary.graph_def import datatype_enum
from . import signature_constants as sc
from .utils import build_tensor_info

_STRING = datatype_enum(dtypes.string)
_FLOAT = datatype_enum(dtypes.float32)


def build_signature_def(inputs=None, outputs=None, method_name=None) -> SignatureDef:
    """A SignatureDef of {key: TensorInfo} `inputs` and `outputs` and a method name."""
    signature = SignatureDef()
    for key, info in (inputs or {}).items():
        signature.inputs[key].CopyFrom(info)
    for key, info in (outputs or {}).items():
        signature.outputs[key].CopyFrom(info)
    if method_name is not None:
        signature.method_name = method_name
    return signature


def predict_signature_def(inputs, outputs) -> SignatureDef:
    """TF Serving's Predict signature: {key: tensor} inputs and outputs of any dtype."""
    if not inputs:
        raise ValueError("Prediction `inputs` cannot be None or empty.")
    if not outputs:
        raise ValueError("Prediction `outputs` cannot be None or empty.")
    return build_signature_def({k: build_tensor_info(t) for k, t in inputs.items()},
                               {k: build_tensor_info(t) for k, t in outputs.items()}, sc.PREDICT_METHOD_NAME)


def regression_signature_def(examples, predictions) -> SignatureDef:
    """TF Serving's Regress signature: serialized tf.Examples (a string tensor) in, float predictions out."""
    if examples is None:
        raise ValueError("Regression `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError("Expected regression `examples` to be of type Tensor. "
                         f"Found `examples` of type {type(examples)}.")
    if predictions is None:
        raise ValueError("Regression `predictions` cannot be None.")
    inputs = build_tensor_info(examples)
    if inputs.dtype != _STRING:
        raise ValueError(f"Regression input tensors must be of type string. Found tensors with type {inputs.dtype}.")
    outputs = build_tensor_info(predictions)
    if outputs.dtype != _FLOAT:
        raise ValueError(f"Regression output tensors must be of type float. Found tensors with type {outputs.dtype}.")
    return build_signature_def({sc.REGRESS_INPUTS: inputs}, {sc.REGRESS_OUTPUTS: outputs}, sc.REGRESS_METHOD_NAME)


def classification_signature_def(examples, classes, scores) -> SignatureDef:
    """TF Serving's Classify signature: serialized tf.Examples in, string `classes` and/or float `scores` out."""
    if examples is None:
        raise ValueError("Classification `examples` cannot be None.")
    if not isinstance(examples, Tensor):
        raise ValueError("Classification `examples` must be a string Tensor. "
                         f"Found `examples` of type {type(examples)}.")
    if classes is None and scores is None:
        raise ValueError("Classification `classes` and `scores` cannot both be None.")
    inputs = build_tensor_info(examples)
    if inputs.dtype != _STRING:
        raise ValueError(f"Classification input tensors must be of type string. Found tensors of type {inputs.dtype}")
    outputs = {}
    if classes is not None:
        outputs[sc.CLASSIFY_OUTPUT_CLASSES] = info = build_tensor_info(classes)
        if info.dtype != _STRING:
            raise ValueError(f"Classification classes must be of type string Tensor. Found tensors of type "
                             f"{info.dtype}.`")
    if scores is not None:
        outputs[sc.CLASSIFY_OUTPUT_SCORES] = info = build_tensor_info(scores)
        if info.dtype != _FLOAT:
            raise ValueError("Classification scores must be a float Tensor.")
    return build_signature_def({sc.CLASSIFY_INPUTS: inputs}, outputs, sc.CLASSIFY_METHOD_NAME)


def is_valid_signature(signature_def) -> bool:
    """Whether a SignatureDef is one TF Serving accepts: a Predict signature with inputs and outputs, or a
    Classify / Regress one with the keys and dtypes those APIs need."""
    if signature_def is None or not signature_def.method_name:
        return False
    method, inputs, outputs = signature_def.method_name, signature_def.inputs, signature_def.outputs
    if method == sc.PREDICT_METHOD_NAME:
        return bool(inputs) and bool(outputs)
    if method == sc.CLASSIFY_METHOD_NAME:
        wanted = {sc.CLASSIFY_OUTPUT_CLASSES: _STRING, sc.CLASSIFY_OUTPUT_SCORES: _FLOAT}
        return (set(inputs) == {sc.CLASSIFY_INPUTS} and inputs[sc.CLASSIFY_INPUTS].dtype == _STRING and
                bool(outputs) and all(k in wanted and outputs[k].dtype == wanted[k] for k in outputs))
    if method == sc.REGRESS_METHOD_NAME:
        return (set(inputs) == {sc.REGRESS_INPUTS} and inputs[sc.REGRESS_INPUTS].dtype == _STRING and
                set(outputs) == {sc.REGRESS_OUTPUTS} and outputs[sc.REGRESS_OUTPUTS].dtype == _FLOAT)
    return False
