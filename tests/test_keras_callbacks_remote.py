"""RemoteMonitor posting each epoch's logs to an HTTP server on 127.0.0.1 (form field or JSON body, headers),
and only a warning when no server answers; TerminateOnNaN's message."""
import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import graphgrad as tf


@pytest.fixture
def collector():
    posts = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            posts.append((self.path, self.headers.get("Content-Type"), self.headers.get("X-Run"), body))
            self.send_response(200 if self.path.startswith("/publish") else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", posts
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _fit(callbacks, epochs=2):
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
        model.compile(tf.keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
        return model.fit(x, x[:, :1], epochs=epochs, verbose=0, callbacks=callbacks)


def test_remote_monitor_posts_form_fields_and_json(collector):
    root, posts = collector
    history = _fit([tf.keras.callbacks.RemoteMonitor(root=root, headers={"X-Run": "7"}),
                    tf.keras.callbacks.RemoteMonitor(root=root, path="/publish/json", send_as_json=True)])
    assert [p[0] for p in posts] == ["/publish/epoch/end/", "/publish/json"] * 2
    path, kind, run, body = posts[2]
    assert kind == "application/x-www-form-urlencoded" and run == "7"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert sent == {"epoch": 1, "loss": pytest.approx(history.history["loss"][1]),
                    "mae": pytest.approx(history.history["mae"][1])}
    assert posts[3][1] == "application/json" and json.loads(posts[3][3])["epoch"] == 1


def test_remote_monitor_only_warns_without_a_server(collector, monkeypatch):
    root, posts = collector
    warned = []
    from graphgrad.keras import callbacks

    monkeypatch.setattr(callbacks._absl_logging, "warning", warned.append)
    _fit([tf.keras.callbacks.RemoteMonitor(root=root, path="/elsewhere")], epochs=1)   # a 404 is an answer
    assert len(posts) == 1 and warned == []
    _fit([tf.keras.callbacks.RemoteMonitor(root="http://127.0.0.1:1")], epochs=1)
    assert warned == ["Warning: could not reach RemoteMonitor root server at http://127.0.0.1:1"]


def test_terminate_on_nan_says_which_batch(capsys):
    x = np.array([[1.0], [np.inf]], np.float32)
    with tf.Graph().as_default():
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(1,))])
        model.compile("sgd", "mse")
        history = model.fit(x, x, batch_size=1, epochs=3, shuffle=False, verbose=0,
                            callbacks=[tf.keras.callbacks.TerminateOnNaN()])
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"
    assert len(history.history["loss"]) == 1
