"""`tf.contrib.image`'s flow-field warps, built as TF 1.15 builds them from graph ops, so that graphgrad's autodiff
gives TF's gradients (with respect to the image, the flow and the control points).

`dense_image_warp(image, flow)`: output[b, y, x] = image[b, y - flow[b, y, x, 0], x - flow[b, y, x, 1]], read by
bilinear interpolation between the four pixels around that point. The top-left pixel is clamped into
[0, size - 2] and the fraction into [0, 1], so points outside the image take the edge's values (and the flow gets
no gradient there, nor where the fraction is exactly 0: TF's tie rule for `maximum`).

`interpolate_spline`: a polyharmonic spline through n control points (phi(r) = r^(order/2), times log r for even
orders; order 2 is the thin-plate spline) plus a linear term, fitted by one linear solve. `sparse_image_warp`
interpolates the control points' motion into a dense flow with it and warps the image by `dense_image_warp`.
"""
from __future__ import annotations

import numpy as np

from ...framework import dtypes
from ...framework.graph import control_dependencies, name_scope
from ...framework.op_def import static_shape
from ...ops.arithmetic_ops import maximum, minimum, pow
from ...ops.array_ops import concat, expand_dims, gather, reshape, shape, stack, transpose, unstack, zeros
from ...ops.array_ops import range as _range
from ...ops.cast_ops import cast
from ...ops.check_ops import assert_greater_equal
from ...ops.confusion_ops import meshgrid
from ...ops.core import constant, convert_to_tensor, ones_like
from ...ops.matmul_ops import matmul
from ...ops.matrix_diag_ops import matrix_diag, matrix_diag_part
from ...ops.matrix_ops import matrix_solve
from ...ops.reduction_ops import reduce_sum
from ...ops.unary_ops import floor, log, sqrt, square
from ...python.framework.tensor_shape import dimension_value

EPSILON = 0.0000000001


def _dims(x):
    """x's dimensions: Python ints where the static shape knows them, scalar tensors elsewhere (so that the
    reshapes below keep what is known)."""
    known, dynamic = static_shape(x), shape(x)
    return [d if d is not None else dynamic[i] for i, d in enumerate(known)]


def _interpolate_bilinear(grid, query_points, indexing="ij"):
    """Values of `grid` [batch, h, w, c] at `query_points` [batch, n, 2] (row, column with 'ij'; x, y with
    'xy'), as [batch, n, c]: TF's `_interpolate_bilinear`, Matlab's interp2 with the edge values outside."""
    if indexing not in ("ij", "xy"):
        raise ValueError("Indexing mode must be 'ij' or 'xy'")
    with name_scope(None, "interpolate_bilinear"):
        grid = convert_to_tensor(grid)
        query_points = convert_to_tensor(query_points)
        s, q = static_shape(grid), static_shape(query_points)
        if s is None or len(s) != 4:
            raise ValueError(f"Grid must be 4 dimensional. Received size: {grid.shape}")
        if q is None or len(q) != 3 or q[2] != 2:
            raise ValueError(f"Query points must be [batch, N, 2], got {query_points.shape}")
        for d, what in ((s[1], "height"), (s[2], "width")):
            if d is not None and d < 2:
                raise ValueError(f"Grid {what} must be at least 2.")
        batch_size, height, width, channels = _dims(grid)
        query_type, grid_type = query_points.dtype.base_dtype, grid.dtype.base_dtype
        checks = [assert_greater_equal(d, 2, message=f"Grid {what} must be at least 2.")
                  for d, what in ((height, "height"), (width, "width")) if not isinstance(d, int)]
        with control_dependencies(checks):
            num_queries = q[1] if q[1] is not None else shape(query_points)[1]
        alphas, floors, ceils = [], [], []
        queries_by_dim = unstack(query_points, axis=2)
        for dim in ((0, 1) if indexing == "ij" else (1, 0)):
            queries = queries_by_dim[dim]
            # the floor stops at size - 2, so that floor + 1 is still a pixel; the fraction then passes 1 there
            max_floor = cast((height, width)[dim] - 2, query_type)
            low = minimum(maximum(constant(0.0, dtype=query_type), floor(queries)), max_floor)
            int_floor = cast(low, dtypes.int32)
            floors.append(int_floor)
            ceils.append(int_floor + 1)
            alpha = cast(queries - low, grid_type)
            alpha = minimum(maximum(constant(0.0, dtype=grid_type), alpha), constant(1.0, dtype=grid_type))
            alphas.append(expand_dims(alpha, 2))
        flattened_grid = reshape(grid, [batch_size * height * width, channels])
        batch_offsets = reshape(_range(batch_size) * height * width, [batch_size, 1])

        def corner(y, x):
            values = gather(flattened_grid, batch_offsets + y * width + x)
            return reshape(values, [batch_size, num_queries, channels])

        top_left, top_right = corner(floors[0], floors[1]), corner(floors[0], ceils[1])
        bottom_left, bottom_right = corner(ceils[0], floors[1]), corner(ceils[0], ceils[1])
        top = alphas[1] * (top_right - top_left) + top_left
        bottom = alphas[1] * (bottom_right - bottom_left) + bottom_left
        return alphas[0] * (bottom - top) + top


def dense_image_warp(image, flow, name="dense_image_warp"):
    """`image` [batch, h, w, c] (float) warped by `flow` [batch, h, w, 2]: each output pixel (y, x) reads the image
    at (y - flow[..., 0], x - flow[..., 1]) bilinearly, edge values outside. Differentiable in both."""
    with name_scope(name):
        image = convert_to_tensor(image, name="image")
        flow = convert_to_tensor(flow, name="flow")
        s = static_shape(image)
        if s is None or len(s) != 4:
            raise ValueError(f"image must be [batch, height, width, channels], got {image.shape}")
        batch_size, height, width, channels = _dims(image)
        grid_x, grid_y = meshgrid(_range(width), _range(height))
        grid = expand_dims(cast(stack([grid_y, grid_x], axis=2), flow.dtype.base_dtype), 0)
        query_points = reshape(grid - flow, [batch_size, height * width, 2])
        interpolated = _interpolate_bilinear(image, query_points)
        return reshape(interpolated, [batch_size, height, width, channels])


# --- polyharmonic splines -----------------------------------------------------------------------------------------

def _cross_squared_distance_matrix(x, y):
    """[b, n, m] squared distances between the rows of x [b, n, d] and y [b, m, d]."""
    x_norm = expand_dims(reduce_sum(square(x), 2), 2)
    y_norm = expand_dims(reduce_sum(square(y), 2), 1)
    return x_norm - 2 * matmul(x, y, adjoint_b=True) + y_norm


def _pairwise_squared_distance_matrix(x):
    """[b, n, n] squared distances between the rows of x [b, n, d]."""
    x_x = matmul(x, x, adjoint_b=True)
    norm = expand_dims(matrix_diag_part(x_x), 2)
    return norm - 2 * x_x + transpose(norm, [0, 2, 1])


def _phi(r, order):
    """The radial basis function of the squared distance r; EPSILON keeps log and sqrt (and their gradients)
    finite at r = 0."""
    with name_scope(None, "phi"):
        if order == 1:
            return sqrt(maximum(r, EPSILON))
        if order == 2:
            return 0.5 * r * log(maximum(r, EPSILON))
        if order == 4:
            return 0.5 * square(r) * log(maximum(r, EPSILON))
        r = maximum(r, EPSILON)
        if order % 2 == 0:
            return 0.5 * pow(r, 0.5 * order) * log(r)
        return pow(r, 0.5 * order)


def _solve_interpolation(train_points, train_values, order, regularization_weight):
    """The spline's weights: w [b, n, k] on the centres and v [b, d + 1, k] on the linear term (bias last), from
    [[A, B], [B^T, 0]] [w; v] = [f; 0] with A = phi(distances) (+ weight · I) and B = [points, 1]."""
    dims = shape(train_points)
    b, n = dims[0], dims[1]
    d, k = dimension_value(train_points.shape[-1]), dimension_value(train_values.shape[-1])
    if d is None:
        raise ValueError("The dimensionality of the input points (d) must be statically-inferrable.")
    if k is None:
        raise ValueError("The dimensionality of the output values (k) must be statically-inferrable.")
    c, f = train_points, train_values
    dtype = c.dtype.base_dtype
    with name_scope(None, "construct_linear_system"):
        matrix_a = _phi(_pairwise_squared_distance_matrix(c), order)
        if regularization_weight > 0:
            matrix_a += regularization_weight * matrix_diag(ones_like(matrix_a[:, :, 0]))   # [b, n, n] identities
        matrix_b = concat([c, ones_like(c[..., :1], dtype=dtype)], 2)
        left = concat([matrix_a, transpose(matrix_b, [0, 2, 1])], 1)
        right = concat([matrix_b, zeros(stack([b, d + 1, d + 1]), dtype)], 1)
        lhs = concat([left, right], 2)
        rhs = concat([f, zeros(stack([b, d + 1, k]), dtype)], 1)
    with name_scope(None, "solve_linear_system"):
        w_v = matrix_solve(lhs, rhs)
        return w_v[:, :n, :], w_v[:, n:, :]


def interpolate_spline(train_points, train_values, query_points, order, regularization_weight=0.0,
                       name="interpolate_spline"):
    """Values [b, m, k] at `query_points` [b, m, d] of the polyharmonic spline of `order` through
    (`train_points` [b, n, d], `train_values` [b, n, k]); d and k must be known while building."""
    with name_scope(name):
        train_points = convert_to_tensor(train_points)
        train_values = convert_to_tensor(train_values)
        query_points = convert_to_tensor(query_points)
        with name_scope(None, "solve"):
            w, v = _solve_interpolation(train_points, train_values, order, regularization_weight)
        with name_scope(None, "predict"):
            rbf_term = matmul(_phi(_cross_squared_distance_matrix(query_points, train_points), order), w)
            padded = concat([query_points, ones_like(query_points[..., :1], dtype=train_points.dtype.base_dtype)], 2)
            return rbf_term + matmul(padded, v)


def _grid_locations(height, width):
    """[h, w, 2] (row, column) of every pixel."""
    ys, xs = np.meshgrid(np.linspace(0, height - 1, height), np.linspace(0, width - 1, width), indexing="ij")
    return np.stack((ys, xs), -1)


def _boundary_locations(height, width, num_points_per_edge):
    """[p, 2] evenly spaced points along the image's edge, corners included."""
    ys, xs = np.meshgrid(np.linspace(0, height - 1, num_points_per_edge + 2),
                         np.linspace(0, width - 1, num_points_per_edge + 2), indexing="ij")
    on_edge = (xs == 0) | (xs == width - 1) | (ys == 0) | (ys == height - 1)
    return np.stack([ys[on_edge], xs[on_edge]], axis=-1)


def _tile(array, batch_size):
    return np.tile(array[None], [batch_size] + [1] * array.ndim)


def sparse_image_warp(image, source_control_point_locations, dest_control_point_locations, interpolation_order=2,
                      regularization_weight=0.0, num_boundary_points=0, name="sparse_image_warp"):
    """(warped image, dense flow [b, h, w, 2]): the image warped so that each source control point [b, n, 2] (row,
    column) moves to its destination, the motion in between interpolated by a spline; `num_boundary_points` > 0
    pins the edges (the 4 corners and num_boundary_points - 1 more points per edge) with zero motion. The image's
    batch, height and width must be known while building."""
    image = convert_to_tensor(image)
    source = convert_to_tensor(source_control_point_locations)
    dest = convert_to_tensor(dest_control_point_locations)
    flows = dest - source
    with name_scope(name):
        s = static_shape(image)
        if s is None or len(s) != 4 or None in s[:3]:
            raise ValueError(f"sparse_image_warp needs an image of known [batch, height, width, c], got {image.shape}")
        batch_size, height, width, _ = s
        grid = _tile(np.reshape(_grid_locations(height, width), [height * width, 2]), batch_size)
        grid = constant(grid, dtype=image.dtype.base_dtype)
        if num_boundary_points > 0:
            boundary = _boundary_locations(height, width, num_boundary_points - 1)
            dtype = dest.dtype.base_dtype
            dest = concat([dest, constant(_tile(boundary, batch_size), dtype=dtype)], 1)
            flows = concat([flows, constant(_tile(np.zeros_like(boundary), batch_size), dtype=dtype)], 1)
        flat_flows = interpolate_spline(dest, flows, grid, interpolation_order, regularization_weight)
        dense_flows = reshape(flat_flows, [batch_size, height, width, 2])
        return dense_image_warp(image, dense_flows), dense_flows
