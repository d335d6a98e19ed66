"""The `graphgrad` command."""
from __future__ import annotations

import argparse
import shlex
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


def _train(args):
    """Exit status 0; 2 when the options cannot run (bad values, a logdir that does not fit, a missing package);
    1 when training fails (divergence, a failed write, out of memory); 130 on Ctrl-C. Failures print one line."""
    import numpy as np

    from .trainer import ConfigError, TrainConfig, TrainingError, default_logdir, train

    logdir = None if args.no_logdir else args.logdir
    if logdir is None and not args.no_logdir and not args.resume:
        logdir = default_logdir(args.dataset)
    cfg = TrainConfig(dataset=args.dataset, hidden=args.hidden, activation=args.activation,
                      optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs,
                      dropout=args.dropout, l2=args.l2, seed=args.seed, logdir=logdir, resume=args.resume,
                      log_every=args.log_every, progress=not args.no_progress)
    try:
        cfg.validate()
    except ValueError as e:
        args.parser.error(str(e))
    try:
        with np.errstate(all="ignore"):   # a diverging run is reported in one line, not by overflow warnings
            train(cfg)
    except ConfigError as e:
        args.parser.error(str(e))
    except (TrainingError, OSError, MemoryError) as e:
        return _fail(args.parser, e)
    except KeyboardInterrupt:
        print(f"{args.parser.prog}: interrupted{_how_to_resume(cfg)}", file=sys.stderr)
        return 130
    return 0


def _how_to_resume(cfg) -> str:
    """`; resume with: graphgrad train --logdir DIR --resume ...` once the run has written something to resume."""
    from .trainer import resume_argv, run_files

    try:
        resumable = bool(cfg.logdir) and bool(run_files(cfg.logdir))
    except (OSError, ValueError):
        resumable = False
    return f"; resume with: {shlex.join(resume_argv(cfg))}" if resumable else ""


def _fail(parser, e):
    message = " ".join(str(e).split()) or type(e).__name__
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 1


def _inspect_checkpoint(args):
    """Print a checkpoint's variables with statistics; exit 1 with one line when it is missing or damaged."""
    from .train.checkpoint_io import CheckpointError
    from .train.saver import inspect_checkpoint

    try:
        text = inspect_checkpoint(args.path)
    except (CheckpointError, OSError) as e:
        message = " ".join(str(e).split()) or type(e).__name__
        print(f"graphgrad inspect-checkpoint: error: {message}", file=sys.stderr)
        return 1
    print(text, end="")
    return 0


def _hidden(text):
    try:
        sizes = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 128,64, got {text!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive integers, got {text!r}")
    return sizes


class _Parser(argparse.ArgumentParser):
    """Bad options exit with status 2 and a one-line reason (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .trainer import ACTIVATIONS, DATASETS, OPTIMIZERS, TrainConfig

    d = TrainConfig()
    version = f"graphgrad {__version__}"
    p = _Parser(prog="graphgrad", description="graphgrad: TensorFlow 1.x graphs on NumPy. With no command, or with "
                "options but no command, `graphgrad` runs `graphgrad train`.")
    p.add_argument("--version", action="version", version=version, help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    t = sub.add_parser("train", help="train an MLP classifier (the default command)",
                       description="Train an MLP classifier, log to TensorBoard, checkpoint every epoch "
                       "(docs/main-job.md).")
    t.add_argument("--version", action="version", version=version, help="print the version and exit")
    t.add_argument("--dataset", choices=DATASETS, default=d.dataset, metavar="NAME",
                   help=f"data set: {', '.join(DATASETS)}; mnist and fashion_mnist are downloaded once into "
                   "$GRAPHGRAD_DATA_DIR (default: %(default)s)")
    t.add_argument("--hidden", type=_hidden, default=d.hidden, metavar="SIZES",
                   help=f"hidden layer sizes, comma-separated (default: {','.join(map(str, d.hidden))})")
    t.add_argument("--activation", choices=ACTIVATIONS, default=d.activation, metavar="NAME",
                   help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: %(default)s)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer, metavar="NAME",
                   help=f"optimizer: {', '.join(OPTIMIZERS)} (default: %(default)s)")
    lrs = ", ".join(f"{name} {lr:g}" for name, (lr, _) in OPTIMIZERS.items())
    t.add_argument("--lr", type=float, default=None, help=f"learning rate (default: by optimizer: {lrs})")
    t.add_argument("--batch-size", type=int, default=d.batch_size, metavar="N",
                   help="examples per training step (default: %(default)s)")
    t.add_argument("--epochs", type=int, default=d.epochs, metavar="N",
                   help="passes over the training split (default: %(default)s)")
    t.add_argument("--dropout", type=float, default=d.dropout, metavar="RATE",
                   help="dropout rate after each hidden layer, in [0, 1) (default: %(default)s)")
    t.add_argument("--l2", type=float, default=d.l2, metavar="SCALE",
                   help="L2 regularization scale on the kernels (default: %(default)s)")
    t.add_argument("--seed", type=int, default=d.seed, metavar="N",
                   help="seed of the weights, the shuffling and dropout (default: %(default)s)")
    t.add_argument("--no-progress", action="store_true", help="no progress bars (default: progress bars on stderr)")
    logs = t.add_mutually_exclusive_group()
    logs.add_argument("--logdir", metavar="DIR", default=None,
                      help="where TensorBoard events and per-epoch checkpoints go (default: runs/DATASET-TIME)")
    logs.add_argument("--no-logdir", action="store_true", help="write no events and no checkpoints (default: write)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in --logdir from its latest checkpoint (same options; --epochs may grow) "
                   "(default: start a new run)")
    t.add_argument("--log-every", type=int, default=d.log_every, metavar="N",
                   help="steps between train/loss and train/accuracy points (default: %(default)s)")
    t.set_defaults(func=_train, parser=t)
    ic = sub.add_parser("inspect-checkpoint", help="list a checkpoint's variables with shape, dtype, min/mean/max")
    ic.add_argument("path", metavar="PATH", help="a checkpoint prefix, its .safetensors file, or a logdir (latest)")
    ic.set_defaults(func=_inspect_checkpoint)
    demo = sub.add_parser("demo", help="differentiate and minimize x**2 on a graph")
    demo.add_argument("--steps", type=int, default=5, metavar="N", help="gradient steps to take (default: %(default)s)")
    demo.set_defaults(func=_demo)
    return p


COMMANDS = ("train", "demo", "inspect-checkpoint")


def main(argv=None) -> int:
    """`graphgrad [train options]` trains: with no command, or options but no command, `train` is implied."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if a not in ("-h", "--help", "--version")), None)
    if first is None and not any(a in ("-h", "--help", "--version") for a in argv):
        argv = ["train"]
    elif first is not None and first not in COMMANDS and first.startswith("-"):
        argv = ["train"] + argv
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
