"""Write graphgrad/compat/_tf2_names.py: the top-level names of TensorFlow 2's API (`tf.compat.v2`), which
`graphgrad.compat.v2` offers where graphgrad has them.

    python tools/record_tf2_names.py    # in a venv with tensorflow-cpu 2.21
"""
from __future__ import annotations

import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "graphgrad", "compat", "_tf2_names.py")


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    names = sorted(n for n in dir(tf.compat.v2) if not n.startswith("_"))
    lines = [f'"""TensorFlow {tf.__version__}\'s top-level names (`tf.compat.v2`), written by '
             'tools/record_tf2_names.py."""', "", "NAMES = frozenset({"]
    line = "   "
    for n in names:
        item = f' "{n}",'
        if len(line) + len(item) > 116:
            lines.append(line)
            line = "   "
        line += item
    lines += [line, "})", ""]
    with open(OUT, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {os.path.relpath(OUT)} ({len(names)} names)")


if __name__ == "__main__":
    main()
