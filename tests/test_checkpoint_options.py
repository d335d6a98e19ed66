"""tf.train.CheckpointOptions through Checkpoint.save / write (the checkpoint is complete when save returns, with
or without enable_async), and a wrong options object. TF's fields and errors: conformance
`graph_util_threading_checkpoint_options`."""
import numpy as np
import pytest

import graphgrad as tf


def test_save_and_write_take_checkpoint_options(tmp_path):
    v = tf.Variable([1.0, 2.0])
    ckpt = tf.train.Checkpoint(v=v)
    options = tf.train.CheckpointOptions(enable_async=True)
    with tf.Session() as s:
        s.run(v.initializer)
        path = ckpt.save(str(tmp_path / "ck"), session=s, options=options)
        ckpt.write(str(tmp_path / "exact"), session=s, options=tf.train.CheckpointOptions())
        s.run(v.assign([5.0, 6.0]))
        ckpt.restore(path).run_restore_ops(s)
        np.testing.assert_array_equal(s.run(v), [1.0, 2.0])
        with pytest.raises(TypeError, match="CheckpointOptions"):
            ckpt.save(str(tmp_path / "bad"), session=s, options={"enable_async": True})
