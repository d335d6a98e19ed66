"""MNIST and Fashion-MNIST: the four gzipped IDX files of each, fetched once, SHA-256 checked, cached.

`load_mnist()` and `load_fashion_mnist()` return the usual `Dataset`: the official 60,000 training and
10,000 test images, flattened to 784 float32 features in [0, 1] (pixel / 255; `x.reshape(-1, 28, 28)` gives
the images back), and int64 labels 0..9. Files live in `data_dir()/mnist` and `data_dir()/fashion_mnist`
(see `download.data_dir`); files copied there by hand are used without a network, gzipped or (for MNIST, whose
uncompressed files' SHA-256 are known too) uncompressed under the same names without `.gz`.
"""

from __future__ import annotations

import gzip
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .digits import Dataset
from .download import ChecksumWarning, data_dir, fetch, sha256_of

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class Source:
    """Where a data set's files come from: mirrors tried in order, the SHA-256 of each (gzipped) file."""

    name: str
    mirrors: tuple[str, ...]
    sha256: Mapping[str, str]
    env: str   # an environment variable that replaces the mirrors (space- or comma-separated URLs)
    raw_sha256: Mapping[str, str] = field(default_factory=dict)   # .gz name -> SHA-256 of the file it decompresses to

    def mirror_list(self) -> tuple[str, ...]:
        value = os.environ.get(self.env, "")
        return tuple(value.replace(",", " ").split()) or self.mirrors


MNIST = Source(
    "mnist",
    mirrors=("https://storage.googleapis.com/cvdf-datasets/mnist/",   # TF1's input_data.DEFAULT_SOURCE_URL
             "https://ossci-datasets.s3.amazonaws.com/mnist/"),        # torchvision's mirror
    sha256={
        TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    env="GRAPHGRAD_MNIST_MIRRORS",
    raw_sha256={   # the decompressed files, as other tools and archives keep them
        TRAIN_IMAGES: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        TRAIN_LABELS: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        TEST_IMAGES: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        TEST_LABELS: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
)
FASHION_MNIST = Source(
    "fashion_mnist",
    mirrors=("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
             "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),   # Zalando's S3 (the SHA-256 guards it)
    sha256={
        TRAIN_IMAGES: "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
        TRAIN_LABELS: "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
        TEST_IMAGES: "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
        TEST_LABELS: "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
    },
    env="GRAPHGRAD_FASHION_MNIST_MIRRORS",
)
SOURCES = {"mnist": MNIST, "fashion_mnist": FASHION_MNIST}

# IDX type codes (the third byte of the magic number) and the big-endian NumPy types they stand for.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, what: str = "IDX data") -> np.ndarray:
    """An IDX array (http://yann.lecun.com/exdb/mnist/ format) from its bytes; ValueError naming `what` if malformed."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"{what} is not an IDX file (magic number {data[:4].hex() or 'missing'})")
    ndim = data[3]
    offset = 4 + 4 * ndim
    if len(data) < offset:
        raise ValueError(f"{what} ends inside its IDX header")
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, 4))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"{what} holds {len(data):,} bytes, but its IDX header {shape} says {expected:,}")
    return np.frombuffer(data, dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: os.PathLike) -> np.ndarray:
    """An IDX array from a file, gzipped (`.gz`) or not."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (gzip.BadGzipFile, EOFError) as e:
        raise ValueError(f"{path} is not a readable gzip file: {e}") from None
    return parse_idx(data, str(path))


def fetch_files(source: Source, folder: os.PathLike | None = None, *, mirrors: Sequence[str] | None = None,
                sha256: Mapping[str, str] | None = None, progress: bool = True) -> dict[str, Path]:
    """Fetch (or find) the four files of `source` in `folder` (default `data_dir()/source.name`)."""
    folder = Path(folder) if folder is not None else data_dir() / source.name
    mirrors = tuple(mirrors) if mirrors is not None else source.mirror_list()
    hashes = {**source.sha256, **(sha256 or {})}
    found = {name: _uncompressed(folder, name, source.raw_sha256.get(name)) for name in FILES}
    return {name: found[name] or fetch(name, hashes[name], mirrors, folder, progress) for name in FILES}


def _uncompressed(folder: Path, name: str, raw_sha256: str | None) -> Path | None:
    """`folder/name` without `.gz` when only that is there and it has the known SHA-256 (else None: fetch).
    Also used by TF1's `input_data.read_data_sets`."""
    raw = folder / name.removesuffix(".gz")
    if raw_sha256 is None or (folder / name).is_file() or not raw.is_file():
        return None
    got = sha256_of(raw)
    if got != raw_sha256:
        warnings.warn(f"{raw} does not match the SHA-256 of the uncompressed file (expected {raw_sha256}, got "
                      f"{got}); fetching {name} instead", ChecksumWarning, stacklevel=4)
        return None
    return raw


def read_arrays(files: Mapping[str, Path]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels) as uint8 arrays, checked to belong together."""
    arrays = [read_idx(files[name]) for name in FILES]
    for images, labels, which in ((arrays[0], arrays[1], "train"), (arrays[2], arrays[3], "test")):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"the {which} files do not fit together: images {images.shape}, labels {labels.shape}")
    return tuple(arrays)


def _load(source: Source, data_dir, mirrors, sha256, progress) -> Dataset:
    x_train, y_train, x_test, y_test = read_arrays(
        fetch_files(source, data_dir, mirrors=mirrors, sha256=sha256, progress=progress))

    def features(images):
        return (images.reshape(len(images), -1) / np.float32(255)).astype(np.float32)

    return Dataset(features(x_train), y_train.astype(np.int64), features(x_test), y_test.astype(np.int64),
                   num_classes=10, name=source.name)


def load_mnist(data_dir: os.PathLike | None = None, *, mirrors: Sequence[str] | None = None,
               sha256: Mapping[str, str] | None = None, progress: bool = True) -> Dataset:
    """MNIST: 60,000 train and 10,000 test handwritten digits, float32 (n, 784) in [0, 1], labels 0..9.

    Downloaded on first use into `data_dir` (default `$GRAPHGRAD_DATA_DIR/mnist`, else the user cache);
    `mirrors` and `sha256` (file name -> hash) replace the built-in ones, for a local mirror or for tests.
    """
    return _load(MNIST, data_dir, mirrors, sha256, progress)


def load_fashion_mnist(data_dir: os.PathLike | None = None, *, mirrors: Sequence[str] | None = None,
                       sha256: Mapping[str, str] | None = None, progress: bool = True) -> Dataset:
    """Fashion-MNIST (Zalando): 60,000 + 10,000 28x28 clothing images in 10 classes, as `load_mnist`."""
    return _load(FASHION_MNIST, data_dir, mirrors, sha256, progress)


FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                         "Bag", "Ankle boot")
