"""What the IMDB and Reuters loaders do to their word-index sequences (Keras's order of steps)."""
from __future__ import annotations

import json
import logging

from ..preprocessing.sequence import _remove_long_seq
from . import _cache


def check_kwargs(kwargs, num_words):
    """Keras's old `nb_words` name for `num_words`; any other unknown keyword is a TypeError."""
    if "nb_words" in kwargs:
        logging.warning("The `nb_words` argument in `load_data` has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words


def shift(xs, start_char, index_from):
    """Each sequence's indices plus `index_from`, after `start_char` when it is not None."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return list(xs)


def drop_long(xs, labels, maxlen):
    return _remove_long_seq(maxlen, xs, labels) if maxlen else (xs, labels)


def limit(xs, num_words, skip_top, oov_char):
    """Indices outside [skip_top, num_words) as `oov_char`, or dropped when it is None."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def word_index(path, name, file_hash):
    """{word: index} from Keras's `<name>_word_index.json` (indices before `index_from` is added)."""
    with open(_cache.fetch(path, _cache.ORIGIN + f"{name}_word_index.json", file_hash)) as f:
        return json.load(f)
