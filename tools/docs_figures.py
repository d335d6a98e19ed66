"""The figures README.md and the data docs quote that come from running code, computed again from the code.

    python tools/docs_figures.py            # every figure: exits 1 when the docs quote a stale one
    python tools/docs_figures.py --fast     # only those computed in a second (tests/test_docs_figures.py runs them)

Each figure names the doc, a pattern that finds the text there, and how to compute the text the doc should
contain. Kinds: "fast" (data-set sizes, a pipeline's step count: checked by the tests), "run" (the results of
training runs with fixed seeds, a few seconds each: deterministic on one machine, but float rounding may differ on
another BLAS, so checked here, not in the tests), "files" (needs downloaded files, skipped without them) and
"timing" (measured and printed beside the quote, never compared: the docs say "about"). Figures whose text is
an outcome of bench/ (install size, throughput) are regenerated there (bench/RESULTS.md), not here.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    doc: str
    pattern: str                 # a regex finding the figure's text in the doc
    compute: Callable[[], str | None]  # the text the doc should contain (None: cannot be computed here)
    kind: str = "fast"


def _digits():
    from graphgrad.datasets import load_digits

    return load_digits()


def _digits_total():
    d = _digits()
    return f"The {len(d.x_train) + len(d.x_test):,} real 8×8 handwritten digits"


def _digits_split(form):
    d = _digits()
    return form.format(len(d.x_train), len(d.x_test))


def _triangle_share():
    from graphgrad.datasets import playground

    d = playground("triangle", n=100_000, seed=0)
    share = (d.y_train.sum() + d.y_test.sum()) / 100_000
    return f"about {round(100 * share)} % inside"


def _tutorial_steps():
    """Steps of the docs' tf.data linear-regression tutorial (200 samples, batch 20, 50 epochs) until it ends."""
    import numpy as np

    import graphgrad as tf

    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(np.zeros(200, np.float32)).shuffle(200).batch(20).repeat(50)
        nxt = ds.make_one_shot_iterator().get_next()
        steps = 0
        with tf.Session() as s:
            while True:
                try:
                    s.run(nxt)
                    steps += 1
                except tf.errors.OutOfRangeError:
                    return f"after {steps} steps"


def _mnist_sizes():
    from graphgrad.datasets import data_dir

    sizes = []
    for name in ("mnist", "fashion_mnist"):
        files = sorted((data_dir() / name).glob("*.gz"))
        if len(files) != 4:
            return None
        sizes.append(sum(f.stat().st_size for f in files) / 1e6)
    return f"(MNIST {sizes[0]:.1f} MB, Fashion-MNIST {sizes[1]:.1f} MB)"


def _mnist1d_split():
    try:
        from graphgrad.datasets import load_mnist1d

        d = load_mnist1d()
    except ImportError:
        return None
    return f"({len(d.x_train):,} / {len(d.x_test):,} with the defaults"


def _mnist1d_generation():
    try:
        from graphgrad.datasets import load_mnist1d

        start = time.perf_counter()
        load_mnist1d(cache=False)
    except ImportError:
        return None
    return f"measured {time.perf_counter() - start:.1f} s"


def _train(*args):
    """The final line of `graphgrad train --no-progress --no-logdir ARGS` (its time left out)."""
    out = subprocess.run([sys.executable, "-m", "graphgrad", "train", "--no-progress", "--no-logdir", *args],
                         capture_output=True, text=True, cwd=ROOT, check=True).stdout
    return re.sub(r" \(\d+(\.\d+)?s\)$", "", out.strip().splitlines()[-1])


def _accuracy(*args):
    return f"{100 * float(_train(*args).rsplit('accuracy ', 1)[1]):.1f} %"


def _mnist1d_cnn():
    try:
        import mnist1d  # noqa: F401 -- the optional extra the run needs
    except ImportError:
        return None
    return _accuracy("--model", "cnn", "--dataset", "mnist1d") + " on MNIST-1D"


FIGURES = [
    Figure("docs/data.md", r"The [\d,]+ real 8×8 handwritten digits", _digits_total),
    Figure("docs/data.md", r"The default split is [\d,]+ train / [\d,]+ test",
           lambda: _digits_split("The default split is {:,} train / {:,} test")),
    Figure("README.md", r"[\d,]+ training and [\d,]+ test images",
           lambda: _digits_split("{:,} training and {:,} test images")),
    Figure("docs/data.md", r"about \d+ % inside", _triangle_share),
    Figure("docs/data.md", r"after \d+ steps", _tutorial_steps),
    Figure("docs/data.md", r"\(MNIST [\d.]+ MB, Fashion-MNIST [\d.]+ MB\)", _mnist_sizes, "files"),
    Figure("docs/data.md", r"\([\d,]+ / [\d,]+ with the defaults", _mnist1d_split, "run"),
    Figure("docs/data.md", r"Generation takes about \w+ seconds", _mnist1d_generation, "timing"),
    Figure("README.md", r"digits: train loss [\d.]+ accuracy [\d.]+ \| test loss [\d.]+ accuracy [\d.]+",
           lambda: _train(), "run"),
    Figure("docs/main-job.md", r"digits: train loss [\d.]+ accuracy [\d.]+ \| test loss [\d.]+ accuracy [\d.]+",
           lambda: _train(), "run"),
    Figure("README.md", r"[\d.]+ % on the digits", lambda: _accuracy("--model", "cnn") + " on the digits", "run"),
    Figure("README.md", r"[\d.]+ % on MNIST-1D", _mnist1d_cnn, "run"),
]


def check(figure: Figure):
    """(status, what the doc says, what the code gives): status "ok", "stale", "skipped" or "measured"."""
    text = (ROOT / figure.doc).read_text(encoding="utf-8")
    found = re.findall(figure.pattern, text)
    quoted = found[0] if found else None
    got = figure.compute()
    if got is None:
        return "skipped", quoted, "cannot be computed here (an optional package or downloaded files)"
    if figure.kind == "timing":
        return "measured", quoted, got
    return ("ok" if found and all(q == got for q in found) else "stale"), quoted, got


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fast", action="store_true", help="only the figures computed in a second")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # this checkout's graphgrad, as the `python -m graphgrad` runs use
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    stale = 0
    for f in FIGURES:
        if args.fast and f.kind != "fast":
            continue
        status, quoted, got = check(f)
        stale += status == "stale"
        print(f"{status:8} {f.doc}: {quoted!r}" + ("" if status == "ok" else f" -> {got}"))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
