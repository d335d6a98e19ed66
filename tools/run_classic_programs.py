"""Run classic TensorFlow 1.x programs on graphgrad with only their imports changed, and report what happens.

    python tools/run_classic_programs.py CHECKOUT [PROGRAM.py ...] [--steps 60] [--epochs 1] [--timeout 300]
                                         [--out DIR] [--markdown]

CHECKOUT is a folder of TF1 programs (a tutorial repository checked out by hand); with no PROGRAM every `.py`
under it runs. Each program is copied with its folder's other files into `--out/<name>/` and changed in three
ways only, as a user moving to graphgrad would:
- imports: `import tensorflow as tf` -> `import graphgrad as tf`, `from tensorflow.X ...` / `import
  tensorflow.X` -> `graphgrad.X` (so `tensorflow.examples.tutorials.mnist.input_data` is graphgrad's);
- step counts: top-level `num_steps = 10000`-style assignments (num_steps, training_steps, training_iters,
  num_iter) become `--steps`, `training_epochs` / `num_epochs` become `--epochs`, so a sweep takes minutes;
- MNIST: this machine cannot download it, so `input_data.read_data_sets(dir)` finds in `dir` four IDX files of
  MNIST's shape made from the bundled 8x8 digits (upsampled to 24x24, shifted within 28x28), accepted by the
  loader. Accuracies are therefore not MNIST's; that a program trains, saves, restores and evaluates is the point.

The result per program: `runs` (exit 0), `timeout` (still running at `--timeout`: long training loops), or
`fails` with the last line of its error. Programs that need data of their own or a display fail for reasons
that are not graphgrad's; read the logs (`--out/<name>.log`) before counting them.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPORTS = [(re.compile(r"^(\s*)import tensorflow as tf\b", re.M), r"\1import graphgrad as tf"),
           (re.compile(r"^(\s*)(from|import) tensorflow\.", re.M), r"\1\2 graphgrad.")]
STEPS = re.compile(r"^(num_steps|training_steps|training_iters|num_iter)\s*=\s*\d+", re.M)
EPOCHS = re.compile(r"^(training_epochs|num_epochs)\s*=\s*\d+", re.M)
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
               "t10k-labels-idx1-ubyte.gz")

# Run in the child: make graphgrad's MNIST loader accept the stand-in files, put them where the program looks,
# then run the program as __main__.
RUNNER = r'''
import dataclasses, os, runpy, shutil, sys
data, program = sys.argv[1], sys.argv[2]
import graphgrad.datasets.mnist as m
from graphgrad.examples.tutorials.mnist import input_data
sha = dict(line.split() for line in open(os.path.join(data, "SHA256")))
m.MNIST = m.SOURCES["mnist"] = dataclasses.replace(m.MNIST, sha256=sha, mirrors=())
_read = input_data.read_data_sets
def read_data_sets(train_dir, *args, **kwargs):
    os.makedirs(train_dir, exist_ok=True)
    for f in sha:
        shutil.copy(os.path.join(data, f), os.path.join(train_dir, f))
    return _read(train_dir, *args, **kwargs)
input_data.read_data_sets = read_data_sets
sys.argv = [program]
runpy.run_path(program, run_name="__main__")
'''


def make_fake_mnist(folder, n_train=60000, n_test=10000, seed=0):
    """MNIST-shaped gzipped IDX files from the bundled digits, and their SHA-256 (file `SHA256`)."""
    import numpy as np

    sys.path.insert(0, ROOT)
    from graphgrad.datasets.digits import read_digits

    x, y = read_digits()
    big = np.kron(x.reshape(-1, 8, 8) / 16 * 255, np.ones((3, 3)))
    rng = np.random.default_rng(seed)

    def make(n):
        pick, shift = rng.integers(0, len(big), n), rng.integers(0, 5, (n, 2))
        out = np.zeros((n, 28, 28), np.uint8)
        for i, (j, (a, b)) in enumerate(zip(pick, shift)):
            out[i, a:a + 24, b:b + 24] = big[j]
        return out, y[pick].astype(np.uint8)

    def idx(a):
        return bytes([0, 0, 8, a.ndim]) + np.asarray(a.shape, ">u4").tobytes() + a.tobytes()
    os.makedirs(folder, exist_ok=True)
    (xtr, ytr), (xte, yte) = make(n_train), make(n_test)
    lines = []
    for name, a in zip(MNIST_FILES, (xtr, ytr, xte, yte)):
        blob = gzip.compress(idx(a), mtime=0)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(blob)
        lines.append(f"{name} {hashlib.sha256(blob).hexdigest()}\n")
    with open(os.path.join(folder, "SHA256"), "w") as f:
        f.writelines(lines)


def rewrite(source, steps, epochs):
    for pattern, repl in IMPORTS:
        source = pattern.sub(repl, source)
    source = STEPS.sub(lambda m: f"{m[1]} = {steps}", source)
    return EPOCHS.sub(lambda m: f"{m[1]} = {epochs}", source)


def _change_imports(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    changed = source
    for pattern, repl in IMPORTS:
        changed = pattern.sub(repl, changed)
    if changed != source:
        with open(path, "w", encoding="utf-8") as f:
            f.write(changed)


def run_one(path, checkout, args, data):
    name = re.sub(r"[^\w.-]+", "_", os.path.relpath(path, checkout))[:-3]
    work = os.path.join(args.out, name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    folder = os.path.dirname(path)
    for entry in os.listdir(folder):  # the program's own data files, folders and helper modules, as beside it
        src = os.path.join(folder, entry)
        if not entry.startswith(".") and src != path:
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, entry))
    for top, _, files in os.walk(work):  # helper modules (`text_helpers.py`, a `libs/` package) change imports too
        for f in files:
            if f.endswith(".py"):
                _change_imports(os.path.join(top, f))
    program = os.path.join(work, os.path.basename(path))
    with open(path, encoding="utf-8", errors="replace") as f:
        source = f.read()
    with open(program, "w", encoding="utf-8") as f:
        f.write(rewrite(source, args.steps, args.epochs))
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log = os.path.join(args.out, name + ".log")
    t0 = time.time()
    with open(log, "w") as out:
        try:
            rc = subprocess.run([sys.executable, "-c", RUNNER, data, program], cwd=work, env=env, stdout=out,
                                stderr=subprocess.STDOUT, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            rc = None
    with open(log, encoding="utf-8", errors="replace") as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    last = lines[-1][:160] if lines else ""
    result = "runs" if rc == 0 else "timeout" if rc is None else "fails"
    return name, result, round(time.time() - t0), last


def run_text(folder, name, source, steps, n_train=5600, n_test=200, timeout=120):
    """Run one program given as text (a test's), on stand-in MNIST of `n_train` + `n_test` images, everything
    under `folder`: returns (result, last line, the whole log)."""
    folder = os.fspath(folder)
    checkout = os.path.join(folder, "repo")
    os.makedirs(checkout, exist_ok=True)
    path = os.path.join(checkout, name + ".py")
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    data = os.path.join(folder, "out", "_mnist")
    make_fake_mnist(data, n_train=n_train, n_test=n_test)
    args = argparse.Namespace(out=os.path.join(folder, "out"), steps=steps, epochs=1, timeout=timeout)
    _, result, _, last = run_one(path, checkout, args, data)
    with open(os.path.join(args.out, name + ".log"), encoding="utf-8", errors="replace") as f:
        return result, last, f.read()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout")
    ap.add_argument("programs", nargs="*")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out", default="classic-runs")
    ap.add_argument("--markdown", action="store_true", help="print the results as a Markdown table")
    args = ap.parse_args(argv)
    args.out = os.path.abspath(args.out)
    checkout = os.path.abspath(args.checkout)
    programs = [os.path.abspath(p) for p in args.programs] or sorted(
        os.path.join(d, f) for d, _, files in os.walk(checkout) for f in files if f.endswith(".py"))
    data = os.path.join(args.out, "_mnist")
    if not os.path.exists(os.path.join(data, "SHA256")):
        make_fake_mnist(data)
    rows = []
    for path in programs:
        row = run_one(path, checkout, args, data)
        rows.append(row)
        print(*row, sep="  |  ", flush=True)
    if args.markdown:
        print("\n| program | result | seconds | last line |\n| --- | --- | --- | --- |")
        for name, result, secs, last in rows:
            print(f"| {name} | {result} | {secs} | {last.replace('|', '/')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
