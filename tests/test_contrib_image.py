"""tf.contrib.image against TensorFlow's numbers (tests/data/contrib_image.npz, from tools/record_contrib_image.py:
TF 2.21's ImageProjectiveTransformV2 kernel and gradient, contrib's warps and splines written with TF ops, SciPy's
labelling for connected components), gradients against finite differences, shapes, dtypes and errors."""
import pathlib

import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

REF = np.load(pathlib.Path(__file__).parent / "data" / "contrib_image.npz")
ci = tf.contrib.image


def run(*tensors, feed=None):
    with tf.Session() as s:
        out = s.run(list(tensors), feed)
    return out[0] if len(out) == 1 else out


@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
@pytest.mark.parametrize("fill_mode", ["CONSTANT", "REFLECT", "WRAP", "NEAREST"])
def test_projective_transform_equals_tf_in_every_fill_mode(interpolation, fill_mode):
    from graphgrad.contrib.image.ops import image_projective_transform_v2

    images, transforms = REF["transform/images"], REF["transform/transforms"]
    y = image_projective_transform_v2(tf.constant(images), tf.constant(transforms), tf.constant([4, 7]),
                                      interpolation, fill_mode)
    assert y.shape.as_list() == [2, 4, 7, 2]
    np.testing.assert_array_equal(run(y), REF[f"transform/{interpolation}/{fill_mode}"])      # bit for bit
    if fill_mode in ("REFLECT", "WRAP"):      # points many periods away, one transform for the batch
        far = image_projective_transform_v2(tf.constant(images), tf.constant(REF["transform/far"]),
                                            tf.constant([6, 9]), interpolation, fill_mode)
        np.testing.assert_array_equal(run(far), REF[f"transform/far/{interpolation}/{fill_mode}"])


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64", "float16", "float64"])
@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
def test_transform_keeps_the_image_dtype_as_tf(dtype, interpolation):
    """BILINEAR mixes in float32 and casts back as C++ does: integers truncated (127.5 -> 127 for uint8)."""
    x = REF[f"dtype/{dtype}/images"]
    y = ci.transform(x, REF["transform/transforms"][0], interpolation=interpolation)
    assert y.dtype == tf.as_dtype(dtype)
    out = run(y)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, REF[f"dtype/{dtype}/{interpolation}"])


@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
def test_rotate_equals_tf(interpolation):
    one = ci.rotate(REF["rotate/one"], 0.7, interpolation=interpolation)
    batch = ci.rotate(REF["rotate/batch"], REF["rotate/angles"], interpolation=interpolation)
    assert one.shape.as_list() == [7, 6, 3] and batch.shape.as_list() == [3, 5, 5, 1]
    got_one, got_batch = run(one, batch)
    np.testing.assert_allclose(got_one, REF[f"rotate/one/{interpolation}"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(got_batch, REF[f"rotate/batch/{interpolation}"], rtol=0, atol=1e-6)
    t = ci.angles_to_projective_transforms(REF["rotate/angles"], 5, 5)
    np.testing.assert_allclose(run(t), REF["rotate/transforms"], rtol=0, atol=1e-6)


def test_rotate_a_two_dimensional_uint8_image_by_a_quarter_turn():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4) + 1
    out = run(ci.rotate(img, np.pi / 2))
    assert out.dtype == np.uint8 and out.shape == (3, 4)
    # TF's numbers: counterclockwise about the centre (1, 1.5), what comes from outside is 0; float32's
    # cos(pi/2) = -4.4e-8 and the half-way points of a non-square image decide which pixel each output takes
    np.testing.assert_array_equal(out, [[0, 8, 12, 0], [0, 3, 10, 0], [0, 2, 6, 0]])


@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
def test_translate_equals_tf(interpolation):
    y = ci.translate(REF["rotate/batch"], REF["translate/translations"], interpolation=interpolation)
    np.testing.assert_allclose(run(y), REF[f"translate/{interpolation}"], rtol=0, atol=1e-6)
    whole = run(ci.translate(REF["rotate/batch"][0, :, :, 0], [1, 2]))
    np.testing.assert_array_equal(whole[2:, 1:], REF["rotate/batch"][0, :3, :4, 0])
    assert (whole[:2] == 0).all() and (whole[:, 0] == 0).all()


def test_output_shape_and_a_batch_of_transforms():
    x = tf.placeholder(tf.float32, [None, 5, 6, 2])
    y = ci.transform(x, REF["transform/transforms"], output_shape=[4, 7], interpolation="bilinear")
    assert y.shape.as_list() == [None, 4, 7, 2]
    np.testing.assert_allclose(run(y, feed={x: REF["transform/images"]}), REF["transform/BILINEAR/CONSTANT"],
                               rtol=0, atol=1e-6)
    size = tf.placeholder(tf.int32, [2])
    z = ci.transform(x, REF["transform/transforms"][1], output_shape=size)
    assert z.shape.as_list() == [None, None, None, 2]
    assert run(z, feed={x: REF["transform/images"], size: [3, 9]}).shape == (2, 3, 9, 2)


@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
def test_image_gradient_is_tfs_inverse_transform(interpolation):
    x = tf.constant(REF["rotate/batch"])
    t = ci.angles_to_projective_transforms(REF["rotate/angles"], 5, 5)
    y = ci.transform(x, t, interpolation=interpolation, output_shape=[4, 6])
    g, = tf.gradients(tf.reduce_sum(y * REF["grad/weights"]), x)
    assert g.shape.as_list() == [3, 5, 5, 1]
    np.testing.assert_allclose(run(g), REF[f"grad/{interpolation}"], rtol=1e-5, atol=1e-5)
    assert tf.gradients(tf.reduce_sum(y), t) == [None]


@pytest.mark.parametrize("interpolation", ["NEAREST", "BILINEAR"])
def test_translation_gradient_matches_finite_differences(interpolation):
    """For a translation TF's rule is the exact adjoint (a shift back), so the gradient is the derivative; with
    NEAREST only where no coordinate falls half-way (round half away from zero is not symmetric)."""
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=(2, 5, 6, 1))
    w = rng.normal(size=(2, 5, 6, 1))
    x = tf.placeholder(tf.float64, x0.shape)
    loss = tf.reduce_sum(ci.translate(x, [[1.25, -0.75], [-2.0, 1.7]], interpolation=interpolation) * w)
    g, = tf.gradients(loss, x)
    eps, num = 1e-3, np.zeros_like(x0)
    with tf.Session() as s:
        sym = s.run(g, {x: x0})
        for idx in np.ndindex(x0.shape):
            hi, lo = x0.copy(), x0.copy()
            hi[idx] += eps
            lo[idx] -= eps
            num[idx] = (s.run(loss, {x: hi}) - s.run(loss, {x: lo})) / (2 * eps)
    np.testing.assert_allclose(sym, num, rtol=1e-4, atol=1e-4)


def test_compose_and_the_matrix_helpers():
    rot = ci.angles_to_projective_transforms(0.4, 5, 5)
    shift = ci.translations_to_projective_transforms([1.0, 2.0])
    composed = ci.compose_transforms(rot, shift)
    m = ci.flat_transforms_to_matrices(composed)
    assert m.shape.as_list() == [1, 3, 3]
    r, s, c, mat = run(rot, shift, composed, m)
    expect = np.append(r[0], 1).reshape(3, 3) @ np.append(s[0], 1).reshape(3, 3)
    np.testing.assert_allclose(mat[0], expect / expect[2, 2], rtol=1e-6, atol=1e-6)
    back = run(ci.matrices_to_flat_transforms(2 * mat[0]))        # divided by the last entry
    np.testing.assert_allclose(back, c, rtol=1e-6, atol=1e-6)
    # composing then transforming is applying the two transforms' coordinate maps in order
    img = REF["rotate/batch"][:1]
    np.testing.assert_allclose(run(ci.transform(img, composed, "BILINEAR")),
                               run(ci.transform(img, c, "BILINEAR")), rtol=0, atol=0)


def test_errors_for_bad_ranks_and_dtypes():
    with pytest.raises(TypeError, match="Images should have rank between 2 and 4"):
        ci.rotate(np.zeros((1, 2, 3, 4, 1), np.float32), 0.1)
    with pytest.raises(TypeError, match="rank must be statically known"):
        ci.transform(tf.placeholder(tf.float32), [1, 0, 0, 0, 1, 0, 0, 0])
    with pytest.raises(TypeError, match="Invalid dtype"):
        ci.transform(np.zeros((3, 3), np.int16), [1, 0, 0, 0, 1, 0, 0, 0])
    with pytest.raises(TypeError, match="Transforms should have rank 1 or 2"):
        ci.transform(np.zeros((3, 3), np.float32), np.zeros((1, 1, 8)))
    with pytest.raises(TypeError, match="Angles should have rank 0 or 1"):
        ci.rotate(np.zeros((3, 3), np.float32), [[0.1]])
    with pytest.raises(TypeError, match="Translations should have rank 1 or 2"):
        ci.translate(np.zeros((3, 3), np.float32), 1.0)
    with pytest.raises(ValueError, match="output_shape must be a 1-D Tensor of 2 elements"):
        ci.transform(np.zeros((3, 3), np.float32), [1, 0, 0, 0, 1, 0, 0, 0], output_shape=[1, 2, 3])
    with pytest.raises(ValueError, match="interpolation must be one of"):
        ci.rotate(np.zeros((3, 3), np.float32), 0.1, interpolation="CUBIC")
    with pytest.raises(ValueError, match="Transforms should be 1D or 2D"):
        ci.flat_transforms_to_matrices(np.zeros((1, 1, 8), np.float32))
    with pytest.raises(ValueError, match="Matrices should be 2D or 3D"):
        ci.matrices_to_flat_transforms(np.zeros(9, np.float32))
    with pytest.raises(TypeError, match=r"images should have rank 2 \(HW\) or 3 \(NHW\)"):
        ci.connected_components(np.zeros(4))


def test_run_time_errors_are_tfs():
    x = tf.placeholder(tf.float32, [None, 3, 3, 1])
    y = ci.transform(x, np.zeros((2, 8), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input transform should be num_images x 8 or 1 x 8"):
        run(y, feed={x: np.zeros((3, 3, 3, 1))})
    size = tf.placeholder(tf.int32, [2])
    z = ci.transform(x, [1, 0, 0, 0, 1, 0, 0, 0], output_shape=size)
    with pytest.raises(tf.errors.InvalidArgumentError, match="output dimensions must be positive"):
        run(z, feed={x: np.zeros((1, 3, 3, 1)), size: [0, 2]})


@pytest.mark.parametrize("flow", ["random", "whole"])
def test_dense_image_warp_values_and_gradients_equal_tf(flow):
    image, f = tf.constant(REF["warp/image"]), tf.constant(REF[f"warp/{flow}/flow"])
    y = ci.dense_image_warp(image, f)
    assert y.shape.as_list() == [2, 4, 5, 3] and y.dtype == tf.float32
    gx, gf = tf.gradients(tf.reduce_sum(y * REF["warp/weights"]), [image, f])
    out, grad_image, grad_flow = run(y, gx, gf)
    np.testing.assert_allclose(out, REF[f"warp/{flow}/out"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grad_image, REF[f"warp/{flow}/grad_image"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_flow, REF[f"warp/{flow}/grad_flow"], rtol=1e-5, atol=1e-5)


def test_dense_image_warp_flow_gradient_matches_finite_differences():
    """Away from pixel boundaries (where TF's clamps decide) the flow's gradient is the bilinear slope."""
    rng = np.random.default_rng(5)
    img = rng.uniform(size=(1, 4, 5, 2))
    f0 = rng.uniform(0.1, 0.9, (1, 4, 5, 2)) * rng.choice([-1, 1], (1, 4, 5, 2))
    check_gradients(lambda f: ci.dense_image_warp(img, f), [f0], rtol=1e-5, atol=1e-7)


def test_dense_image_warp_needs_two_pixels_per_side():
    with pytest.raises(ValueError, match="Grid height must be at least 2"):
        ci.dense_image_warp(np.zeros((1, 1, 3, 1), np.float32), np.zeros((1, 1, 3, 2), np.float32))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("weight", [0.0, 0.01])
def test_interpolate_spline_equals_tf(order, weight):
    y = ci.interpolate_spline(REF["spline/centres"], REF["spline/values"], REF["spline/queries"], order, weight)
    assert y.shape.as_list() == [2, 5, 3]
    np.testing.assert_allclose(run(y), REF[f"spline/{order}/{weight}"], rtol=1e-7, atol=1e-8)


def test_spline_passes_through_its_centres():
    y = ci.interpolate_spline(REF["spline/centres"], REF["spline/values"], REF["spline/centres"], 2)
    np.testing.assert_allclose(run(y), REF["spline/values"], rtol=1e-6, atol=1e-8)


def test_sparse_image_warp_equals_tf():
    warped, flow = ci.sparse_image_warp(REF["sparse/image"], REF["sparse/source"], REF["sparse/dest"],
                                        num_boundary_points=2)
    assert warped.shape.as_list() == [1, 6, 7, 2] and flow.shape.as_list() == [1, 6, 7, 2]
    out, dense = run(warped, flow)
    np.testing.assert_allclose(dense, REF["sparse/flow"], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(out, REF["sparse/out"], rtol=1e-5, atol=2e-6)


def test_connected_components_numbered_as_tf():
    images = REF["components/images"]
    y = ci.connected_components(images)
    assert y.dtype == tf.int64 and y.shape.as_list() == list(images.shape)
    np.testing.assert_array_equal(run(y), REF["components/labels"])
    one = run(ci.connected_components(np.array([[True, False, True], [True, False, True], [False, True, True]])))
    np.testing.assert_array_equal(one, [[1, 0, 2], [1, 0, 2], [0, 2, 2]])
    snake = np.ones((5, 5), np.int32)
    snake[1, :4] = snake[3, 1:] = 0                            # one winding component
    assert set(np.unique(run(ci.connected_components(snake)))) == {0, 1}
    assert tf.gradients(tf.reduce_sum(tf.cast(y, tf.float32)), tf.constant(0.0)) == [None]
