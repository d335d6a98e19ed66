"""PyTorch eager, as a user writes it: nn.Sequential, a loss module, torch.optim."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from bench.peers import Clock
from bench.workloads import LSTM_SHAPE, Workload, batches

LIBRARY = "torch"
VERSION = torch.__version__


def _set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # can only be set once, before any inter-op work
            pass


class _NHWCFlatten(nn.Module):
    """Flatten NCHW activations in HWC order, so the dense weights shared with the NHWC peers fit."""

    def forward(self, h):
        return h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)


def _cnn_front(params) -> list[nn.Module]:
    """W5's conv/pool layers from HWIO weights (PyTorch wants OIHW); padding 2 is TF's SAME for 5x5, stride 1."""
    layers: list[nn.Module] = [nn.Unflatten(1, (1, 28, 28))]
    for w, b in params[:2]:
        conv = nn.Conv2d(w.shape[2], w.shape[3], w.shape[:2], padding=(w.shape[0] // 2, w.shape[1] // 2))
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))))
            conv.bias.copy_(torch.from_numpy(b))
        layers += [conv, nn.ReLU(), nn.MaxPool2d(2)]
    return layers + [_NHWCFlatten()]


class _LastOutput(nn.Module):
    """W6's LSTM (batch-first, flat inputs unflattened) from TF1 BasicLSTMCell weights; returns the last output.

    TF's kernel [in + h, 4h] has the gates i, j, f, o (j the candidate) and adds the forget bias 1.0 to f;
    nn.LSTM wants W_ih [4h, in], W_hh [4h, h] in the order i, f, g, o, so the blocks are reordered, transposed,
    and the forget bias goes into b_ih (b_hh zeros).
    """

    def __init__(self, kernel, bias, forget_bias=1.0):
        super().__init__()
        steps, features, units = LSTM_SHAPE
        self.shape = (steps, features)
        self.lstm = nn.LSTM(features, units, batch_first=True)
        i, j, f, o = np.split(kernel, 4, axis=1)
        bi, bj, bf, bo = np.split(bias, 4)
        w = np.concatenate([i, f, j, o], axis=1).T          # [4h, in + h]
        b = np.concatenate([bi, bf + np.float32(forget_bias), bj, bo])
        with torch.no_grad():
            self.lstm.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(w[:, :features])))
            self.lstm.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(w[:, features:])))
            self.lstm.bias_ih_l0.copy_(torch.from_numpy(b))
            self.lstm.bias_hh_l0.zero_()

    def forward(self, x):
        out, _ = self.lstm(x.reshape(x.shape[0], *self.shape))
        return out[:, -1]


def _model(wl: Workload, params) -> nn.Sequential:
    layers: list[nn.Module] = []
    if wl.model == "lstm":
        layers, params = [_LastOutput(*params[0])], params[1:]
    if wl.model == "cnn":
        layers, params = _cnn_front(params), params[2:]
    for k, (w, b) in enumerate(params):
        lin = nn.Linear(*w.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(params) - 1:
            layers.append(nn.ReLU() if wl.activation == "relu" else nn.Tanh())
    return nn.Sequential(*layers)


def make_step(wl: Workload, params, data, *, threads: int | None = None, forward_only: bool = False):
    """One training step (or, with ``forward_only``, one loss evaluation) per call; returns the loss."""
    _set_threads(threads)
    forward_only = forward_only or wl.forward_only
    model = _model(wl, params)
    loss_fn = nn.BCEWithLogitsLoss() if wl.loss == "logloss" else nn.CrossEntropyLoss()
    tb = _tensors(wl, data)
    state = {"i": 0}

    if forward_only:

        def forward():
            x, y = tb[state["i"] % len(tb)]
            state["i"] += 1
            with torch.no_grad():
                return loss_fn(model(x), y)

        return forward

    if wl.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=wl.lr)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=wl.lr, betas=(wl.beta1, wl.beta2), eps=wl.eps)

    def step():
        x, y = tb[state["i"] % len(tb)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def _tensors(wl: Workload, data):
    if wl.loss == "logloss":
        return [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches(wl, data)]
    return [(torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))) for x, y in batches(wl, data)]


def cold_start(wl: Workload, params, data, *, threads: int | None = None) -> dict:
    """Model (layers, weight copies, loss, optimizer), then the first forward/backward/step: each timed.

    Eager autograd has no separate gradient construction or compilation: the backward graph is recorded
    during the forward pass, so all of it is in ``first_step``.
    """
    _set_threads(threads)
    tb = _tensors(wl, data)
    clock = Clock()
    model = _model(wl, params)
    loss_fn = nn.BCEWithLogitsLoss() if wl.loss == "logloss" else nn.CrossEntropyLoss()
    if wl.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=wl.lr)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=wl.lr, betas=(wl.beta1, wl.beta2), eps=wl.eps)
    clock.lap("build")
    state = {"i": 0}

    def step():
        x, y = tb[state["i"] % len(tb)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach().item()

    first = step()
    clock.lap("first_step")
    return clock.result(first, step)


def make_matmul(n: int, *, threads: int | None = None):
    """A callable doing one float32 ``n x n @ n x n`` product into a reused buffer."""
    _set_threads(threads)
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    c = torch.empty(n, n)

    def mm():
        torch.matmul(a, b, out=c)
        return c[0, 0]

    return mm
