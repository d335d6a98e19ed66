"""`graphgrad train --model rnn|lstm|gru`: recurrent cells over the digits' rows, checkpoints, resume, refusals."""
import json

import pytest

from graphgrad import trainer
from tests.test_cli import assert_one_line_error, numbers, run_main

RNN = ["train", "--no-progress", "--hidden", "16", "--lr", "0.01"]


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_each_cell_learns_the_digits_rows_in_one_epoch(model):
    code, out, err = run_main(RNN + ["--model", model, "--epochs", "1", "--no-logdir"])
    assert code == 0, err
    assert numbers(out)[3] > 0.2   # test accuracy above chance (0.1) after one epoch of 45 steps


def test_gru_checkpoints_and_resumes_exactly(tmp_path):
    straight, halves = tmp_path / "straight", tmp_path / "halves"
    gru = RNN + ["--model", "gru", "--hidden", "16,8"]
    code, out, err = run_main(gru + ["--epochs", "2", "--logdir", str(straight)])
    assert code == 0, err
    assert run_main(gru + ["--epochs", "1", "--logdir", str(halves)])[0] == 0
    code, resumed, err = run_main(gru + ["--epochs", "2", "--logdir", str(halves), "--resume"])
    assert code == 0, err
    assert "after epoch 1/2" in resumed
    assert numbers(resumed) == numbers(out)
    options = json.loads((straight / "config.json").read_text())["options"]
    assert options["model"] == "gru" and options["hidden"] == [16, 8] and options["filters"] is None


def test_resume_with_another_model_is_refused(tmp_path):
    assert run_main(RNN + ["--model", "lstm", "--epochs", "1", "--logdir", str(tmp_path)])[0] == 0
    code, _, err = run_main(RNN + ["--model", "gru", "--epochs", "1", "--logdir", str(tmp_path), "--resume"])
    assert_one_line_error(code, err, 2, "--model gru (the run has --model lstm)")


@pytest.mark.parametrize("argv, message", [
    (["--model", "gru", "--dataset", "spiral"], "--dataset spiral has 2 features per point"),
    (["--model", "lstm", "--filters", "8"], "--model lstm has none"),
])
def test_a_recurrent_model_that_does_not_fit_exits_2(argv, message):
    code, _, err = run_main(["train", "--no-progress", "--no-logdir"] + argv)
    assert_one_line_error(code, err, 2, message)


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_recurrent_parameter_count_matches_the_graph(model):
    import graphgrad as tf

    for dataset, features in (("digits", 64), ("mnist", 784), ("mnist1d", 40)):
        cfg = trainer.TrainConfig(model=model, dataset=dataset, hidden=(12, 7))
        with tf.Graph().as_default():
            trainer.Model(tf, cfg, features, 10)
            built = sum(int(v.shape.num_elements()) for v in tf.trainable_variables())
            assert {v.op.name.split("/")[0] for v in tf.trainable_variables()} == {"rnn", "hidden1", "logits"}
        assert trainer.parameter_count(cfg, features, 10) == built


def test_sequence_shapes_are_rows_or_samples():
    assert trainer.TrainConfig(model="gru", dataset="digits").sequence_shape == (8, 8)
    assert trainer.TrainConfig(model="gru", dataset="mnist").sequence_shape == (28, 28)
    assert trainer.TrainConfig(model="gru", dataset="mnist1d").sequence_shape == (40, 1)
