"""tf.feature_column beyond the recordings (tests/tf1_reference.json: feature_column_*): vocabulary files,
identity range checks, SparseTensor inputs, and the premade estimators on categorical columns, with the
wide-and-deep model trained on a small census-like table."""
import numpy as np
import pytest

import graphgrad as tf
from graphgrad.framework import errors
from graphgrad.ops.fingerprint import fingerprint64

fc = tf.feature_column


def _run(t, feed=None):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s.run(t, feed)


def test_fingerprint64_known_values():
    # FarmHash Fingerprint64 values as TF's to_hash_bucket_fast gives them (bucket count 2**62 + 7), one per
    # length class of the algorithm: 0-3, 4-7, 8-16, 17-32, 33-64 and over 64 bytes.
    cases = {b"": 1936946117179621441, b"abc": 2640714258260161385, b"hello": 3786372426573024474,
             b"abcdefghijklmnop": 1469030743107030710, b"y" * 31: 4502319106065319201,
             b"q" * 64: 3227602484106814562, bytes(range(200)): 525935771297148851}
    assert {k: fingerprint64(k) % (2**62 + 7) for k in cases} == cases


def test_vocabulary_file_reads_lines_and_counts_oov(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("red\ngreen\nblue\n")
    tf.reset_default_graph()
    col = fc.categorical_column_with_vocabulary_file("color", str(path), vocabulary_size=2, num_oov_buckets=1)
    assert col.num_buckets == 3
    out = fc.input_layer({"color": tf.constant(["green", "blue", "red"])}, [fc.indicator_column(col)])
    np.testing.assert_array_equal(_run(out), [[0, 1, 0], [0, 0, 1], [1, 0, 0]])   # blue is past vocabulary_size


def test_identity_out_of_range_fails_the_run_without_default():
    tf.reset_default_graph()
    x = tf.placeholder(tf.int64, [None])
    out = fc.input_layer({"n": x}, [fc.indicator_column(fc.categorical_column_with_identity("n", 3))])
    np.testing.assert_array_equal(_run(out, {x: [0, 2]}), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(errors.InvalidArgumentError, match='Bucket index for categorical column "n" exceeds'):
        _run(out, {x: [3]})


def test_sparse_and_dense_inputs_give_the_same_embedding():
    tf.reset_default_graph()
    col = fc.categorical_column_with_vocabulary_list("w", ["a", "b", "c"])
    emb = fc.embedding_column(col, 2, combiner="sum", initializer=tf.constant_initializer([[1, 2], [3, 4], [5, 6]]))
    sparse = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], ["a", "c", "b"], [3, 2])
    dense = tf.constant([["a", "c"], ["", ""], ["b", ""]])
    with tf.variable_scope("s"):
        a = fc.input_layer({"w": sparse}, [emb])
    with tf.variable_scope("d"):
        b = fc.input_layer({"w": dense}, [emb])
    got_a, got_b = _run([a, b])
    np.testing.assert_array_equal(got_a, [[6, 8], [0, 0], [3, 4]])
    np.testing.assert_array_equal(got_a, got_b)


def _census(n, seed):
    """A census-like table: education and occupation strings, age, hours; the label depends on education
    crossed with age and on hours."""
    rng = np.random.RandomState(seed)
    edu = rng.choice(["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"], n)
    occ = rng.choice(["Tech-support", "Sales", "Exec-managerial", "Craft-repair"], n)
    age = rng.uniform(18, 80, n).astype(np.float32)
    hours = rng.uniform(10, 70, n).astype(np.float32)
    score = (np.isin(edu, ["Masters", "Doctorate"]) & (age > 30)) + (hours > 45) + (occ == "Exec-managerial")
    label = np.where(score >= 1, ">50K", "<=50K")
    return {"education": edu, "occupation": occ, "age": age, "hours": hours}, label


def _wide_and_deep_columns():
    edu = fc.categorical_column_with_vocabulary_list(
        "education", ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"])
    occ = fc.categorical_column_with_hash_bucket("occupation", 20)
    age = fc.bucketized_column(fc.numeric_column("age"), [25, 30, 40, 50, 60])
    wide = [edu, occ, age, fc.crossed_column(["education", age], 50)]
    deep = [fc.embedding_column(edu, 4), fc.indicator_column(occ),
            fc.numeric_column("hours", normalizer_fn=lambda v: v / 70), fc.numeric_column("age",
                                                                                    normalizer_fn=lambda v: v / 80)]
    return wide, deep


def test_wide_and_deep_trains_with_tf_variable_names(tmp_path):
    tf.reset_default_graph()
    x, y = _census(400, 0)
    wide, deep = _wide_and_deep_columns()
    model = tf.estimator.DNNLinearCombinedClassifier(
        model_dir=str(tmp_path), linear_feature_columns=wide, dnn_feature_columns=deep, dnn_hidden_units=[8, 4],
        label_vocabulary=["<=50K", ">50K"], config=tf.estimator.RunConfig(tf_random_seed=1))
    train = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=40, num_epochs=None, shuffle=True)
    evaluate = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=100, shuffle=False)
    before = model.train(train, steps=1).evaluate(evaluate)["average_loss"]
    after = model.train(train, steps=300).evaluate(evaluate)
    assert after["average_loss"] < 0.8 * before   # TF's default rates are small (FTRL 0.005, Adagrad 0.001)
    assert after["accuracy"] >= after["accuracy_baseline"]
    names = {n: model.get_variable_value(n).shape for n in model.get_variable_names()}
    # TF's names (tensorflow_estimator's dnn_linear_combined.py: scopes `dnn` and `linear`; feature_column's
    # `input_layer/<column>_embedding/embedding_weights` and `linear_model/<column>/weights`, as recorded under TF)
    expected = {
        "dnn/input_from_feature_columns/input_layer/education_embedding/embedding_weights": (5, 4),
        "dnn/hiddenlayer_0/kernel": (4 + 1 + 20 + 1, 8), "dnn/hiddenlayer_0/bias": (8,),
        "dnn/hiddenlayer_1/kernel": (8, 4), "dnn/hiddenlayer_1/bias": (4,),
        "dnn/logits/kernel": (4, 1), "dnn/logits/bias": (1,),
        "linear/linear_model/education/weights": (5, 1), "linear/linear_model/occupation/weights": (20, 1),
        "linear/linear_model/age_bucketized/weights": (6, 1),
        "linear/linear_model/age_bucketized_X_education/weights": (50, 1),
        "linear/linear_model/bias_weights": (1,), "global_step": ()}
    assert {n: s for n, s in names.items() if n in expected} == expected
    assert "linear/linear_model/education/weights/Ftrl" in names
    assert "dnn/hiddenlayer_0/kernel/Adagrad" in names
    assert model.get_variable_value("global_step") == 301
    pred = next(model.predict(tf.estimator.inputs.numpy_input_fn({k: v[:1] for k, v in x.items()}, shuffle=False)))
    assert pred["classes"][0] in (b"<=50K", b">50K")
    assert list(pred["all_classes"]) == [b"<=50K", b">50K"]


def test_linear_and_dnn_classifiers_take_categorical_columns(tmp_path):
    tf.reset_default_graph()
    x, y = _census(200, 1)
    y = (y == ">50K").astype(np.int64)
    wide, deep = _wide_and_deep_columns()
    train = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=50, num_epochs=None, shuffle=True)
    evaluate = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=100, shuffle=False)
    linear = tf.estimator.LinearClassifier(wide, model_dir=str(tmp_path / "linear"))
    assert linear.train(train, steps=100).evaluate(evaluate)["accuracy"] > 0.75
    assert linear.get_variable_value("linear/linear_model/occupation/weights").shape == (20, 1)
    dnn = tf.estimator.DNNClassifier([8], deep, model_dir=str(tmp_path / "dnn"))
    assert dnn.train(train, steps=100).evaluate(evaluate)["accuracy"] > 0.7
    with pytest.raises(ValueError, match="must be a _DenseColumn"):
        tf.estimator.DNNClassifier([8], wide, model_dir=str(tmp_path / "bad"))


def test_combined_regressor_and_its_errors(tmp_path):
    tf.reset_default_graph()
    x, _ = _census(100, 2)
    y = (x["hours"] / 10).astype(np.float32)
    wide, deep = _wide_and_deep_columns()
    model = tf.estimator.DNNLinearCombinedRegressor(model_dir=str(tmp_path), linear_feature_columns=wide,
                                                    dnn_feature_columns=deep, dnn_hidden_units=[4])
    train = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=50, num_epochs=None, shuffle=True)
    evaluate = tf.estimator.inputs.numpy_input_fn(x, y, batch_size=100, shuffle=False)
    first = model.train(train, steps=1).evaluate(evaluate)["average_loss"]
    assert model.train(train, steps=100).evaluate(evaluate)["average_loss"] < first
    with pytest.raises(ValueError, match="Either linear_feature_columns or dnn_feature_columns must be defined"):
        tf.estimator.DNNLinearCombinedClassifier()
    with pytest.raises(ValueError, match="dnn_hidden_units must be defined"):
        tf.estimator.DNNLinearCombinedClassifier(dnn_feature_columns=deep)


def test_fed_python_strings_give_the_ids_of_bytes():
    tf.reset_default_graph()
    x = tf.placeholder(tf.string, [None])
    edu = fc.categorical_column_with_vocabulary_list("e", ["a", "b"])
    cols = [fc.indicator_column(edu), fc.indicator_column(fc.categorical_column_with_hash_bucket("h", 5)),
            fc.indicator_column(fc.crossed_column(["e", edu], 7))]
    out = fc.input_layer({"e": x, "h": x}, cols)
    as_str = _run(out, {x: np.array(["b", "zz", ""], object)})
    np.testing.assert_array_equal(as_str, _run(out, {x: np.array([b"b", b"zz", b""], object)}))
    np.testing.assert_array_equal(as_str[:, 7:9], [[0, 1], [0, 0], [0, 0]])   # after e_X_e_indicator (7 wide)


def test_a_graph_of_feature_columns_round_trips_through_a_graph_def():
    tf.reset_default_graph()
    edu = fc.categorical_column_with_vocabulary_list("e", ["a", "b"], num_oov_buckets=1)
    age = fc.bucketized_column(fc.numeric_column("age"), [1.0, 2.0])
    f = {"e": tf.constant(["a", "q"]), "age": tf.constant([0.5, 3.0])}
    out = fc.input_layer(f, [fc.indicator_column(edu), fc.indicator_column(fc.crossed_column(["e", age], 5)), age])
    expected = _run(out)
    g = tf.Graph()
    with g.as_default():
        (copy,) = tf.import_graph_def(out.graph.as_graph_def(), return_elements=[out.name])
        with tf.Session() as s:
            np.testing.assert_array_equal(s.run(copy), expected)
