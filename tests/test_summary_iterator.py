"""tf.train.summary_iterator reads an events file real TensorFlow wrote (tools/record_tf_events.py); reading
graphgrad's own files is recorded against TF (summary_iterator_events in tools/record_tf1_reference.py)."""
import os
import sys

import pytest

import graphgrad as tf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from record_tf_events import OUT, STEPS, value  # noqa: E402


def test_reads_the_events_tensorflow_wrote():
    events = list(tf.train.summary_iterator(os.path.join(OUT, "events.out.tfevents.tf")))
    assert events[0].file_version == "brain.Event:2"
    scalars = [(e.step, v.tag, v.simple_value) for e in events[1:] for v in e.summary.value]
    assert scalars == [(s, "loss", pytest.approx(value(s))) for s in STEPS]


def test_a_damaged_file_is_a_data_loss_error(tmp_path):
    with open(os.path.join(OUT, "events.out.tfevents.tf"), "rb") as f:
        data = bytearray(f.read())
    data[-3] ^= 0xFF
    path = tmp_path / "events.out.tfevents.bad"
    path.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="corrupted record"):
        list(tf.train.summary_iterator(str(path)))
