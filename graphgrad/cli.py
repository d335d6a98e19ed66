"""The `graphgrad` command."""
from __future__ import annotations

import argparse
import sys


def _demo(args):
    """Build f(x) = x², let autodiff build df/dx, and take gradient steps (the lecture's first program)."""
    import numpy as np

    import graphgrad as tf

    g = tf.Graph()
    with g.as_default():
        x = tf.Variable(np.float32(2.0), name="x")
        f = x * x
        (df,) = tf.gradients(f, [x])
        step = tf.assign_sub(x, 0.1 * df)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            print(f"f = {f}\ndf/dx = {df}")
            for i in range(args.steps):
                xv, fv, dv = s.run([x, f, df])
                print(f"step {i}: x = {xv:.6f}  f = {fv:.6f}  df/dx = {dv:.6f}")
                s.run(step)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="graphgrad", description="graphgrad: TensorFlow 1.x graphs on NumPy.")
    p.add_argument("--version", action="version", version=f"graphgrad {__version__}")
    sub = p.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="differentiate and minimize x**2 on a graph")
    demo.add_argument("--steps", type=int, default=5)
    demo.set_defaults(func=_demo)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["demo"] + (argv or []))
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
