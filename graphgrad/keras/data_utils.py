"""Keras's data utilities (`tf.keras.utils`): `Sequence`, `pad_sequences`, `get_file` and the enqueuers that
read a Sequence or a generator on worker threads, as tf_keras 2.21 has them."""
from __future__ import annotations

import hashlib
import os
import queue
import random
import shutil
import tarfile
import threading
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import numpy as np


class Sequence:
    """A data set as batches: `seq[i]` is batch i (`(x, y)`, `(x, y, sample_weight)` or `x`), `len(seq)` the
    number of batches. `fit`/`evaluate`/`predict` take one as `x` and call `on_epoch_end` after each epoch."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch (to reshuffle, say)."""

    def __iter__(self):
        for item in (self[i] for i in range(len(self))):
            yield item


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """A (len(sequences), maxlen, ...) array: each sequence cut to `maxlen` (its start dropped with
    truncating="pre") and filled with `value` before it ("pre") or after it ("post")."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, sample_shape = [], None
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError as e:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x}") from e
        if sample_shape is None and len(x):
            sample_shape = np.asarray(x).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = np.max(lengths)
    if isinstance(value, str) and dtype is not object and not np.issubdtype(dtype, np.str_):
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating not in ("pre", "post"):
            raise ValueError(f'Truncating type "{truncating}" not understood')
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {i} is different from "
                             f"expected shape {sample_shape}")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        elif padding == "pre":
            out[i, -len(trunc):] = trunc
        else:
            raise ValueError(f'Padding type "{padding}" not understood')
    return out


# --- get_file ----------------------------------------------------------------------------------------------
def _hasher(algorithm, file_hash=""):
    if algorithm == "sha256" or algorithm == "auto" and len(file_hash) == 64:
        return hashlib.sha256()
    return hashlib.md5()


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's sha256 or md5 (`algorithm="auto"`: sha256 for a 64-digit hash) is `file_hash`."""
    return str(_hash_file(fpath, _hasher(algorithm, str(file_hash)), chunk_size)) == str(file_hash)


def _safe_members(archive):
    """Tar members that stay inside the extraction folder (no absolute paths, no `..`, no links out)."""
    base = os.path.realpath(os.path.abspath("."))
    for m in archive.getmembers():
        target = os.path.realpath(os.path.abspath(os.path.join(base, m.name)))
        if (m.issym() or m.islnk()) and not os.path.realpath(
                os.path.abspath(os.path.join(base, os.path.dirname(m.name), m.linkname))).startswith(base):
            continue
        if target.startswith(base):
            yield m


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (also .tar.gz/.tar.bz2) or zip archive into `path`; False when it is none of `archive_format`."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else [archive_format] if isinstance(
        archive_format, str) else archive_format
    for kind in formats:
        opener, is_match = (tarfile.open, tarfile.is_tarfile) if kind == "tar" else (zipfile.ZipFile,
                                                                                  zipfile.is_zipfile)
        if not is_match(file_path):
            continue
        with opener(file_path) as archive:
            try:
                if kind == "zip":
                    archive.extractall(path)
                else:
                    archive.extractall(path, members=_safe_members(archive))
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.isfile(path):
                    os.remove(path)
                elif os.path.exists(path):
                    shutil.rmtree(path)
                raise
        return True
    return False


def _progress(total, state):
    from .utils import Progbar

    if state.get("bar") is None:
        state["bar"] = Progbar(total if total and total > 0 else None)
    return state["bar"]


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Download `origin` to `cache_dir/cache_subdir/fname` (cache_dir defaults to `~/.keras`) unless it is
    there already with the right `file_hash`; `extract`/`untar` unpack tar or zip archives beside it.
    Returns the file's path (the unpacked folder's with `untar`). As Keras: a cached file whose hash differs
    is downloaded again, a download whose hash differs is a ValueError."""
    from .utils import print_msg

    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else os.path.join("~", ".keras"))
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` as the input param.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[:-len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)
    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
        print_msg(f"A local file was found, but it seems to be incomplete or outdated because the "
                  f"{hash_algorithm} file hash does not match the original value of {file_hash} so we will "
                  "re-download the data.")
        download = True
    if download:
        print_msg(f"Downloading data from {origin}")
        state = {}

        def hook(blocks, block_size, total):
            bar = _progress(total, state)
            bar.update(min(blocks * block_size, total) if total > 0 else blocks * block_size, [],
                       finalize=total > 0 and blocks * block_size >= total)

        error_msg = "URL fetch failure on {}: {} -- {}"
        try:
            try:
                urllib.request.urlretrieve(origin, fpath, hook)
            except urllib.error.HTTPError as e:
                raise Exception(error_msg.format(origin, e.code, e.msg)) from e
            except urllib.error.URLError as e:
                raise Exception(error_msg.format(origin, e.errno, e.reason)) from e
        except (Exception, KeyboardInterrupt):
            if os.path.exists(fpath):
                os.remove(fpath)
            raise
        if file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
            raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} file hash does not "
                             f"match the provided value of {file_hash}.")
    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath


# --- enqueuers ---------------------------------------------------------------------------------------------
class SequenceEnqueuer:
    """Reads batches ahead on `workers` threads into a queue of `max_queue_size`: `start()`, iterate `get()`,
    `stop()`. graphgrad's workers are threads; `use_multiprocessing=True` is accepted and uses threads too."""

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence, self.use_multiprocessing = sequence, use_multiprocessing
        self.workers, self.queue, self.run_thread, self.stop_signal = 0, None, None, None

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        self.workers = max(int(workers), 1)
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _put(self, item):
        """Queue `item` unless stopped; False once stopped."""
        while not self.stop_signal.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def stop(self, timeout=None):
        self.stop_signal.set()
        with self.queue.mutex:
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify()
        self.run_thread.join(timeout)

    def _run(self):
        raise NotImplementedError

    def get(self):
        raise NotImplementedError


class OrderedEnqueuer(SequenceEnqueuer):
    """A Sequence's batches in order (shuffled per epoch with `shuffle`), epoch after epoch; `on_epoch_end`
    is called between epochs. `get()` yields without end until `stop()`."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def _run(self):
        order = list(range(len(self.sequence)))
        with ThreadPoolExecutor(self.workers) as pool:
            while True:
                if self.shuffle:
                    random.shuffle(order)
                for i in order:
                    if not self._put(pool.submit(self.sequence.__getitem__, i)):
                        return
                while self.queue.unfinished_tasks and not self.stop_signal.wait(0.01):
                    pass   # the epoch's batches are all taken before on_epoch_end changes the data
                if self.stop_signal.is_set():
                    return
                self.sequence.on_epoch_end()

    def get(self):
        while self.is_running():
            try:
                future = self.queue.get(timeout=5)
            except queue.Empty:
                continue
            try:
                inputs = future.result()
            except Exception:
                self.stop()
                raise
            if self.is_running():
                self.queue.task_done()
            if inputs is not None:
                yield inputs


class GeneratorEnqueuer(SequenceEnqueuer):
    """A generator's items read ahead on a thread (one, whatever `workers` says: a plain generator is not
    thread-safe); `get()` ends when the generator does and raises what it raised."""

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed

    def _run(self):
        while not self.stop_signal.is_set():
            try:
                item = next(self.sequence)
            except BaseException as e:  # noqa: BLE001 - get() raises it (StopIteration ends it)
                self._put(e)
                return
            if not self._put(item):
                return

    def get(self):
        while self.is_running():
            inputs = self.queue.get()
            self.queue.task_done()
            if isinstance(inputs, StopIteration):
                return
            if isinstance(inputs, BaseException):
                self.stop()
                raise inputs
            if inputs is not None:
                yield inputs


__all__ = ["Sequence", "pad_sequences", "get_file", "validate_file", "SequenceEnqueuer", "OrderedEnqueuer",
           "GeneratorEnqueuer"]
