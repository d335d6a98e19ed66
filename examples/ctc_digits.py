"""A tiny sequence recogniser trained with CTC: read digit strings off unsegmented 1-D signals.

    python examples/ctc_digits.py [--steps 600] [--seed 0]

Each of 5 "digits" is drawn as a fixed pattern of 3 frames of 8 features; a sample writes 1 to 4 random digits
one after the other with gaps of 1 to 3 frames of noise, plus noise everywhere, into 20 frames. Nobody says
where a digit starts: `tf.nn.ctc_loss` sums over every alignment of the digit string to the frames. The model
is two width-3 `conv1d` layers and a per-frame classifier over 5 digits + the blank; `ctc_greedy_decoder`
reads its output and `tf.edit_distance` against the truth gives the label error rate (edits per true digit)
that speech and OCR programs print. The beam search decoder's error rate is printed beside it.
"""
import argparse
import time

import numpy as np

import graphgrad as tf

DIGITS, WIDTH, FEATURES, FRAMES = 5, 3, 8, 20


def make_data(n, rng, patterns):
    """(frames [n, FRAMES, FEATURES] float32, label rows, sequence lengths int32)."""
    x = rng.normal(0, 0.3, (n, FRAMES, FEATURES)).astype(np.float32)
    rows, lengths = [], np.full(n, FRAMES, np.int32)
    for i in range(n):
        t, row = int(rng.integers(0, 3)), []
        for _ in range(int(rng.integers(1, 5))):
            if t + WIDTH > FRAMES:
                break
            d = int(rng.integers(DIGITS))
            x[i, t:t + WIDTH] += patterns[d]
            row.append(d)
            t += WIDTH + int(rng.integers(1, 4))
        rows.append(row)
    return x, rows, lengths


def sparse_labels(rows):
    """A SparseTensorValue of label rows, the form ctc_loss takes its labels in."""
    idx = np.array([[b, i] for b, row in enumerate(rows) for i in range(len(row))], np.int64)
    vals = np.array([v for row in rows for v in row], np.int32)
    return tf.SparseTensorValue(idx, vals, np.array([len(rows), max(map(len, rows))], np.int64))


def build(seed):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    frames = tf.placeholder(tf.float32, (None, FRAMES, FEATURES), name="frames")
    seq_len = tf.placeholder(tf.int32, (None,), name="seq_len")
    labels = tf.SparseTensor(tf.placeholder(tf.int64, (None, 2)), tf.placeholder(tf.int32, (None,)),
                             tf.placeholder(tf.int64, (2,)))
    h = frames
    for i, filters in enumerate((32, 32)):
        w = tf.get_variable(f"conv{i}", (WIDTH, h.shape[-1].value, filters))
        h = tf.nn.relu(tf.nn.conv1d(h, w, 1, "SAME") + tf.get_variable(f"bias{i}", (filters,),
                                                                         initializer=tf.zeros_initializer()))
    logits = tf.layers.dense(h, DIGITS + 1)                          # [batch, frames, digits + blank]
    loss = tf.reduce_mean(tf.nn.ctc_loss(labels, logits, seq_len, time_major=False))
    step = tf.train.AdamOptimizer(0.01).minimize(loss)
    time_major = tf.transpose(logits, [1, 0, 2])
    greedy = tf.nn.ctc_greedy_decoder(time_major, seq_len)[0][0]
    beam = tf.nn.ctc_beam_search_decoder(time_major, seq_len, beam_width=10, merge_repeated=False)[0][0]
    error = {k: tf.reduce_sum(tf.edit_distance(tf.SparseTensor(d.indices, tf.cast(d.values, tf.int32), d.dense_shape),
                                               labels, normalize=False))
             for k, d in (("greedy", greedy), ("beam", beam))}
    return frames, seq_len, labels, loss, step, error


def feed_of(placeholders, x, rows, lengths):
    frames, seq_len, labels = placeholders
    sp = sparse_labels(rows)
    return {frames: x, seq_len: lengths, labels.indices: sp.indices, labels.values: sp.values,
            labels.dense_shape: sp.dense_shape}


def train(steps=600, batch=32, seed=0, log_every=100):
    """Train on fresh batches; return (final loss, greedy label error rate, beam label error rate) on 500 test
    samples, and print progress every `log_every` steps."""
    rng = np.random.default_rng(seed)
    patterns = rng.normal(0, 1, (DIGITS, WIDTH, FEATURES)).astype(np.float32)
    test = make_data(500, rng, patterns)
    frames, seq_len, labels, loss, step, error = build(seed)
    test_feed = feed_of((frames, seq_len, labels), *test)
    true_digits = sum(map(len, test[1]))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        for i in range(1, steps + 1):
            _, l = s.run([step, loss], feed_of((frames, seq_len, labels), *make_data(batch, rng, patterns)))
            if log_every and i % log_every == 0:
                ler = s.run(error["greedy"], test_feed) / true_digits
                print(f"step {i:4d}: ctc loss {l:.3f}, test label error rate (greedy) {ler:.3f}", flush=True)
        errs = s.run(error, test_feed)
    return float(l), errs["greedy"] / true_digits, errs["beam"] / true_digits


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    start = time.perf_counter()
    l, greedy, beam = train(a.steps, seed=a.seed)
    print(f"final: ctc loss {l:.3f}, label error rate greedy {greedy:.3f}, beam search {beam:.3f} "
          f"({time.perf_counter() - start:.1f}s)")


if __name__ == "__main__":
    main()
