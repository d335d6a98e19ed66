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
    if args.distributed:   # under a launcher: re-run as a supervised child, which names the rank if a signal kills it
        from .distributed.supervisor import supervise_this_command

        supervise_this_command()
    import numpy as np

    from .trainer import ConfigError, TrainConfig, TrainingError, default_logdir, train

    logdir = None if args.no_logdir else args.logdir
    if logdir is None and not args.no_logdir and not args.resume:
        logdir = default_logdir(args.dataset)
    cfg = TrainConfig(model=args.model, filters=args.filters, dataset=args.dataset, hidden=args.hidden,
                      activation=args.activation,
                      optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs,
                      dropout=args.dropout, l2=args.l2, seed=args.seed, logdir=logdir, resume=args.resume,
                      log_every=args.log_every, progress=not args.no_progress, distributed=args.distributed)
    try:
        cfg.validate()
    except ValueError as e:
        args.parser.error(str(e))
    try:
        with np.errstate(all="ignore"):   # a diverging run is reported in one line, not by overflow warnings
            train(cfg)
    except ConfigError as e:
        if _other_rank():
            return 2   # rank 0 says why, once
        args.parser.error(str(e))
    except (TrainingError, OSError, MemoryError) as e:
        return _fail_job(args.parser, e)
    except KeyboardInterrupt:
        print(f"{args.parser.prog}: interrupted{_how_to_resume(cfg)}", file=sys.stderr)
        return 130
    return 0


def _job():
    """The graphgrad.distributed World of a --distributed run of several processes, else None."""
    if "graphgrad.distributed" not in sys.modules:
        return None
    from .distributed import comm

    w = comm._WORLD
    return w if w is not None and w.comm is not None and not w.closed and w.size > 1 else None


def _other_rank() -> bool:
    w = _job()
    return w is not None and w.rank != 0


def _fail_job(parser, e):
    """A failure of one rank of a --distributed job ends every rank, naming it (graphgrad.distributed's abort)."""
    w = _job()
    if w is None:
        return _fail(parser, e)
    message = " ".join(str(e).split()) or type(e).__name__
    if message.startswith("rank 0 failed: ") and w.rank != 0:
        return 1   # rank 0 failed before training and says so itself; every rank stops here
    w.abort(f"rank {w.rank} of {w.size} ({w._where(w.rank)}) failed: {message}")
    return 1


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


def _add_picture_commands(sub):
    """`graphgrad playground` (a local page where graphgrad trains while you watch) and `graphgrad graph FILE.py`
    (a program's graph as a picture); their code lives in graphgrad/playground and graphgrad/viz."""
    pg = sub.add_parser("playground", help="serve the playground page: train small networks on 2-D data, watch them")
    pg.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--port", type=int, default=0, help="port (default: a free one chosen by the system)")
    pg.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    pg.add_argument("--idle-timeout", type=float, default=60.0, metavar="SECONDS",
                    help="close a session this long after its page stopped listening (default 60)")
    pg.add_argument("--max-sessions", type=int, default=64, help="sessions served at once (default 64)")
    pg.add_argument("--frame-seconds", type=float, default=0.15, metavar="SECONDS",
                    help="training time between two frames sent to a page (default 0.15)")
    pg.set_defaults(func=_playground, parser=pg)
    gr = sub.add_parser("graph", help="run a program and draw its default graph (SVG, PNG, PDF or DOT)")
    gr.add_argument("program", metavar="FILE.py")
    gr.add_argument("-o", "--output", help="picture to write (default FILE.svg beside the program)")
    gr.add_argument("--derivatives", metavar="TENSOR",
                    help="draw the graph of derivatives of this tensor (a name such as loss:0) instead")
    gr.add_argument("--wrt", default="", metavar="NAMES", help="with --derivatives: tensors whose paths to mark")
    gr.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    gr.set_defaults(func=_graph, parser=gr)


def _playground(args):
    import importlib.util

    from .playground import INSTALL_HINT, serve

    if not all(importlib.util.find_spec(m) for m in ("starlette", "uvicorn")):
        args.parser.error(INSTALL_HINT)
    if not 0 <= args.port <= 65535:
        args.parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if not (args.idle_timeout > 0 and 0 < args.frame_seconds <= 10) or args.max_sessions < 1:
        args.parser.error("--idle-timeout must be positive, --frame-seconds in (0, 10], --max-sessions at least 1")
    try:
        return serve(args.host, args.port, not args.no_browser, args.idle_timeout, args.max_sessions,
                     args.frame_seconds)
    except OSError as e:
        args.parser.error(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
    except KeyboardInterrupt:
        return 0


def _graph(args):
    """Run FILE.py as __main__, then write a picture of the default graph it built."""
    import os
    import runpy

    import graphgrad as tf

    from .viz import derivative_graph, draw

    output = args.output or os.path.splitext(args.program)[0] + ".svg"
    tf.reset_default_graph()
    argv = sys.argv
    sys.argv = [args.program, *args.args]
    try:
        runpy.run_path(args.program, run_name="__main__")
    except SystemExit as e:
        if e.code not in (0, None):
            return _fail(args.parser, RuntimeError(f"{args.program} exited with status {e.code}"))
    except OSError as e:
        return _fail(args.parser, e)
    finally:
        sys.argv = argv
    g = tf.get_default_graph()
    try:
        if args.derivatives:
            y = g.get_tensor_by_name(args.derivatives)
            xs = [g.get_tensor_by_name(n) for n in args.wrt.split(",") if n]
            derivative_graph(y, xs, path=output, title=f"graph of derivatives of {y.name}")
        else:
            draw(g, output, title=os.path.basename(args.program))
    except (KeyError, ValueError, TypeError, RuntimeError, OSError) as e:
        return _fail(args.parser, e)
    print(f"wrote {output} ({len(g.get_operations())} ops)")
    return 0


class _Parser(argparse.ArgumentParser):
    """Bad options exit with status 2 and a one-line reason (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .trainer import ACTIVATIONS, DATASETS, MODELS, OPTIMIZERS, TrainConfig

    d = TrainConfig()
    version = f"graphgrad {__version__}"
    p = _Parser(prog="graphgrad", description="graphgrad: TensorFlow 1.x graphs on NumPy. With no command, or with "
                "options but no command, `graphgrad` runs `graphgrad train`.")
    p.add_argument("--version", action="version", version=version, help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    t = sub.add_parser("train", help="train an MLP, CNN or RNN classifier (the default command)",
                       description="Train an MLP, CNN or RNN (rnn, lstm, gru) classifier, log to TensorBoard, "
                       "checkpoint every epoch (docs/main-job.md).")
    t.add_argument("--version", action="version", version=version, help="print the version and exit")
    t.add_argument("--dataset", choices=DATASETS, default=d.dataset, metavar="NAME",
                   help=f"data set: {', '.join(DATASETS)}; mnist and fashion_mnist are downloaded once into "
                   "$GRAPHGRAD_DATA_DIR (default: %(default)s)")
    t.add_argument("--model", choices=MODELS, default=d.model, metavar="NAME",
                   help="mlp: dense layers only; cnn: conv + 2x max-pool layers (--filters) before the dense layers, "
                   "on digits, mnist, fashion_mnist (2-D) or mnist1d (1-D); rnn, lstm, gru: a recurrent cell over the "
                   "image's rows (or mnist1d's 40 samples), the first --hidden size its units, its last output "
                   "into dense layers of the other sizes (default: %(default)s)")
    t.add_argument("--filters", type=_hidden, default=None, metavar="SIZES",
                   help="--model cnn: output channels of each conv layer, comma-separated (default: 16,32 on "
                   "images, 32,32,32 on mnist1d)")
    t.add_argument("--hidden", type=_hidden, default=d.hidden, metavar="SIZES",
                   help="hidden layer sizes, comma-separated; with --model rnn|lstm|gru the first is the recurrent "
                   f"cell's units (default: {','.join(map(str, d.hidden))})")
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
                   help="dropout rate after each dense hidden layer, in [0, 1) (default: %(default)s)")
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
    t.add_argument("--distributed", action="store_true",
                   help="one process of an MPI job (mpiexec -n N graphgrad train --distributed ...): --batch-size is "
                   "the global batch, split across the processes; rank 0 alone writes and shows progress; outside "
                   "a launcher, one process (docs/distributed.md) (default: off)")
    t.add_argument("--log-every", type=int, default=d.log_every, metavar="N",
                   help="steps between train/loss and train/accuracy points (default: %(default)s)")
    t.set_defaults(func=_train, parser=t)
    ic = sub.add_parser("inspect-checkpoint", help="list a checkpoint's variables with shape, dtype, min/mean/max")
    ic.add_argument("path", metavar="PATH",
                    help="a checkpoint prefix, its .safetensors or .index file, or a logdir (latest)")
    ic.set_defaults(func=_inspect_checkpoint)
    demo = sub.add_parser("demo", help="differentiate and minimize x**2 on a graph")
    demo.add_argument("--steps", type=int, default=5, metavar="N", help="gradient steps to take (default: %(default)s)")
    demo.set_defaults(func=_demo)
    _add_picture_commands(sub)
    return p


COMMANDS = ("train", "demo", "inspect-checkpoint", "playground", "graph")


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
