"""tf.image additions beyond what the conformance programs replay (image_combined_nms, image_resize_bicubic_area,
image_jpeg_helpers): libstdc++'s orders, combined NMS's checks, resize_image_with_pad's limits, JPEG helpers on
fed data."""
import random

import numpy as np
import pytest

import graphgrad as tf
from graphgrad.ops.stl_order import HeapQueue, std_sort


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


@pytest.mark.parametrize("n", [0, 1, 5, 16, 17, 40, 300])
def test_stl_orders_sort_and_pop_best_first(n):
    rnd = random.Random(n)
    keys = [rnd.randint(0, 9) for _ in range(n)]
    items = list(enumerate(keys))
    std_sort(items, lambda a, b: a[1] > b[1])
    assert [k for _, k in items] == sorted(keys, reverse=True) and sorted(items) == list(enumerate(keys))
    queue = HeapQueue(lambda a, b: a[1] < b[1])
    for item in enumerate(keys):
        queue.push(item)
    assert [queue.pop()[1] for _ in range(n)] == sorted(keys, reverse=True) and len(queue) == 0


def test_combined_nms_checks_and_per_class_boxes():
    boxes = np.array([[[[0, 0, 1, 1], [0, 0, 0.5, 0.5]], [[0, 0, 0.9, 1], [0.5, 0.5, 1, 1]]]], np.float32)
    scores = np.array([[[0.9, 0.8], [0.7, 0.6]]], np.float32)
    out = tf.image.combined_non_max_suppression(boxes, scores, 2, 4, iou_threshold=0.5)
    with tf.Session() as s:
        b, sc, cl, n = s.run(out)
    # class 0: box 1 overlaps box 0 (IoU 0.9) and goes; class 1 uses its own boxes, which do not overlap
    assert n.tolist() == [3] and np.allclose(sc, [[0.9, 0.8, 0.6, 0.0]]) and cl.tolist() == [[0, 1, 1, 0]]
    assert b[0, 2].tolist() == [0.5, 0.5, 1, 1]
    bad = tf.image.combined_non_max_suppression(np.zeros((1, 2, 3, 4), np.float32), scores, 2, 4)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="either 1 or num classes"):
        s.run(bad)


def test_resize_image_with_pad_needs_known_sizes():
    with pytest.raises(ValueError, match="must be known"):
        tf.image.resize_image_with_pad(tf.placeholder(tf.float32, [None, None, 3]), 4, 4)
    with pytest.raises(ValueError, match="target_width must be > 0"):
        tf.image.resize_image_with_pad(np.zeros((2, 2, 1), np.float32), 4, 0)
    tall = tf.image.resize_image_with_pad(np.ones((4, 2, 1), np.float32), 4, 4)
    with tf.Session() as s:
        assert s.run(tall)[..., 0].tolist() == [[0, 1, 1, 0]] * 4


def test_jpeg_helpers_on_fed_files():
    pytest.importorskip("PIL")
    data = tf.placeholder(tf.string, [])
    shape = tf.io.extract_jpeg_shape(data, tf.int64)
    quality = tf.placeholder(tf.int32, [])
    img = (np.arange(16 * 16 * 3) % 200).astype(np.uint8).reshape(16, 16, 3)
    worse = tf.image.adjust_jpeg_quality(img, quality)
    with tf.Session() as s:
        jpeg = s.run(tf.image.encode_jpeg(img))
        assert s.run(shape, {data: jpeg}).tolist() == [16, 16, 3]
        low, high = (s.run(worse, {quality: q}).astype(int) for q in (5, 100))
    assert np.abs(high - img).mean() < np.abs(low - img).mean()

