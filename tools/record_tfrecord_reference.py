"""Record the TFRecord / tf.train.Example reference that tests/test_tfrecord.py checks graphgrad against.

Run in a venv with tensorflow-cpu (2.21 here), from the repository root:

    python tools/record_tfrecord_reference.py [--graphgrad-python PATH]

It writes, under tests/data/tfrecord/:
- tf/: the files of tests/tfrecord_cases.py written by TensorFlow (Examples plain, GZIP and ZLIB; SequenceExamples;
  raw records in three files);
- graphgrad/: the same files written by graphgrad (run by PATH, default the project's .venv python, with this
  checkout first on its path);
- reference.json: what TensorFlow reads from both folders (records, parsed values, the order of an interleaved
  read), its errors on damaged files and bad Examples, and its descriptors of feature.proto and example.proto.

The test (no TensorFlow there) reads tf/ with graphgrad and compares with what TF read; writes the files again
with graphgrad and compares them with graphgrad/, whose contents TF read as recorded.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data", "tfrecord")
sys.path.insert(0, os.path.join(ROOT, "tests"))

import tfrecord_cases as cases  # noqa: E402


def descriptors():
    from google.protobuf import descriptor_pb2, json_format
    from tensorflow.core.example import example_pb2, feature_pb2

    out = {}
    for mod in (feature_pb2, example_pb2):
        fd = descriptor_pb2.FileDescriptorProto()
        mod.DESCRIPTOR.CopyToProto(fd)
        out[fd.name] = json_format.MessageToDict(fd)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graphgrad-python", default=os.path.join(ROOT, ".venv", "bin", "python"))
    args = ap.parse_args()
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    tf.logging.set_verbosity(tf.logging.ERROR)
    tf_dir, gg_dir = os.path.join(DATA, "tf"), os.path.join(DATA, "graphgrad")
    cases.write_all(tf, tf_dir)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.path.join(ROOT, "tests")])}
    subprocess.run([args.graphgrad_python, "-c", "import graphgrad, tfrecord_cases, sys; "
                    "assert graphgrad.__file__.startswith(sys.argv[2]), graphgrad.__file__; "
                    "tfrecord_cases.write_all(graphgrad, sys.argv[1])", gg_dir, ROOT], check=True, env=env, cwd=ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        reference = {"tensorflow": tf.__version__, "tf": cases.read_all(tf, tf_dir),
                     "graphgrad": cases.read_all(tf, gg_dir), "errors": cases.error_cases(tf, tf_dir, tmp),
                     "descriptors": descriptors()}
    with open(os.path.join(DATA, "reference.json"), "w") as f:
        json.dump(reference, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(DATA, ROOT))


if __name__ == "__main__":
    main()
