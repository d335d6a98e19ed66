"""tf.image's box ops (crop_and_resize, non-maximum suppression, draw_bounding_boxes, sample_distorted_bounding_box,
extract_glimpse): gradients against finite differences and the properties their TF recordings do not pin down
(values under TF: the conformance programs image_crop_and_resize, image_box_selection, image_sample_distorted_box,
image_glimpse)."""
import numpy as np
import pytest

import graphgrad as tf

BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.55, 0.6, 0.12, 0.07], [-0.2, 0.1, 0.6, 1.3], [0.3, 0.3, 0.3, 0.7]],
                 np.float32)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_crop_and_resize_image_gradient_is_its_adjoint(method):
    """The crop is linear in the image (its output float32 whatever the image), so the image's gradient of
    sum(w * crop(x)) must satisfy <gradient, v> = <w, crop(v)> for every image v."""
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float64, (2, 5, 6, 2))
    w = rng.normal(size=(4, 3, 4, 2)).astype(np.float32)
    crop = tf.image.crop_and_resize(x, BOXES, [0, 1, 1, 0], [3, 4], method=method, extrapolation_value=0.0)
    grad = tf.gradients(tf.reduce_sum(crop * w), x)[0]
    with tf.Session() as s:
        g = s.run(grad, {x: np.zeros((2, 5, 6, 2))})
        for _ in range(4):
            v = rng.normal(size=(2, 5, 6, 2))
            np.testing.assert_allclose((g * v).sum(), (w * s.run(crop, {x: v})).sum(), rtol=1e-5)


def test_crop_and_resize_boxes_gradient_is_the_bilinear_slope():
    img = np.random.default_rng(1).uniform(0, 1, (2, 5, 6, 2)).astype(np.float32)
    boxes = np.array([[0.13, 0.21, 0.77, 0.88], [0.52, 0.63, 0.18, 0.09], [0.41, 0.12, 0.41, 0.74]], np.float32)
    w = np.random.default_rng(2).normal(size=(3, 3, 4, 2)).astype(np.float32)
    b = tf.placeholder(tf.float32, [3, 4])
    loss = tf.reduce_sum(tf.image.crop_and_resize(img, b, [0, 1, 0], [3, 4]) * w)
    grad = tf.gradients(loss, b)[0]
    eps = 1e-3
    with tf.Session() as s:
        sym = s.run(grad, {b: boxes})
        num = np.zeros_like(boxes)
        for idx in np.ndindex(boxes.shape):
            hi, lo = boxes.copy(), boxes.copy()
            hi[idx] += eps
            lo[idx] -= eps
            num[idx] = (s.run(loss, {b: hi}) - s.run(loss, {b: lo})) / (2 * eps)
    np.testing.assert_allclose(sym, num, rtol=2e-2, atol=2e-3)


def test_crop_and_resize_integer_image_has_no_image_gradient():
    img = tf.constant(np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4, 1))
    b = tf.constant(BOXES)
    gi, gb = tf.gradients(tf.reduce_sum(tf.image.crop_and_resize(img, b, [0, 1, 1, 0], [2, 2])), [img, b])
    assert gi is None and gb is not None


def _iou(a, b):
    lo, hi = np.maximum(np.minimum(a[:2], a[2:]), np.minimum(b[:2], b[2:])), np.minimum(
        np.maximum(a[:2], a[2:]), np.maximum(b[:2], b[2:]))
    inter = np.prod(np.maximum(hi - lo, 0))
    area = [np.prod(np.abs(v[2:] - v[:2])) for v in (a, b)]
    return inter / (area[0] + area[1] - inter)


def test_non_max_suppression_keeps_no_overlapping_pair_and_is_greedy_by_score():
    rng = np.random.default_rng(3)
    centre, size = rng.uniform(0, 1, (60, 2)), rng.uniform(0.05, 0.4, (60, 2))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], 1).astype(np.float32)
    scores = rng.uniform(0, 1, 60).astype(np.float32)
    with tf.Session() as s:
        kept = s.run(tf.image.non_max_suppression(boxes, scores, 100, 0.3, 0.2))
    assert list(kept) == sorted(kept, key=lambda i: -scores[i]) and (scores[kept] > 0.2).all()
    assert all(_iou(boxes[i], boxes[j]) <= 0.3 for n, i in enumerate(kept) for j in kept[:n])
    dropped = [i for i in range(60) if i not in kept and scores[i] > 0.2]
    assert all(any(_iou(boxes[i], boxes[j]) > 0.3 for j in kept if scores[j] >= scores[i]) for i in dropped)


def test_soft_nms_decays_scores_and_padding_fills_zeros():
    boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 5, 1, 6]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    idx, sc = tf.image.non_max_suppression_with_scores(boxes, scores, 3, soft_nms_sigma=0.5)
    padded, valid = tf.image.non_max_suppression_padded(boxes, scores, 5, 0.5, pad_to_max_output_size=True)
    assert padded.shape.as_list() == [5]
    with tf.Session() as s:
        (i, v), (p, n) = s.run([(idx, sc), (padded, valid)])
    iou = _iou(boxes[0], boxes[1])
    np.testing.assert_allclose(v, [0.9, 0.7, 0.8 * np.exp(-iou ** 2 / (2 * 0.5))], rtol=1e-6)
    assert list(i) == [0, 2, 1] and list(p) == [0, 2, 0, 0, 0] and n == 2


def test_draw_bounding_boxes_outlines_and_skips():
    img = np.zeros((1, 5, 6, 3), np.float32)
    boxes = [[[0.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.2, 0.9]]]               # the second is inverted: not drawn
    with tf.Session() as s:
        out = s.run(tf.image.draw_bounding_boxes(img, boxes))[0]
    lit = out.any(axis=-1)
    assert lit[0].all() and lit[-1].all() and lit[:, 0].all() and lit[:, -1].all() and not lit[1:-1, 1:-1].any()
    np.testing.assert_array_equal(out[0, 0], [1, 1, 0])                  # TF's first colour: yellow


def test_sample_distorted_bounding_box_crops_cover_the_object():
    box = [[[0.25, 0.25, 0.75, 0.75]]]
    begin, size, bbox = tf.image.sample_distorted_bounding_box([40, 60, 3], box, seed=4, min_object_covered=0.5)
    crops = []
    with tf.Session() as s:
        for _ in range(20):
            b, z, bb = s.run([begin, size, bbox])
            (y, x, _), (h, w, _) = b, z
            assert 0 <= y and y + h <= 40 and 0 <= x and x + w <= 60 and h * w >= 10
            inter = max(0, min(y + h, 30) - max(y, 10)) * max(0, min(x + w, 45) - max(x, 15))
            assert inter / (20 * 30) >= 0.5
            np.testing.assert_allclose(bb.ravel(), [y / 40, x / 60, (y + h) / 40, (x + w) / 60], rtol=1e-6)
            crops.append((y, x, h, w))
    assert len(set(crops)) > 10


def test_unseeded_sample_distorted_bounding_box_differs_between_sessions():
    out = tf.image.sample_distorted_bounding_box([200, 200, 3], [[[0.0, 0.0, 1.0, 1.0]]], area_range=[0.05, 0.9])
    draws = set()
    for _ in range(4):
        with tf.Session() as s:
            draws.add(tuple(s.run(out[0])))
    assert len(draws) > 1


def test_extract_glimpse_noise_is_within_the_image_range():
    img = np.random.default_rng(5).uniform(2, 3, (2, 6, 6, 1)).astype(np.float32)
    g = tf.image.extract_glimpse(img, [4, 4], [[-1.0, -1.0], [0.0, 0.0]])
    gauss = tf.image.extract_glimpse(img, [4, 4], [[1.0, 1.0], [0.0, 0.0]], uniform_noise=False)
    with tf.Session() as s:
        out, normal = s.run([g, gauss])
    np.testing.assert_array_equal(out[0, 2:, 2:], img[0, :2, :2])        # the window's corner inside the image
    noise = out[0, :2].ravel()
    assert (noise >= img[0].min()).all() and (noise < img[0].max()).all() and len(set(noise)) > 1
    np.testing.assert_array_equal(out[1], img[1, 1:5, 1:5])
    # normal noise with the image's mean and standard deviation (0.29): within 6 of them but for a 2e-9 chance (a
    # bound of 1.0, 3.4 of them, failed about once in 2,000 runs)
    assert np.abs(normal[0, 3:, 3:] - img[0].mean()).max() < 6 * img[0].std()


def test_non_max_suppression_across_blocks_matches_plain_greedy():
    rng = np.random.default_rng(7)
    centre, size = rng.uniform(0, 1, (700, 2)), rng.uniform(0.05, 0.3, (700, 2))
    boxes = np.concatenate([centre - size / 2, centre + size / 2], 1).astype(np.float32)
    scores = rng.uniform(0, 1, 700).astype(np.float32)
    want = []
    for i in np.argsort(-scores, kind="stable"):                       # the textbook loop, box by box
        if len(want) < 150 and all(_iou(boxes[i], boxes[j]) <= 0.3 for j in want):
            want.append(i)
    with tf.Session() as s:
        kept = s.run(tf.image.non_max_suppression(boxes, scores, 150, 0.3))
    assert list(kept) == want
