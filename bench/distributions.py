"""Two workloads of this session's modules, graphgrad against TensorFlow compat.v1 (Session) and PyTorch, all in
this process, rounds alternating between peers, medians:

- VAE: one training step (Adam) of a 64-32-4 / 4-32-64 VAE on a batch of 128 digits, written with
  `tf.distributions` (Normal encoder, reparameterized sample, Bernoulli decoder, kl_divergence) and with
  `torch.distributions` (the same distributions);
- MFCC: an audio front end forward and backward: stft (frame 256, step 128), magnitude, a 40-band mel
  filterbank, log, 13 MFCCs, and the gradient of their sum with respect to a [8, 16000] float32 waveform.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.distributions [--rounds 40]

Every peer runs on one thread (BLAS, PyTorch's and TensorFlow's pools), and each step is timed both by the wall
clock and by the process's CPU time, which a busy shared machine disturbs less. A peer whose library is missing
is skipped. The MFCC values are checked against TensorFlow's first.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # TF's tf.layers needs Keras 2 (tf-keras)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # one thread each, before any import
    os.environ[_var] = "1"


def _digits():
    import graphgrad

    return graphgrad.datasets.load_digits().x_train[:128].astype(np.float32)


def _one_thread(tf):
    return tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)


def vae_session(tf, batch):
    """The VAE step as a TF1 graph (graphgrad's or TensorFlow's), run by make_callable."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        d = tf.distributions
        x = tf.placeholder(tf.float32, [None, 64])
        h = tf.layers.dense(x, 32, tf.nn.relu)
        q = d.Normal(loc=tf.layers.dense(h, 4), scale=tf.nn.softplus(tf.layers.dense(h, 4)) + 1e-4)
        z = q.sample()
        logits = tf.layers.dense(tf.layers.dense(z, 32, tf.nn.relu), 64)
        likelihood = d.Bernoulli(logits=logits).log_prob(tf.cast(x > 0.5, tf.int32))
        kl = d.kl_divergence(q, d.Normal(tf.zeros_like(z), tf.ones_like(z)))
        loss = -tf.reduce_mean(tf.reduce_sum(likelihood, 1) - tf.reduce_sum(kl, 1))
        step = tf.train.AdamOptimizer(0.01).minimize(loss)
        s = tf.Session(graph=g, config=_one_thread(tf))
        s.run(tf.global_variables_initializer())
    f = s.make_callable([step, loss], [x])
    return lambda: f(batch)[1]


def vae_graphgrad(batch):
    import graphgrad

    return vae_session(graphgrad, batch)


def vae_tensorflow(batch):
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    return vae_session(tf, batch)


def vae_torch(batch):
    import torch
    from torch import distributions as td
    from torch import nn

    torch.manual_seed(0)
    torch.set_num_threads(1)
    enc, mu, sd = nn.Sequential(nn.Linear(64, 32), nn.ReLU()), nn.Linear(32, 4), nn.Linear(32, 4)
    dec = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 64))
    params = [p for m in (enc, mu, sd, dec) for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=0.01)
    x = torch.from_numpy(batch)
    target = (x > 0.5).float()

    def step():
        h = enc(x)
        q = td.Normal(mu(h), nn.functional.softplus(sd(h)) + 1e-4)
        z = q.rsample()
        likelihood = td.Bernoulli(logits=dec(z)).log_prob(target)
        kl = td.kl_divergence(q, td.Normal(torch.zeros_like(z), torch.ones_like(z)))
        loss = -(likelihood.sum(1) - kl.sum(1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def _wave():
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000.0
    return (np.sin(2 * np.pi * rng.uniform(100, 2000, (8, 1)) * t) + 0.1 * rng.standard_normal((8, 16000))
            ).astype(np.float32)


def mfcc_session(tf, wave):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, wave.shape)
        spec = tf.abs(tf.signal.stft(x, 256, 128))
        mel = tf.tensordot(spec, tf.signal.linear_to_mel_weight_matrix(40, 129, 16000.0, 80.0, 7600.0), 1)
        mfcc = tf.signal.mfccs_from_log_mel_spectrograms(tf.log(mel + 1e-6))[..., :13]
        grad = tf.gradients(tf.reduce_sum(mfcc), x)[0]
        s = tf.Session(graph=g, config=_one_thread(tf))
    f = s.make_callable([mfcc, grad], [x])
    return lambda: f(wave)


def mfcc_graphgrad(wave):
    import graphgrad

    return mfcc_session(graphgrad, wave)


def mfcc_tensorflow(wave):
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    return mfcc_session(tf, wave)


def mfcc_torch(wave):
    """The same front end in PyTorch: torch.stft with a periodic Hann window, the mel matrix and DCT-II taken
    from graphgrad's constants (the same numbers as TF's), autograd for the gradient."""
    import torch

    import graphgrad

    torch.set_num_threads(1)
    with graphgrad.Session() as s:
        mel_np = s.run(graphgrad.signal.linear_to_mel_weight_matrix(40, 129, 16000.0, 80.0, 7600.0))
    n = np.arange(40)
    dct = 2 * np.cos(np.pi * n[None, :] * (2 * n[:, None] + 1) / 80) / np.sqrt(80.0)
    mel_m, dct_m = torch.from_numpy(mel_np), torch.from_numpy(dct.astype(np.float32))
    window = torch.hann_window(256, periodic=True)

    def step():
        x = torch.from_numpy(wave).requires_grad_(True)
        spec = torch.stft(x, 256, 128, window=window, center=False, return_complex=True).abs().transpose(1, 2)
        mfcc = (torch.log(spec @ mel_m + 1e-6) @ dct_m)[..., :13]
        mfcc.sum().backward()
        return mfcc.detach().numpy(), x.grad.numpy()
    return step


WORKLOADS = {"VAE": ({"graphgrad": vae_graphgrad, "tensorflow": vae_tensorflow, "torch": vae_torch}, _digits),
             "MFCC": ({"graphgrad": mfcc_graphgrad, "tensorflow": mfcc_tensorflow, "torch": mfcc_torch}, _wave)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args(argv)
    names = ["graphgrad", "tensorflow", "torch"]
    print("| workload | clock | " + " | ".join(f"{p} ms" for p in names) + " | graphgrad / fastest other |")
    print("| --- | --- |" + " --- |" * (len(names) + 1))
    for workload, (peers, data) in WORKLOADS.items():
        inputs = data()
        steps = {}
        for name, make in peers.items():
            try:
                steps[name] = make(inputs)
            except ImportError as e:
                print(f"(skipping {name}: {e})")
        outs = {name: step() for name, step in steps.items()}  # warm up: plans, traces
        if workload == "MFCC" and "tensorflow" in outs:
            ref_mfcc, ref_grad = outs["tensorflow"]
            for name, (mfcc, grad) in outs.items():  # float32 rounding through log(mel): relative to the largest
                if not (np.abs(mfcc - ref_mfcc).max() <= 1e-4 * np.abs(ref_mfcc).max()
                        and np.abs(grad - ref_grad).max() <= 1e-3 * np.abs(ref_grad).max()):
                    raise AssertionError(f"{name} disagrees with TensorFlow on the MFCCs or their gradient")
        times = {clock: {name: [] for name in steps} for clock in ("wall", "cpu")}
        for _ in range(args.rounds):
            for name, step in steps.items():
                t, c = time.perf_counter(), time.process_time()
                step()
                times["cpu"][name].append(time.process_time() - c)
                times["wall"][name].append(time.perf_counter() - t)
        for clock, by_peer in times.items():
            med = {name: statistics.median(ts) * 1e3 for name, ts in by_peer.items()}
            others = [v for name, v in med.items() if name != "graphgrad"]
            ratio = f"{med['graphgrad'] / min(others):.2f}x" if others and "graphgrad" in med else "-"
            print(f"| {workload} | {clock} | " + " | ".join(f"{med[p]:.3f}" if p in med else "-" for p in names)
                  + f" | {ratio} |")


if __name__ == "__main__":
    main()
