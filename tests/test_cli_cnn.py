"""`graphgrad train --model cnn`: the CNN on the digits and MNIST-1D, its filter images, checkpoints and resume."""
import json

import pytest

from graphgrad import trainer
from tests.test_cli import BATCHES, accumulator, assert_one_line_error, numbers, run_main

CNN = ["train", "--model", "cnn", "--no-progress", "--filters", "4,8", "--hidden", "16"]


def test_cnn_on_the_digits_logs_filter_images_and_resumes_exactly(tmp_path):
    straight, halves = tmp_path / "straight", tmp_path / "halves"
    code, out, err = run_main(CNN + ["--epochs", "2", "--dropout", "0.2", "--logdir", str(straight)])
    assert code == 0, err
    assert numbers(out)[3] > 0.15   # above chance after 2 epochs of a tiny CNN
    assert run_main(CNN + ["--epochs", "1", "--dropout", "0.2", "--logdir", str(halves)])[0] == 0
    code, resumed, err = run_main(CNN + ["--epochs", "2", "--dropout", "0.2", "--logdir", str(halves), "--resume"])
    assert code == 0, err
    assert "after epoch 1/2" in resumed
    assert numbers(resumed) == numbers(out)
    options = json.loads((straight / "config.json").read_text())["options"]
    assert options["model"] == "cnn" and options["filters"] == [4, 8]
    ea = accumulator(straight)
    assert {"weights/conv1/kernel", "weights/conv2/kernel", "weights/logits/kernel"} <= set(ea.Tags()["histograms"])
    images = ea.Images("conv1/filters/image")
    assert [i.step for i in images] == [BATCHES, 2 * BATCHES]
    assert (images[-1].height, images[-1].width) == (4, 4 * 4)   # 4 tiles of 3x3 and a blank row and column each


def test_resume_with_another_model_or_filters_is_refused(tmp_path):
    assert run_main(CNN + ["--epochs", "1", "--logdir", str(tmp_path)])[0] == 0
    code, _, err = run_main(["train", "--no-progress", "--hidden", "16", "--logdir", str(tmp_path), "--resume"])
    assert_one_line_error(code, err, 2, "--model mlp (the run has --model cnn)")
    assert "--filters" not in err
    code, _, err = run_main(CNN[:-4] + ["--filters", "4", "--hidden", "16", "--logdir", str(tmp_path), "--resume"])
    assert_one_line_error(code, err, 2, "--filters 4 (the run has --filters 4,8)")


def test_a_config_written_before_model_existed_resumes_as_the_mlp(tmp_path):
    assert run_main(["train", "--no-progress", "--hidden", "16", "--epochs", "1", "--logdir", str(tmp_path)])[0] == 0
    path = tmp_path / "config.json"
    config = json.loads(path.read_text())
    del config["options"]["model"], config["options"]["filters"]
    path.write_text(json.dumps(config))
    code, out, err = run_main(["train", "--no-progress", "--hidden", "16", "--epochs", "2", "--logdir", str(tmp_path),
                               "--resume"])
    assert code == 0, err
    assert "after epoch 1/2" in out


@pytest.mark.parametrize("argv, message", [
    (["--model", "transformer"], "invalid choice: 'transformer'"),
    (["--model", "cnn", "--dataset", "spiral"], "--dataset spiral has 2 features per point"),
    (["--filters", "8"], "--model mlp has none"),
    (["--model", "cnn", "--filters", "8,8,8,8"], "shrink the 8x8 input of digits to nothing"),
    (["--model", "cnn", "--filters", "8,x"], "expected comma-separated integers"),
])
def test_a_model_that_does_not_fit_exits_2(argv, message):
    code, _, err = run_main(["train", "--no-progress", "--no-logdir"] + argv)
    assert_one_line_error(code, err, 2, message)


def test_the_resume_command_names_the_model_and_filters():
    cfg = trainer.TrainConfig(model="cnn", filters=(4, 8), logdir="runs/a", epochs=3)
    assert trainer.resume_argv(cfg) == ["graphgrad", "train", "--logdir", "runs/a", "--resume", "--model", "cnn",
                                        "--filters", "4,8", "--epochs", "3"]


def test_cnn_parameter_count_matches_the_graph():
    import graphgrad as tf

    for dataset, features in (("digits", 64), ("mnist", 784), ("mnist1d", 40)):
        cfg = trainer.TrainConfig(model="cnn", dataset=dataset)
        with tf.Graph().as_default():
            trainer.Model(tf, cfg, features, 10)
            built = sum(int(v.shape.num_elements()) for v in tf.trainable_variables())
        assert trainer.parameter_count(cfg, features, 10) == built


def test_the_1d_cnn_on_mnist1d_shows_its_filters_as_rows(tmp_path):
    pytest.importorskip("mnist1d")
    code, out, err = run_main(["train", "--model", "cnn", "--dataset", "mnist1d", "--no-progress", "--epochs", "1",
                               "--filters", "8,8", "--hidden", "16", "--logdir", str(tmp_path)])
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith("mnist1d:")
    image = accumulator(tmp_path).Images("conv1/filters/image")[-1]
    assert (image.height, image.width) == (8, 5)   # one filter of width 5 per row
