"""`tf.keras.datasets.imdb`: 25 000 training and 25 000 test movie reviews as word-index sequences, labelled 1
(positive) or 0."""
from __future__ import annotations

import numpy as np

from . import _cache, _words

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, cache_dir=None, **kwargs):
    """((x_train, y_train), (x_test, y_test)): object arrays of index lists, shuffled with `seed`, each
    starting with `start_char`, word indices offset by `index_from`, sequences of `maxlen` or more words
    dropped, and indices at or past `num_words` (or below `skip_top`) replaced by `oov_char`."""
    num_words = _words.check_kwargs(kwargs, num_words)
    path = _cache.fetch(path, _cache.ORIGIN + "imdb.npz", FILE_HASH, cache_dir)
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train, x_test, labels_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = x_train[order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = x_test[order], labels_test[order]
    x_train, x_test = _words.shift(x_train, start_char, index_from), _words.shift(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _words.drop_long(x_train, labels_train, maxlen)
        x_test, labels_test = _words.drop_long(x_test, labels_test, maxlen)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                             "Increase maxlen.")
    xs = _words.limit(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (np.array(xs[:idx], dtype="object"), labels[:idx]), (np.array(xs[idx:], dtype="object"), labels[idx:])


def get_word_index(path="imdb_word_index.json"):
    """{word: index}, 1 the most frequent word; add `index_from` (3) to match `load_data`'s sequences."""
    return _words.word_index(path, "imdb", WORD_INDEX_HASH)
