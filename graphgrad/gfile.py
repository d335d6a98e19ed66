"""`tf.gfile` (and `tf.io.gfile`): TensorFlow's file API, which TF1 programs use for their logdirs, data files and
frozen graphs (`tf.gfile.Exists`, `MakeDirs`, `DeleteRecursively`, `GFile(path, "rb")`, `Glob`, ...). On the
local file system, as TF's is without a cloud plugin; failures are TF's errors (`NotFoundError` for a missing
path, `AlreadyExistsError`, `FailedPreconditionError` for a directory where a file is expected), with the OS's
words in the message. `tf.io.gfile` has the same functions under TF 2's lower-case names.
"""
from __future__ import annotations

import contextlib
import errno
import glob as _glob
import os
import posixpath
import shutil

from .framework import errors

__all__ = ["Copy", "DeleteRecursively", "Exists", "FastGFile", "GFile", "Glob", "IsDirectory", "ListDirectory",
           "MakeDirs", "MkDir", "Open", "Remove", "Rename", "Stat", "Walk", "copy", "exists", "glob", "isdir",
           "join", "listdir", "makedirs", "mkdir", "remove", "rename", "rmtree", "stat", "walk"]

_BY_ERRNO = {errno.ENOENT: errors.NotFoundError, errno.EEXIST: errors.AlreadyExistsError,
             errno.EACCES: errors.PermissionDeniedError, errno.EPERM: errors.PermissionDeniedError,
             errno.ENOTDIR: errors.FailedPreconditionError, errno.EISDIR: errors.FailedPreconditionError,
             errno.ENOTEMPTY: errors.FailedPreconditionError}


@contextlib.contextmanager
def _tf_errors(path):
    """OSErrors as TF's errors, which programs catch (`except tf.errors.NotFoundError`)."""
    try:
        yield
    except OSError as e:
        cls = _BY_ERRNO.get(e.errno, errors.UnknownError)
        raise cls(None, None, f"{path}; {e.strerror or e}") from None


class FileStatistics:
    """What `Stat` returns: `length` (bytes), `mtime_nsec`, `is_directory`."""

    def __init__(self, length, mtime_nsec, is_directory):
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory

    def __repr__(self):
        return (f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, "
                f"is_directory={self.is_directory})")


class GFile:
    """A file, opened lazily on first use as TF's is: mode 'r'/'w'/'a' (text) or with 'b' (bytes). A missing
    file is a NotFoundError when first read, not when the GFile is made."""

    def __init__(self, name, mode="r"):
        self.name, self.mode = os.fspath(name), mode
        self._f = None

    def _file(self):
        if self._f is None:
            if "w" in self.mode or "a" in self.mode:
                parent = os.path.dirname(self.name)
                if parent and not os.path.isdir(parent):
                    raise errors.NotFoundError(None, None, f"{self.name}; No such file or directory")
            with _tf_errors(self.name):
                self._f = open(self.name, self.mode, **({} if "b" in self.mode else {"encoding": "utf-8"}))
        return self._f

    def read(self, n=-1):
        return self._file().read(n)

    def readline(self):
        return self._file().readline()

    def readlines(self):
        return self._file().readlines()

    def write(self, file_content):
        if "b" not in self.mode and isinstance(file_content, bytes):
            file_content = file_content.decode("utf-8")
        self._file().write(file_content)

    def size(self):
        with _tf_errors(self.name):
            return os.path.getsize(self.name)

    def seek(self, offset=None, whence=0, position=None):
        if position is not None:
            offset = position
        self._file().seek(offset, whence)

    def tell(self):
        return self._file().tell()

    def flush(self):
        if self._f is not None:
            self._f.flush()

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None

    def seekable(self):
        return True

    def __iter__(self):
        return iter(self._file())

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


FastGFile = Open = GFile


def join(path, *paths):
    """`tf.io.gfile.join`: a URL-like path ("gs://b", "ram://x") joined with "/" as POSIX paths join, a local one
    as os.path.join."""
    if "://" in os.fsdecode(path)[1:]:
        return posixpath.join(path, *paths)
    return os.path.join(path, *paths)


def Exists(filename):  # noqa: N802 - TF's names
    return os.path.exists(os.fspath(filename))


def IsDirectory(dirname):  # noqa: N802
    return os.path.isdir(os.fspath(dirname))


def MakeDirs(dirname):  # noqa: N802
    """Create `dirname` and its missing parents (nothing when it exists)."""
    with _tf_errors(dirname):
        os.makedirs(os.fspath(dirname), exist_ok=True)


def MkDir(dirname):  # noqa: N802
    """Create `dirname`, whose parent must exist (nothing when it exists, as TF 2.x's local file system)."""
    path = os.fspath(dirname)
    if not os.path.isdir(path):
        with _tf_errors(dirname):
            os.mkdir(path)


def ListDirectory(dirname):  # noqa: N802
    """The names in `dirname` (no '.' or '..'); NotFoundError when it is not a directory."""
    if not os.path.isdir(os.fspath(dirname)):
        raise errors.NotFoundError(None, None, f"Could not find directory {dirname}")
    return sorted(os.listdir(os.fspath(dirname)))


def Glob(filename):  # noqa: N802
    """The paths matching the pattern (`*`, `?`, `[...]`), sorted."""
    if isinstance(filename, (list, tuple)):
        return [p for pattern in filename for p in Glob(pattern)]
    return sorted(_glob.glob(os.fspath(filename)))


def Remove(filename):  # noqa: N802
    with _tf_errors(filename):
        os.remove(os.fspath(filename))


def DeleteRecursively(dirname):  # noqa: N802
    """Delete a directory and everything in it (or a file); NotFoundError when missing."""
    path = os.fspath(dirname)
    if not os.path.exists(path):
        raise errors.NotFoundError(None, None, f"{dirname} not found")
    with _tf_errors(dirname):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    if not overwrite and os.path.exists(os.fspath(newname)):
        raise errors.AlreadyExistsError(None, None, "file already exists")
    with _tf_errors(oldname):
        os.replace(os.fspath(oldname), os.fspath(newname))


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    if not overwrite and os.path.exists(os.fspath(newpath)):
        raise errors.AlreadyExistsError(None, None, "file already exists")
    with _tf_errors(oldpath):
        shutil.copyfile(os.fspath(oldpath), os.fspath(newpath))


def Stat(filename):  # noqa: N802
    with _tf_errors(filename):
        st = os.stat(os.fspath(filename))
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(os.fspath(filename)))


def Walk(top, in_order=True):  # noqa: N802
    """(dirname, subdirectory names, file names) per directory under `top`, parents first when `in_order`
    (else children first); nothing when `top` does not exist."""
    yield from os.walk(os.fspath(top), topdown=in_order)


# tf.io.gfile's names (TF 2 style)
exists, isdir, makedirs, mkdir, listdir, glob = Exists, IsDirectory, MakeDirs, MkDir, ListDirectory, Glob
remove, rmtree, rename, copy, stat, walk = Remove, DeleteRecursively, Rename, Copy, Stat, Walk

