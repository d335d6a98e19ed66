"""Small MNIST-shaped IDX files made here, and an HTTP server on 127.0.0.1 that serves them (with Range).

No test touches the network: the loaders are pointed at this server through their `mirrors` and `sha256`
parameters (or by replacing the built-in `Source`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import re
import threading

import numpy as np

from graphgrad.datasets import mnist as mnist_mod


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of uint8 data: magic 0x0000 08 ndim, big-endian dimensions, then the bytes."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def fake_mnist(n_train=200, n_test=50, seed=0):
    """Learnable 28x28 digits: class k lights a 4x4 block at a place of its own, plus uniform noise."""
    rng = np.random.default_rng(seed)

    def make(n):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            r, c = 2 + 6 * (k // 4), 2 + 6 * (k % 4)
            images[i, r:r + 4, c:c + 4] = 255
        return images, labels.astype(np.uint8)

    (xtr, ytr), (xte, yte) = make(n_train), make(n_test)
    return {mnist_mod.TRAIN_IMAGES: xtr, mnist_mod.TRAIN_LABELS: ytr, mnist_mod.TEST_IMAGES: xte,
            mnist_mod.TEST_LABELS: yte}


def gz_files(arrays) -> dict[str, bytes]:
    return {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}


def sha256s(files: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}


class Server:
    """Serves `files` under /<mirror>/<name> for any mirror name; per-mirror faults are set in `faults`.

    faults[mirror] is one of: "404"; "corrupt" (other bytes, same length); "cut" (closes the connection halfway
    through, after promising the whole length); "no-range" (ignores Range headers). `requests` records
    (mirror, name, Range header or None); `sent` counts body bytes sent.
    """

    def __init__(self, files: dict[str, bytes]):
        self.files, self.faults, self.requests, self.sent = files, {}, [], 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                m = re.fullmatch(r"/([^/]+)/([^/]+)", self.path)
                if not m or m.group(2) not in server.files:
                    self.send_error(404)
                    return
                mirror, name = m.groups()
                rng = self.headers.get("Range")
                server.requests.append((mirror, name, rng))
                fault = server.faults.get(mirror)
                if fault == "404":
                    self.send_error(404)
                    return
                data = server.files[name]
                if fault == "corrupt":
                    data = bytes(b ^ 0xFF for b in data)
                start = 0
                if rng and fault != "no-range":
                    start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if fault == "cut":
                    body = body[:len(body) // 2]
                    self.close_connection = True
                server.sent += len(body)   # before the write: the client may be done before this thread goes on
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, mirror: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mirror}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
