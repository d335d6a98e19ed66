"""HSV colour space: `RGBToHSV` and `HSVToRGB`, TF's kernels (hue in [0, 1), a sixth per sector; saturation
range/max, 0 where max is 0; value max) on the last dimension of size 3.

RGBToHSV carries TF's gradient: the derivative of each piece of the piecewise formula, with TF's masks for which
channel is the maximum (red, then green, then blue wins a tie) and the minimum (blue, then green, then red), and
reciprocals that are 0 where they would divide by 0 (so flat pixels get 0, not NaN). HSVToRGB has no gradient in
TF (NotDifferentiable): neither here.
"""
from __future__ import annotations

from ..framework.op_def import OpDef, not_differentiable, require, static_shape
from . import array_ops
from .arithmetic_ops import add, div_no_nan, multiply, subtract
from .cast_ops import cast
from .comparison_ops import greater, greater_equal, less, less_equal, logical_and
from .core import apply_op, convert_to_tensor
from .unary_ops import square


def _infer_rgb(op):
    x = op.inputs[0]
    require(op, x, floating=True)
    s = static_shape(x)
    if s is not None and (len(s) < 1 or s[-1] not in (None, 3)):
        raise ValueError(f"Dimension must be 3 but is {s[-1] if s else 0} for '{op.name}' (op: '{op.type}') "
                         f"with input shapes: {x.shape}.")
    return [(s, x.dtype.base_dtype)]


class RGBToHSV(OpDef):
    type = "RGBToHSV"
    infer = _infer_rgb

    def kernel(op, ctx):
        xp = ctx.xp

        def rgb_to_hsv(x):
            r, g, b = x[..., 0], x[..., 1], x[..., 2]
            v = xp.maximum(xp.maximum(r, g), b)
            span = v - xp.minimum(xp.minimum(r, g), b)
            s = xp.where(v > 0, span / xp.where(v > 0, v, 1), 0)
            norm = 1 / (6 * xp.where(span > 0, span, 1))
            h = xp.where(r == v, norm * (g - b), xp.where(g == v, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6))
            h = xp.where(span > 0, h, 0)
            h = xp.where(h < 0, h + 1, h)
            return xp.stack([h, s, v], -1).astype(x.dtype, copy=False)
        return rgb_to_hsv

    def gradient(op, grad):
        x, hsv = op.inputs[0], op.outputs[0]
        dt = x.dtype.base_dtype
        c = [x[..., i] for i in range(3)]
        sat, val = hsv[..., 1], hsv[..., 2]

        def mask(cond):
            return cast(cond, dt)

        def both(f, i, j, k):
            return logical_and(f(c[i], c[j]), f(c[i], c[k]))

        r, g, b = c
        big = [mask(both(greater_equal, 0, 2, 1)), mask(logical_and(greater(g, r), greater_equal(g, b))),
               mask(both(greater, 2, 0, 1))]
        small = [mask(both(less, 0, 2, 1)), mask(logical_and(less_equal(g, r), less(g, b))),
                 mask(both(less_equal, 2, 0, 1))]
        pos = [mask(greater(ch, 0)) for ch in c]

        def inv(t):
            return div_no_nan(cast(1.0, dt), t)

        terms = []
        for i in range(3):
            n, p = (i + 1) % 3, (i + 2) % 3          # the next and previous channels, cyclically (r -> g -> b)
            others_min = add(multiply(small[n], c[n]), multiply(small[p], c[p]))
            others_max = add(multiply(big[n], c[n]), multiply(big[p], c[p]))
            ds = multiply(pos[i], subtract(multiply(multiply(big[i], others_min), inv(square(c[i]))),
                                           multiply(small[i], inv(others_max))))
            dh = [multiply(multiply(multiply(pos[i], big[i]), subtract(c[p], c[n])),
                           multiply(inv(square(sat)), inv(square(val)))),
                  multiply(multiply(multiply(pos[n], big[n]), small[i]),
                           multiply(subtract(c[p], c[n]), inv(square(subtract(c[i], c[n]))))),
                  multiply(multiply(pos[n], big[n]), multiply(small[p], inv(subtract(c[p], c[n])))),
                  multiply(multiply(multiply(pos[p], big[p]), small[i]),
                           multiply(subtract(c[p], c[n]), inv(square(subtract(c[p], c[i]))))),
                  multiply(multiply(pos[p], big[p]), multiply(small[n], inv(subtract(c[p], c[n]))))]
            dh = multiply(add(add(add(add(dh[0], dh[1]), dh[2]), dh[3]), dh[4]), 1 / 6)
            terms.append(add(add(multiply(grad[..., 2], big[i]), multiply(grad[..., 1], ds)),
                             multiply(grad[..., 0], dh)))
        return [array_ops.stack(terms, axis=-1)]


class HSVToRGB(OpDef):
    type = "HSVToRGB"
    infer = _infer_rgb
    gradient = not_differentiable

    def kernel(op, ctx):
        xp = ctx.xp

        def hsv_to_rgb(x):
            h, s, v = x[..., 0], x[..., 1], x[..., 2]
            dh = h * 6
            dr = xp.clip(xp.abs(dh - 3) - 1, 0, 1)
            dg = xp.clip(2 - xp.abs(dh - 2), 0, 1)
            db = xp.clip(2 - xp.abs(dh - 4), 0, 1)
            one_minus_s = 1 - s
            rgb = [(one_minus_s + s * d) * v for d in (dr, dg, db)]
            return xp.stack(rgb, -1).astype(x.dtype, copy=False)
        return hsv_to_rgb


def rgb_to_hsv(images, name=None):
    """[..., 3] RGB floats in [0, 1] -> hue, saturation, value, each in [0, 1]."""
    return apply_op(RGBToHSV, [convert_to_tensor(images, name="images")], None, name or "RGBToHSV")


def hsv_to_rgb(images, name=None):
    """[..., 3] hue, saturation, value in [0, 1] -> RGB."""
    return apply_op(HSVToRGB, [convert_to_tensor(images, name="images")], None, name or "HSVToRGB")
