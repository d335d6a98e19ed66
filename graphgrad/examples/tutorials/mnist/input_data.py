"""TensorFlow 1.x's `tensorflow.examples.tutorials.mnist.input_data`, for the classic MNIST programs.

    from graphgrad.examples.tutorials.mnist import input_data
    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    batch_xs, batch_ys = mnist.train.next_batch(100)

As in TensorFlow: the four gzipped IDX files go into `train_dir` itself (downloaded on first use, from
`source_url` and then graphgrad's fallback mirror); the first `validation_size` training images become
`.validation`; images are float32 in [0, 1], shape (n, 784) (`reshape=False`: (n, 28, 28, 1); `dtype=uint8`:
the raw pixels); labels are uint8 digits, or float64 one-hot rows with `one_hot=True`; `next_batch` walks
the data in epochs and reshuffles at each epoch boundary, a batch that crosses one taking the end of the old
epoch and the start of the new one.

Differences, on purpose: every file is SHA-256 checked (files of MNIST or of Fashion-MNIST copied into
`train_dir` by hand are recognised and used as they are, MNIST's also uncompressed); and each `DataSet` shuffles
with a NumPy generator of its own, seeded by `seed`, instead of reseeding NumPy's global one (TensorFlow calls
`numpy.random.seed` in every `DataSet`). With a `seed`, `train.next_batch` gives TensorFlow's batches as long as
nothing else draws from NumPy's global generator between the calls; without one, the order differs from run to
run, as in TF1.
"""

from __future__ import annotations

import collections
import os
from pathlib import Path

import numpy as np

from graphgrad.datasets import mnist as _mnist
from graphgrad.datasets.download import fetch, sha256_of

DEFAULT_SOURCE_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"

Datasets = collections.namedtuple("Datasets", ["train", "validation", "test"])


def dense_to_one_hot(labels_dense, num_classes):
    """One-hot rows (float64, as TensorFlow) for a vector of class indices."""
    labels_dense = np.asarray(labels_dense)
    one_hot = np.zeros((labels_dense.shape[0], num_classes))
    one_hot[np.arange(labels_dense.shape[0]), labels_dense.ravel()] = 1
    return one_hot


def _numpy_dtype(dtype):
    """uint8 or float32, from a graphgrad dtype (`tf.float32`), a NumPy dtype or a name."""
    np_dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    if np_dtype not in (np.uint8, np.float32):
        raise TypeError(f"Invalid image dtype {dtype!r}, expected uint8 or float32")
    return np_dtype


class DataSet:
    """One split: `.images`, `.labels`, `.num_examples`, `.epochs_completed`, `.next_batch(batch_size)`."""

    def __init__(self, images, labels, fake_data=False, one_hot=False, dtype=np.float32, reshape=True, seed=None):
        dtype = _numpy_dtype(dtype)
        self._rng = np.random.RandomState(seed)
        if fake_data:
            self._num_examples = 10000
            self.one_hot = one_hot
        else:
            images, labels = np.asarray(images), np.asarray(labels)
            if images.shape[0] != labels.shape[0]:
                raise ValueError(f"images.shape: {images.shape} labels.shape: {labels.shape}")
            self._num_examples = images.shape[0]
            if reshape:
                if images.ndim == 4 and images.shape[3] != 1:
                    raise ValueError(f"reshape=True needs images of one channel, got shape {images.shape}")
                images = images.reshape(images.shape[0], int(np.prod(images.shape[1:])))
            if dtype == np.float32:
                images = images.astype(np.float32) * np.float32(1.0 / 255.0)
        self._images = images
        self._labels = labels
        self._epochs_completed = 0
        self._index_in_epoch = 0

    @property
    def images(self):
        return self._images

    @property
    def labels(self):
        return self._labels

    @property
    def num_examples(self):
        return self._num_examples

    @property
    def epochs_completed(self):
        return self._epochs_completed

    def _shuffle(self):
        perm = np.arange(self._num_examples)
        self._rng.shuffle(perm)
        self._images = self._images[perm]
        self._labels = self._labels[perm]

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        """The next `batch_size` examples: TensorFlow 1.x's epochs, shuffled first and at each epoch's end."""
        if fake_data:
            fake_image = [1] * 784
            fake_label = [1] + [0] * 9 if self.one_hot else 0
            return [fake_image for _ in range(batch_size)], [fake_label for _ in range(batch_size)]
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest, labels_rest = self._images[start:], self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - rest
            end = self._index_in_epoch
            return (np.concatenate((images_rest, self._images[:end]), axis=0),
                    np.concatenate((labels_rest, self._labels[:end]), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def _source_for(source_url):
    """The data set whose hashes check the downloads: Fashion-MNIST for Zalando's mirrors, else MNIST."""
    url = (source_url or "").rstrip("/")
    if any(url == m.rstrip("/") for m in _mnist.FASHION_MNIST.mirrors) or "fashion" in url.lower():
        return _mnist.FASHION_MNIST
    return _mnist.MNIST


def _fetch(train_dir, source_url):
    """The four files in `train_dir`: those already there and of MNIST or Fashion-MNIST as they are, else fetched."""
    source = _source_for(source_url)
    mirrors = [source_url] if source_url else []
    mirrors += [m for m in source.mirror_list() if m not in mirrors]
    files = {}
    for name in _mnist.FILES:
        path = os.path.join(train_dir, name)
        known = {s.sha256[name] for s in _mnist.SOURCES.values()}
        if os.path.isfile(path) and sha256_of(path) in known:
            files[name] = path
        else:   # MNIST's uncompressed files copied there by hand do too (graphgrad.datasets.mnist)
            files[name] = (_mnist._uncompressed(Path(train_dir), name, source.raw_sha256.get(name))
                           or fetch(name, source.sha256[name], mirrors, train_dir))
        print("Extracting", files[name])
    return files


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=np.float32, reshape=True, validation_size=5000,
                   seed=None, source_url=DEFAULT_SOURCE_URL):
    """`Datasets(train, validation, test)` of MNIST (or of Fashion-MNIST with Zalando's `source_url`)."""
    _numpy_dtype(dtype)   # a bad dtype fails before any download
    if fake_data:
        def fake():
            return DataSet([], [], fake_data=True, one_hot=one_hot, dtype=dtype, seed=seed)

        return Datasets(train=fake(), validation=fake(), test=fake())
    files = _fetch(os.fspath(train_dir), source_url)
    train_images, train_labels, test_images, test_labels = _mnist.read_arrays(files)
    train_images, test_images = train_images[..., None], test_images[..., None]   # (n, 28, 28, 1), as TF
    if one_hot:
        train_labels, test_labels = dense_to_one_hot(train_labels, 10), dense_to_one_hot(test_labels, 10)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError(f"Validation size should be between 0 and {len(train_images)}. Received: {validation_size}.")
    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    return Datasets(
        train=DataSet(train_images[validation_size:], train_labels[validation_size:], **options),
        validation=DataSet(train_images[:validation_size], train_labels[:validation_size], **options),
        test=DataSet(test_images, test_labels, **options),
    )


def load_mnist(train_dir="MNIST-data"):
    return read_data_sets(train_dir)
