"""Workload specs and the shared synthetic data / initial weights every peer starts from.

All arrays are float32 (labels: float32 column for W1's log-loss, int32 class ids otherwise), generated once
in NumPy from fixed seeds, so every peer trains the same model on the same batches from the same weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DATA_SEED = 1234
PARAM_SEED = 5678


@dataclass(frozen=True)
class Workload:
    """One benchmark workload: an MLP, its loss, optimizer and how its time is reported."""

    name: str
    sizes: tuple[int, ...]  # layer widths, input first
    activation: str  # "tanh" | "relu" (hidden layers only; the output layer is linear)
    loss: str  # "logloss" (sigmoid log-loss, 1 output) | "softmax_ce" (mean softmax cross-entropy)
    batch: int
    optimizer: str  # "sgd" | "adam"
    lr: float
    n_samples: int  # size of the synthetic data set; steps cycle through its full batches
    unit: str  # how the harness reports the per-step time
    forward_only: bool = False  # time the loss computation only, no gradient or update
    description: str = ""
    # Adam hyper-parameters (PyTorch / Keras defaults; TF1's AdamOptimizer uses the same numbers).
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    #: "mlp" (dense layers of ``sizes``), "cnn" (W5's LeNet-5-style network, see ``CNN_LAYERS``) or "lstm" (W6, see
    #: ``LSTM_SHAPE``)
    model: str = "mlp"

    @property
    def n_params(self) -> int:
        return sum(math.prod(w) + math.prod(b) for w, b in param_shapes(self))

    @property
    def n_batches(self) -> int:
        return self.n_samples // self.batch

    @property
    def steps_per_epoch(self) -> int:
        """Steps of one epoch of the nominal data set (W2: 60,000 samples -> 469 steps, last one partial)."""
        return math.ceil(EPOCH_SAMPLES.get(self.name, self.n_samples) / self.batch)


EPOCH_SAMPLES = {"W2": 60_000}

_MLP_W1 = dict(sizes=(2, 8, 8, 1), activation="tanh", loss="logloss", batch=32, optimizer="sgd", lr=0.1)
W1 = Workload(
    "W1", **_MLP_W1, n_samples=1024, unit="us/step",
    description="MLP 2-8-8-1 tanh, sigmoid log-loss, batch 32, SGD lr 0.1",
)  # fmt: skip
W1F = Workload(
    "W1F", **_MLP_W1, n_samples=1024, unit="us/step", forward_only=True,
    description="W1 forward + loss only (no gradient, no update)",
)  # fmt: skip
W2 = Workload(
    "W2", sizes=(784, 256, 256, 10), activation="relu", loss="softmax_ce", batch=128, optimizer="adam",
    lr=1e-3, n_samples=60_000, unit="s/epoch",
    description="MLP 784-256-256-10 ReLU, softmax CE, batch 128, Adam lr 1e-3; s/epoch = median step x 469",
)  # fmt: skip
W3 = Workload(
    "W3", sizes=(4096, 4096, 4096, 10), activation="relu", loss="softmax_ce", batch=512, optimizer="sgd",
    lr=0.01, n_samples=2048, unit="s/step",
    description="MLP 4096-4096-4096-10 ReLU, softmax CE, batch 512, SGD lr 0.01",
)  # fmt: skip

W4 = Workload(
    "W4", sizes=(64,) * 200 + (1,), activation="tanh", loss="logloss", batch=32, optimizer="sgd", lr=0.01,
    n_samples=1024, unit="s (cold)",
    description="cold start: MLP of 200 dense layers, width 64, tanh, log-loss, batch 32, SGD lr 0.01",
)  # fmt: skip

# W5: LeNet-5-style CNN on 28x28x1 inputs (NHWC, flattened in the feed): conv 5x5x32 SAME + ReLU, max-pool
# 2x2, conv 5x5x64 SAME + ReLU, max-pool 2x2, dense 3136-1024 ReLU, dense 1024-10. Kernels HWIO (TF's layout);
# peers with another layout (PyTorch's OIHW, NCHW activations) convert the same weights and flatten in HWC order.
CNN_LAYERS = (("conv", (5, 5, 1, 32)), ("conv", (5, 5, 32, 64)), ("dense", (7 * 7 * 64, 1024)), ("dense", (1024, 10)))
W5 = Workload(
    "W5", sizes=(784, 1024, 10), activation="relu", loss="softmax_ce", batch=64, optimizer="adam", lr=1e-3,
    n_samples=64 * 16, unit="ms/step", model="cnn",
    description="LeNet-5-style CNN (conv 5x5x32, pool, conv 5x5x64, pool, dense 1024, dense 10), ReLU, "
                "28x28 inputs, softmax CE, batch 64, Adam lr 1e-3",
)  # fmt: skip

# W6: an LSTM over sequences of 50 steps of 32 features (flattened in the feed, batch-major: x[b, t * 32 + k]),
# hidden 128, its last output into dense 128-10. The cell is TF1's BasicLSTMCell: kernel [32 + 128, 4 * 128] over
# [x, h] with the gates in the order i, j (candidate), f, o, bias zeros, forget bias 1.0 added to f; peers with
# another layout (PyTorch's nn.LSTM: W_ih, W_hh in the order i, f, g, o, two biases) convert the same weights and
# fold the forget bias into their input bias.
LSTM_SHAPE = (50, 32, 128)  # sequence length, input features, hidden units
W6 = Workload(
    "W6", sizes=(50 * 32, 128, 10), activation="tanh", loss="softmax_ce", batch=64, optimizer="adam", lr=1e-3,
    n_samples=64 * 16, unit="ms/step", model="lstm",
    description="LSTM hidden 128 over 50 steps of 32 features (TF1 BasicLSTMCell, forget bias 1), last output "
                "into dense 128-10, softmax CE, batch 64, Adam lr 1e-3",
)  # fmt: skip

WORKLOADS: dict[str, Workload] = {w.name: w for w in (W1, W1F, W2, W3, W4, W5, W6)}


def param_shapes(wl: Workload) -> list[tuple[tuple[int, ...], tuple[int]]]:
    """(weight shape, bias shape) per layer: dense ``(fan_in, fan_out)``, conv HWIO."""
    if wl.model == "cnn":
        return [(w, (w[-1],)) for _, w in CNN_LAYERS]
    if wl.model == "lstm":
        _, features, units = LSTM_SHAPE
        return [((features + units, 4 * units), (4 * units,)), ((units, wl.sizes[-1]), (wl.sizes[-1],))]
    return [((i, o), (o,)) for i, o in zip(wl.sizes[:-1], wl.sizes[1:])]

# Cost growth (bench/scaling.py): W1's model (width 8, tanh, log-loss, SGD lr 0.1) grown in depth at batch 32,
# and in batch at a fixed depth. Each point is an ordinary steady-state workload named "S-depth/<hidden>" or
# "S-batch/<batch>".
SCALING_DEPTHS = (2, 8, 32, 128)  # hidden layers
SCALING_BATCHES = (32, 128, 512, 2048)
SCALING_BATCH_DEPTH = 8  # hidden layers of the batch sweep (S-batch/32 is the same model as S-depth/8)


def sweep_workload(name: str, hidden: int, batch: int) -> Workload:
    """W1-style MLP 2-8x``hidden``-1 (``hidden`` tanh layers of width 8), log-loss, SGD lr 0.1."""
    return Workload(
        name, sizes=(2,) + (8,) * hidden + (1,), activation="tanh", loss="logloss", batch=batch, optimizer="sgd",
        lr=0.1, n_samples=max(1024, 4 * batch), unit="us/step",
        description=f"MLP 2-8x{hidden}-1 tanh, log-loss, batch {batch}, SGD lr 0.1",
    )  # fmt: skip


def scaling_workloads(sweep: str) -> list[Workload]:
    """The points of one sweep: ``"S-depth"`` (hidden layers at batch 32) or ``"S-batch"`` (batch sizes)."""
    if sweep == "S-depth":
        return [sweep_workload(f"S-depth/{h}", h, 32) for h in SCALING_DEPTHS]
    if sweep == "S-batch":
        return [sweep_workload(f"S-batch/{b}", SCALING_BATCH_DEPTH, b) for b in SCALING_BATCHES]
    raise KeyError(sweep)


def make_data(wl: Workload, seed: int = DATA_SEED) -> dict[str, np.ndarray]:
    """Synthetic data set ``{"x": (n, d) float32, "y": labels}`` for a workload, from a fixed seed."""
    rng = np.random.default_rng(seed)
    n, d = wl.n_samples, wl.sizes[0]
    if wl.loss == "logloss":
        # Points in [-1, 1]^d with a nonlinear (XOR-like, curved) label of the first two coordinates.
        x = rng.uniform(-1.0, 1.0, size=(n, d)).astype(np.float32)
        y = ((x[:, 0] * x[:, 1] + 0.3 * np.sin(3.0 * x[:, 0])) > 0).astype(np.float32)[:, None]
        return {"x": x, "y": y}
    x = rng.standard_normal(size=(n, d), dtype=np.float32)
    if wl.name == "W3":
        y = rng.integers(0, wl.sizes[-1], size=n).astype(np.int32)
    else:
        # Learnable labels: argmax of a fixed random linear map.
        proj = rng.standard_normal(size=(d, wl.sizes[-1]), dtype=np.float32)
        y = np.argmax(x @ proj, axis=1).astype(np.int32)
    return {"x": x, "y": y}


def batches(wl: Workload, data: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The full mini-batches of ``data`` in order, as NumPy views; peers cycle through them."""
    b = wl.batch
    return [(data["x"][i * b : (i + 1) * b], data["y"][i * b : (i + 1) * b]) for i in range(wl.n_batches)]


def init_params(wl: Workload, seed: int = PARAM_SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-uniform weights (dense ``(fan_in, fan_out)``, conv HWIO with the receptive field in both fans, as
    TF) and zero biases, float32, one pair per layer."""
    rng = np.random.default_rng(seed)
    params = []
    for shape, bshape in param_shapes(wl):
        receptive = math.prod(shape[:-2])
        fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        w = rng.random(size=shape, dtype=np.float32)
        w *= np.float32(2 * limit)
        w -= np.float32(limit)
        params.append((w, np.zeros(bshape, dtype=np.float32)))
    return params


def copy_params(params: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Independent copies, so a peer that updates in place cannot disturb another peer's start."""
    return [(w.copy(), b.copy()) for w, b in params]


def train_flops(wl: Workload) -> float:
    """FLOPs per training step by the 6 x parameters x batch convention (overstates W3 by ~1.2x)."""
    return 6.0 * wl.n_params * wl.batch


def gemm_flops(wl: Workload) -> float:
    """The FLOPs of a dense MLP step's matrix products, 2·m·n·k each: the forward products, the weight gradients,
    and the input gradients of every layer but the first (nobody computes the gradient of the data)."""
    dims = list(zip(wl.sizes[:-1], wl.sizes[1:]))
    products = 2 * wl.batch * sum(i * o for i, o in dims)
    return 2.0 * products + 2.0 * wl.batch * sum(i * o for i, o in dims[1:])
