"""`tf.sysconfig`: where a C++ extension would find headers and the library to link. graphgrad is pure Python
with neither, so `get_include()` and `get_lib()` return graphgrad's package directory, and the flags name it."""
from __future__ import annotations

import os

#: No C++ is compiled, so no ABI to agree on (TF's flag for extensions built against it), and no monolithic build.
CXX11_ABI_FLAG = 0
MONOLITHIC_BUILD = 0
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def get_include():
    """graphgrad's package directory (there are no C headers)."""
    return _PACKAGE


def get_lib():
    """graphgrad's package directory (there is no shared library)."""
    return _PACKAGE


def get_compile_flags():
    return [f"-I{get_include()}", f"-D_GLIBCXX_USE_CXX11_ABI={CXX11_ABI_FLAG}"]


def get_link_flags():
    return [f"-L{get_lib()}"]


__all__ = ["get_include", "get_lib", "get_compile_flags", "get_link_flags", "CXX11_ABI_FLAG", "MONOLITHIC_BUILD"]
