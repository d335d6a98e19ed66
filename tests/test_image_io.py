"""Image files in and out (ops/io_ops.py, ops/image_codec_ops.py): tf.read_file / write_file, decode_* against what
real TensorFlow decoded from the same files (tests/data/images/tf_decoded.npz, tools/record_tf_images.py), encode
round trips, TF's static shapes and errors. Needs Pillow (the `image` extra): skipped without it."""
import importlib.util
import os

import numpy as np
import pytest

import graphgrad as tf

pytest.importorskip("PIL", reason="tf.image's decode_*/encode_* need Pillow: pip install 'graphgrad[image]'")

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("record_tf_images",
                                               os.path.join(HERE, "..", "tools", "record_tf_images.py"))
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)
IMAGES = os.path.join(HERE, "data", "images")
TF_DECODED = np.load(os.path.join(IMAGES, "tf_decoded.npz"))
#: JPEG decoders differ: TF asks libjpeg for the fast integer IDCT, Pillow for the accurate one (4 levels measured)
JPEG_LEVELS = 6


def _decode(fn, data, channels, dtype):
    f = getattr(tf.image, fn)
    if fn == "decode_gif":
        return f(data)
    if fn in ("decode_png", "decode_image"):
        return f(data, channels=channels, dtype=getattr(tf, dtype))
    return f(data, channels=channels)


CASES = [(file, *case) for file, cases in recorder.CASES.items() for case in cases]


@pytest.mark.parametrize("file, fn, channels, dtype", CASES, ids=[recorder.key(*c) for c in CASES])
def test_decodes_what_tensorflow_decodes(file, fn, channels, dtype):
    path = os.path.join(IMAGES, file)
    with tf.Graph().as_default(), tf.Session() as s:
        got = s.run(_decode(fn, tf.read_file(path), channels, dtype))
    want = TF_DECODED[recorder.key(file, fn, channels, dtype)]
    assert got.shape == want.shape and got.dtype == want.dtype
    if file.endswith(".jpg"):
        np.testing.assert_allclose(got.astype(int), want.astype(int), atol=JPEG_LEVELS, rtol=0)
    else:
        np.testing.assert_array_equal(got, want)


def test_pixels_of_the_lossless_files_are_the_picture():
    p = recorder.picture()
    with tf.Session() as s:
        rgb, rgba, gif = s.run([tf.image.decode_png(tf.read_file(os.path.join(IMAGES, "rgb.png"))),
                                tf.image.decode_bmp(tf.read_file(os.path.join(IMAGES, "rgba.bmp"))),
                                tf.image.decode_gif(tf.read_file(os.path.join(IMAGES, "anim.gif")))])
    np.testing.assert_array_equal(rgb, p[..., :3])
    np.testing.assert_array_equal(rgba, p)
    assert gif.shape == (2, recorder.H, recorder.W, 3)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_round_trips_exactly(tmp_path, channels, dtype):
    if dtype == np.uint16 and channels > 1:
        pytest.skip("Pillow writes 16-bit PNGs with one channel only (UnimplementedError, tested below)")
    img = (np.random.default_rng(channels).integers(0, np.iinfo(dtype).max, (7, 9, channels))).astype(dtype)
    path = str(tmp_path / "deep" / "x.png")
    x = tf.placeholder(tf.as_dtype(dtype), [None, None, channels])
    write = tf.write_file(path, tf.image.encode_png(x, compression=9))
    back = tf.image.decode_png(tf.read_file(path), dtype=tf.as_dtype(dtype))
    with tf.Session() as s:
        s.run(write, {x: img})
        np.testing.assert_array_equal(s.run(back), img)


def test_jpeg_encodes_close_to_its_input():
    y, x = np.mgrid[0:32, 0:32]
    img = np.stack([x * 8, y * 8, (x + y) * 4], -1).astype(np.uint8)
    with tf.Session() as s:
        enc = tf.image.encode_jpeg(img, quality=95)
        back, gray = s.run([tf.image.decode_jpeg(enc), tf.image.decode_jpeg(tf.image.encode_jpeg(img[..., :1]))])
    assert np.abs(back.astype(int) - img).mean() < 2 and gray.shape == (32, 32, 1)


def test_static_shapes_names_and_dtypes_as_tf():
    c = tf.constant(b"")
    assert str(tf.image.decode_png(c)) == 'Tensor("DecodePng:0", shape=(?, ?, ?), dtype=uint8)'
    assert tf.image.decode_png(c, channels=3, dtype=tf.uint16).shape.as_list() == [None, None, 3]
    assert tf.image.decode_jpeg(c).name == "DecodeJpeg:0"
    assert tf.image.decode_gif(c).shape.as_list() == [None, None, None, 3]
    assert tf.image.decode_image(c).shape.ndims is None
    assert tf.image.decode_image(c, channels=3, expand_animations=False).shape.as_list() == [None, None, 3]
    assert tf.image.decode_image(c, dtype=tf.float32).dtype == tf.float32
    assert tf.read_file("x").name == "ReadFile:0" and tf.io.read_file is tf.read_file
    assert tf.write_file("x", "y").type == "WriteFile"
    assert tf.image.encode_png(tf.zeros([2, 2, 3], tf.uint8)).name == "EncodePng:0"


def test_tf_errors():
    with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2"):
        tf.image.encode_png(tf.zeros([2, 2], tf.uint8))
    with pytest.raises(TypeError, match="DataType float32 not in list of allowed values"):
        tf.image.encode_jpeg(tf.zeros([2, 2, 3]))
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        tf.image.decode_png(tf.constant([b"a", b"b"]))
    with tf.Session() as s:
        with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
            s.run(tf.read_file("/nonexistent/x.png"))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
            s.run(tf.image.decode_image(b"not an image"))
        with pytest.raises(tf.errors.InvalidArgumentError, match="animated gifs can only be decoded"):
            s.run(tf.image.decode_png(tf.read_file(os.path.join(IMAGES, "anim.gif"))))
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid PNG data"):
            s.run(tf.image.decode_png(b"\x89PNG\r\n\x1a\nbroken"))
        with pytest.raises(tf.errors.UnimplementedError, match="16-bit PNGs with one channel"):
            s.run(tf.image.encode_png(np.zeros((2, 2, 3), np.uint16)))


def test_missing_pillow_names_the_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"pip install 'graphgrad\[image\]'"):
        tf.image.decode_png(b"")
