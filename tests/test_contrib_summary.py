"""tf.contrib.summary (graphgrad/contrib/summary.py): summaries written eagerly, or by their op in graph mode, to the
default writer's event file, under the recording condition; read back with the summary tests' reader."""
from __future__ import annotations

import numpy as np
from test_summary import load, raw_events

import graphgrad as tf
from graphgrad.eager import eager_mode

cs = tf.contrib.summary


def _scalars(logdir, tag):
    return [(e.step, e.value) for e in load(logdir).Scalars(tag)]


def test_eager_scalar_histogram_image(tmp_path):
    with eager_mode():
        writer = cs.create_file_writer(str(tmp_path))
        with writer.as_default(), cs.always_record_summaries():
            for step in range(3):
                assert bool(cs.scalar("loss", tf.constant(1.5) * step, step=step).numpy())
            cs.histogram("weights", tf.constant([1.0, 2.0, 2.0, 5.0]), step=7)
            cs.image("picture", np.linspace(0, 1, 2 * 4 * 5 * 3, dtype=np.float32).reshape(2, 4, 5, 3),
                     max_images=1, step=8)
            cs.flush()
    acc = load(tmp_path)
    assert _scalars(tmp_path, "loss") == [(0, 0.0), (1, 1.5), (2, 3.0)]
    (histo,) = acc.Histograms("weights")
    assert (histo.step, histo.histogram_value.num, histo.histogram_value.sum) == (7, 4, 10.0)
    (img,) = acc.Images("picture/image")
    assert (img.step, img.width, img.height) == (8, 5, 4)
    assert [p.name.endswith(".v2") for p in tmp_path.iterdir()] == [True]


def test_recording_conditions_and_the_global_step(tmp_path):
    with eager_mode():
        step = tf.train.get_or_create_global_step()
        assert tf.train.get_or_create_global_step() is step  # kept in eager mode, as TF does
        writer = cs.create_file_writer(str(tmp_path))
        with writer.as_default():
            assert not cs.should_record_summaries()
            assert not bool(cs.scalar("never", 1.0).numpy())  # the default: nothing is recorded
            with cs.record_summaries_every_n_global_steps(2):
                for _ in range(5):
                    cs.scalar("every2", tf.cast(step, tf.float32))  # step: the global step
                    step.assign_add(1)
            with cs.always_record_summaries(), cs.never_record_summaries():
                cs.scalar("never", 1.0, step=0)
        writer.flush()
    assert _scalars(tmp_path, "every2") == [(0, 0.0), (2, 2.0), (4, 4.0)]
    assert "never" not in load(tmp_path).Tags()["scalars"]


def test_no_default_writer_writes_nothing(tmp_path):
    with eager_mode(), cs.always_record_summaries():
        assert not bool(cs.scalar("x", 1.0, step=0).numpy())


def test_graph_mode_writes_when_the_op_runs(tmp_path):
    writer = cs.create_file_writer(str(tmp_path))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [])
        step = tf.train.get_or_create_global_step()
        with writer.as_default(), cs.record_summaries_every_n_global_steps(2):
            cs.scalar("x", x * 2.0)
            cs.histogram("xs", tf.stack([x, x]))
        incr = tf.assign_add(step, 1)
        assert len(cs.all_summary_ops()) == 2
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            for i in range(4):
                s.run(cs.all_summary_ops(), {x: float(i)})
                s.run(incr)
    writer.close()
    assert _scalars(tmp_path, "x") == [(0, 0.0), (2, 4.0)]
    assert [h.step for h in load(tmp_path).Histograms("xs")] == [0, 2]
    assert sum(1 for e in raw_events(tmp_path) if e.HasField("summary")) == 4


def test_tf_summary_tags_are_names_when_executing_eagerly():
    with eager_mode():
        serialized = tf.summary.scalar("loss", 1.0).numpy().item()
    from tensorboard.compat.proto import summary_pb2
    assert summary_pb2.Summary.FromString(serialized).value[0].tag == "loss"


def test_image_bad_color_is_used_for_non_finite_pixels(tmp_path):
    from test_summary import decode_png, parse
    with tf.Graph().as_default(), tf.Session() as s:
        img = np.zeros((1, 1, 2, 3), np.float32)
        img[0, 0, 0] = np.nan
        out = s.run(tf.summary.image("i", img, bad_color=[0, 0, 255, 255]))
    pixels = decode_png(parse(out).value[0].image.encoded_image_string)
    assert pixels.reshape(-1, 3)[0].tolist() == [0, 0, 255]

