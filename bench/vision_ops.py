"""TF1 vision ops in graphgrad and in TensorFlow compat.v1, the same graphs and data, in this process, rounds
alternating, medians.

    PYTHONPATH=. /work/bench-venv/bin/python -m bench.vision_ops [--rounds 15]

Workloads (each a compiled `make_callable` step):
- roi: Faster R-CNN's crop step, `crop_and_resize` of 128 boxes from 8 feature maps 64x64x32 to 14x14, with the
  gradients to the maps and the boxes;
- nms: `non_max_suppression` of 4,000 random boxes to at most 300 at IoU 0.7 (an RPN's proposals);
- patches: `extract_image_patches` 3x3 of 8x32x32x16 and its gradient;
- ssim: `1 - ssim` of two 8x64x64x3 batches as a loss, with its gradient.
"""
from __future__ import annotations

import argparse

import numpy as np

from .alternate import alternate, print_table


def _data():
    rng = np.random.default_rng(0)
    centre, size = rng.uniform(0, 1, (4000, 2)), rng.uniform(0.02, 0.3, (4000, 2))
    return {"maps": rng.normal(size=(8, 64, 64, 32)).astype(np.float32),
            "rois": np.sort(rng.uniform(0, 1, (128, 2, 2)), axis=1).reshape(128, 4)[:, [0, 2, 1, 3]].astype(np.float32),
            "roi_ind": rng.integers(0, 8, 128).astype(np.int32),
            "boxes": np.concatenate([centre - size / 2, centre + size / 2], 1).astype(np.float32),
            "scores": rng.uniform(0, 1, 4000).astype(np.float32),
            "small": rng.normal(size=(8, 32, 32, 16)).astype(np.float32),
            "img1": rng.uniform(0, 1, (8, 64, 64, 3)).astype(np.float32),
            "img2": rng.uniform(0, 1, (8, 64, 64, 3)).astype(np.float32)}


def make_steps(tf, d):
    """name -> (step function of no arguments)."""
    g = tf.Graph()
    steps = {}
    with g.as_default():
        maps = tf.placeholder(tf.float32, d["maps"].shape)
        rois = tf.placeholder(tf.float32, d["rois"].shape)
        crops = tf.image.crop_and_resize(maps, rois, d["roi_ind"], [14, 14])
        loss = tf.reduce_sum(crops * crops)
        roi = [loss] + tf.gradients(loss, [maps, rois])
        boxes, scores = tf.placeholder(tf.float32, [None, 4]), tf.placeholder(tf.float32, [None])
        nms = tf.image.non_max_suppression(boxes, scores, 300, 0.7)
        small = tf.placeholder(tf.float32, d["small"].shape)
        p = tf.extract_image_patches(small, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME")
        patches = tf.gradients(tf.reduce_sum(p * p), small)
        a, b = tf.placeholder(tf.float32, d["img1"].shape), tf.placeholder(tf.float32, d["img2"].shape)
        ssim_loss = 1.0 - tf.reduce_mean(tf.image.ssim(a, b, 1.0))
        ssim = [ssim_loss] + tf.gradients(ssim_loss, a)
    s = tf.Session(graph=g)
    for name, fetch, feeds, values in (("roi", roi, [maps, rois], [d["maps"], d["rois"]]),
                                       ("nms", nms, [boxes, scores], [d["boxes"], d["scores"]]),
                                       ("patches", patches, [small], [d["small"]]),
                                       ("ssim", ssim, [a, b], [d["img1"], d["img2"]])):
        f = s.make_callable(fetch, feeds)
        steps[name] = (lambda f=f, values=values: f(*values))
    return steps


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    a = p.parse_args(argv)
    d = _data()
    import graphgrad

    peers = {"graphgrad": make_steps(graphgrad, d)}
    try:
        import tensorflow.compat.v1 as tf1

        tf1.disable_v2_behavior()
        peers["TF compat.v1"] = make_steps(tf1, d)
    except ImportError:
        print("TensorFlow not installed: graphgrad only")
    calls = {(peer, w): step for peer, steps in peers.items() for w, step in steps.items()}
    print_table(alternate(calls, a.rounds), "workload")


if __name__ == "__main__":
    main()
