"""Keras' ConvLSTM1D/2D/3D: an LSTM whose input and recurrent transformations are convolutions, over
[batch, time, *spatial, channels] inputs, with Keras 2's weights (`conv_lstm2d/kernel`
[*kernel_size, in, 4·filters], `recurrent_kernel` [*kernel_size, filters, 4·filters], `bias` [4·filters], gates
i, f, c, o) and defaults (`recurrent_activation="hard_sigmoid"`, `unit_forget_bias`). The time loop runs over the
static time steps (the convolutions' states are images, not vectors)."""
from __future__ import annotations

from ...framework.op_def import static_shape
from ...layers.convolutional import _data_format, _padding, _tuple
from ...ops import array_ops, conv_ops, math_ops
from ...ops.bias_ops import bias_add
from ...ops.core import zeros_like
from ..recurrent import _ForgetBiasOnes
from ._base import Layer, _activation, _named, _weight_arguments


def _conv_lstm(rank):
    ones = 1 if rank == 1 else (1,) * rank

    class ConvLSTM(Layer):
        def __init__(self, filters, kernel_size, strides=ones, padding="valid", data_format=None, dilation_rate=ones,
                     activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                     kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                     bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                     recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                     return_state=False, go_backwards=False, stateful=False, dropout=0.0, recurrent_dropout=0.0,
                     **kwargs):
            super().__init__(activity_regularizer=activity_regularizer, **kwargs)
            if stateful or dropout or recurrent_dropout:
                raise NotImplementedError("ConvLSTM: stateful, dropout and recurrent_dropout are not supported")
            self.filters = int(filters)
            self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
            self.strides, self.dilation_rate = _tuple(strides, rank, "strides"), _tuple(dilation_rate, rank,
                                                                                         "dilation_rate")
            self.padding = _padding(padding)
            self.data_format = _data_format(data_format or "channels_last")
            self.activation = _activation(activation)
            self.recurrent_activation = _activation(recurrent_activation)
            self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
            _weight_arguments(self, locals())
            self.return_sequences, self.return_state, self.go_backwards = return_sequences, return_state, go_backwards
            self.stateful = stateful

        @property
        def _first(self):
            return self.data_format == "channels_first"

        def build(self, input_shape):
            shape = input_shape.as_list()
            if len(shape) != rank + 3:
                raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: expected "
                                 f"ndim={rank + 3}, found ndim={len(shape)}. Full shape received: {tuple(shape)}")
            channels = shape[2] if self._first else shape[-1]
            width = 4 * self.filters
            self.kernel = self.add_variable(
                "kernel", [*self.kernel_size, channels, width], initializer=self.kernel_initializer,
                regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
            self.recurrent_kernel = self.add_variable(
                "recurrent_kernel", [*self.kernel_size, self.filters, width],
                initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
                constraint=self.recurrent_constraint)
            self.bias = None
            if self.use_bias:
                init = (_ForgetBiasOnes(self.bias_initializer, self.filters) if self.unit_forget_bias
                        else self.bias_initializer)
                self.bias = self.add_variable("bias", [width], initializer=init,
                                              regularizer=self.bias_regularizer, constraint=self.bias_constraint)
            self.built = True

        def _conv(self, x, w, recurrent):
            attrs = {"strides": (1,) * rank if recurrent else self.strides,
                     "dilations": (1,) * rank if recurrent else self.dilation_rate,
                     "padding": "SAME" if recurrent else self.padding, "channels_first": self._first}
            return conv_ops.conv(x, w, attrs, "conv", label=f"Conv{max(rank, 2)}D" if rank > 1 else "conv1d")

        def step(self, x, h, c):
            z = self._conv(x, self.kernel, False)
            if self.bias is not None:
                z = bias_add(z, self.bias, data_format="NCHW" if self._first else "NHWC")
            z = z + self._conv(h, self.recurrent_kernel, True)
            axis = 1 if self._first else -1
            zi, zf, zc, zo = array_ops.split(z, 4, axis=axis)
            i, f, o = self.recurrent_activation(zi), self.recurrent_activation(zf), self.recurrent_activation(zo)
            c = f * c + i * self.activation(zc)
            return o * self.activation(c), c

        def call(self, inputs, initial_state=None, training=None):
            steps = array_ops.unstack(inputs, axis=1)
            if any(d is None for d in [static_shape(inputs)[1]]):
                raise ValueError("ConvLSTM needs the number of time steps while building the graph")
            if self.go_backwards:
                steps = steps[::-1]
            if initial_state is None:
                zeros = math_ops.reduce_sum(zeros_like(self.kernel), axis=-1, keepdims=True)
                h = self._conv(zeros_like(steps[0]), array_ops.tile(zeros, [1] * (rank + 1) + [self.filters]),
                               False)
                c = h
            else:
                h, c = initial_state
            outs = []
            for x in steps:
                h, c = self.step(x, h, c)
                outs.append(h)
            out = array_ops.stack(outs, axis=1) if self.return_sequences else h
            return [out, h, c] if self.return_state else out
    return _named(ConvLSTM, f"ConvLSTM{rank}D", f"an LSTM with {rank}-D convolutions for its input and recurrent "
                  "transformations; states are feature maps [batch, *spatial, filters].")


ConvLSTM1D = _conv_lstm(1)
ConvLSTM2D = _conv_lstm(2)
ConvLSTM3D = _conv_lstm(3)

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
