"""`tf.resource_loader`: data files found next to the calling script (`get_data_files_path`,
`get_path_to_datafile`) or inside the package (`load_resource`: relative to graphgrad's directory, where TF's is
relative to tensorflow/)."""
from __future__ import annotations

import inspect
import os
import sys

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _caller_dir(depth=2):
    return os.path.dirname(inspect.getfile(sys._getframe(depth)))


def get_data_files_path():
    """The directory of the script that calls this."""
    return _caller_dir()


def get_root_dir_with_all_resources():
    """Outside bazel's runfiles (always, here) TF gives the caller's directory too."""
    return _caller_dir()


def get_path_to_datafile(path):
    """`path` joined to the directory of the script that calls this."""
    return os.path.join(_caller_dir(), path)


def load_resource(path):
    """The bytes of the file at `path`, relative to graphgrad's package directory."""
    with open(os.path.abspath(os.path.join(_PACKAGE, path)), "rb") as f:
        return f.read()


def readahead_file_path(path, readahead="128M"):  # noqa: ARG001 - TF's signature; readahead is a no-op there too
    """`path` unchanged."""
    return path


__all__ = ["get_data_files_path", "get_path_to_datafile", "get_root_dir_with_all_resources", "load_resource",
           "readahead_file_path"]
