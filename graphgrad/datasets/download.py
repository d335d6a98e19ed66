"""Fetch a data file once: from a list of mirrors, resumable, SHA-256 checked, kept in a cache folder.

`fetch(name, sha256, mirrors, folder)` returns `folder/name`:

- a file already there whose SHA-256 matches (downloaded earlier, or copied by hand for offline use) is used
  as is, without touching the network;
- one that does not match is named in a warning and fetched again;
- otherwise the file is downloaded into `folder/name.part` from the first mirror that works, with a progress
  bar; a `.part` left by an interrupted download is continued with an HTTP Range request (from whichever
  mirror answers), and only a file whose SHA-256 matches is renamed to `name`, so `folder/name` is never a
  partial or corrupt download. A mirror that fails or serves other bytes is reported and the next one is tried.

Only the standard library's urllib is used. Two processes fetching the same file at the same time are not
coordinated (each would verify what it got; run one first).
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

CHUNK = 1 << 16
TIMEOUT = 30.0  # seconds without an answer before a mirror counts as failed


class DownloadError(OSError):
    """No mirror delivered the file with the expected SHA-256; the message says what each mirror did."""


class ChecksumWarning(UserWarning):
    """A file in the cache folder did not match its SHA-256 and is fetched again."""


def user_cache_dir() -> Path:
    """The platform's per-user cache folder for graphgrad (XDG_CACHE_HOME on Linux and the BSDs)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
        return Path(base) / "graphgrad" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "graphgrad"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "graphgrad"


def data_dir() -> Path:
    """Where data sets are kept: $GRAPHGRAD_DATA_DIR, else $GRAPHGRAD_CACHE (its older name), else the user cache."""
    for var in ("GRAPHGRAD_DATA_DIR", "GRAPHGRAD_CACHE"):
        value = os.environ.get(var)
        if value:
            return Path(value).expanduser()
    return user_cache_dir()


def sha256_of(path: os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def fetch(name: str, sha256: str, mirrors: Sequence[str], folder: os.PathLike, progress: bool = True) -> Path:
    """`folder/name`, verified against `sha256`; downloaded from `mirror + name` (in order) when missing.

    Raises DownloadError (an OSError) naming every mirror's failure when none delivered the right bytes.
    """
    folder = Path(folder)
    path, part = folder / name, folder / (name + ".part")
    if path.is_file():
        got = sha256_of(path)
        if got == sha256:
            return path
        warnings.warn(f"{path} does not match its SHA-256 (expected {sha256}, got {got}); fetching it again",
                      ChecksumWarning, stacklevel=3)
        path.unlink()
    if not mirrors:
        raise DownloadError(f"{path} is missing and no mirror is configured; {_offline_hint(path, sha256)}")
    import http.client  # here, not at import: with ssl they are ~8 MiB that a cached dataset never needs

    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for mirror in mirrors:
        url = mirror if mirror.endswith(name) else mirror.rstrip("/") + "/" + name
        for _ in range(2):   # a second, fresh attempt when a resumed download ends up wrong
            resumed = part.is_file() and part.stat().st_size > 0
            try:
                _download(url, part, name, progress)
            except (OSError, ValueError, http.client.HTTPException) as e:   # URLError, timeouts, IncompleteRead: keep
                # what arrived in the .part; the next mirror continues it
                failures.append(f"{url}: {_reason(e)}")
                break
            got = sha256_of(part)
            if got == sha256:
                os.replace(part, path)
                return path
            part.unlink()
            what = "the resumed download" if resumed else "the download"
            failures.append(f"{url}: {what} does not match its SHA-256 (expected {sha256}, got {got})")
            if not resumed:
                break
    raise DownloadError(f"cannot download {name}: " + "; ".join(failures) + f". {_offline_hint(path, sha256)}")


def _offline_hint(path: Path, sha256: str) -> str:
    return f"To work offline, copy the file to {path} (SHA-256 {sha256})"


def _reason(e: BaseException) -> str:
    import urllib.error

    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return str(e.reason)
    return " ".join(str(e).split()) or type(e).__name__


def _download(url: str, part: Path, name: str, progress: bool) -> None:
    """Append the rest of `url` to `part` (HTTP Range from its size); start over if the server ignores Range."""
    import urllib.error
    import urllib.request

    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "graphgrad", "Accept-Encoding": "identity"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as e:
        if e.code != 416 or not have:
            raise
        # 416: the .part is as long as the file or longer; the caller's checksum decides. Start over if wrong.
        e.close()
        return
    with response:
        if have and response.status != 206:
            have = 0   # the server sent the whole file
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        with open(part, "ab" if have else "wb") as f, _bar(name, total, have, progress) as bar:
            while chunk := response.read(CHUNK):
                f.write(chunk)
                bar.update(len(chunk))
        if total is not None and part.stat().st_size < total:
            raise OSError(f"the connection closed after {part.stat().st_size:,} of {total:,} bytes")


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


def _bar(name, total, initial, enabled):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=f"downloading {name}", unit="B", unit_scale=True,
                unit_divisor=1024, file=sys.stderr, leave=False, dynamic_ncols=True)
