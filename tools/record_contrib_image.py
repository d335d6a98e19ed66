"""Record what TensorFlow computes for `tf.contrib.image`, for tests/test_contrib_image.py.

TensorFlow 2.x has no `tf.contrib`, but its kernel is still there: `tf.raw_ops.ImageProjectiveTransformV2` with
its registered gradient. contrib's Python helpers (rotation and translation transforms, dense_image_warp's
bilinear interpolation, the polyharmonic spline) were compositions of ordinary ops; they are written out below
with TF 2's ops, the same arithmetic in the same order, so that TF's autodiff gives the reference gradients.
Connected components come from SciPy's `ndimage.label` (TF's documented equivalent), one non-zero value at a
time, numbered by each component's first pixel in row-major order over the batch.

    /work/bench-venv/bin/python tools/record_contrib_image.py      # tensorflow-cpu 2.21, SciPy

writes tests/data/contrib_image.npz (inputs and outputs, keyed by case).
"""
from __future__ import annotations

import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "contrib_image.npz")


def rotation_transforms(tf, angles, height, width):
    """contrib's angles_to_projective_transforms: [n, 8] rotations about the image centre, in float32."""
    a = tf.reshape(tf.constant(angles, tf.float32), [-1])
    h, w = tf.constant(float(height)), tf.constant(float(width))
    c, s = tf.cos(a), tf.sin(a)
    dx = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2.0
    dy = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2.0
    return tf.stack([c, -s, dx, s, c, dy, tf.zeros_like(a), tf.zeros_like(a)], axis=1)


def translation_transforms(tf, translations):
    t = tf.reshape(tf.constant(translations, tf.float32), [-1, 2])
    one, zero = tf.ones_like(t[:, 0]), tf.zeros_like(t[:, 0])
    return tf.stack([one, zero, -t[:, 0], zero, one, -t[:, 1], zero, zero], axis=1)


def warp_reference(tf, image, flow):
    """dense_image_warp: bilinear reads at (row - flow0, col - flow1); floor clamped to [0, size - 2], fraction
    to [0, 1] (maximum first, then minimum, as contrib does: their tie rules decide the gradient)."""
    _, h, w, c = image.shape
    rows, cols = tf.meshgrid(tf.range(h), tf.range(w), indexing="ij")
    at = tf.cast(tf.stack([rows, cols], axis=2), flow.dtype)[None] - flow
    corners, fractions = [], []
    for axis, size in ((0, h), (1, w)):
        q = at[..., axis]
        low = tf.minimum(tf.maximum(tf.constant(0.0, q.dtype), tf.floor(q)), tf.cast(size - 2, q.dtype))
        corners.append(tf.cast(low, tf.int32))
        frac = tf.minimum(tf.maximum(tf.constant(0.0, image.dtype), tf.cast(q - low, image.dtype)),
                          tf.constant(1.0, image.dtype))
        fractions.append(frac[..., None])
    y0, x0 = corners
    batch = tf.broadcast_to(tf.range(tf.shape(image)[0])[:, None, None], tf.shape(y0))

    def read(y, x):
        return tf.gather_nd(image, tf.stack([batch, y, x], axis=-1))

    fy, fx = fractions
    top = fx * (read(y0, x0 + 1) - read(y0, x0)) + read(y0, x0)
    bottom = fx * (read(y0 + 1, x0 + 1) - read(y0 + 1, x0)) + read(y0 + 1, x0)
    return fy * (bottom - top) + top


def phi(tf, r, order):
    eps = 1e-10
    if order == 1:
        return tf.sqrt(tf.maximum(r, eps))
    if order == 2:
        return 0.5 * r * tf.math.log(tf.maximum(r, eps))
    if order == 4:
        return 0.5 * tf.square(r) * tf.math.log(tf.maximum(r, eps))
    r = tf.maximum(r, eps)
    return 0.5 * tf.pow(r, 0.5 * order) * tf.math.log(r) if order % 2 == 0 else tf.pow(r, 0.5 * order)


def spline_reference(tf, centres, values, queries, order, weight):
    """Polyharmonic spline: [[phi(D) + weight I, B], [B^T, 0]] [w; v] = [f; 0], B = [centres, 1]."""
    c, f, q = (tf.constant(a) for a in (centres, values, queries))
    b, n, d = centres.shape
    k = values.shape[2]

    def sq_dist(x, y):
        return (tf.reduce_sum(x * x, 2)[:, :, None] - 2 * tf.matmul(x, y, transpose_b=True)
                + tf.reduce_sum(y * y, 2)[:, None, :])

    a = phi(tf, sq_dist(c, c), order)
    if weight > 0:
        a += weight * tf.eye(n, dtype=c.dtype)[None]
    bmat = tf.concat([c, tf.ones_like(c[..., :1])], 2)
    lhs = tf.concat([tf.concat([a, tf.transpose(bmat, [0, 2, 1])], 1),
                     tf.concat([bmat, tf.zeros([b, d + 1, d + 1], c.dtype)], 1)], 2)
    wv = tf.linalg.solve(lhs, tf.concat([f, tf.zeros([b, d + 1, k], c.dtype)], 1))
    w, v = wv[:, :n], wv[:, n:]
    return tf.matmul(phi(tf, sq_dist(q, c), order), w) + tf.matmul(tf.concat([q, tf.ones_like(q[..., :1])], 2), v)


def components_reference(images):
    from scipy import ndimage

    firsts, labels = [], np.zeros(images.shape, np.int64)
    for i, image in enumerate(images):
        for value in np.unique(image[image != 0]):
            lab, n = ndimage.label(image == value)
            for j in range(1, n + 1):
                where = np.flatnonzero(lab == j)
                firsts.append((i * image.size + where[0], i, lab == j))
    for new_id, (_, i, mask) in enumerate(sorted(firsts, key=lambda t: t[0]), start=1):
        labels[i][mask] = new_id
    return labels


def main():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    rec = {}
    op = tf.raw_ops.ImageProjectiveTransformV2

    def transform(images, transforms, size, interpolation, fill_mode="CONSTANT"):
        return op(images=images, transforms=tf.constant(transforms, tf.float32), output_shape=size,
                  interpolation=interpolation, fill_mode=fill_mode).numpy()

    images = rng.uniform(-1, 1, (2, 5, 6, 2)).astype(np.float32)
    transforms = np.array([[0.9, 0.2, 0.5, -0.1, 1.1, -0.7, 0.01, -0.02],
                           [1.2, -0.3, -1.0, 0.25, 0.8, 2.0, 0.0, 0.0]], np.float32)
    rec["transform/images"], rec["transform/transforms"] = images, transforms
    for interpolation in ("NEAREST", "BILINEAR"):
        for fill in ("CONSTANT", "REFLECT", "WRAP", "NEAREST"):
            rec[f"transform/{interpolation}/{fill}"] = transform(images, transforms, [4, 7], interpolation, fill)
        # far outside the image, and one transform for the whole batch
        far = np.array([[2.5, 0.3, -9.0, -0.4, 3.0, 7.5, 0.0, 0.0]], np.float32)
        rec["transform/far"] = far
        for fill in ("REFLECT", "WRAP"):
            rec[f"transform/far/{interpolation}/{fill}"] = transform(images, far, [6, 9], interpolation, fill)

    # every image dtype, BILINEAR rounding into it
    for name in ("uint8", "int32", "int64", "float16", "float64"):
        x = rng.uniform(0, 200, (1, 4, 5, 1)).astype(name)
        rec[f"dtype/{name}/images"] = x
        for interpolation in ("NEAREST", "BILINEAR"):
            rec[f"dtype/{name}/{interpolation}"] = transform(x, transforms[:1], [4, 5], interpolation)

    # rotations: one angle for a [h, w, c] image, one angle per image of a batch
    one = rng.uniform(0, 1, (7, 6, 3)).astype(np.float32)
    batch = rng.uniform(0, 1, (3, 5, 5, 1)).astype(np.float32)
    angles = np.array([0.3, -1.2, 2.5], np.float32)
    rec["rotate/one"], rec["rotate/batch"], rec["rotate/angles"] = one, batch, angles
    for interpolation in ("NEAREST", "BILINEAR"):
        t = rotation_transforms(tf, 0.7, 7, 6)
        rec[f"rotate/one/{interpolation}"] = transform(one[None], t, [7, 6], interpolation)[0]
        t = rotation_transforms(tf, angles, 5, 5)
        rec[f"rotate/batch/{interpolation}"] = transform(batch, t, [5, 5], interpolation)
    rec["rotate/transforms"] = rotation_transforms(tf, angles, 5, 5).numpy()

    translations = np.array([[1.5, -0.5], [2.0, 1.0], [-0.25, 3.0]], np.float32)
    rec["translate/translations"] = translations
    for interpolation in ("NEAREST", "BILINEAR"):
        t = translation_transforms(tf, translations)
        rec[f"translate/{interpolation}"] = transform(batch, t, [5, 5], interpolation)

    # TF's image gradient (the inverse transform) of sum(weights * output)
    x = tf.constant(batch)
    weights = rng.normal(size=(3, 4, 6, 1)).astype(np.float32)
    rec["grad/weights"] = weights
    t = rotation_transforms(tf, angles, 5, 5)
    for interpolation in ("NEAREST", "BILINEAR"):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(images=x, transforms=t, output_shape=[4, 6], interpolation=interpolation, fill_mode="CONSTANT")
            loss = tf.reduce_sum(y * weights)
        rec[f"grad/{interpolation}"] = tape.gradient(loss, x).numpy()

    # dense_image_warp: values and gradients with respect to the image and the flow
    image = rng.uniform(0, 1, (2, 4, 5, 3)).astype(np.float32)
    flows = {"random": rng.uniform(-2.5, 2.5, (2, 4, 5, 2)).astype(np.float32),
             "whole": rng.integers(-1, 2, (2, 4, 5, 2)).astype(np.float32)}
    weights = rng.normal(size=(2, 4, 5, 3)).astype(np.float32)
    rec["warp/image"], rec["warp/weights"] = image, weights
    for name, flow in flows.items():
        x, f = tf.constant(image), tf.constant(flow)
        with tf.GradientTape() as tape:
            tape.watch([x, f])
            y = warp_reference(tf, x, f)
            loss = tf.reduce_sum(y * weights)
        gx, gf = tape.gradient(loss, [x, f])
        rec[f"warp/{name}/flow"], rec[f"warp/{name}/out"] = flow, y.numpy()
        rec[f"warp/{name}/grad_image"], rec[f"warp/{name}/grad_flow"] = gx.numpy(), gf.numpy()

    # polyharmonic splines, and the sparse warp they drive
    centres = rng.uniform(0, 4, (2, 6, 2))
    values = rng.normal(size=(2, 6, 3))
    queries = rng.uniform(-1, 5, (2, 5, 2))
    rec["spline/centres"], rec["spline/values"], rec["spline/queries"] = centres, values, queries
    for order in (1, 2, 3, 4):
        for weight in (0.0, 0.01):
            rec[f"spline/{order}/{weight}"] = spline_reference(tf, centres, values, queries, order, weight).numpy()

    # sparse_image_warp: the control points' motion, with the edges pinned (num_boundary_points=2: the corners
    # and each edge's middle), interpolated by a thin-plate spline into a dense flow that warps the image
    image = rng.uniform(0, 1, (1, 6, 7, 2)).astype(np.float32)
    source = np.array([[[2.0, 2.0], [3.0, 4.0]]], np.float32)
    dest = np.array([[[2.5, 2.25], [3.0, 3.5]]], np.float32)
    ys, xs = np.meshgrid(np.linspace(0, 5, 3), np.linspace(0, 6, 3), indexing="ij")
    edge = (xs == 0) | (xs == 6) | (ys == 0) | (ys == 5)
    boundary = np.stack([ys[edge], xs[edge]], -1)[None].astype(np.float32)
    centres = np.concatenate([dest, boundary], 1)
    motion = np.concatenate([dest - source, np.zeros_like(boundary)], 1)
    grid = np.stack(np.meshgrid(np.arange(6.0), np.arange(7.0), indexing="ij"), -1).reshape(1, -1, 2)
    flow = tf.reshape(spline_reference(tf, centres, motion, grid.astype(np.float32), 2, 0.0), [1, 6, 7, 2])
    rec["sparse/image"], rec["sparse/source"], rec["sparse/dest"] = image, source, dest
    rec["sparse/flow"], rec["sparse/out"] = flow.numpy(), warp_reference(tf, tf.constant(image), flow).numpy()

    # connected components: several values, touching regions of different values, a batch
    cc = rng.integers(0, 3, (2, 6, 7))
    cc[1, 2:5, 1:6] = 5
    rec["components/images"], rec["components/labels"] = cc, components_reference(cc)

    np.savez_compressed(OUT, **rec)
    print(f"wrote {len(rec)} arrays to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
