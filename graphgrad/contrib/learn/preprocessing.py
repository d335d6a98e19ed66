"""`tf.contrib.learn.preprocessing`: `VocabularyProcessor`, which text classifiers of the TF 1.x era (Denny Britz's
CNN for sentence classification and its many copies) map sentences to word ids with, and its
`CategoricalVocabulary`, with TF 1.15's tokenizer, id order, trimming and pickled save/restore."""
from __future__ import annotations

import collections
import pickle
import re

import numpy as np

__all__ = ["VocabularyProcessor", "CategoricalVocabulary", "tokenizer"]

TOKENIZER_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+", re.UNICODE)


def tokenizer(iterator):
    """Each document's words: TF's regular expression (runs of capitals, capitalized words before a capital,
    word characters with ' and -); punctuation is dropped."""
    for value in iterator:
        yield TOKENIZER_RE.findall(value)


class CategoricalVocabulary:
    """Ids for categories in the order they are first seen; id 0 is the unknown token. Frozen, an unseen
    category gets 0 and is not added."""

    def __init__(self, unknown_token="<UNK>", support_reverse=True):
        self._unknown_token = unknown_token
        self._mapping = {unknown_token: 0}
        self._support_reverse = support_reverse
        if support_reverse:
            self._reverse_mapping = [unknown_token]
        self._freq = collections.defaultdict(int)
        self._freeze = False

    def __len__(self):
        return len(self._mapping)

    def freeze(self, freeze=True):
        self._freeze = freeze

    def get(self, category):
        """The id of `category`, adding it unless the vocabulary is frozen (then unknown ones are 0)."""
        if category not in self._mapping:
            if self._freeze:
                return 0
            self._mapping[category] = len(self._mapping)
            if self._support_reverse:
                self._reverse_mapping.append(category)
        return self._mapping[category]

    def add(self, category, count=1):
        """Count `category` (added if new); the unknown token and, frozen, unseen categories are not counted."""
        category_id = self.get(category)
        if category_id <= 0:
            return
        self._freq[category] += count

    def trim(self, min_frequency, max_frequency=-1):
        """Keep the categories seen more than `min_frequency` times (and, with `max_frequency` > 0, fewer than
        that), renumbered by descending count, ties alphabetically."""
        freq = sorted(sorted(self._freq.items(), key=lambda x: (isinstance(x[0], str), x[0])),
                      key=lambda x: x[1], reverse=True)
        self._mapping = {self._unknown_token: 0}
        if self._support_reverse:
            self._reverse_mapping = [self._unknown_token]
        idx = 1
        for category, count in freq:
            if max_frequency > 0 and count >= max_frequency:
                continue
            if count <= min_frequency:
                break
            self._mapping[category] = idx
            idx += 1
            if self._support_reverse:
                self._reverse_mapping.append(category)
        self._freq = collections.defaultdict(int, freq[:idx - 1])

    def reverse(self, class_id):
        if not self._support_reverse:
            raise ValueError("This vocabulary wasn't initialized with support_reverse to support reverse() "
                             "function.")
        return self._reverse_mapping[class_id]


class VocabularyProcessor:
    """Documents as fixed-length rows of word ids (int64, 0-padded, cut at `max_document_length`)."""

    def __init__(self, max_document_length, min_frequency=0, vocabulary=None, tokenizer_fn=None):
        self.max_document_length = max_document_length
        self.min_frequency = min_frequency
        self.vocabulary_ = vocabulary if vocabulary is not None else CategoricalVocabulary()
        self._tokenizer = tokenizer_fn if tokenizer_fn is not None else tokenizer

    def fit(self, raw_documents, unused_y=None):
        """Learn the vocabulary (then trimmed by `min_frequency` and frozen)."""
        for tokens in self._tokenizer(raw_documents):
            for token in tokens:
                self.vocabulary_.add(token)
        if self.min_frequency > 0:
            self.vocabulary_.trim(self.min_frequency)
        self.vocabulary_.freeze()
        return self

    def fit_transform(self, raw_documents, unused_y=None):
        self.fit(raw_documents)
        return self.transform(raw_documents)

    def transform(self, raw_documents):
        """A generator of word-id rows, one per document (as TF: wrap it in `np.array(list(...))`)."""
        for tokens in self._tokenizer(raw_documents):
            word_ids = np.zeros(self.max_document_length, np.int64)
            for idx, token in enumerate(tokens):
                if idx >= self.max_document_length:
                    break
                word_ids[idx] = self.vocabulary_.get(token)
            yield word_ids

    def reverse(self, documents):
        """The words of each row of ids, joined by spaces (padding reads as the unknown token)."""
        for item in documents:
            yield " ".join(self.vocabulary_.reverse(class_id) for class_id in item)

    def save(self, filename):
        with open(filename, "wb") as f:
            f.write(pickle.dumps(self))

    @classmethod
    def restore(cls, filename):
        """A processor saved by `save` (a pickle: restore only files you trust, as with TF's)."""
        with open(filename, "rb") as f:
            return pickle.loads(f.read())
