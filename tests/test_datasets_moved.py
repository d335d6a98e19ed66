"""The loaders moved from graphgrad.data (now TF1's tf.data) to graphgrad.datasets; the old paths still work."""
import importlib
import sys

import pytest

import graphgrad
from graphgrad import datasets


def test_old_names_warn_and_give_the_same_objects():
    with pytest.warns(DeprecationWarning, match="graphgrad.datasets.load_digits"):
        assert graphgrad.data.load_digits is datasets.load_digits
    with pytest.warns(DeprecationWarning, match="BatchIterator"):
        from graphgrad.data import BatchIterator
    assert BatchIterator is datasets.BatchIterator


@pytest.mark.parametrize("name", ["digits", "mnist1d", "playground", "batching"])
def test_old_module_paths_warn_and_delegate(name):
    sys.modules.pop(f"graphgrad.data.{name}", None)
    with pytest.warns(DeprecationWarning, match=f"graphgrad.datasets.{name}"):
        old = importlib.import_module(f"graphgrad.data.{name}")
    new = importlib.import_module(f"graphgrad.datasets.{name}")
    public = [n for n in vars(new) if not n.startswith("__")]
    assert public and all(getattr(old, n) is getattr(new, n) for n in public)


def test_unknown_names_still_raise():
    with pytest.raises(AttributeError):
        graphgrad.data.no_such_loader  # noqa: B018
