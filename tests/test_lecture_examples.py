"""The closing lecture's hints ("deep learning is a language"), each an example in examples/ whose claim is checked
here at a small size with fixed seeds. The full runs' figures are in docs/language.md."""
import numpy as np
import pytest

from tests.test_examples import _one_blas_thread, load_example  # noqa: F401  (the fixture applies here too)


def mean(values):
    return float(np.mean(values))


def test_several_inputs_image_dropout_makes_the_image_less_important():
    ex = load_example("several_inputs")
    r = ex.main(n_small=200, seeds=(0,), epochs=30,
                models=("features only", "image only", "both", "both, image dropout 0.8"))["accuracy"]
    # The noisy pixels alone carry little; the joined model naively leans on them and loses much of what the
    # high-level features give; dropout on the image branch gives most of it back.
    assert mean(r["image only"]) < 0.4 < 0.75 < mean(r["features only"])
    assert mean(r["both, image dropout 0.8"]) > mean(r["both"]) + 0.2


def test_transfer_from_the_larger_set_beats_training_from_scratch():
    pytest.importorskip("mnist1d")
    ex = load_example("transfer")
    r = ex.main(n_small=50, seeds=(0, 1, 2), pretrain_epochs=5, epochs=30)
    assert r["source_accuracy"] > 0.9
    assert not r["frozen_trunk_changed"] and r["finetune_trunk_changed"]   # var_list + stop_gradient freeze it
    assert mean(r["finetune"]) > mean(r["scratch"]) + 0.03
    assert mean(r["frozen"]) > mean(r["scratch"])


def test_the_auxiliary_task_helps_the_digit_head_on_a_small_set():
    ex = load_example("multitask")
    r = ex.main(n_small=100, n_aux=1347, aux_weights=(0.0, 1.0), seeds=(0, 1, 2), epochs=60)["accuracy"]
    assert mean(r[1.0]) > mean(r[0.0]) + 0.01


def test_regularizers_each_do_what_they_say():
    ex = load_example("regularization")
    r = ex.main(n_small=200, seeds=(0,), epochs=30)
    none = r["none"]
    assert r["l1"]["near_zero"] > 0.6 > 0.2 > none["near_zero"]          # sparse first layer
    assert none["near_zero"] < r["l2"]["near_zero"] < r["l1"]["near_zero"]
    for hint in ("l1", "l2", "dropout"):                                    # at no large cost in accuracy
        assert r[hint]["test"] > none["test"] - 0.04
    assert r["shifts"]["shifted"] > none["shifted"] + 0.3                  # indifferent to one-pixel shifts


def test_the_cnn_is_shift_invariant_where_the_mlp_is_not():
    ex = load_example("shift_invariance")
    r = ex.main(epochs=10, with_mnist1d=pytest.importorskip("mnist1d") is not None)
    (mlp_clean, mlp_moved), (cnn_clean, cnn_moved) = r["digits"]["mlp"], r["digits"]["cnn"]
    assert min(mlp_clean, cnn_clean) > 0.9
    assert cnn_moved > mlp_moved + 0.05
    assert r["mnist1d"]["cnn"] > r["mnist1d"]["mlp"] + 0.15
