"""Image measures and derivative filters, built from graph ops as TF builds them (so they are differentiable, e.g.
as losses): `total_variation`, `psnr`, `ssim`, `ssim_multiscale`, `image_gradients` (forward differences) and
`sobel_edges` (3x3 Sobel filters on a reflect-padded image). The spatial sizes must be known while building; leading
(batch) dimensions may be unknown.

SSIM is TF's: an 11x11 Gaussian window (sigma 1.5) applied VALID per channel (TF: a depthwise convolution; here
the window's two 1-D factors, as weighted shifted slices: the same sums up to rounding, about 20x faster), then
averaged over the height, width and channels; integer images are converted to float32 in [0, 1] and `max_val` with them.
MS-SSIM halves the image four times (2x2 average pooling, symmetric padding of odd sizes first) and multiplies the
relu'd contrast-structure terms of the finer scales, raised to `power_factors`, with the coarsest SSIM.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.op_def import static_shape
from ..ops import array_ops, math_ops
from ..ops.activation_ops import relu
from ..ops.conv_ops import depthwise_conv2d
from ..ops.core import constant, convert_to_tensor
from ..ops.image_codec_ops import convert_image_dtype
from ..ops.pooling_ops import avg_pool

__all__ = ["total_variation", "psnr", "ssim", "ssim_multiscale", "image_gradients", "sobel_edges"]

_MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def total_variation(images, name=None):
    """Sum of absolute differences of neighbouring pixels, vertically and horizontally: a scalar for one image
    [h, w, c], one value per image for a batch."""
    with name_scope(name, "total_variation"):
        x = convert_to_tensor(images, name="images")
        s = static_shape(x)
        if s is None or len(s) not in (3, 4):
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        h = len(s) - 3
        axis = None if h == 0 else [1, 2, 3]
        return math_ops.add(math_ops.reduce_sum(math_ops.abs(_diff(x, h)), axis=axis),
                            math_ops.reduce_sum(math_ops.abs(_diff(x, h + 1)), axis=axis))


def _diff(x, axis):
    """x[1:] - x[:-1] along `axis`."""
    n = len(static_shape(x))
    begin, size = [0] * n, [-1] * n
    begin[axis] = 1
    later = array_ops.slice(x, begin, size)
    begin[axis], size[axis] = 0, -1 if static_shape(x)[axis] is None else static_shape(x)[axis] - 1
    if size[axis] == -1:
        size[axis] = math_ops.subtract(array_ops.shape(x)[axis], 1)
        size = array_ops.stack(size)
    return math_ops.subtract(later, array_ops.slice(x, begin, size))


def _check_compatible(img1, img2):
    """TF's static check: ranks of at least 3, equal last three dimensions, leading ones that broadcast."""
    s1, s2 = static_shape(img1), static_shape(img2)
    for t, s in ((img1, s1), (img2, s2)):
        if s is not None and len(s) < 3:
            raise ValueError(f"Shape {t.shape} must have rank at least 3")
    if s1 is None or s2 is None:
        return
    for a, b in zip(s1[-3:], s2[-3:]):
        if a is not None and b is not None and a != b:
            raise ValueError(f"Shapes {img1.shape[-3:]} and {img2.shape[-3:]} are incompatible")
    for a, b in zip(reversed(s1[:-3]), reversed(s2[:-3])):
        if not (a == 1 or b == 1 or a is None or b is None or a == b):
            raise ValueError(f"Two images are not compatible: {img1.shape} and {img2.shape}")


def _as_float(img1, img2, max_val, check=True):
    """Both images and max_val as float32 in the images' range convention (integers scaled to [0, 1])."""
    img1, img2 = convert_to_tensor(img1, name="img1"), convert_to_tensor(img2, name="img2")
    if check:
        _check_compatible(img1, img2)
    mv = convert_image_dtype(math_ops.cast(max_val, img1.dtype.base_dtype), dtypes.float32)
    return convert_image_dtype(img1, dtypes.float32), convert_image_dtype(img2, dtypes.float32), mv


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio in dB per image: 20·log10(max_val) - 10·log10(mean squared error)."""
    with name_scope(name, "PSNR", [a, b]):
        a, b, mv = _as_float(a, b, max_val, check=False)
        mse = math_ops.reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])   # TF's shape error first
        _check_compatible(a, b)
        return math_ops.subtract(math_ops.divide(math_ops.multiply(20.0, math_ops.log(mv)), math_ops.log(10.0)),
                                 math_ops.multiply(np.float32(10 / np.log(10)), math_ops.log(mse)), name="psnr")


def _gauss(size, sigma):
    """The 1-D factor of TF's _fspecial_gauss window: TF's size x size softmax of g[i] + g[j] (g the scaled squared
    distances to the centre) is the outer product of this normalized 1-D Gaussian with itself."""
    coords = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2.0)
    g = (np.square(coords) * np.float32(-0.5 / np.square(np.float32(sigma)))).astype(np.float64)
    e = np.exp(g - g.max())
    return (e / e.sum()).astype(np.float32)


def _blur(x, taps, axis):
    """VALID correlation of [n, h, w, c] `x` with 1-D `taps` along `axis` (1 or 2), as shifted slices: the
    window is separable, and 2·k slices beat a k x k depthwise convolution by far."""
    s = static_shape(x)
    n = s[axis] - len(taps) + 1
    acc = None
    for i, t in enumerate(taps):
        begin, size = [0, 0, 0, 0], [-1, -1, -1, -1]
        begin[axis], size[axis] = i, n
        part = math_ops.multiply(array_ops.slice(x, begin, size), t)
        acc = part if acc is None else math_ops.add(acc, part)
    return acc


def _ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2, index_map=False):
    """(ssim, contrast-structure) per channel: luminance · cs averaged over the window positions."""
    s = static_shape(img1)
    if s is None or any(d is None for d in s[-3:]):
        raise ValueError("ssim needs the images' height, width and channels known while building the graph")
    (h, w, c), head = s[-3:], list(s[:-3])
    if h < filter_size or w < filter_size:
        raise ValueError(f"the images ({h}x{w}) must be at least filter_size ({filter_size}) high and wide")
    taps = _gauss(filter_size, filter_sigma)

    def reducer(x):
        y = _blur(_blur(array_ops.reshape(x, [-1, h, w, c]), taps, 1), taps, 2)
        tail = [h - filter_size + 1, w - filter_size + 1, c]
        if all(d is not None for d in head):
            return array_ops.reshape(y, head + tail)
        return array_ops.reshape(y, array_ops.concat([array_ops.shape(x)[:-3], tail], 0))

    c1, c2 = math_ops.square(math_ops.multiply(k1, max_val)), math_ops.square(math_ops.multiply(k2, max_val))
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = math_ops.multiply(math_ops.multiply(mean0, mean1), 2.0)
    den0 = math_ops.add(math_ops.square(mean0), math_ops.square(mean1))
    luminance = math_ops.divide(math_ops.add(num0, c1), math_ops.add(den0, c1))
    num1 = math_ops.multiply(reducer(math_ops.multiply(img1, img2)), 2.0)
    den1 = reducer(math_ops.add(math_ops.square(img1), math_ops.square(img2)))
    cs = math_ops.divide(math_ops.add(math_ops.subtract(num1, num0), c2),
                         math_ops.add(math_ops.subtract(den1, den0), c2))
    if index_map:
        return math_ops.multiply(luminance, cs), cs
    axes = [-3, -2]
    return math_ops.reduce_mean(math_ops.multiply(luminance, cs), axes), math_ops.reduce_mean(cs, axes)


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, return_index_map=False):
    """Structural similarity per image (averaged over channels), or per window position with
    `return_index_map`."""
    with name_scope(None, "SSIM", [img1, img2]):
        img1, img2, mv = _as_float(img1, img2, max_val)
        per_channel, _ = _ssim_per_channel(img1, img2, mv, filter_size, filter_sigma, k1, k2, return_index_map)
        return math_ops.reduce_mean(per_channel, [-1])


def _halve(x):
    """2x2 average pooling of [..., h, w, c], odd sizes first padded symmetrically at the end (TF's MS-SSIM)."""
    s = static_shape(x)
    head, (h, w, c) = list(s[:-3]), s[-3:]
    flat = array_ops.reshape(x, [-1, h, w, c])
    if h % 2 or w % 2:
        flat = array_ops.pad(flat, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]], mode="SYMMETRIC")
    y = avg_pool(flat, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    tail = [(h + 1) // 2, (w + 1) // 2, c]
    if all(d is not None for d in head):
        return array_ops.reshape(y, head + tail)
    return array_ops.reshape(y, array_ops.concat([array_ops.shape(x)[:-3], tail], 0))


def ssim_multiscale(img1, img2, max_val, power_factors=_MSSSIM_WEIGHTS, filter_size=11, filter_sigma=1.5, k1=0.01,
                    k2=0.03):
    """Multi-scale SSIM per image, over len(power_factors) scales."""
    with name_scope(None, "MS-SSIM", [img1, img2]):
        imgs = _as_float(img1, img2, max_val)
        mv, imgs = imgs[2], list(imgs[:2])
        mcs = []
        for k in range(len(power_factors)):
            with name_scope(None, f"Scale{k}", imgs):
                if k > 0:
                    imgs = [_halve(x) for x in imgs]
                per_channel, cs = _ssim_per_channel(*imgs, mv, filter_size, filter_sigma, k1, k2)
                mcs.append(relu(cs))
        mcs.pop()
        stacked = array_ops.stack(mcs + [relu(per_channel)], axis=-1)
        factors = constant(np.asarray(power_factors, np.float32))
        return math_ops.reduce_mean(math_ops.reduce_prod(math_ops.pow(stacked, factors), [-1]), [-1])


def image_gradients(image):
    """(dy, dx) of a [batch, h, w, d] image: forward differences, zero in the last row (dy) or column (dx)."""
    x = convert_to_tensor(image)
    s = static_shape(x)
    if s is None or len(s) != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {x.shape}.")
    dy = array_ops.pad(_diff(x, 1), [[0, 0], [0, 1], [0, 0], [0, 0]])
    dx = array_ops.pad(_diff(x, 2), [[0, 0], [0, 0], [0, 1], [0, 0]])
    return dy, dx


def sobel_edges(image):
    """[batch, h, w, d] -> [batch, h, w, d, 2]: the vertical (dy) and horizontal (dx) 3x3 Sobel responses,
    the image reflect-padded by one pixel."""
    x = convert_to_tensor(image)
    s = static_shape(x)
    if s is None or len(s) != 4 or s[-1] is None:
        raise ValueError(f"sobel_edges expects a 4D tensor with known channels, not {x.shape}")
    kernels = np.array([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]])
    kernels = np.tile(np.transpose(kernels, (1, 2, 0))[:, :, None, :], [1, 1, s[-1], 1])
    padded = array_ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    out = depthwise_conv2d(padded, constant(kernels.astype(x.dtype.base_dtype.np), name="sobel_filters"),
                           [1, 1, 1, 1], "VALID")
    return array_ops.reshape(out, [-1 if d is None else d for d in s] + [2])
