"""`tf.keras.Model` / `Sequential`: Keras' models on graphgrad graphs (TF1's tf.keras) or eagerly.

In graph mode a model's outputs are tensors of the graph its inputs live in; `compile` adds the targets, the
loss, the metrics and one `minimize` (after the graph's UPDATE_OPS, for batch norm), and `fit` / `evaluate` /
`predict` run them in `keras.backend.get_session(graph)`, feeding the learning phase True while training.
While executing eagerly, a step runs the layers under a `GradientTape` and applies the optimizer's gradients."""
from __future__ import annotations

import inspect
import json

import numpy as np

from .. import eager as _eager
from ..framework import dtypes
from ..framework.errors import OutOfRangeError
from ..framework.graph import Tensor, control_dependencies, get_default_graph
from ..framework.op_def import static_shape
from ..layers import Layer as _TFLayer
from ..ops import array_ops, math_ops
from ..ops.arithmetic_ops import add_n
from ..ops.core import convert_to_tensor, group, ones_like, placeholder
from . import backend as K
from . import callbacks as cbks
from . import constraints as _constraints
from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from . import saving
from ._generators import GeneratedBatches, check_steps, is_generator_like
from .data_utils import Sequence
from .layers import InputLayer, Layer
from .layers._base import serialize as _serialize_layer
from .utils import Progbar


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _scalars(x):
    """A (nested) Python list of numbers: one array, as Keras 2 reads `fit([1, 2, 3, 4], ...)`."""
    if isinstance(x, (list, tuple)):
        return all(_scalars(e) for e in x)
    return isinstance(x, (int, float, bool, np.number))


def _column(a):
    """Keras 2 reads 1-D input data as one column (its `expand_1d`): a model with `input_dim=1` takes
    `fit([1, 2, 3, 4], ...)` and `predict(np.array([5, 4]))`."""
    return a[:, None] if a.ndim == 1 else a


def _value(a):
    """An array of `a`; a graph tensor (`tf.one_hot(ids, n)` given to `fit`, as TF 2 programs write it) is run
    once in the Keras session of its graph (TF 1.x's Keras asked for `steps_per_epoch` and read it every step)."""
    if isinstance(a, Tensor) and not getattr(a.graph, "_is_eager", False):
        return np.asarray(K.get_session([a]).run(a))
    return np.asarray(a)


def _arrays(x):
    """The model's input arrays from what `fit`/`predict` were given: an array, a list of numbers, a graph
    tensor, or a list of those (one per input), each 1-D array as a column."""
    xs = [np.asarray(x)] if _scalars(x) else [_value(a) for a in _as_list(x)]
    return [_column(a) for a in xs]


def _targets(y):
    return None if y is None else _value(y)  # shaped against the output later (`_target`)


def _is_dataset(x):
    return hasattr(x, "make_initializable_iterator")


def _log_value(v):
    """A metric's value for the logs: a float, or an array for a metric of several values (per threshold)."""
    v = np.asarray(v)
    return float(v) if v.size == 1 and v.ndim == 0 else v


def _masked_mean(values, mask):
    """sum(values · mask) / sum(mask), the mask cast to the values' type and broadcast to their shape (reshaped
    where the values are flattened): Keras 2's mean weighted by an output's mask."""
    m = math_ops.cast(mask, values.dtype.base_dtype)
    if m.shape.ndims > values.shape.ndims:
        m = array_ops.reshape(m, array_ops.shape(values))
    while m.shape.ndims < values.shape.ndims:
        m = array_ops.expand_dims(m, -1)
    m = m * ones_like(values)
    return math_ops.reduce_sum(values * m) / math_ops.reduce_sum(m)


def _accepts_training(fn):
    try:
        return "training" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _depth_order(hist, inputs, outputs):
    """Keras' functional layer order (_map_graph_network): deepest from the outputs first (the inputs' side), ties
    in the order a depth-first walk from the outputs first meets the layers. Keras' .h5 weight files list layers in
    this order and load by it, so a branch (ResNet's shortcut) must sit where Keras puts it."""
    index, post, done = {}, [], set()

    def node(t):
        layer, ins = hist.get(t, (None, []))
        return None if layer is None else (layer, tuple(id(i) for i in ins), ins)

    def visit(t):
        n = node(t)
        if n is None or n[:2] in done:
            return
        index.setdefault(id(n[0]), (len(index), n[0]))
        for i in n[2]:
            visit(i)
        done.add(n[:2])
        post.append(n)
    for o in outputs:
        visit(o)
    node_depth, layer_depth = {}, {}
    for layer, key, ins in reversed(post):
        depth = max(node_depth.setdefault((layer, key), 0), layer_depth.get(id(layer), 0))
        layer_depth[id(layer)] = node_depth[(layer, key)] = depth
        for i in ins:
            parent = node(i)
            if parent is not None:
                node_depth[parent[:2]] = max(depth + 1, node_depth.get(parent[:2], 0))
    for t in inputs:  # an input no output depends on still comes first
        n = node(t)
        if n is not None and id(n[0]) not in layer_depth:
            layer_depth[id(n[0])], index[id(n[0])] = 0, (-1, n[0])
    return [index[k][1] for k in sorted(layer_depth, key=lambda k: (-layer_depth[k], index[k][0]))]


def _updates_for(updates, inputs):
    """The updates that read no placeholder other than `inputs` (Keras' get_updates_for): a model called on new
    inputs keeps the updates its first build made from its own Input, which this model cannot feed."""
    own, memo = {t.op for t in inputs}, {}
    for u in updates:
        stack = [getattr(u, "op", u)]
        while stack:
            op = stack[-1]
            if op in memo:
                stack.pop()
                continue
            deps = [t.op for t in op.inputs] + list(op.control_inputs)
            todo = [d for d in deps if d not in memo]
            if todo:
                stack.extend(todo)
                continue
            stack.pop()
            memo[op] = (op.type == "Placeholder" and op not in own) or any(memo[d] for d in deps)
    return [u for u in updates if not memo[getattr(u, "op", u)]]


def _replay(model, inputs, training):
    """A functional model called on new tensors, as Keras does: each layer called again (keeping its weights) on
    what its inputs became, dependencies first; `training` handed to the layers that take it."""
    hist = K.history(model.outputs[0].graph)
    new = {id(a): b for a, b in zip(model.inputs, inputs)}
    stack = list(model.outputs)
    while stack:
        t = stack[-1]
        if id(t) in new:
            stack.pop()
            continue
        if t not in hist or not hist[t][1]:
            raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t} from the model's inputs")
        layer, ins = hist[t]
        missing = [i for i in ins if id(i) not in new]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        args = [new[id(i)] for i in ins]
        kwargs = {"training": training} if training is not None and _accepts_training(layer.call) else {}
        out = layer(args if len(args) > 1 else args[0], **kwargs)
        old = next(outs for node_ins, outs in layer._inbound if any(o is t for o in outs))
        new.update(zip(map(id, old), _as_list(out)))
    return [new[id(o)] for o in model.outputs]


class Model(Layer):
    """`Model(inputs, outputs)` (functional) or a subclass defining `call(inputs, training=None)`."""

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        self.__dict__.setdefault("_tracked", [])
        super().__init__(name=name, **kwargs)
        self.inputs = self.outputs = None
        self.optimizer = self.loss = None
        self.stop_training = False
        self.history = None
        self._fns = {}
        self._metric_list, self._metric_objs = [], None
        self._datasets = {}
        self._functional = inputs is not None
        if self._functional:
            self.inputs, self.outputs = _as_list(inputs), _as_list(outputs)
            self.built = True

    def __setattr__(self, name, value):
        if isinstance(value, _TFLayer) and not name.startswith("_"):
            tracked = self.__dict__.setdefault("_tracked", [])
            if value not in tracked:
                tracked.append(value)
        super().__setattr__(name, value)

    # --- structure ---------------------------------------------------------------------------------------
    @property
    def name(self):
        if self._scope is None and self._given_name is None:
            with get_default_graph().as_default():
                from ..variables import variable_scope

                with variable_scope(None, default_name=self._base_name) as scope:
                    self._scope = scope
        return super().name

    @property
    def layers(self):
        if not self._functional:
            return list(self._tracked)
        return _depth_order(K.history(self.outputs[0].graph), self.inputs, self.outputs)

    def _checkpoint_dependencies(self):
        """tf.train.Checkpoint's view: the layers by position (`layer-0`, ...), then the model's own variables."""
        return [(f"layer-{i}", layer) for i, layer in enumerate(self.layers)] + super()._checkpoint_dependencies()

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}")

    def _collect(self, attr):
        out, seen = [], set()
        for layer in self.layers:
            for v in getattr(layer, attr):
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def weights(self):
        return self._collect("weights")

    variables = weights

    @property
    def trainable_weights(self):
        return self._collect("trainable_weights") if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    @property
    def losses(self):
        return [loss for layer in self.layers for loss in layer.losses]

    @property
    def updates(self):
        """The layers' updates (batch norm's moving averages) that this model's inputs drive; none when frozen
        (Keras: a layer with trainable=False has no updates)."""
        updates = self._layer_updates()
        return _updates_for(updates, self.inputs) if self._functional else updates

    def _layer_updates(self):
        """Every update of the layers, a nested model's unfiltered (the outer model's inputs decide)."""
        if not self.trainable:
            return []
        return [u for layer in self.layers
                for u in (layer._layer_updates() if isinstance(layer, Model) else layer.updates)]

    @property
    def metrics_names(self):
        return ["loss"] + [m.name for m in self._metric_objs or []]

    @property
    def metrics(self):
        """The compiled Metric objects (Keras 2 also lists its loss tracker first)."""
        return list(self._metric_objs or [])

    def reset_metrics(self):
        """Every compiled metric back to its start (fit does this each epoch, evaluate before it begins)."""
        for m in self._metric_objs or []:
            m.reset_state()

    # --- calling -----------------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        if self._functional:
            if _as_list(inputs) == self.inputs or inputs is self.inputs[0]:
                return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)
            outs = _replay(self, _as_list(inputs), training)
            ins = _as_list(inputs)
            self._inbound.append((ins, outs))
            hist = K.history(outs[0].graph)
            for o in outs:  # the outer model sees this model as one layer (Keras: a nested Model)
                hist[o] = (self, ins)
            return outs[0] if len(outs) == 1 else outs
        if _accepts_training(self.call):
            return self.call(inputs, training=training, **kwargs)
        return self.call(inputs, **kwargs)

    def call(self, inputs, training=None):
        raise NotImplementedError("a subclassed Model defines call(inputs, training=None)")

    def _build_input(self, arrays):
        """Placeholders shaped like the data (batch dimension None) and the outputs of calling the model."""
        shapes = getattr(self, "_input_shapes", None) or [(None, *np.shape(a)[1:]) for a in arrays]
        kinds = [dtypes.int32 if np.issubdtype(np.asarray(a).dtype, np.integer) else dtypes.float32
                 for a in arrays]
        self.inputs = [InputLayer(batch_input_shape=s, dtype=k)._inbound[0][1][0] for s, k in zip(shapes, kinds)]
        self.outputs = _as_list(self(self.inputs[0] if len(self.inputs) == 1 else self.inputs))
        self.built = True

    def build(self, input_shape=None):
        if self.outputs is None and input_shape is not None and not K.executing_eagerly():
            self._input_shapes = [tuple(input_shape)]
            self._build_input([np.zeros((1, *tuple(input_shape)[1:]), np.float32)])

    def _ensure_built(self, xs):
        if K.executing_eagerly():
            if not self.built:
                self._eager_out_shape = (None, *self(convert_to_tensor(np.asarray(xs[0][:1]))).shape.as_list()[1:])
                self._eager_rank = len(self._eager_out_shape)
                self._built_shape = (None, *np.shape(xs[0])[1:])
                self.built = True
        elif self.outputs is None:
            self._build_input(xs)
        if self.optimizer is not None and self._metric_objs is None:
            self._resolve_metrics()

    def _ensure_built_for(self, batches):
        """`_ensure_built` from the first batch. A Sequence or generator is read ahead for it only where Keras
        does: always while executing eagerly (TF2's Keras reads batch 0 first), in graph mode only when the model
        has no inputs yet (TF1's Keras reads batches in order, which a seeded `flow` notices)."""
        if not isinstance(batches, GeneratedBatches):
            self._ensure_built(batches[0][0])
        elif K.executing_eagerly() or self.outputs is None:
            self._ensure_built(batches.first()[0])
        else:
            self._ensure_built(None)

    @property
    def _graph(self):
        return self.outputs[0].graph

    def _session(self):
        return K.get_session(self._graph)

    # --- compile -----------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, **kwargs):
        self.optimizer = self._get_optimizer(optimizer)
        self.loss = loss
        self._loss_fn = _losses.get(loss)
        self._metric_list = list(metrics or [])
        self._fns = {}
        self._metric_objs = None
        if self.outputs is not None or K.executing_eagerly() and self.built:
            self._resolve_metrics()

    def _get_optimizer(self, optimizer):
        return _optimizers.get(optimizer)

    def _optimizer_groups(self):
        """[(optimizer, the variables it trains)]: one optimizer for all trainable weights (WideDeepModel has two)."""
        return [(self.optimizer, self.trainable_weights)]

    def _resolve_metrics(self):
        """The compiled metrics as Metric objects (made once per compile, in the model's graph)."""
        if self._metric_objs is not None:
            return
        if K.executing_eagerly():
            shape = getattr(self, "_eager_out_shape", None)  # for 'accuracy' of one output unit: binary
            self._metric_objs = _metrics._for_compile(self._metric_list, self.loss, shape)
            return
        with self._graph.as_default():
            self._metric_objs = _metrics._for_compile(self._metric_list, self.loss, static_shape(self.outputs[0]))

    def _check_compiled(self):
        if self.optimizer is None:
            raise RuntimeError("You must compile your model before training/testing. Use `model.compile("
                               "optimizer, loss)`.")

    def _loss(self, target, output):
        """The batch's loss; where the output has a mask (`_keras_mask`), the mean of the per-example losses over
        the unmasked entries, as Keras 2 weighs samples by the mask."""
        mask = getattr(output, "_keras_mask", None)
        if mask is None:
            loss = math_ops.reduce_mean(self._loss_fn(target, output))
        else:
            fn = self._loss_fn.call if isinstance(self._loss_fn, _losses.Loss) else self._loss_fn
            loss = _masked_mean(fn(target, output), mask)
        return loss + add_n(self.losses) if self.losses else loss

    def _update_metrics(self, target, output):
        """Each metric's update with this batch and its result after it (tensors in graph mode). An output's mask
        is the metrics' sample weight, as in Keras 2."""
        self._resolve_metrics()
        mask = getattr(output, "_keras_mask", None)
        weight = {} if mask is None else {"sample_weight": math_ops.cast(mask, output.dtype.base_dtype)}
        updates = [m.update_state(target, output, **weight) for m in self._metric_objs]
        if K.executing_eagerly():
            return [m.result() for m in self._metric_objs]
        with control_dependencies(updates):
            return [array_ops.identity(m.result()) for m in self._metric_objs]

    def _make_functions(self):
        if self._fns:
            return
        self._check_compiled()
        g = self._graph
        with g.as_default():
            out = self.outputs[0]
            sparse = _losses.base_function(self.loss) is _losses.sparse_categorical_crossentropy
            rank = static_shape(out)
            target = placeholder(dtypes.float32, None if sparse or rank is None else [None] * len(rank),
                                 name="target")
            loss = self._loss(target, out)
            values = self._update_metrics(target, out)
            with control_dependencies(self.updates):
                steps = [opt.build(g).minimize(loss, var_list=v, global_step=getattr(opt, "iterations", None))
                         for opt, v in self._optimizer_groups()]
                train_op = steps[0] if len(steps) == 1 else group(*steps)
            projections = _constraints.apply_constraints(self.trainable_weights, after=train_op)
            if projections:  # Keras projects each constrained variable right after the optimizer's update
                train_op = group(train_op, *projections)
            phase = K.learning_phase()
        self._fns = {"target": target, "train": [train_op, loss, *values], "test": [loss, *values],
                     "phase": phase}
        self.reset_metrics()  # their variables start here (they are in no collection the session initializes)

    # --- one batch -------------------------------------------------------------------------------------
    def _feed(self, xs, y=None, training=False):
        feed = dict(zip(self.inputs, xs))
        if y is not None:
            feed[self._fns["target"]] = y
        if training and hasattr(self._fns["phase"], "dtype"):  # not fixed to 0 / 1 by K.set_learning_phase
            feed[self._fns["phase"]] = True
        return feed

    def _target(self, y, rank):
        """Labels shaped like the output: a (batch,) vector for a (batch, 1) output gets its axis back."""
        y = np.asarray(y)
        sparse = _losses.base_function(self.loss) is _losses.sparse_categorical_crossentropy
        return y[..., None] if not sparse and rank is not None and y.ndim == rank - 1 else y

    def _run_batch(self, kind, xs, y):
        """[loss, *metrics] of one batch, training on it when kind == "train"."""
        if y is None:
            raise ValueError("fit/evaluate need targets: pass y, or a dataset of (x, y) pairs")
        if K.executing_eagerly():
            return self._eager_batch(kind, xs, y)
        self._make_functions()
        s = self._session()
        rank = static_shape(self.outputs[0])
        y = self._target(y, None if rank is None else len(rank))
        out = s.run(self._fns[kind], self._feed(xs, y, kind == "train"))
        return [_log_value(v) for v in (out[1:] if kind == "train" else out)]

    def _eager_batch(self, kind, xs, y):
        self._check_compiled()
        x = [convert_to_tensor(a) for a in xs]
        x = x[0] if len(x) == 1 else x
        rank = getattr(self, "_eager_rank", None)
        target = convert_to_tensor(self._target(y, rank).astype(np.float32))
        if kind == "train":
            K._EAGER["phase"] = True
            try:
                with _eager.GradientTape() as tape:
                    out = self(x, training=True)
                    loss = self._loss(target, out)
            finally:
                K._EAGER["phase"] = False
            groups = self._optimizer_groups()
            grads = iter(tape.gradient(loss, [v for _, variables in groups for v in variables]))
            for opt, variables in groups:
                pairs = [(next(grads), v) for v in variables]
                opt.build().apply_gradients([(g, v) for g, v in pairs if g is not None],
                                            global_step=getattr(opt, "iterations", None))
            for v in self.trainable_weights:
                if getattr(v, "constraint", None) is not None:
                    v.assign(v.constraint(v))
        else:
            out = self(x, training=False)
            loss = self._loss(target, out)
        return [_log_value(v.numpy()) for v in [loss, *self._update_metrics(target, out)]]

    def _predict_batch(self, xs):
        if K.executing_eagerly():
            x = [convert_to_tensor(a) for a in xs]
            return np.asarray(self(x[0] if len(x) == 1 else x, training=False).numpy())
        return self._session().run(self.outputs[0], self._feed(xs))

    # --- data ------------------------------------------------------------------------------------------
    def _batches(self, x, y, batch_size, shuffle=False, steps=None):
        """[(xs, y, n)] for NumPy arrays (shuffled each call when asked) or a tf.data dataset of (x, y); for a
        keras.utils.Sequence or a generator of batches, a GeneratedBatches that reads them as they are used."""
        if _is_dataset(x):
            return [(_as_list(bx), by, len(_as_list(bx)[0])) for bx, by in self._read_dataset(x)]
        if is_generator_like(x):
            return GeneratedBatches(x, steps, shuffle, _arrays)
        xs, y = _arrays(x), _targets(y)
        n = len(xs[0])
        order = np.random.permutation(n) if shuffle else np.arange(n)
        out = []
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            out.append(([a[idx] for a in xs], None if y is None else y[idx], len(idx)))
        return out

    def _read_dataset(self, ds):
        """The elements of one pass over `ds` as NumPy values."""
        if K.executing_eagerly():
            return [tuple(np.asarray(t) for t in el) if isinstance(el, tuple) else (np.asarray(el), None)
                    for el in ds]
        entry = self._datasets.get(id(ds))
        if entry is None:
            g = self._graph if self.outputs is not None else get_default_graph()
            with g.as_default():
                it = ds.make_initializable_iterator()
                entry = self._datasets[id(ds)] = (ds, it, it.get_next(), K.get_session(g))
        _, it, nxt, s = entry
        s.run(it.initializer)
        out = []
        while True:
            try:
                el = s.run(nxt)
            except OutOfRangeError:
                return out
            out.append(tuple(el) if isinstance(el, (tuple, list)) else (el, None))

    # --- training loops --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            **kwargs):
        """`x`: arrays, a tf.data dataset, a keras.utils.Sequence (its batches reshuffled each epoch with
        `shuffle`, `on_epoch_end` called after each) or a generator of (x, y) batches (`steps_per_epoch` of
        them per epoch). `workers`, `use_multiprocessing` and `max_queue_size` are accepted and unused."""
        batch_size = batch_size or 32
        if validation_split and validation_data is None and not _is_dataset(x):
            if is_generator_like(x):
                raise ValueError("`validation_split` is only supported for Tensors or NumPy arrays, found "
                                 f"following types in the input: {[type(x)]}")
            xs, y = _arrays(x), _targets(y)
            split = int(len(xs[0]) * (1.0 - validation_split))
            validation_data = ([a[split:] for a in xs], y[split:])
            x, y = [a[:split] for a in xs], y[:split]
            x = x[0] if len(x) == 1 else x
        first = self._batches(x, y, batch_size, shuffle, steps_per_epoch)
        generated = isinstance(first, GeneratedBatches)
        check_steps(first, "steps_per_epoch", K.executing_eagerly())
        if (is_generator_like(validation_data) and not isinstance(validation_data, Sequence)
                and not validation_steps and not K.executing_eagerly()):
            raise ValueError("Please specify the `validation_steps` argument.")
        self._ensure_built_for(first)
        if not K.executing_eagerly():
            self._make_functions()
        self.history = cbks.History()
        cb = cbks.CallbackList(([cbks.ProgbarLogger(verbose)] if verbose else []) + list(callbacks or [])
                               + [self.history])
        cb.set_model(self)
        cb.set_params({"epochs": epochs, "steps": first.steps if generated else len(first), "verbose": verbose,
                       "batch_size": batch_size,
                       "metrics": self.metrics_names + ["val_" + n for n in self.metrics_names]})
        self.stop_training = False
        cb.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            cb.on_epoch_begin(epoch)
            reuse = generated or epoch == initial_epoch and not shuffle
            batches = first if reuse else self._batches(x, y, batch_size, shuffle)
            self.reset_metrics()
            total, seen, values = 0.0, 0, []
            for i, (bx, by, n) in enumerate(batches):
                cb.on_batch_begin(i, {"batch": i, "size": n})
                values = self._run_batch("train", bx, by)
                total += values[0] * n
                seen += n
                cb.on_batch_end(i, {"batch": i, "size": n, **dict(zip(self.metrics_names, values))})
                if self.stop_training:
                    break
            logs = dict(zip(self.metrics_names, [total / max(seen, 1), *values[1:]]))
            if validation_data is not None:
                if _is_dataset(validation_data) or is_generator_like(validation_data):
                    vx, vy = validation_data, None
                else:
                    vx, vy = validation_data[:2]
                val = _as_list(self.evaluate(vx, vy, batch_size=batch_size, verbose=0, steps=validation_steps))
                logs.update({"val_" + k: v for k, v in zip(self.metrics_names, val)})
            cb.on_epoch_end(epoch, logs)
            if generated and (K.executing_eagerly() or epoch < epochs - 1 and not self.stop_training):
                first.on_epoch_end()   # TF1's Keras: between epochs (its enqueuer stops after the last); TF2: each
            if self.stop_training:
                break
        cb.on_train_end()
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, steps=None, **kwargs):
        """The loss (and metrics) averaged over the examples: a float, or [loss, *metrics]. Over a Sequence or a
        generator in graph mode, the mean of the batches' losses (TF1's Keras counts steps there, not samples)."""
        batches = self._batches(x, y, batch_size or 32, steps=steps)
        check_steps(batches, "steps", K.executing_eagerly())
        self._ensure_built_for(batches)
        by_step = isinstance(batches, GeneratedBatches) and not K.executing_eagerly()
        self.reset_metrics()
        total, seen, count, values = 0.0, 0, 0, []
        for bx, by, n in batches:
            values = self._run_batch("test", bx, by)
            total += values[0] * (1 if by_step else n)
            seen, count = seen + n, count + 1
        self._sequence_done(batches)
        values = [total / max(count if by_step else seen, 1), *values[1:]]
        if verbose:
            Progbar(count, verbose=verbose).update(count, zip(self.metrics_names, values), True)
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, **kwargs):
        batches = self._batches(x, None, batch_size or 32, steps=steps)
        check_steps(batches, "steps", K.executing_eagerly())
        self._ensure_built_for(batches)
        out = np.concatenate([self._predict_batch(bx) for bx, _, _ in batches], axis=0)
        self._sequence_done(batches)
        return out

    @staticmethod
    def _sequence_done(batches):
        """TF2's Keras calls a Sequence's on_epoch_end after evaluate/predict too; TF1's never gets to it."""
        if isinstance(batches, GeneratedBatches) and K.executing_eagerly():
            batches.on_epoch_end()

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, initial_epoch=0, shuffle=True, **kwargs):
        """Keras 2's older name for `fit` on a generator or a Sequence."""
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        initial_epoch=initial_epoch, shuffle=shuffle)

    def evaluate_generator(self, generator, steps=None, verbose=0, **kwargs):
        return self.evaluate(generator, steps=steps, verbose=verbose)

    def predict_generator(self, generator, steps=None, verbose=0, **kwargs):
        return self.predict(generator, steps=steps, verbose=verbose)

    def _one(self, kind, x, y, reset_metrics):
        xs = _arrays(x)
        self._ensure_built(xs)
        values = self._run_batch(kind, xs, _targets(y))
        if reset_metrics:  # as Keras: after the batch, so its metrics add to what was there before
            self.reset_metrics()
        return values[0] if len(values) == 1 else values

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None, reset_metrics=True, **kwargs):
        return self._one("train", x, y, reset_metrics)

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True, **kwargs):
        return self._one("test", x, y, reset_metrics)

    def predict_on_batch(self, x):
        xs = _arrays(x)
        self._ensure_built(xs)
        return self._predict_batch(xs)

    # --- weights ---------------------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite=True, save_format=None):
        saving.save_weights(self, filepath)

    def load_weights(self, filepath, by_name=False):
        saving.load_weights(self, filepath, by_name=by_name)

    def summary(self, line_length=None, positions=None, print_fn=None):
        saving.print_summary(self, line_length, positions, print_fn)

    # --- whole models ----------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, include_optimizer=True):
        """One Keras HDF5 file with the architecture, the weights and the compile arguments (h5py, the h5
        extra); `keras.models.load_model` reads it. The optimizer's state (slots, beta powers) is saved once
        training built it, so training after `load_model` goes on as if uninterrupted."""
        saving.save_model(self, filepath, overwrite, include_optimizer)

    def to_json(self, **kwargs):
        """The architecture as Keras' JSON (`keras.models.model_from_json` rebuilds it); kwargs go to json.dumps."""
        return json.dumps({**saving.model_config(self), "keras_version": "2.2.4-tf", "backend": "tensorflow"},
                          **kwargs)

    def to_yaml(self, **kwargs):
        raise RuntimeError("Method `model.to_yaml()` has been removed due to security risk of arbitrary code "
                           "execution. Please use `model.to_json()` instead.")

    def _is_sequential(self):
        return False

    def get_config(self):
        """Keras' functional config: each layer with the layers and outputs it was called on, the model's inputs
        and outputs as [layer name, node, tensor index]."""
        if not self._functional:
            raise NotImplementedError("Saving the model to HDF5 format requires the model to be a Functional model"
                                      " or a Sequential model; a subclassed model saves its weights "
                                      "(save_weights) or a tf.train.Checkpoint.")
        hist = K.history(self._graph)

        def ref(t):
            layer = hist[t][0]
            return [layer.name, 0, next(i for i, o in enumerate(layer._inbound[0][1]) if o is t)]
        layers = []
        for layer in self.layers:
            ins = layer._inbound[0][0]
            layers.append({**_serialize_layer(layer), "name": layer.name,
                           "inbound_nodes": [[ref(t) + [{}] for t in ins]] if ins else []})
        return {"name": self.name, "layers": layers, "input_layers": [ref(t) for t in self.inputs],
                "output_layers": [ref(t) for t in self.outputs]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The functional model of `get_config`: Input layers first, then each layer called on its inputs."""
        made, tensors = {}, {}
        for spec in config["layers"]:
            layer = saving.layer_from_config(spec, custom_objects)
            made[spec["name"]] = layer
            nodes = spec.get("inbound_nodes") or []
            if nodes:
                ins = [tensors[(name, index)] for name, _, index, *_ in nodes[0]]
                layer(ins if len(ins) > 1 else ins[0])
            for i, t in enumerate(layer._inbound[0][1]):
                tensors[(spec["name"], i)] = t
        inputs = [tensors[(name, index)] for name, _, index in config["input_layers"]]
        outputs = [tensors[(name, index)] for name, _, index in config["output_layers"]]
        return Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0],
                     name=config.get("name"))


class Sequential(Model):
    """A stack of layers, each called on the output of the one before."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._stack = []
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer):
        if not isinstance(layer, _TFLayer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer}")
        self._stack.append(layer)
        if K.executing_eagerly():
            return
        shape = getattr(layer, "_batch_input_shape", None)
        if len(self._stack) == 1 and shape is not None:
            self._input_shapes = [shape]
            self._build_input([np.zeros((1, *shape[1:]), np.float32)])
        elif self.outputs is not None:
            self.outputs = [self._apply(layer, self.outputs[0], None)]

    def _is_sequential(self):
        return True

    def predict_proba(self, x, batch_size=32, verbose=0):
        """TF 1.x Keras's name for `predict` on a model whose outputs are probabilities."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """TF 1.x Keras's class predictions: the arg max of each row, or for one output unit whether it is above
        0.5 (as int32)."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self):
        shape = None
        if self.inputs:
            shape = static_shape(self.inputs[0])
        elif getattr(self, "_built_shape", None):
            shape = self._built_shape
        return {"name": self.name, "layers": [_serialize_layer(layer) for layer in self._stack],
                "build_input_shape": None if shape is None else list(shape)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        specs = list(config["layers"])
        shape = config.get("build_input_shape")
        if specs and specs[0]["class_name"] == "InputLayer":  # Keras 2.4+ lists the input first
            first = specs.pop(0)["config"]
            shape = first.get("batch_input_shape", first.get("batch_shape"))  # Keras 2, Keras 3
        model = cls([saving.layer_from_config(spec, custom_objects) for spec in specs], name=config.get("name"))
        return model._built_for(shape)

    def _built_for(self, shape):
        """This model built for inputs of `shape` (batch first), unless None or built already."""
        if shape is not None and not self.built:
            if K.executing_eagerly():
                self._ensure_built([np.zeros((1, *shape[1:]), np.float32)])
            else:
                self.build(tuple(shape))
        return self

    def pop(self):
        raise NotImplementedError("Sequential.pop: rebuild the model instead (graph ops cannot be removed)")

    @staticmethod
    def _apply(layer, x, training):
        if training is not None and _accepts_training(layer.call):
            return layer(x, training=training)
        return layer(x)

    def call(self, inputs, training=None):
        x = inputs
        for layer in self._stack:
            x = self._apply(layer, x, training)
        return x


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """`keras.models.save_model`: the same as `model.save`."""
    saving.save_model(model, filepath, overwrite, include_optimizer)


load_model = saving.load_model


def model_from_config(config, custom_objects=None):
    """The model of Keras' `{"class_name": ..., "config": ...}` (uncompiled, new weights)."""
    if isinstance(config, list):
        raise TypeError(f"`model_from_config` expects a dictionary, not a list. Received: config={config}. Did you "
                        "meant to use `Sequential.from_config(config)`?")
    return saving.model_from_config(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """The model of `model.to_json()` (uncompiled, new weights)."""
    return model_from_config(json.loads(json_string), custom_objects)


def model_from_yaml(yaml_string, custom_objects=None):
    raise RuntimeError("Method `model_from_yaml()` has been removed due to security risk of arbitrary code execution. "
                       "Please use `Model.to_json()` and `model_from_json()` instead.")


def _clone_layer(layer):
    name = type(layer).__name__
    return saving.layer_from_config({"class_name": name, "config": layer.get_config()}, {name: type(layer)})


def _own_name(layer):
    """A new layer named like one whose variables are in the graph gets a name of its own, as `layer_from_config`
    gives it (graphgrad's variables are named after their layers)."""
    if getattr(layer, "_scope", None) is None and saving._name_taken(getattr(layer, "_given_name", None)):
        layer._given_name = None
    return layer


def clone_model(model, input_tensors=None, clone_function=None):
    """A copy of a Sequential or functional `model` with new layers (new, freshly initialized weights), each made
    by `clone_function(layer)` (by default from the layer's config), called on `input_tensors` when given. A copy's
    layers get names of their own where the graph already has them (their variables live in it)."""
    made_by = clone_function or _clone_layer

    def clone_function(layer):
        return _own_name(made_by(layer))
    if model._is_sequential():
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is None:
            return Sequential(layers, name=model.name)._built_for(model.get_config()["build_input_shape"])
        x = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
        out = x
        for layer in layers:
            out = layer(out)
        return Model(x, out, name=model.name)
    if not model._functional:
        raise ValueError("Expected `model` argument to be a functional `Model` instance, but got a subclassed model "
                         f"instead: {model}")
    given = dict(zip(model.inputs, _as_list(input_tensors))) if input_tensors is not None else {}
    new = {}
    for layer in model.layers:
        ins, outs = layer._inbound[0]
        if not ins:  # an InputLayer: the tensor given for it, or a new Input
            made = [given[outs[0]]] if outs[0] in given else _clone_layer(layer)._inbound[0][1]
        else:
            x = [new[t] for t in ins]
            made = _as_list(clone_function(layer)(x if len(x) > 1 else x[0]))
        new.update(zip(outs, made))
    ins, outs = [new[t] for t in model.inputs], [new[t] for t in model.outputs]
    return Model(ins if len(ins) > 1 else ins[0], outs if len(outs) > 1 else outs[0], name=model.name)


__all__ = ["Model", "Sequential", "save_model", "load_model", "model_from_config", "model_from_json",
           "model_from_yaml", "clone_model"]
