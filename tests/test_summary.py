"""tf.summary ops and FileWriter, read back with TensorBoard's own EventAccumulator."""
import bisect
import glob
import os
import struct
import subprocess
import sys
import textwrap
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
from tensorboard.compat.proto import summary_pb2 as tb_summary_pb2
from tensorboard.util import tensor_util

import graphgrad as tf
from graphgrad import summary
from graphgrad.summary import summary_ops
from graphgrad.summary.graph_def import graph_to_graph_def

SUMMARIES = tf.GraphKeys.SUMMARIES


def load(logdir):
    acc = EventAccumulator(str(logdir), size_guidance={"images": 0, "audio": 0, "histograms": 0,
                                                      "scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def raw_events(logdir):
    events = []
    for path in sorted(glob.glob(os.path.join(str(logdir), "events.out.tfevents.*"))):
        events.extend(LegacyEventFileLoader(path).Load())
    return events


def parse(summary_bytes):
    return tb_summary_pb2.Summary.FromString(summary_bytes)


def decode_png(data):
    """Minimal PNG reader (8-bit, non-interlaced, all five row filters), checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0
    c = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    raw = zlib.decompress(idat)
    stride = w * c
    out = np.zeros((h, stride), np.int64)
    prev = np.zeros(stride, np.int64)
    for y in range(h):
        f, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int64)
        row = np.zeros(stride, np.int64)
        for i in range(stride):
            a = row[i - c] if i >= c else 0
            b, cc = prev[i], (prev[i - c] if i >= c else 0)
            if f == 4:  # Paeth
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else cc)
            else:
                pred = [0, a, b, (a + b) // 2][f]
            row[i] = (line[i] + pred) & 0xFF
        out[y], prev = row, row
    return out.reshape(h, w, c).astype(np.uint8)


def tf_histogram_reference(values):
    """TensorFlow's C++ Histogram (Add with upper_bound, EncodeToProto collapsing empty runs), as a loop."""
    limits = list(summary_ops.BUCKET_LIMITS)
    counts = [0.0] * len(limits)
    for v in values:
        counts[bisect.bisect_right(limits, v)] += 1
    out_limits, out_counts, i = [], [], 0
    while i < len(counts):
        end, count = limits[i], counts[i]
        i += 1
        if count <= 0:
            while i < len(counts) and counts[i] <= 0:
                end, count = limits[i], counts[i]
                i += 1
        out_limits.append(end)
        out_counts.append(count)
    return out_limits, out_counts


# --- the lecture program ------------------------------------------------------------------------------

def test_lecture_program_logs_what_the_session_computed(tmp_path):
    x = tf.Variable(2.0, name="x")
    f = x * x
    (g,) = tf.gradients(f, [x])
    step = tf.assign_sub(x, 0.1 * g)
    summary.scalar("curr_x", x)
    summary.scalar("curr_f", f)
    summaries = summary.merge_all()
    s = tf.InteractiveSession()
    writer = summary.FileWriter(str(tmp_path / "logs" / "1"), s.graph)
    s.run(tf.global_variables_initializer())
    seen = []
    for i in range(10):
        _, curr_summaries, cx, cf = s.run([step, summaries, x, f])
        assert isinstance(curr_summaries, bytes)
        writer.add_summary(curr_summaries, i)
        writer.flush()
        seen.append((cx, cf))
    acc = load(tmp_path / "logs" / "1")
    assert sorted(acc.Tags()["scalars"]) == ["curr_f", "curr_x"]
    xs, fs = acc.Scalars("curr_x"), acc.Scalars("curr_f")
    assert [e.step for e in xs] == list(range(10)) == [e.step for e in fs]
    # Reads before writes: both summaries show the values from before the step, so curr_f = curr_x² (as TF1
    # logs them), while x fetched directly comes back updated and f from before the step.
    logged_x = np.array([e.value for e in xs])
    np.testing.assert_array_equal(logged_x, np.array([2.0] + [c[0] for c in seen[:-1]], np.float32))
    np.testing.assert_array_equal([e.value for e in fs], np.array([c[1] for c in seen], np.float32))
    np.testing.assert_allclose([e.value for e in fs], logged_x ** 2, rtol=1e-6)
    assert acc.Tags()["graph"]
    names = {n.name for n in acc.Graph().node}
    assert "curr_x" in names and "Merge/MergeSummary" in names
    assert any(n.startswith("gradients/") for n in names)
    writer.close()


def test_tf_summary_namespace_is_wired():
    """`import graphgrad as tf` alone must give tf.summary (a fresh interpreter: importing the submodule here
    would set the attribute by itself)."""
    code = "import graphgrad as tf; assert tf.summary.FileWriter and tf.summary.merge_all"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_session_run_of_summary_op_gives_summary_bytes():
    t = summary.scalar("loss", tf.constant(3.5))
    assert t.dtype == tf.string and t.shape.as_list() == [] and t.op.type == "ScalarSummary"
    out = tf.Session().run(t)
    assert isinstance(out, bytes)
    (v,) = parse(out).value
    assert v.tag == "loss" and v.simple_value == 3.5


# --- names, tags and collections ----------------------------------------------------------------------

def test_tags_follow_name_scopes_and_are_unique():
    c = tf.constant(1.0)
    with tf.name_scope("loss"):
        a = summary.scalar("x", c)
        b = summary.scalar("x", c)
    fam = summary.scalar("y", c, family="train")
    odd = summary.scalar("my loss (avg)", c)
    assert [t.op.name for t in (a, b, fam, odd)] == ["loss/x", "loss/x_1", "train/y", "my_loss__avg_"]
    out = tf.Session().run(summary.merge([a, b, fam, odd]))
    assert [v.tag for v in parse(out).value] == ["loss/x", "loss/x_1", "train/train/y", "my_loss__avg_"]


def test_collections():
    c = tf.constant(1.0)
    default = summary.scalar("a", c)
    mine = summary.histogram("b", c, collections=["mine"])
    summary.scalar("c", c, collections=[])
    assert tf.get_collection(SUMMARIES) == [default]
    assert tf.get_collection("mine") == [mine]
    merged = summary.merge_all("mine")
    assert merged.op.name == "Merge/MergeSummary" and merged.op.inputs == (mine,)
    assert merged not in tf.get_collection(SUMMARIES)
    assert summary.merge_all("nothing-here") is None
    named = summary.merge([default], collections=["merged"], name="all")
    assert named.op.name == "all/all" and tf.get_collection("merged") == [named]


def test_merge_concatenates_values_and_rejects_duplicates():
    a = summary.scalar("a", tf.constant(1.0))
    h = summary.histogram("h", tf.constant([1.0, 2.0]))
    s = tf.Session()
    merged = parse(s.run(summary.merge([a, h])))
    assert [v.tag for v in merged.value] == ["a", "h"]
    assert merged.value[0].simple_value == 1.0 and merged.value[1].histo.num == 2
    nested = parse(s.run(summary.merge([summary.merge([a]), h])))
    assert [v.tag for v in nested.value] == ["a", "h"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate tag a"):
        s.run(summary.merge([a, a]))
    with pytest.raises(TypeError):
        summary.merge([tf.constant(1.0)])


def test_scalar_checks_shape_and_dtype():
    with pytest.raises(ValueError, match="not the same shape"):
        summary.scalar("v", tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError):
        summary.scalar("b", tf.constant(True))
    p = tf.placeholder(tf.float32, None)
    t = summary.scalar("p", p)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not the same shape"):
        tf.Session().run(t, {p: np.ones(2)})
    assert parse(tf.Session().run(t, {p: 7})).value[0].simple_value == 7.0
    i = summary.scalar("i", tf.constant(5, tf.int64))
    assert parse(tf.Session().run(i)).value[0].simple_value == 5.0


# --- histograms -------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, -0.0, 1e-13, -1e-13, 1e25]))))
def test_histogram_matches_tensorflow_buckets(values):
    h = summary_ops.histogram_proto(values)
    v = values.ravel()
    assert h.num == v.size and sum(h.bucket) == v.size
    assert h.min == v.min() and h.max == v.max()
    assert np.isclose(h.sum, v.sum()) and np.isclose(h.sum_squares, (v * v).sum())
    limits, counts = tf_histogram_reference(v)
    assert list(h.bucket_limit) == limits and list(h.bucket) == counts


def test_histogram_default_buckets_are_tensorflows():
    limits = summary_ops.BUCKET_LIMITS
    assert limits[len(limits) // 2] == 0.0 and np.all(np.diff(limits) > 0)
    assert limits[len(limits) // 2 + 1] == 1e-12 and np.isclose(limits[len(limits) // 2 + 2], 1.1e-12)
    assert limits[-1] == np.finfo(np.float64).max and limits[-2] >= 1e19
    np.testing.assert_array_equal(limits, -limits[::-1])
    empty = summary_ops.histogram_proto(np.zeros(0))
    assert empty.num == 0 and list(empty.bucket) == [0.0]


def test_histogram_written_and_read_back(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(20, 5)).astype(np.float32)
    p = tf.placeholder(tf.float32, (None, 5))
    with tf.name_scope("layer1"):
        h = summary.histogram("weights", p)
    s = tf.Session()
    with summary.FileWriter(str(tmp_path)) as w:
        for step in range(3):
            w.add_summary(s.run(h, {p: data * (step + 1)}), step)
    events = load(tmp_path).Histograms("layer1/weights")
    assert [e.step for e in events] == [0, 1, 2]
    for step, e in enumerate(events):
        v = (data * (step + 1)).astype(np.float64)
        hv = e.histogram_value
        assert hv.num == v.size and hv.min == v.min() and hv.max == v.max()
        assert np.isclose(hv.sum, v.sum()) and np.isclose(hv.sum_squares, (v ** 2).sum())
        assert sum(hv.bucket) == v.size
    with pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram for: layer1/weights"):
        s.run(h, {p: np.full((1, 5), np.nan)})


# --- images ---------------------------------------------------------------------------------------------

def test_uint8_images_are_png_encoded_exactly(tmp_path):
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(2, 5, 7, 3), dtype=np.uint8)
    t = summary.image("pics", tf.constant(imgs), max_outputs=3)
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_summary(tf.Session().run(t), 4)
    acc = load(tmp_path)
    assert sorted(acc.Tags()["images"]) == ["pics/image/0", "pics/image/1"]
    for i in range(2):
        (e,) = acc.Images(f"pics/image/{i}")
        assert (e.step, e.width, e.height) == (4, 7, 5)
        np.testing.assert_array_equal(decode_png(e.encoded_image_string), imgs[i])


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_float_images_scale_like_tensorflow(channels):
    rng = np.random.default_rng(channels)
    img = rng.random((3, 4, 6, channels)).astype(np.float32)
    img[0].flat[0] = 1.0                       # max 1: [0, 1] maps to [0, 255]
    img[1] *= 0.5                              # max < 1: stretched so the max is 255
    img[2] -= 0.5                              # negative values: 0 maps to 128
    out = parse(tf.Session().run(summary.image("im", tf.constant(img), max_outputs=2)))
    assert [v.tag for v in out.value] == ["im/image/0", "im/image/1"]
    v0, v1 = out.value
    assert (v0.image.height, v0.image.width, v0.image.colorspace) == (4, 6, channels)
    np.testing.assert_array_equal(decode_png(v0.image.encoded_image_string),
                                  (img[0] * np.float32(255.0)).astype(np.uint8))
    np.testing.assert_array_equal(decode_png(v1.image.encoded_image_string),
                                  (img[1] * np.float32(255.0 / img[1].max())).astype(np.uint8))
    (v2,) = parse(tf.Session().run(summary.image("neg", tf.constant(img[2:]), max_outputs=1))).value
    assert v2.tag == "neg/image"
    m = np.abs(img[2]).max()
    np.testing.assert_array_equal(decode_png(v2.image.encoded_image_string),
                                  (img[2] * np.float32(127.0 / m) + np.float32(128.0)).astype(np.uint8))


def test_non_finite_pixels_become_red_and_bad_shapes_fail():
    img = np.full((1, 2, 2, 3), 0.5, np.float32)
    img[0, 1, 1, 2] = np.nan
    (v,) = parse(tf.Session().run(summary.image("bad", tf.constant(img)))).value
    px = decode_png(v.image.encoded_image_string)
    assert px[1, 1].tolist() == [255, 0, 0] and px[0, 0].tolist() == [255, 255, 255]
    with pytest.raises(ValueError, match="4-D"):
        summary.image("x", tf.constant(np.zeros((2, 2, 3), np.float32)))
    with pytest.raises(ValueError, match="4-D"):
        summary.image("x", tf.constant(np.zeros((1, 2, 2, 2), np.float32)))
    with pytest.raises(TypeError):
        summary.image("x", tf.constant(np.zeros((1, 2, 2, 3), np.int32)))


def test_png_matches_an_independent_decoder_when_available():
    pil = pytest.importorskip("PIL.Image")
    import io

    rng = np.random.default_rng(3)
    for c in (1, 3, 4):
        img = rng.integers(0, 256, size=(9, 4, c), dtype=np.uint8)
        decoded = np.asarray(pil.open(io.BytesIO(summary_ops.encode_png(img))))
        np.testing.assert_array_equal(decoded.reshape(img.shape), img)


# --- text, tensors, audio ---------------------------------------------------------------------------------

def test_text_summary_uses_the_text_plugin(tmp_path):
    note = tf.placeholder(tf.string, ())
    with tf.name_scope("notes"):
        t = summary.text("run_info", note)
    table = summary.text("table", tf.constant([["a", "b"], ["ć", "d"]]))
    s = tf.Session()
    with summary.FileWriter(str(tmp_path)) as w:
        for step in range(2):
            w.add_summary(s.run(t, {note: f"**step** {step}"}), step)
        w.add_summary(s.run(table), 0)
    acc = load(tmp_path)
    assert acc.SummaryMetadata("notes/run_info").plugin_data.plugin_name == "text"
    events = acc.Tensors("notes/run_info")
    assert [tensor_util.make_ndarray(e.tensor_proto).item() for e in events] == [b"**step** 0", b"**step** 1"]
    (e,) = acc.Tensors("table")
    assert tensor_util.make_ndarray(e.tensor_proto).tolist() == [[b"a", b"b"], ["ć".encode(), b"d"]]
    assert summary.text("lit", "plain words").op.inputs[0].op.name == "lit/tensor"
    with pytest.raises(ValueError, match="dtype string"):
        summary.text("n", tf.constant(1.0))


def test_plugin_metadata_is_written_once_per_tag(tmp_path):
    t = summary.text("t", tf.constant("hi"))
    s = tf.Session()
    with summary.FileWriter(str(tmp_path)) as w:
        data = s.run(t)
        w.add_summary(data, 0)
        w.add_summary(data, 1)
    values = [v for e in raw_events(tmp_path) if e.HasField("summary") for v in e.summary.value]
    assert [v.HasField("metadata") for v in values] == [True, False]


def test_tensor_summary_numeric(tmp_path):
    arr = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = summary.tensor_summary("arr", tf.constant(arr), summary_description="six numbers")
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_summary(tf.Session().run(t), 3)
    (e,) = load(tmp_path).Tensors("arr")
    np.testing.assert_array_equal(tensor_util.make_ndarray(e.tensor_proto), arr)


def test_audio_summary(tmp_path):
    wave = np.sin(np.linspace(0, 20, 100)).reshape(1, 100).astype(np.float32)
    t = summary.audio("sound", tf.constant(wave), 8000)
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_summary(tf.Session().run(t), 0)
    (e,) = load(tmp_path).Audio("sound/audio/0")
    assert e.content_type == "audio/wav" and e.sample_rate == 8000 and e.length_frames == 100
    wav = e.encoded_audio_string
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    pcm = np.frombuffer(wav[44:], "<i2")
    np.testing.assert_array_equal(pcm, np.clip(np.round(wave[0] * 32768), -32768, 32767))


# --- the graph ----------------------------------------------------------------------------------------------

def _expected_inputs(op):
    return [t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}" for t in op.inputs] + \
        ["^" + c.name for c in op.control_inputs]


def test_graph_read_back_matches_graphgrad_ops(tmp_path):
    a = tf.placeholder(tf.float32, (None, 3), name="a")
    w = tf.Variable(np.ones((3, 2), np.float32), name="w")
    y = tf.matmul(a, w)
    loss = y * y
    grads = tf.gradients(loss, [w])
    with tf.control_dependencies([grads[0]]):
        tf.no_op(name="done")
    g = tf.get_default_graph()
    summary.FileWriter(str(tmp_path), g).close()
    gd = load(tmp_path).Graph()
    nodes = {n.name: n for n in gd.node}
    ops = g.get_operations()
    assert [n.name for n in gd.node] == [op.name for op in ops]
    for op in ops:
        n = nodes[op.name]
        assert n.op == op.type and list(n.input) == _expected_inputs(op)
        assert len(n.attr["_output_shapes"].list.shape) == len(op.outputs)
    assert any(name.startswith("gradients/") for name in nodes)
    assert list(nodes["done"].input) == ["^" + grads[0].op.name]
    assert nodes["a"].attr["dtype"].type == 1
    assert [d.size for d in nodes["a"].attr["shape"].shape.dim] == [-1, 3]
    assert [d.size for d in nodes["MatMul"].attr["_output_shapes"].list.shape[0].dim] == [-1, 2]
    assert nodes["MatMul"].attr["T"].type == 1 and nodes["MatMul"].attr["transpose_a"].b is False
    assert nodes["w"].attr["dtype"].type == 1 and nodes["w"].attr["_output_shapes"].list.shape[0].dim[0].size == 3
    np.testing.assert_array_equal(tensor_util.make_ndarray(nodes["w/initial_value"].attr["value"].tensor),
                                  np.ones((3, 2), np.float32))


def test_graph_def_encodes_multiple_outputs_and_big_constants():
    big = tf.constant(np.zeros(100_000, np.float32), name="big")
    small = tf.constant(np.array([1, 2], np.int64), name="small")
    gd = graph_to_graph_def(tf.get_default_graph())
    nodes = {n.name: n for n in gd.node}
    assert nodes["big"].attr["value"].tensor.tensor_content == b""
    assert [d.size for d in nodes["big"].attr["value"].tensor.tensor_shape.dim] == [100_000]
    assert nodes["small"].attr["dtype"].type == 9
    assert tensor_util.make_ndarray(nodes["small"].attr["value"].tensor).tolist() == [1, 2]
    assert big.op.name == "big" and small.op.name == "small"


# --- the writer -------------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_record_crc_matches_tensorboardx(data):
    from tensorboardX.record_writer import masked_crc32c as reference

    from graphgrad.io import tfrecord
    from graphgrad.summary import writer

    assert writer.masked_crc32c(data) == reference(data)
    assert tfrecord.crc32c_python(data) == tfrecord.crc32c(data)


def test_crc32c_known_value():
    from graphgrad.io import tfrecord

    assert tfrecord.crc32c_python(b"123456789") == 0xE3069283   # the CRC-32C check value


def test_event_file_name_and_version(tmp_path):
    w = summary.FileWriter(str(tmp_path / "run"), filename_suffix=".v1")
    (path,) = glob.glob(str(tmp_path / "run" / "events.out.tfevents.*"))
    assert path == w.event_file_path and path.endswith(".v1") and w.get_logdir() == str(tmp_path / "run")
    first = next(iter(LegacyEventFileLoader(path).Load()))
    assert first.file_version == "brain.Event:2"   # on disk before any flush
    w.close()


def test_close_loses_nothing_and_reopen_starts_a_new_file(tmp_path):
    w = summary.FileWriter(str(tmp_path), max_queue=1000, flush_secs=1000)
    proto = tb_summary_pb2.Summary(value=[tb_summary_pb2.Summary.Value(tag="v", simple_value=1.5)])
    for i in range(50):
        w.add_summary(proto if i % 2 else proto.SerializeToString(), global_step=np.int64(i))
    w.close()
    w.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        w.add_summary(proto, 99)
    assert any("closed" in str(c.message) for c in caught)
    assert [e.step for e in load(tmp_path).Scalars("v")] == list(range(50))
    w.reopen()
    w.add_summary(proto, 50)
    w.close()
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 2
    assert [e.step for e in load(tmp_path).Scalars("v")] == list(range(51))


def test_session_log_run_metadata_and_events(tmp_path):
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_session_log(summary.SessionLog(status=summary.SessionLog.START), 3)
        w.add_run_metadata(b"", "step3", 3)
        with pytest.raises(ValueError, match="already used"):
            w.add_run_metadata(b"", "step3", 4)
        w.add_event(summary.Event(step=7, summary=summary.Summary(
            value=[summary.Summary.Value(tag="e", simple_value=2.0)])))
    events = raw_events(tmp_path)
    assert [e.WhichOneof("what") for e in events] == ["file_version", "session_log", "tagged_run_metadata",
                                                      "summary"]
    assert events[1].step == 3 and events[2].tagged_run_metadata.tag == "step3" and events[3].step == 7


def test_add_summary_rejects_garbage(tmp_path):
    with summary.FileWriter(str(tmp_path)) as w:
        with pytest.raises(TypeError):
            w.add_summary(1.5, 0)


@pytest.mark.host_process("writes from a child process")
def test_writer_unclosed_at_exit_leaves_readable_events(tmp_path):
    script = textwrap.dedent(f"""
        import graphgrad as tf
        from graphgrad import summary
        x = tf.placeholder(tf.float32, ())
        s = summary.scalar("x", x)
        w = summary.FileWriter({str(tmp_path)!r}, tf.get_default_graph(), max_queue=10000, flush_secs=10000)
        sess = tf.Session()
        for i in range(25):
            w.add_summary(sess.run(s, {{x: i * 0.5}}), i)
        # No close() or flush(); a daemon thread keeps the writer alive, so no finalizer flushes it at exit
        # either: only the atexit hook can save these events.
        import threading, time
        threading.Thread(target=lambda w=w: time.sleep(1000), daemon=True).start()
        del w
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    acc = load(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("x")] == [(i, i * 0.5) for i in range(25)]
    assert acc.Tags()["graph"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_does_not_write_its_parents_events_again(tmp_path):
    script = textwrap.dedent(f"""
        import os
        from graphgrad import summary
        w = summary.FileWriter({str(tmp_path)!r}, max_queue=10000, flush_secs=10000)
        s = summary.Summary(value=[summary.Summary.Value(tag="v", simple_value=1.0)])
        for i in range(5):
            w.add_summary(s, i)
        pid = os.fork()
        if pid == 0:
            raise SystemExit(0)  # normal exit: atexit runs in the child too
        os.waitpid(pid, 0)
        for i in range(5, 10):
            w.add_summary(s, i)
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert [e.step for e in load(tmp_path).Scalars("v")] == list(range(10))
    assert [e.step for e in raw_events(tmp_path)] == [0] + list(range(10))


def test_file_writer_cache(tmp_path):
    w = summary.FileWriterCache.get(str(tmp_path))
    assert summary.FileWriterCache.get(str(tmp_path)) is w
    summary.FileWriterCache.clear()
    assert summary.FileWriterCache.get(str(tmp_path)) is not w
    summary.FileWriterCache.clear()


def test_a_full_disk_in_the_flush_thread_is_raised_in_the_writers_thread(tmp_path, monkeypatch):
    """The time-based flush runs on a daemon thread: its write error (ENOSPC) must reach the program (the next
    add_summary / flush / close raises it), not print a thread traceback."""
    import errno
    import threading
    import time

    thread_errors = []
    monkeypatch.setattr(threading, "excepthook", lambda args: thread_errors.append(args.exc_value))
    w = summary.FileWriter(str(tmp_path / "run"), max_queue=1000, flush_secs=0.02)
    event_file = w._file

    class FullDisk:
        def __init__(self, f):
            self._f = f

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._f, name)
    event_file._f = FullDisk(event_file._f)
    w.add_summary(tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=1.0)]), 1)
    deadline = time.monotonic() + 5
    while event_file._error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert thread_errors == [] and isinstance(event_file._error, OSError)
    with pytest.raises(OSError, match="No space left"):
        w.add_summary(tf.Summary(value=[tf.Summary.Value(tag="loss", simple_value=2.0)]), 2)
    event_file._f = event_file._f._f
    w.close()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_histogram_buckets_match_a_binary_search_at_every_limit(dtype):
    # the bit-table lookup must agree with std::upper_bound over the limits, also right at and beside each limit
    limits = summary_ops.BUCKET_LIMITS
    finite = limits[np.abs(limits) <= np.finfo(dtype).max].astype(dtype)
    near = np.concatenate([finite, np.nextafter(finite, dtype(-np.inf)), np.nextafter(finite, dtype(np.inf))])
    rng = np.random.default_rng(7)
    values = np.concatenate([near, np.array([0.0, -0.0, np.finfo(dtype).tiny / 4, -np.finfo(dtype).tiny / 4,
                                             np.finfo(dtype).max, -np.finfo(dtype).max], dtype),
                             (rng.standard_normal(20000) * 10.0 ** rng.uniform(-15, 25, 20000)).astype(dtype)])
    values = values[np.isfinite(values)]
    want = np.searchsorted(limits, values.astype(np.float64), side="right")
    np.testing.assert_array_equal(summary_ops._bucket_indices(values), want)
