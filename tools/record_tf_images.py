"""Small image files and what real TensorFlow decodes from them, for tests/test_image_io.py.

    python tools/record_tf_images.py --inputs   # in a venv with Pillow (graphgrad's): writes the image files
    python tools/record_tf_images.py            # in a venv with tensorflow-cpu: writes tf_decoded.npz

Both write to tests/data/images/. The files are a few hundred bytes each: PNGs (RGB, RGBA, gray, gray+alpha,
16-bit gray, palette), JPEGs (RGB, gray), BMPs (24- and 32-bit) and GIFs (one frame, two frames), all of one
deterministic picture. tf_decoded.npz holds TF's decode of each under each `channels` (and dtype), keyed
`file|function|channels|dtype`; the test decodes the same files with graphgrad and compares (JPEGs with a
tolerance: libjpeg builds may differ by a few levels).
"""
from __future__ import annotations

import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "images")
H, W = 6, 5


def picture():
    """[H, W, 4] uint8: smooth gradients with an edge, so JPEG and channel conversions have something to do."""
    y, x = np.mgrid[0:H, 0:W]
    r = (40 * x + 10 * y) % 256
    g = (255 - 30 * y) % 256
    b = np.where(x > y, 200, 30)
    a = (255 - 20 * x * y) % 256
    return np.stack([r, g, b, a], -1).astype(np.uint8)


#: file -> [(function, channels, dtype)] recorded under TF
CASES = {
    "rgb.png": [("decode_png", c, "uint8") for c in (0, 1, 3, 4)] + [("decode_png", 0, "uint16"),
                                                                         ("decode_image", 0, "uint8"),
                                                                         ("decode_jpeg", 0, "uint8")],
    "rgba.png": [("decode_png", c, "uint8") for c in (0, 1, 3, 4)],
    "gray.png": [("decode_png", c, "uint8") for c in (0, 1, 3, 4)],
    "gray_alpha.png": [("decode_png", c, "uint8") for c in (0, 1, 3, 4)],
    "gray16.png": [("decode_png", 0, "uint16"), ("decode_png", 0, "uint8"), ("decode_png", 3, "uint16")],
    "palette.png": [("decode_png", 0, "uint8"), ("decode_png", 3, "uint8")],
    "rgb.jpg": [("decode_jpeg", c, "uint8") for c in (0, 1, 3)] + [("decode_image", 0, "uint8"),
                                                                    ("decode_png", 0, "uint8")],
    "gray.jpg": [("decode_jpeg", c, "uint8") for c in (0, 1, 3)],
    "rgb.bmp": [("decode_bmp", 0, "uint8"), ("decode_bmp", 4, "uint8"), ("decode_image", 0, "uint8")],
    "rgba.bmp": [("decode_bmp", 0, "uint8"), ("decode_bmp", 3, "uint8")],
    "still.gif": [("decode_gif", 0, "uint8"), ("decode_image", 0, "uint8"), ("decode_png", 0, "uint8")],
    "anim.gif": [("decode_gif", 0, "uint8"), ("decode_image", 0, "uint8")],
}


def key(file, fn, channels, dtype):
    return f"{file}|{fn}|{channels}|{dtype}"


def write_inputs():
    from PIL import Image

    os.makedirs(OUT, exist_ok=True)
    p = picture()
    gray = p[..., 1]
    Image.fromarray(p[..., :3]).save(os.path.join(OUT, "rgb.png"))
    Image.fromarray(p).save(os.path.join(OUT, "rgba.png"))
    Image.fromarray(gray).save(os.path.join(OUT, "gray.png"))
    Image.fromarray(p[..., [1, 3]]).save(os.path.join(OUT, "gray_alpha.png"))
    Image.fromarray(gray.astype(np.uint16) * 257 + np.arange(W, dtype=np.uint16)).save(
        os.path.join(OUT, "gray16.png"))
    Image.fromarray(p[..., :3]).quantize(8).save(os.path.join(OUT, "palette.png"))
    Image.fromarray(p[..., :3]).save(os.path.join(OUT, "rgb.jpg"), quality=90)
    Image.fromarray(gray).save(os.path.join(OUT, "gray.jpg"), quality=90)
    Image.fromarray(p[..., :3]).save(os.path.join(OUT, "rgb.bmp"))
    Image.fromarray(p).save(os.path.join(OUT, "rgba.bmp"))
    frames = [Image.fromarray(p[..., :3]).quantize(16), Image.fromarray(255 - p[..., :3]).quantize(16)]
    frames[0].save(os.path.join(OUT, "still.gif"))
    frames[0].save(os.path.join(OUT, "anim.gif"), save_all=True, append_images=frames[1:], duration=100, loop=0)


def record():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf

    tf.disable_v2_behavior()
    out = {}
    with tf.Session() as s:
        for file, cases in CASES.items():
            data = open(os.path.join(OUT, file), "rb").read()
            for fn, c, dt in cases:
                f = getattr(tf.image, fn)
                if fn == "decode_gif":
                    t = f(data)
                elif fn in ("decode_png", "decode_image"):
                    t = f(data, channels=c, dtype=getattr(tf, dt))
                else:
                    t = f(data, channels=c)
                out[key(file, fn, c, dt)] = s.run(t)
    np.savez_compressed(os.path.join(OUT, "tf_decoded.npz"), **out)
    print(f"wrote {len(out)} decodes to {os.path.relpath(OUT)}/tf_decoded.npz")


if __name__ == "__main__":
    write_inputs() if "--inputs" in sys.argv[1:] else record()
