"""The Keras `Layer` base on graphgrad's tf.layers Layer, `InputLayer` / `Input` and `InputSpec`.

A Keras layer accepts Keras' arguments (`input_shape`, initializer names), takes a list for the merge layers,
reads the learning phase when `training` is not given, names itself as Keras 2 does (`p_re_lu`, `conv2d_transpose`)
and records which layer made each output, so a functional `Model(inputs, outputs)` can list its layers."""
from __future__ import annotations

import functools
import inspect
import re

import numpy as np

from ... import layers as _tfl
from ...framework import dtypes
from ...framework.graph import Graph, GraphKeys, Tensor
from ...framework.op_def import static_shape
from ...framework.tensor_shape import TensorShape
from ...layers.core import training_tensor
from ...ops import math_ops, nest
from ...ops.control_flow_ops import cond
from ...ops.core import convert_to_tensor, placeholder
from ...variables import variable_scope
from .. import backend as K
from ..backend.config import v2_dtype_behavior_enabled


def _initializer(init):
    """An initializer by Keras' name or config dict (`keras.initializers.get`), or as given."""
    from .. import initializers

    return init if init is None or callable(init) and not isinstance(init, type) else initializers.get(init)


def _regularizer(reg):
    """A regularizer by Keras' name ('l1', 'l2', 'l1_l2', at Keras' default factor 0.01) or config dict."""
    from .. import regularizers

    return regularizers.get(reg)


def _constraint(con):
    from .. import constraints

    return constraints.get(con)


_RESOLVE = {"_initializer": _initializer, "_regularizer": _regularizer, "_constraint": _constraint}


def _activation(value):
    """Keras' `activations.get`: the function of a name or config dict ('gelu', a registered one), linear for
    None, a callable as it is."""
    from .. import activations

    return activations.get(value)


def _resolved(key, value):
    """A weight argument (`kernel_initializer`, `bias_constraint`, ...) or `activation` given by name or config
    dict as its object; anything else as given."""
    if key == "activation" and isinstance(value, (str, dict)):
        return _activation(value)
    for suffix, resolve in _RESOLVE.items():
        if key.endswith(suffix):
            return resolve(value)
    return value


def _weight_arguments(layer, arguments):
    """The `*_initializer`, `*_regularizer` and `*_constraint` among a constructor's `arguments` (its locals()) set
    on `layer`, those given by name or config dict resolved."""
    for key, value in arguments.items():
        if key.endswith(tuple(_RESOLVE)) and key != "activity_regularizer":
            setattr(layer, key, _resolved(key, value))


def _keras_snake(name):
    """Keras 2's default layer name for a class name (`PReLU` -> `p_re_lu`, `Conv2DTranspose` -> `conv2d_transpose`)."""
    name = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _named(cls, name, doc):
    """A class made by a factory, named as Keras names it (`Conv2D`), with a docstring."""
    cls.__name__ = cls.__qualname__ = name
    cls.__doc__ = f"Keras' {name}: {doc}"
    return cls


def _shape_tuple(t):
    s = static_shape(t)
    return None if s is None else tuple(s)


def _recording(init):
    """`init` that first notes the arguments of the outermost constructor call (the layer's config)."""
    @functools.wraps(init)
    def recording(self, *args, **kwargs):
        self.__dict__.setdefault("_init_args", (args, dict(kwargs)))
        init(self, *args, **kwargs)
    return recording


def _json_value(layer, key, value):
    """`value` as Keras' config holds it: JSON types, an activation function by its name."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(layer, key, v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(layer, key, v) for k, v in value.items()}
    if isinstance(value, (np.generic, np.ndarray)):  # an initializer's constant, as Keras' JSON encoder writes it
        return value.tolist()
    if isinstance(value, Layer):  # a wrapper's layer, an RNN's cell
        return serialize(value)
    if hasattr(value, "name") and hasattr(value, "is_floating"):  # a dtype
        return value.name
    from .. import activations, serialization

    if hasattr(value, "get_config"):  # an initializer, regularizer or constraint object: Keras' nested dict
        kind = next((k for k in ("initializer", "regularizer", "constraint") if key.endswith(k)), None)
        return _json_value(layer, key, serialization.serialize_keras_object(value, f"keras.{kind}s" if kind else None))
    if callable(value):
        try:
            return activations.serialize(value)
        except ValueError:
            pass
    raise ValueError(f"Layer {layer.name}: argument {key}={value!r} cannot be saved in the model's config; pass "
                     "it by name (a string) to save the model")


def _input_masks(inputs):
    """The `_keras_mask` of `inputs` (a tensor, or a list: a list of masks), None where no input has one."""
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, "_keras_mask", None)


def _takes_mask(fn):
    try:
        return "mask" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


class Layer(_tfl.Layer):
    """What Keras adds to a tf.layers Layer (mixed in before it)."""

    supports_masking = False  # Keras 2: a layer that passes its input's mask on (or overrides compute_mask)

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__dict__["__init__"])

    def get_config(self):
        """The constructor's arguments as given (by name, through the classes' chain of `__init__`s), the
        layer's name and trainability: what `from_config` (and `keras.models.load_model`) rebuilds it from."""
        return {k: _json_value(self, k, v) for k, v in self._config().items()}

    def _config(self):
        """get_config's values before their conversion to JSON types."""
        args, kwargs = self.__dict__.get("_init_args", ((), {}))
        config = {}
        for klass in type(self).__mro__:
            init = klass.__dict__.get("__init__")
            if init is None or klass is object:
                continue
            sig = inspect.signature(inspect.unwrap(init))
            bound = sig.bind_partial(None, *args, **kwargs).arguments
            args, kwargs = (), {}
            for name, value in list(bound.items())[1:]:
                kind = sig.parameters[name].kind
                if kind is inspect.Parameter.VAR_POSITIONAL:
                    args = value
                elif kind is inspect.Parameter.VAR_KEYWORD:
                    kwargs = value
                else:
                    config[name] = value
            if not args and not kwargs:
                break
        config.update(name=self.name, trainable=self.trainable)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __init__(self, *args, input_shape=None, batch_input_shape=None, input_dim=None, batch_size=None,
                 **kwargs):
        self.__dict__.setdefault("_init_args", (args, dict(input_shape=input_shape, batch_input_shape=
                                 batch_input_shape, input_dim=input_dim, batch_size=batch_size, **kwargs)))
        for key in kwargs:
            kwargs[key] = _resolved(key, kwargs[key])
        super().__init__(*args, **kwargs)
        self._base_name = _keras_snake(type(self).__name__)
        self.input_spec = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = None if batch_input_shape is None else tuple(batch_input_shape)
        self._inbound = []  # [(input tensors, output tensors)] per call

    # --- weights -------------------------------------------------------------------------------------------
    def add_variable(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None, trainable=None,
                     constraint=None):
        """tf.layers' add_variable as Keras' add_weight: initializers, regularizers and constraints by name or
        config dict too (`initializer="he_normal"`), an unnamed weight called `Variable`, `Variable_1`, ... (as
        tf_keras names them in graph mode). Eagerly a regularizer's penalty is computed afresh at each read of
        `losses` (Keras' callable losses), so a step under a GradientTape differentiates it."""
        if name is None:
            taken = {v.op.name.rsplit("/", 1)[-1] for v in self._variables}
            name = next(n for n in ("Variable", *(f"Variable_{i}" for i in range(1, len(taken) + 1)))
                        if n not in taken)
        trainable = True if trainable is None else trainable
        var = super().add_variable(name, shape, dtype, _initializer(initializer), _regularizer(regularizer),
                                   trainable, _constraint(constraint))
        var._keras_trainable = trainable  # as asked for, whether or not the layer is trainable: Keras' order
        if regularizer is not None and K.executing_eagerly():
            self.__dict__.setdefault("_eager_penalties", []).append((_regularizer(regularizer), var))
        return var

    add_weight = add_variable

    @property
    def losses(self):
        fresh = [reg(v) for reg, v in self.__dict__.get("_eager_penalties", ())]
        return [p for p in fresh if p is not None] + super().losses

    # --- Keras' accessors ------------------------------------------------------------------------------------
    @property
    def weights(self):
        """Keras 2's order: the weights made trainable, then the others (RandomFourierFeatures' kernel_scale before
        its fixed kernel and bias, also in a frozen layer)."""
        variables = self.variables
        return ([v for v in variables if getattr(v, "_keras_trainable", v.trainable)]
                + [v for v in variables if not getattr(v, "_keras_trainable", v.trainable)])

    def get_weights(self):
        return K.batch_get_value(self.weights)

    def set_weights(self, weights):
        if len(weights) != len(self.weights):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight list of "
                             f"length {len(weights)}, but the layer was expecting {len(self.weights)} weights.")
        for v, w in zip(self.weights, weights):
            if tuple(v.shape.as_list()) != tuple(np.shape(w)):
                raise ValueError(f"Layer weight shape {tuple(v.shape.as_list())} not compatible with provided "
                                 f"weight shape {np.shape(w)}")
        K.batch_set_value(zip(self.weights, weights))

    @property
    def updates(self):
        """The update ops (batch norm's moving averages) this layer's calls added to UPDATE_OPS."""
        return list(self.__dict__.get("_updates", []))

    def count_params(self):
        return int(sum(np.prod(v.shape.as_list()) for v in self.weights))

    @property
    def input(self):
        return self._inbound[0][0] if self._inbound else None

    @property
    def output(self):
        if not self._inbound:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        out = self._inbound[0][1]
        return out[0] if len(out) == 1 else out

    @property
    def output_shape(self):
        if not self._inbound and getattr(self, "_eager_shapes", None):
            shapes = self._eager_shapes
            return shapes[0] if len(shapes) == 1 else shapes
        out = self.output
        return [_shape_tuple(o) for o in out] if isinstance(out, list) else _shape_tuple(out)

    # --- masks -------------------------------------------------------------------------------------------
    def compute_mask(self, inputs, mask=None):
        """The output's mask: the input's carried on by a layer that supports masking, else None."""
        if not self.supports_masking:
            if any(m is not None for m in (mask if isinstance(mask, (list, tuple)) else [mask])):
                raise TypeError(f"Layer {self.name} does not support masking, but was passed an input_mask: {mask}")
            return None
        return mask

    def _set_masks(self, inputs, outputs, mask):
        """Keras 2's `_set_mask_metadata`: each output's `_keras_mask` from `compute_mask` where the layer supports
        masking or computes masks of its own, else None."""
        masks = None
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            masks = self.compute_mask(inputs, mask)
        masks = masks if isinstance(masks, (list, tuple)) else [masks] * len(outputs)
        for o, m in zip(outputs, masks):
            if isinstance(o, Tensor):
                o._keras_mask = m

    # --- calling -----------------------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        # tensors among the other arguments (MultiHeadAttention's value, an RNN's initial_state) are inputs of the
        # call too, for the model's graph of layers
        more = [t for t in nest.flatten([list(args), kwargs]) if isinstance(t, Tensor)]
        ins = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]  # as given (before any cast)
        if v2_dtype_behavior_enabled():
            inputs = self._autocast(inputs)
        mask = kwargs["mask"] if "mask" in kwargs else _input_masks(inputs)
        if mask is not None and "mask" not in kwargs and _takes_mask(self.call):
            kwargs["mask"] = mask  # Keras passes the inputs' masks to a call that takes `mask`
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        # symbolic when called on a graph's tensors, also while executing eagerly (a functional model's Input)
        eager = K.executing_eagerly() and not (isinstance(first, Tensor) and not first.graph._is_eager)
        graph = None if eager else first.graph
        before = 0 if eager else len(graph.get_collection(GraphKeys.UPDATE_OPS))
        if self.input_spec is not None:
            self.input_spec.check(self, inputs)
        if isinstance(inputs, (list, tuple)):
            outputs = self._call_many([x if isinstance(x, Tensor) else convert_to_tensor(x) for x in inputs],
                                      args, kwargs)
        else:
            outputs = super().__call__(inputs, *args, **kwargs)
        if eager:
            outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._eager_shapes = [(None, *tuple(o.shape.as_list())[1:]) for o in outs]
            self._set_masks(inputs, outs, mask)
        else:
            outs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            self._inbound.append((ins, outs))
            hist = K.history(outs[0].graph)
            for o in outs:
                hist[o] = (self, ins + more)
            self.__dict__.setdefault("_updates", []).extend(graph.get_collection(GraphKeys.UPDATE_OPS)[before:])
            self._set_masks(inputs, outs, mask)
        return outputs

    def _autocast(self, inputs):
        """TF2's dtype behaviour: the layer's dtype is floatx unless given, floating inputs cast to it."""
        if self._dtype is None:
            self._dtype = dtypes.as_dtype(K.floatx())

        def cast(x):
            if isinstance(x, Tensor) and x.dtype.is_floating and x.dtype.base_dtype != self._dtype:
                cast_x = math_ops.cast(x, self._dtype)
                cast_x._keras_mask = getattr(x, "_keras_mask", None)
                return cast_x
            return x
        return [cast(x) for x in inputs] if isinstance(inputs, (list, tuple)) else cast(inputs)

    def _call_many(self, inputs, args, kwargs):
        """A call on a list of tensors (merges, attention): built on the list of their shapes, the ops under the
        layer's name scope."""
        g = inputs[0].graph
        with g.as_default():
            if self._scope is None:
                with variable_scope(self._given_name, default_name=self._base_name) as scope:
                    self._scope = scope
                    if not self.built:
                        self.build([x.shape for x in inputs])
                        self.built = True
                    return self.call(inputs, *args, **kwargs)
            with g.name_scope(self._scope.original_name_scope):
                return self.call(inputs, *args, **kwargs)

    def _phase(self, training):
        return K.learning_phase() if training is None else training

    def _in_train_phase(self, train_fn, inputs, training):
        """`train_fn()` while training, `inputs` otherwise: decided now for a Python bool, by `tf.cond` on the
        learning phase (or the given bool tensor) in a graph."""
        switch = training_tensor(self._phase(training))
        if switch is None:
            return train_fn() if self._phase(training) else inputs
        return cond(switch, train_fn, lambda: inputs)

    def compute_output_shape(self, input_shape):
        """The output's shape for inputs of `input_shape`, found as Keras 2 finds it: a copy of the layer (from its
        config) called on placeholders in a scratch graph."""
        many = isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None)))
        shapes = input_shape if many else [input_shape]
        with Graph().as_default():
            ins = [placeholder(self.dtype or dtypes.float32, TensorShape(s).as_list()) for s in shapes]
            out = type(self).from_config(self.get_config())(ins if many else ins[0])
        if isinstance(out, (list, tuple)):
            return [TensorShape(static_shape(o)) for o in out]
        return TensorShape(static_shape(out))


class _Container(Layer):
    """A layer whose variables belong to the layers or cells inside it (wrappers, RNN)."""

    def _sublayers(self):
        raise NotImplementedError

    @property
    def variables(self):
        return [v for layer in self._sublayers() for v in layer.variables]

    def _checkpoint_dependencies(self):
        prefix = self.name + "/"
        return [(v.op.name[len(prefix):] if v.op.name.startswith(prefix) else v.op.name, v) for v in self.variables]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def layer_class(spec, custom_objects=None):
    """The class of Keras' {"class_name", "config"[, "registered_name"]}: from `custom_objects`, the custom object
    scopes and registry (keras.utils.register_keras_serializable), or keras.layers."""
    from .. import layers
    from ..serialization import get_registered_object

    for name in (spec.get("registered_name"), spec["class_name"]):
        cls = name and (get_registered_object(name, custom_objects) or getattr(layers, name, None))
        if isinstance(cls, type) and issubclass(cls, _tfl.Layer):
            return cls
    raise ValueError(f"Unknown layer: {spec['class_name']}. Please ensure this object is passed to the "
                     "`custom_objects` argument.")


def _from_spec(spec, custom_objects=None):
    """A layer from Keras' {"class_name", "config"} (as nested in a wrapper's or an RNN's config), or `spec`."""
    if not isinstance(spec, dict):
        return spec
    return layer_class(spec, custom_objects).from_config(spec["config"])


def serialize(layer):
    """Keras' {"class_name": ..., "config": ...} of a layer; a registered class is named by its registered name
    ("package>Name"): as "registered_name" under TF 2's behaviour, as the class name in TF1's (Keras' legacy form)."""
    from ..serialization import _GLOBAL_CUSTOM_NAMES, tf2_behavior

    spec = {"class_name": type(layer).__name__, "config": layer.get_config()}
    registered = _GLOBAL_CUSTOM_NAMES.get(type(layer))
    if registered:
        spec["registered_name" if tf2_behavior() else "class_name"] = registered
    return spec


def deserialize(config, custom_objects=None):
    """The layer of `serialize`'s dict (classes of keras.layers, or of `custom_objects`)."""
    return _from_spec(config, custom_objects)


class InputLayer(Layer):
    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, name=None,
                 batch_input_shape=None, **kwargs):
        super().__init__(name=name, input_shape=input_shape, batch_size=batch_size,
                         batch_input_shape=batch_input_shape)
        self._base_name = "input"
        dtype = dtypes.as_dtype(dtype or "float32")
        if input_tensor is None:
            if name is None:  # Keras 2 numbers inputs from 1 (input_1, input_2), unlike other layers
                name = self._given_name = f"input_{K.get_uid('input')}"
            with variable_scope(name, default_name="input") as scope:
                self._scope = scope
            input_tensor = placeholder(dtype, self._batch_input_shape, name=self.name)
        K.history(input_tensor.graph).setdefault(input_tensor, (self, []))  # Input(tensor=t): t is a Keras tensor
        self.built = True
        self._inbound.append(([], [input_tensor]))

    def get_config(self):
        return {"batch_input_shape": list(self._batch_input_shape), "name": self.name,
                "dtype": self._inbound[0][1][0].dtype.base_dtype.name}


class InputSpec:
    """What a layer accepts: dtype, rank (`ndim`, `min_ndim`, `max_ndim`), exact `shape`, or sizes of given `axes`;
    a layer with `input_spec` set checks its inputs against it when called."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype = dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = None if shape is None else TensorShape(shape).as_list()
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.allow_last_axis_squeeze = name, allow_last_axis_squeeze
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (ValueError, TypeError):
            raise TypeError(f"The keys in axes must be integers. Received: axes={axes}") from None
        if self.axes and self.ndim is None and self.min_ndim is None:
            raise ValueError(f"Axes {self.axes} are only meaningful with ndim or min_ndim set.")

    def __repr__(self):
        spec = [f"dtype={self.dtype}" if self.dtype else "", f"shape={self.shape}" if self.shape else "",
                f"ndim={self.ndim}" if self.ndim is not None else "",
                f"max_ndim={self.max_ndim}" if self.max_ndim is not None else "",
                f"min_ndim={self.min_ndim}" if self.min_ndim is not None else "",
                f"axes={self.axes}" if self.axes else ""]
        return f"InputSpec({', '.join(x for x in spec if x)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def check(self, layer, inputs):
        """Keras' assert_input_compatibility for one input (the first of a list)."""
        x = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        shape = static_shape(x)
        rank = None if shape is None else len(shape)
        where = f"Input 0 of layer \"{layer.name}\" is incompatible with the layer: "
        if rank is not None:
            if self.ndim is not None and rank != self.ndim:
                raise ValueError(f"{where}expected ndim={self.ndim}, found ndim={rank}. Full shape received: "
                                 f"{tuple(shape)}")
            if self.max_ndim is not None and rank > self.max_ndim:
                raise ValueError(f"{where}expected max_ndim={self.max_ndim}, found ndim={rank}")
            if self.min_ndim is not None and rank < self.min_ndim:
                raise ValueError(f"{where}expected min_ndim={self.min_ndim}, found ndim={rank}. Full shape "
                                 f"received: {tuple(shape)}")
            for axis, size in self.axes.items():
                got = shape[axis]
                if size is not None and got is not None and got != size:
                    raise ValueError(f"{where}expected axis {axis} of input shape to have value {size}, but "
                                     f"received input with shape {tuple(shape)}")
        if self.dtype is not None and x.dtype.base_dtype.name != self.dtype:
            raise ValueError(f"{where}expected dtype={self.dtype}, found dtype={x.dtype.base_dtype.name}")


_FUNCTIONAL_GRAPH = []


def _eager_functional_graph():
    """The graph functional models are built in while executing eagerly: its layers' variables are made as eager
    variables (as a tf.function's are), so the model then runs eagerly on eager tensors."""
    if not _FUNCTIONAL_GRAPH:
        from ...eager.function import FuncGraph

        _FUNCTIONAL_GRAPH.append(FuncGraph())
    return _FUNCTIONAL_GRAPH[0]


def Input(shape=None, batch_size=None, name=None, dtype=None, tensor=None, batch_shape=None):
    """A placeholder of shape (batch, *shape) that starts a functional model (TF1 Keras: a graph placeholder)."""
    if K.executing_eagerly():  # (TF: a placeholder of Keras' own graph; the layers' variables are eager ones)
        with _eager_functional_graph().as_default():
            return Input(shape, batch_size, name, dtype, tensor, batch_shape)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, input_tensor=tensor, name=name,
                       batch_input_shape=batch_shape)
    return layer._inbound[0][1][0]


