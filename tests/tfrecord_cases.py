"""What tests/test_tfrecord.py and tools/record_tfrecord_reference.py write and read, once, against the TF1 API:
`tf` is `tensorflow.compat.v1` in the tool and `graphgrad` in the tests (the same code runs under both). Values
are compared as `to_json` gives them."""
from __future__ import annotations

import os

import numpy as np

#: Examples: fixed-length int64/float/bytes features, variable-length ones (some empty), one feature missing in
#: some examples (parsed with a default)
EXAMPLES = [
    {"label": [3], "x": [0.5, -1.25, 2.0], "name": [b"first"], "tokens": [1, 2, 3], "scores": [0.1], "opt": [7]},
    {"label": [0], "x": [1.0, 2.0, 3.0], "name": [b""], "tokens": [], "scores": [], "opt": None},
    {"label": [9], "x": [1e-3, 1e3, -0.0], "name": [b"\xff\x00bytes"], "tokens": [-5, 2**40],
     "scores": [1.5, 2.5, 3.5, 4.5], "opt": None},
    {"label": [1], "x": [3.25, 0.0, 6.5], "name": ["caf\u00e9".encode()], "tokens": [42], "scores": [0.0, 1.0],
     "opt": [11]},
    {"label": [4], "x": [1.0, 1.0, 1.0], "name": [b"last"], "tokens": [0, 0, 0, 0], "scores": [9.0], "opt": None},
]
KINDS = {"label": "int64", "x": "float", "name": "bytes", "tokens": "int64", "scores": "float", "opt": "int64"}

#: SequenceExamples: a context, a fixed-length sequence feature and a variable-length one
SEQUENCES = [
    {"context": {"length": [3], "id": [b"s0"]},
     "lists": {"frames": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "words": [[1], [2, 3], []]}},
    {"context": {"length": [1], "id": [b"s1"]}, "lists": {"frames": [[0.5, 0.25]], "words": [[7, 8, 9]]}},
]
SEQ_KINDS = {"length": "int64", "id": "bytes", "frames": "float", "words": "int64"}

#: raw records of three files of different lengths (the interleave order of num_parallel_reads=2), one empty
RAW_FILES = {"raw_a.tfrecord": [b"a0", b"a1"], "raw_b.tfrecord": [b"b0", b"", b"b2", b"b3"],
             "raw_c.tfrecord": [b"c0", b"c1", b"c2"]}

#: the example files, by compression
EXAMPLE_FILES = {"examples.tfrecord": None, "examples_gzip.tfrecord": "GZIP", "examples_zlib.tfrecord": "ZLIB"}


def feature(tf, kind, values):
    if kind == "int64":
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    if kind == "float":
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))


def make_example(tf, d):
    return tf.train.Example(features=tf.train.Features(
        feature={k: feature(tf, KINDS[k], v) for k, v in d.items() if v is not None}))


def make_sequence_example(tf, d):
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={k: feature(tf, SEQ_KINDS[k], v) for k, v in d["context"].items()}),
        feature_lists=tf.train.FeatureLists(feature_list={
            k: tf.train.FeatureList(feature=[feature(tf, SEQ_KINDS[k], step) for step in steps])
            for k, steps in d["lists"].items()}))


def features(tf):
    """The parse spec: every kind of feature configuration."""
    return {"label": tf.FixedLenFeature([], tf.int64), "x": tf.FixedLenFeature([3], tf.float32),
            "name": tf.FixedLenFeature([], tf.string), "tokens": tf.VarLenFeature(tf.int64),
            "scores": tf.VarLenFeature(tf.float32), "opt": tf.FixedLenFeature([1], tf.int64, default_value=[-1])}


def batch_features(tf):
    """parse_example's spec: also a FixedLenSequenceFeature (padded with its default across the batch)."""
    return {**features(tf), "tokens_dense": tf.FixedLenSequenceFeature([], tf.int64, allow_missing=True,
                                                                       default_value=-7)}


def sequence_features(tf):
    return ({"length": tf.FixedLenFeature([], tf.int64), "id": tf.FixedLenFeature([], tf.string)},
            {"frames": tf.FixedLenSequenceFeature([2], tf.float32), "words": tf.VarLenFeature(tf.int64)})


def serialized_examples(tf):
    """`deterministic=True`: map entries sorted by key, so TF and graphgrad write the same bytes."""
    out = []
    for d in EXAMPLES:
        ex = make_example(tf, d)
        if "tokens" in d:  # tokens_dense reads the same values as the VarLen "tokens"
            ex.features.feature["tokens_dense"].CopyFrom(feature(tf, "int64", d["tokens"]))
        out.append(ex.SerializeToString(deterministic=True))
    return out


def write_all(tf, folder):
    """Every reference file, written with `tf`'s TFRecordWriter."""
    os.makedirs(folder, exist_ok=True)
    records = serialized_examples(tf)
    for name, compression in EXAMPLE_FILES.items():
        with tf.io.TFRecordWriter(os.path.join(folder, name), tf.io.TFRecordOptions(compression)) as w:
            for r in records:
                w.write(r)
    with tf.python_io.TFRecordWriter(os.path.join(folder, "sequence.tfrecord")) as w:
        for d in SEQUENCES:
            w.write(make_sequence_example(tf, d).SerializeToString(deterministic=True))
    for name, recs in RAW_FILES.items():
        with tf.python_io.TFRecordWriter(os.path.join(folder, name)) as w:
            for r in recs:
                w.write(r)


def to_json(x):
    """A fetched value as JSON: arrays with dtype, shape and flat values (bytes as hex), sparse values by field,
    dicts by key."""
    if isinstance(x, dict):
        return {k: to_json(x[k]) for k in sorted(x)}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return {f: to_json(getattr(x, f)) for f in x._fields}
    if isinstance(x, (list, tuple)):
        return [to_json(v) for v in x]
    if isinstance(x, bytes):
        return x.hex()
    a = np.asarray(x)
    flat = a.ravel().tolist()
    if a.dtype == object or a.dtype.kind == "S":
        flat = [bytes(v).hex() for v in flat]
    return {"dtype": "object" if a.dtype.kind in "OS" else str(a.dtype), "shape": list(a.shape), "values": flat}


def read_all(tf, folder):
    """What `tf` sees in the files of `folder`: each file's records, the examples parsed one by one through a
    TFRecordDataset and in a batch, the sequence examples, and the order of an interleaved read."""
    out = {"records": {}}
    for name in [*EXAMPLE_FILES, "sequence.tfrecord", *RAW_FILES]:
        compression = EXAMPLE_FILES.get(name)
        opts = tf.io.TFRecordOptions(compression)
        out["records"][name] = [r.hex() for r in tf.python_io.tf_record_iterator(os.path.join(folder, name), opts)]
    for name, compression in EXAMPLE_FILES.items():
        g = tf.Graph()
        with g.as_default():
            ds = tf.data.TFRecordDataset(os.path.join(folder, name), compression_type=compression)
            single = tf.data.make_one_shot_iterator(
                ds.map(lambda s: tf.parse_single_example(s, features(tf)))).get_next()
            batch = tf.data.make_one_shot_iterator(
                ds.batch(10).map(lambda s: tf.io.parse_example(s, batch_features(tf)))).get_next()
            with tf.Session() as s:
                out[f"single:{name}"] = [to_json(s.run(single)) for _ in EXAMPLES]
                out[f"batch:{name}"] = to_json(s.run(batch))
    g = tf.Graph()
    with g.as_default():
        ser = tf.placeholder(tf.string, [])
        ctx_f, seq_f = sequence_features(tf)
        parsed = tf.io.parse_single_sequence_example(ser, ctx_f, seq_f)
        with tf.Session() as s:
            out["sequence"] = [to_json(s.run(parsed, {ser: bytes.fromhex(r)}))
                               for r in out["records"]["sequence.tfrecord"]]
    g = tf.Graph()
    with g.as_default():
        files = [os.path.join(folder, n) for n in RAW_FILES]
        nxt = tf.data.make_one_shot_iterator(tf.data.TFRecordDataset(files, num_parallel_reads=2)).get_next()
        order = []
        with tf.Session() as s:
            try:
                while True:
                    order.append(s.run(nxt).hex())
            except tf.errors.OutOfRangeError:
                pass
        out["interleaved"] = order
    return out


def _damaged(folder, tmp):
    """Copies of examples.tfrecord with a flipped bit in the first record's data (corrupt data checksum), in the
    second record's length (corrupt header checksum), cut 3 bytes short (a truncated record) and cut inside the
    last record's header."""
    raw = open(os.path.join(folder, "examples.tfrecord"), "rb").read()
    first = 16 + int.from_bytes(raw[:8], "little")
    files = {}

    def put(name, data):
        files[name] = os.path.join(tmp, name)
        with open(files[name], "wb") as f:
            f.write(bytes(data))
    bad = bytearray(raw)
    bad[12 + 5] ^= 1
    put("bad_data_crc", bad)
    bad = bytearray(raw)
    bad[first] ^= 1
    put("bad_length_crc", bad)
    put("truncated_data", raw[:-3])
    last = len(raw)
    pos = 0
    while pos < len(raw):
        last = pos
        pos += 16 + int.from_bytes(raw[pos:pos + 8], "little")
    put("truncated_header", raw[:last + 5])
    return files


def error_line(e):
    """The line of an error's message that says what went wrong (TF wraps it in node and stack information)."""
    for line in str(e).splitlines():
        line = line.strip()
        if line and not line.startswith(("Graph execution error", "Detected at node", "File ", "Node:", "[[")):
            return line.split("' failed with")[0]
    return str(e)


def read_until_error(fn):
    got = []
    try:
        for x in fn():
            got.append(x)
        return {"read": len(got), "error": None}
    except Exception as e:  # noqa: BLE001 -- recorded
        return {"read": len(got), "error": type(e).__name__, "message": error_line(e)}


def _dataset_records(tf, path):
    g = tf.Graph()
    with g.as_default():
        nxt = tf.data.make_one_shot_iterator(tf.data.TFRecordDataset(path)).get_next()
        with tf.Session() as s:
            while True:
                try:
                    yield s.run(nxt)
                except tf.errors.OutOfRangeError:
                    return


def _parse_cases(tf):
    """Serialized Examples and specs whose parsing TF refuses (or accepts) in telling ways."""
    one = make_example(tf, EXAMPLES[0]).SerializeToString(deterministic=True)
    empty_kind = tf.train.Example()
    empty_kind.features.feature["e"].CopyFrom(tf.train.Feature())
    empty_kind = empty_kind.SerializeToString()
    return {
        "missing_required": (one, {"nope": tf.FixedLenFeature([], tf.int64)}),
        "wrong_count": (one, {"x": tf.FixedLenFeature([2], tf.float32)}),
        "wrong_type": (one, {"label": tf.FixedLenFeature([], tf.float32)}),
        "not_a_proto": (b"\x0a\xff\xff", {"label": tf.FixedLenFeature([], tf.int64)}),
        "empty_kind_varlen": (empty_kind, {"e": tf.VarLenFeature(tf.float32)}),
        "empty_kind_default": (empty_kind, {"e": tf.FixedLenFeature([], tf.float32, default_value=2.5)}),
        "empty_string": (b"", {"e": tf.FixedLenFeature([], tf.float32, default_value=2.5),
                               "v": tf.VarLenFeature(tf.string)}),
    }


def error_cases(tf, folder, tmp):
    out = {}
    for name, path in _damaged(folder, tmp).items():
        out[f"iterator:{name}"] = read_until_error(lambda p=path: tf.python_io.tf_record_iterator(p))
        out[f"dataset:{name}"] = read_until_error(lambda p=path: _dataset_records(tf, p))
    for name, (serialized, spec) in _parse_cases(tf).items():
        g = tf.Graph()
        with g.as_default():
            parsed = tf.parse_single_example(tf.constant(serialized), spec)
            with tf.Session() as s:
                try:
                    out[f"parse:{name}"] = {"value": to_json(s.run(parsed))}
                except Exception as e:  # noqa: BLE001 -- recorded
                    out[f"parse:{name}"] = {"error": type(e).__name__, "message": error_line(e)}
    return out
