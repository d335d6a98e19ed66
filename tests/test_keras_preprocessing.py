"""Keras's data helpers beyond what tests/tf1_reference.json compares with tf_keras (the programs
keras_preprocessing_* and keras_utils_data): get_file against a local HTTP server, the enqueuers, plot_model,
interactive logging, the PIL image helpers, and Sequences in eager mode (TF2's Keras semantics)."""
import hashlib
import io
import json
import tarfile
import zipfile

import numpy as np
import pytest
from idx_server import Server

import graphgrad as tf
from graphgrad.eager import eager_mode
from graphgrad.keras import utils as U
from graphgrad.keras.preprocessing import image as I
from graphgrad.keras.preprocessing import text as T


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture
def served():
    files = {"a.txt": b"hello", "pack.tar.gz": _tar({"pack/one.txt": b"1", "../evil.txt": b"x"}),
             "z.zip": _zip({"inner/two.txt": b"2"})}
    with Server(files) as s:
        yield s, files


def test_get_file_downloads_checks_hashes_and_caches(served, tmp_path, capsys):
    s, files = served
    sha, md5 = hashlib.sha256(b"hello").hexdigest(), hashlib.md5(b"hello").hexdigest()
    path = U.get_file("a.txt", s.url("m") + "a.txt", file_hash=sha, cache_dir=tmp_path)
    assert path == str(tmp_path / "datasets" / "a.txt") and open(path, "rb").read() == b"hello"
    assert "Downloading data from" in capsys.readouterr().out
    assert U.get_file("a.txt", s.url("m") + "a.txt", md5_hash=md5, cache_dir=tmp_path) == path
    assert len(s.requests) == 1   # the cached file's md5 matched: no second download
    with open(path, "wb") as f:
        f.write(b"stale")
    U.get_file(origin=s.url("m") + "a.txt", file_hash=sha, cache_dir=tmp_path, cache_subdir="datasets")
    assert open(path, "rb").read() == b"hello" and len(s.requests) == 2
    assert "hash does not match the original value" in capsys.readouterr().out
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        U.get_file("b.txt", s.url("m") + "a.txt", file_hash="0" * 64, cache_dir=tmp_path)
    assert (tmp_path / "datasets" / "b.txt").exists()   # Keras leaves the file that failed its check
    with pytest.raises(Exception, match="URL fetch failure on .*404"):
        U.get_file("missing.txt", s.url("m") + "missing.txt", cache_dir=tmp_path)
    assert not (tmp_path / "datasets" / "missing.txt").exists()
    with pytest.raises(ValueError, match='specify the "origin"'):
        U.get_file("x")


def test_get_file_untars_and_extracts_inside_the_cache(served, tmp_path):
    s, files = served
    folder = U.get_file("pack", s.url("m") + "pack.tar.gz", untar=True, cache_dir=tmp_path, cache_subdir="d")
    assert folder == str(tmp_path / "d" / "pack") and (tmp_path / "d" / "pack" / "one.txt").read_bytes() == b"1"
    assert not (tmp_path / "evil.txt").exists()   # members reaching out of the folder are skipped
    path = U.get_file("z.zip", s.url("m") + "z.zip", extract=True, cache_dir=tmp_path)
    assert path.endswith("z.zip") and (tmp_path / "datasets" / "inner" / "two.txt").read_bytes() == b"2"
    assert U.validate_file(path, hashlib.sha256(files["z.zip"]).hexdigest())
    assert not U.validate_file(path, hashlib.md5(b"other").hexdigest())


class Numbers(U.Sequence):
    def __init__(self, n=4):
        self.n, self.ends = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2, 3), i + 10 * self.ends, np.float32), np.ones((2, 1), np.float32)

    def on_epoch_end(self):
        self.ends += 1


def test_ordered_enqueuer_yields_epochs_in_order_and_calls_on_epoch_end():
    seq = Numbers(3)
    enq = U.OrderedEnqueuer(seq, shuffle=False)
    enq.start(workers=2, max_queue_size=2)
    it = enq.get()
    firsts = [int(next(it)[0][0, 0]) for _ in range(6)]
    enq.stop()
    assert firsts == [0, 1, 2, 10, 11, 12] and not enq.is_running()
    shuffled = U.OrderedEnqueuer(Numbers(5), shuffle=True)
    shuffled.start()
    it = shuffled.get()
    assert sorted(int(next(it)[0][0, 0]) for _ in range(5)) == [0, 1, 2, 3, 4]
    shuffled.stop()


def test_generator_enqueuer_ends_with_the_generator_and_raises_its_error():
    enq = U.GeneratorEnqueuer(iter(range(5)))
    enq.start(workers=1, max_queue_size=2)
    assert list(enq.get()) == [0, 1, 2, 3, 4]

    def broken():
        yield 1
        raise RuntimeError("boom")
    enq = U.GeneratorEnqueuer(broken())
    enq.start()
    it = enq.get()
    assert next(it) == 1
    with pytest.raises(RuntimeError, match="boom"):
        next(it)


def test_sequence_in_eager_mode_follows_tf2_keras():
    """TF2's Keras (eager) reads batch 0 first to build, calls on_epoch_end after every epoch and after
    evaluate/predict, and weights evaluate's mean by batch size (tf_keras 2.21, checked by hand)."""
    class Logged(Numbers):
        def __getitem__(self, i):
            self.read = [*getattr(self, "read", []), i]
            return np.full((i + 1, 3), 1.0, np.float32), np.full((i + 1, 1), float(i), np.float32)

    seq = Logged(3)
    with eager_mode():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(tf.keras.optimizers.SGD(0.0), "mse")
        model.fit(seq, epochs=2, verbose=0, shuffle=False)
        assert seq.ends == 2 and seq.read == [0, 0, 1, 2, 0, 1, 2]
        loss = model.evaluate(seq, verbose=0)   # squared labels 0, 1, 4 over 1, 2, 3 rows
        assert loss == pytest.approx((0 * 1 + 1 * 2 + 4 * 3) / 6)
        assert model.predict(seq, verbose=0).shape == (6, 1) and seq.ends == 4


def test_fit_rejects_sample_weights_and_validation_split_for_sequences():
    class Weighted(Numbers):
        def __getitem__(self, i):
            return (*super().__getitem__(i), np.ones(2))
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
        model.compile("sgd", "mse")
        with pytest.raises(ValueError, match="no sample weights"):
            model.fit(Weighted(), verbose=0)
        with pytest.raises(ValueError, match="`validation_split` is only supported"):
            model.fit(Numbers(), validation_split=0.5, verbose=0)
        seq = Numbers(2)
        h = model.fit(seq, validation_data=Numbers(2), epochs=2, verbose=0)
        assert set(h.history) == {"loss", "val_loss"} and seq.ends == 1   # graph mode: between epochs only
        assert model.predict_generator(iter([np.ones((2, 3))] * 3), steps=2).shape == (4, 1)
        flow = I.ImageDataGenerator().flow(np.ones((5, 2, 2, 1)), np.ones(5), batch_size=2)
        image_model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(2, 2, 1)),
                                           tf.keras.layers.Dense(1)])
        image_model.compile("sgd", "mse")
        seen = []
        log = tf.keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(logs["size"]))
        image_model.fit_generator(flow, steps_per_epoch=5 / 2, verbose=0, shuffle=False, callbacks=[log])
        # (TF1 programs give steps_per_epoch=len(x) / batch_size)
        assert seen == [2, 2, 1]
        assert np.isfinite(model.evaluate_generator(Numbers(2)))


def test_generators_need_steps_in_graph_mode_and_run_out_eagerly(capsys):
    def batches(n):
        for _ in range(n):
            yield np.ones((2, 3), np.float32), np.zeros((2, 1), np.float32)
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
        model.compile("sgd", "mse")
        with pytest.raises(ValueError, match="via the `steps_per_epoch` argument"):
            model.fit(batches(3), verbose=0)
        with pytest.raises(ValueError, match="via the `steps` argument"):
            model.evaluate(batches(3), verbose=0)
        with pytest.raises(ValueError, match="specify the `validation_steps` argument"):
            model.fit(batches(3), steps_per_epoch=1, validation_data=batches(3), verbose=0)
    with eager_mode():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(batches(3), verbose=1)
        assert "3/3 [" in capsys.readouterr().out
        assert model.predict(batches(2)).shape == (4, 1)


def test_model_to_dot_and_plot_model(tmp_path):
    pytest.importorskip("graphviz")
    with tf.Graph().as_default():
        x = tf.keras.Input((3,), name="features")
        a, b = tf.keras.layers.Dense(2, activation="relu", name="left")(x), tf.keras.layers.Dense(2, name="right")(x)
        model = tf.keras.Model(x, tf.keras.layers.Add(name="sum")([a, b]))
        dot = U.model_to_dot(model, show_shapes=True, show_layer_activations=True)
        src = dot.source
        assert 'label="{features|InputLayer}|{input:|(None, 3)}|{output:|(None, 3)}"' in src
        assert "{left|Dense}|{relu}" in src and src.count("->") == 4 and "rankdir=TB" in src
        U.plot_model(model, to_file=tmp_path / "m.dot", rankdir="LR")
        assert "rankdir=LR" in (tmp_path / "m.dot").read_text()
        assert U.model_to_dot(model, layer_range=["left", "right"]).source.count("label=") == 2
        with pytest.raises(ValueError, match="layer_range"):
            U.model_to_dot(model, layer_range=["nope", "sum"])
        import shutil
        if shutil.which("dot") is None:
            with pytest.raises(ImportError, match="You must install graphviz"):
                U.plot_model(model, to_file=tmp_path / "m.png")
        else:
            U.plot_model(model, to_file=tmp_path / "m.png")
            assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


def test_interactive_logging_sends_messages_to_absl(capsys, monkeypatch):
    logged = []
    monkeypatch.setattr(U._absl_logging, "info", lambda msg, *a: logged.append(msg))
    assert U.is_interactive_logging_enabled()
    U.disable_interactive_logging()
    try:
        assert not U.is_interactive_logging_enabled()
        U.print_msg("hidden")
        U.Progbar(2).update(2, [("loss", 0.5)], finalize=True)
    finally:
        U.enable_interactive_logging()
    U.print_msg("shown")
    out = capsys.readouterr().out
    assert out == "shown\n" and logged[0] == "hidden" and "loss: 0.5000" in logged[1]


def test_image_helpers_round_trip_through_pil(tmp_path):
    pytest.importorskip("PIL")
    x = np.arange(4 * 6 * 3, dtype=np.float32).reshape(4, 6, 3)
    img = U.array_to_img(x)
    assert img.mode == "RGB" and img.size == (6, 4)
    np.testing.assert_allclose(U.img_to_array(img), np.floor(x / x.max() * 255), atol=1)
    assert U.img_to_array(img, "channels_first").shape == (3, 4, 6)
    assert U.array_to_img(np.full((2, 3, 1), 300.0), scale=False).mode == "I"
    assert U.array_to_img(np.ones((2, 3, 4)), scale=False).mode == "RGBA"
    U.save_img(tmp_path / "a.png", x)
    back = U.load_img(tmp_path / "a.png")
    np.testing.assert_array_equal(U.img_to_array(back), U.img_to_array(img))
    assert U.load_img(str(tmp_path / "a.png"), color_mode="grayscale").mode == "L"
    assert U.load_img(tmp_path / "a.png", target_size=(2, 3)).size == (3, 2)
    assert U.load_img(tmp_path / "a.png", target_size=(2, 2), keep_aspect_ratio=True).size == (2, 2)
    with pytest.warns(UserWarning, match="does not support RGBA"):
        U.save_img(tmp_path / "b.jpg", np.ones((2, 2, 4)), file_format="jpeg")
    with pytest.raises(ValueError, match="Invalid interpolation method"):
        U.load_img(tmp_path / "a.png", target_size=(2, 2), interpolation="magic")
    with pytest.raises(ValueError, match="rank 3"):
        U.array_to_img(np.ones((2, 2)))
    assert I.load_img is U.load_img and tf.keras.preprocessing.image.img_to_array is U.img_to_array


def test_brightness_and_flow_options():
    pytest.importorskip("PIL")
    x = np.random.RandomState(0).uniform(0, 255, (3, 4, 4, 3)).astype(np.float32)
    bright = I.apply_brightness_shift(x[0], 1.5)
    assert bright.shape == (4, 4, 3) and bright.mean() > x[0].mean()
    gen = I.ImageDataGenerator(brightness_range=(0.5, 0.6), validation_split=1 / 3)
    out = gen.random_transform(x[0], seed=1)
    assert out.mean() < x[0].mean()
    train = gen.flow(x, np.array([0, 1, 1]), batch_size=5, subset="training", ignore_class_split=True)
    val = gen.flow((x, [np.arange(3)]), np.array([0, 1, 1]), batch_size=5, subset="validation",
                   ignore_class_split=True)
    assert train.n == 2 and val.n == 1 and len(val[0][0]) == 2 and list(val[0][0][1]) == [0]
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0, 1, 1]), subset="training")


def test_flow_from_directory_reads_classes_from_folders(tmp_path, capsys):
    pytest.importorskip("PIL")
    for cls, colours in (("dog", [10, 20, 30]), ("cat", [40, 50])):
        for i, value in enumerate(colours):
            folder = tmp_path / cls / ("nested" if i == 2 else "")
            folder.mkdir(parents=True, exist_ok=True)
            U.save_img(folder / f"{i}.png", np.full((6, 8, 3), value, np.float32), scale=False)
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    gen = I.ImageDataGenerator(rescale=0.5, validation_split=0.5)
    it = gen.flow_from_directory(tmp_path, target_size=(3, 4), batch_size=2, shuffle=False)
    assert capsys.readouterr().out == "Found 5 images belonging to 2 classes.\n"
    assert it.class_indices == {"cat": 0, "dog": 1} and list(it.classes) == [0, 0, 1, 1, 1]
    assert it.filenames == ["cat/0.png", "cat/1.png", "dog/0.png", "dog/1.png", "dog/nested/2.png"]
    x, y = it[0]
    assert x.shape == (2, 3, 4, 3) and len(it) == 3
    np.testing.assert_array_equal(x[:, 0, 0, 0], [20, 25])
    np.testing.assert_array_equal(y, [[1, 0], [1, 0]])
    grey = gen.flow_from_directory(tmp_path, target_size=(2, 2), color_mode="grayscale", class_mode="sparse",
                                   classes=["dog"], batch_size=3, shuffle=False)
    x, y = grey[0]
    assert x.shape == (3, 2, 2, 1) and y.tolist() == [0, 0, 0] and grey[0][0][2, 0, 0, 0] == 15
    val = gen.flow_from_directory(tmp_path, target_size=(2, 2), class_mode=None, subset="validation")
    train = gen.flow_from_directory(tmp_path, target_size=(2, 2), class_mode="input", subset="training")
    assert val.filenames == ["cat/0.png", "dog/0.png"] and train.samples == 3
    x, y = train[0]
    np.testing.assert_array_equal(x, y)
    assert isinstance(val[0], np.ndarray)
    with pytest.raises(ValueError, match="Invalid class_mode"):
        gen.flow_from_directory(tmp_path, class_mode="multi")
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(3, 4, 3)), tf.keras.layers.Dense(2)])
        model.compile("sgd", "mse")
        assert len(model.fit(it, epochs=2, verbose=0).history["loss"]) == 2


def test_tokenizer_json_round_trip_keeps_every_count():
    tok = T.Tokenizer(oov_token="?")
    tok.fit_on_texts(["b a b", "c"])
    config = json.loads(tok.to_json())["config"]
    back = T.tokenizer_from_json(tok.to_json())
    assert json.loads(config["word_index"]) == {"?": 1, "b": 2, "a": 3, "c": 4}
    assert back.get_config() == tok.get_config()
    assert back.texts_to_matrix(["b z"], "count").tolist() == [[0, 1, 1, 0, 0]]
