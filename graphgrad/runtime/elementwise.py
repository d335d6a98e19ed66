"""Fused element-wise kernels: one pass over memory for an update that NumPy spells as several ufunc calls.

On the CPU an optimizer update is a dozen ufunc calls writing into scratch buffers (`out=`), which is as fast as
NumPy goes. On a GPU each of those calls is a kernel launch, so there the same update runs as one generated
kernel: CuPy's `ElementwiseKernel`, compiled from a body of statements.

The body is written in the common subset of C and Python: statements ending in `;` (a statement may span
lines), `name = expr;` or `name += expr;` (any of `+ - * /`), with `+ - * /`, parentheses, integer literals,
`sqrt(...)` and the kernel's parameter names. CUDA compiles it as it is; `emulate` runs it with any array
module (in place on the output arrays), which is how the fake GPU of the tests runs, and checks, the very text
CUDA compiles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_STATEMENT = re.compile(r"^([A-Za-z_]\w*) ?([-+*/]?=) ?(.+)$")
_ALLOWED = re.compile(r"^[\w\s+\-*/().]*$")
_FUNCTIONS = ("sqrt",)


@dataclass(frozen=True)
class Fused:
    """One fused kernel: `in_params` / `out_params` in CuPy's notation ("T grad, T lr"), `body` as above.
    Called as `kernel(*inputs, *outputs)`; outputs are updated in place (they may be read first)."""

    name: str
    in_params: str
    out_params: str
    body: str

    def names(self, params):
        return [p.split()[-1] for p in params.split(",")]

    def statements(self):
        """[(target, operator, expression)], checked to stay in the C/Python subset."""
        known = set(self.names(self.in_params) + self.names(self.out_params)) | set(_FUNCTIONS)
        out = []
        for text in self.body.split(";"):
            line = " ".join(text.split())  # a statement may span lines
            if not line:
                continue
            m = _STATEMENT.match(line)
            if m is None or not _ALLOWED.match(m.group(3)):
                raise ValueError(f"{self.name}: not in the C/Python subset: {line!r}")
            unknown = {w for w in re.findall(r"[A-Za-z_]\w*", m.group(3))} - known
            if unknown or m.group(1) not in self.names(self.out_params):
                raise ValueError(f"{self.name}: {line!r} uses {sorted(unknown) or m.group(1)!r}")
            out.append(m.groups())
        return out


def emulate(xp, kernel: Fused):
    """`kernel` run with array module `xp`: each statement evaluated in order with in-place assignment into
    the output arrays (NumPy semantics, so float32 stays float32)."""
    ins, outs = kernel.names(kernel.in_params), kernel.names(kernel.out_params)
    steps = [(target, op, compile(expr, f"<{kernel.name}>", "eval")) for target, op, expr in kernel.statements()]
    funcs = {f: getattr(xp, f) for f in _FUNCTIONS}
    ufunc = {"+=": xp.add, "-=": xp.subtract, "*=": xp.multiply, "/=": xp.divide}

    def run(*args):
        env = dict(zip(ins + outs, args), **funcs)
        for target, op, code in steps:
            value = eval(code, {"__builtins__": {}}, env)
            if op == "=":
                xp.copyto(env[target], value)
            else:
                ufunc[op](env[target], value, out=env[target])
        return args[len(ins):]
    return run


# --- the optimizers' updates (same operations in the same order as their NumPy kernels) -----------------------

ADAM = Fused(
    "graphgrad_apply_adam",
    "T grad, T beta1_power, T beta2_power, T lr, T beta1, T beta2, T epsilon", "T var, T m, T v",
    """
    m += (grad - m) * (1 - beta1);
    v += (grad * grad - v) * (1 - beta2);
    var -= m * (lr * sqrt(1 - beta2_power) / (1 - beta1_power)) / (sqrt(v) + epsilon);
    """)

MOMENTUM = Fused(
    "graphgrad_apply_momentum", "T grad, T lr, T momentum", "T var, T accum",
    """
    accum = accum * momentum + grad;
    var -= accum * lr;
    """)

NESTEROV = Fused(
    "graphgrad_apply_nesterov", "T grad, T lr, T momentum", "T var, T accum",
    """
    accum = accum * momentum + grad;
    var -= grad * lr + accum * momentum * lr;
    """)

GRADIENT_DESCENT = Fused(
    "graphgrad_apply_gradient_descent", "T delta, T alpha", "T var",
    """
    var -= delta * alpha;
    """)

RMSPROP = Fused(
    "graphgrad_apply_rmsprop", "T grad, T lr, T rho, T momentum, T epsilon", "T var, T ms, T mom",
    """
    ms += (grad * grad - ms) * (1 - rho);
    mom = mom * momentum + grad * lr / sqrt(ms + epsilon);
    var -= mom;
    """)

CENTERED_RMSPROP = Fused(
    "graphgrad_apply_centered_rmsprop", "T grad, T lr, T rho, T momentum, T epsilon", "T var, T mg, T ms, T mom",
    """
    ms += (grad * grad - ms) * (1 - rho);
    mg += (grad - mg) * (1 - rho);
    mom = mom * momentum + grad * lr / sqrt(ms - mg * mg + epsilon);
    var -= mom;
    """)

ADAGRAD = Fused(
    "graphgrad_apply_adagrad", "T grad, T lr", "T var, T accum",
    """
    accum += grad * grad;
    var -= grad * lr * (1 / sqrt(accum));
    """)

ADAGRAD_FROZEN_SLOTS = Fused(  # update_slots=False: the accumulator is read, not updated
    "graphgrad_apply_adagrad_frozen", "T grad, T lr", "T var, T accum",
    """
    var -= grad * lr * (1 / sqrt(accum));
    """)

ADADELTA = Fused(  # the update is computed twice (the subset has no temporaries), from the same values both times
    "graphgrad_apply_adadelta", "T grad, T lr, T rho, T epsilon", "T var, T accum, T accum_update",
    """
    accum = accum * rho + grad * grad * (1 - rho);
    var -= sqrt(accum_update + epsilon) * (1 / sqrt(accum + epsilon)) * grad * lr;
    accum_update = accum_update * rho
        + sqrt(accum_update + epsilon) * (1 / sqrt(accum + epsilon)) * grad
        * (sqrt(accum_update + epsilon) * (1 / sqrt(accum + epsilon)) * grad) * (1 - rho);
    """)
