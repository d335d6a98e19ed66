"""`tf.keras.datasets.reuters`: 11 228 Reuters newswires as word-index sequences, labelled with one of 46
topics."""
from __future__ import annotations

import numpy as np

from . import _cache, _words

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """((x_train, y_train), (x_test, y_test)) as `imdb.load_data` prepares them, shuffled with `seed` and split
    `test_split` from the end."""
    num_words = _words.check_kwargs(kwargs, num_words)
    path = _cache.fetch(path, _cache.ORIGIN + "reuters.npz", FILE_HASH, cache_dir)
    with np.load(path, allow_pickle=True) as f:
        xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    order = np.arange(len(xs))
    rng.shuffle(order)
    xs, labels = _words.drop_long(_words.shift(xs[order], start_char, index_from), labels[order], maxlen)
    xs = _words.limit(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:idx], dtype="object"), np.array(labels[:idx])),
            (np.array(xs[idx:], dtype="object"), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """{word: index}; add `index_from` (3) to match `load_data`'s sequences."""
    return _words.word_index(path, "reuters", WORD_INDEX_HASH)


def get_label_names():
    """The 46 topic names, in label order."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
            "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
            "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
            "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
