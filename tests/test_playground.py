"""`graphgrad playground`: settings checked against limits, models that learn, and a server that stays healthy
under bad input, 20 concurrent clients and clients that drop their streams mid-training."""
import asyncio
import json
import time

import numpy as np
import pytest

from graphgrad.playground.model import Config, ConfigError, PlaygroundModel, parse_config

# --- settings -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, words", [
    ({"learning_rate": -0.1}, "learning rate must be between"),
    ({"learning_rate": float("nan")}, "learning rate must be between"),
    ({"hidden": [10000]}, "between 1 and 8, got 10000"),
    ({"hidden": [4] * 7}, "at most 6 hidden layers"),
    ({"hidden": "4,x"}, "comma-separated"),
    ({"hidden": [2.5]}, "whole number"),
    ({"batch_size": 0}, "batch size must be between 1"),
    ({"batch_size": True}, "batch size must be a number"),
    ({"activation": "elu"}, "activation must be one of sigmoid, tanh, relu, linear"),
    ({"dataset": "moons"}, "dataset must be one of circle, xor"),
    ({"noise": "a lot"}, "noise must be a number"),
    ({"test_fraction": 1.0}, "test fraction must be between 0.1 and 0.9"),
    ({"epochs": 3}, "unknown setting 'epochs'"),
])
def test_bad_settings_are_refused_with_a_message(bad, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(")):
        parse_config(bad)


def test_settings_keep_the_base_for_missing_keys():
    cfg = parse_config({"activation": "relu", "hidden": "3, 2"}, Config(dataset="xor"))
    assert (cfg.dataset, cfg.activation, cfg.hidden) == ("xor", "relu", (3, 2))
    assert parse_config({"hidden": []}).hidden == ()


def test_a_model_learns_xor_and_draws_its_frames():
    m = PlaygroundModel(parse_config({"dataset": "xor", "activation": "relu", "optimizer": "adam",
                                      "learning_rate": 0.03}))
    first = m.frame()
    for _ in range(30):
        m.train_epoch()
    frame = m.frame()
    assert frame["epoch"] == 30 and frame["test_loss"] < 0.5 * first["test_loss"]
    assert len(frame["history"]) == 31
    assert [len(layer) for layer in frame["neurons"]] == [4, 2]
    json.dumps(frame, allow_nan=False)  # what the page gets is plain JSON
    m.close()


def test_models_share_nothing():
    a, b = (PlaygroundModel(parse_config({"dataset": "circle"})) for _ in range(2))
    assert a.graph is not b.graph and a.sess is not b.sess
    a.train_epoch()
    assert b.steps == 0 and b.frame()["boundary"] != a.frame()["boundary"]


def test_a_linear_network_cannot_learn_the_circle():
    """The lecture's point: without a non-linearity the network is a linear function of its inputs."""
    losses = {}
    for act in ("linear", "tanh"):
        m = PlaygroundModel(parse_config({"dataset": "circle", "activation": act, "optimizer": "adam",
                                          "learning_rate": 0.03}))
        for _ in range(40):
            m.train_epoch()
        losses[act] = m.frame()["test_loss"]
    assert losses["linear"] > 0.6 and losses["tanh"] < 0.3


# --- the server -------------------------------------------------------------------------------------------------

httpx = pytest.importorskip("httpx", reason="the server tests need httpx")
pytest.importorskip("starlette", reason="the playground needs pip install 'graphgrad[playground]'")
pytest.importorskip("uvicorn", reason="the playground needs pip install 'graphgrad[playground]'")

from tests.playground_server import PlaygroundServer  # noqa: E402

host = pytest.mark.host_process("talks to a playground server in a child process")


@pytest.fixture(scope="module")
def server():
    # sessions left without a stream expire after 3 s: short for the tests that wait for the table to empty, long
    # enough that twenty clients on a loaded 2-core machine reach "play" before their new session expires
    s = PlaygroundServer("--idle-timeout", "3", "--frame-seconds", "0.05")
    try:
        yield s
    finally:
        s.stop()


def _client(server):
    return httpx.Client(base_url=server.url, timeout=20)


def _wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        time.sleep(0.05)


@host
def test_the_page_and_its_files_are_served_locally(server):
    with _client(server) as c:
        page = c.get("/")
        assert page.status_code == 200 and "graphgrad playground" in page.text
        for path in ("/static/app.js", "/static/style.css"):
            assert c.get(path).status_code == 200
        assert "http" not in page.text.replace("http-equiv", "")  # no CDN: everything comes from this server
        assert c.get("/api/config").json()["limits"]["hidden"] == {"max_layers": 6, "max_neurons": 8}


@host
@pytest.mark.parametrize("body, status, words", [
    ('{"config": {"learning_rate": -1}}', 422, "learning rate must be between"),
    ('{"config": {"hidden": [10000]}}', 422, "between 1 and 8"),
    ('{"config": {', 400, "malformed JSON"),
    ("[1, 2]", 400, "expected a JSON object"),
    ('{"config": "fast"}', 422, "must be a JSON object"),
    ("x" * 20000, 413, "larger than"),
])
def test_bad_requests_get_a_status_and_a_message(server, body, status, words):
    with _client(server) as c:
        r = c.post("/api/sessions", content=body)
        assert r.status_code == status and words in r.json()["error"]
        assert c.get("/api/health").json()["ok"]


@host
def test_unknown_sessions_and_actions_are_404(server):
    with _client(server) as c:
        assert "reload the page" in c.post("/api/sessions/nope/play").json()["error"]
        assert c.get("/api/sessions/nope/events").status_code == 404
        sid = c.post("/api/sessions", json={}).json()["id"]
        r = c.post(f"/api/sessions/{sid}/jump")
        assert r.status_code == 404 and "unknown action" in r.json()["error"]
        assert c.post(f"/api/sessions/{sid}/config", json={"config": {"batch_size": -3}}).status_code == 422
        assert c.post(f"/api/sessions/{sid}/step").json() == {"playing": False}
        assert c.delete(f"/api/sessions/{sid}").status_code == 204


@host
def test_a_diverging_run_pauses_with_a_message(server):
    with _client(server) as c:
        sid = c.post("/api/sessions", json={"config": {"learning_rate": 10, "optimizer": "momentum",
                                                       "activation": "linear", "hidden": [8, 8, 8, 8, 8]}}).json()["id"]
        c.post(f"/api/sessions/{sid}/play")
        with c.stream("GET", f"/api/sessions/{sid}/events") as events:
            for line in events.iter_lines():
                if line.startswith("data:") and json.loads(line[5:])["error"]:
                    frame = json.loads(line[5:])
                    break
        assert "diverged" in frame["error"] and frame["playing"] is False
        assert c.get("/api/health").json()["ok"]


@host
def test_the_derivative_graph_of_the_network(server):
    import shutil

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    with _client(server) as c:
        sid = c.post("/api/sessions", json={"config": {"hidden": [3]}}).json()["id"]
        r = c.get(f"/api/sessions/{sid}/graph.svg")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        assert "<svg" in r.text and "∂loss/∂" in r.text and "layer1/kernel" in r.text


async def _client_session(c, frames_to_read):
    """One page: create a session, press play, open the stream, read a few frames, then drop the connection."""
    r = await c.post("/api/sessions", json={"config": {"dataset": "spiral"}})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert (await c.post(f"/api/sessions/{sid}/play")).json() == {"playing": True}
    steps = []
    async with c.stream("GET", f"/api/sessions/{sid}/events") as events:
        async for line in events.aiter_lines():
            if line.startswith("data:"):
                steps.append(json.loads(line[5:])["steps"])
                if len(steps) >= frames_to_read:
                    break  # leave without closing the session, as a killed tab does
    return steps


async def _crowd(url, n, frames):
    """n pages at once, each on connections of its own (one client object: making one costs 0.1 s), and a
    monitor that times the server's health answers meanwhile."""
    async def health_latency(c):
        worst = 0.0
        for _ in range(10):
            t0 = time.perf_counter()
            assert (await c.get("/api/health")).status_code == 200
            worst = max(worst, time.perf_counter() - t0)
            await asyncio.sleep(0.05)
        return worst
    limits = httpx.Limits(max_connections=4 * n, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as c:
        results = await asyncio.gather(*[_client_session(c, frames) for _ in range(n)], health_latency(c))
    return results[:-1], results[-1]


@host
def test_twenty_clients_that_drop_their_streams_leave_the_server_healthy_and_its_memory_flat(server):
    with _client(server) as c:
        _wait_until(lambda: c.get("/api/health").json()["sessions"] == 0, 10, "earlier tests' sessions expired")
    rss = []
    for _ in range(3):
        streams, worst_latency = asyncio.run(_crowd(server.url, 20, 2))
        # every client saw its network train (the first frame may already follow the first training chunk)
        assert all(len(s) == 2 and s[-1] >= s[0] and s[-1] > 0 for s in streams), streams
        assert worst_latency < 3.0, worst_latency  # training runs beside the event loop, which keeps answering
        with _client(server) as c:
            _wait_until(lambda: c.get("/api/health").json()["streams"] == 0, 10, "every dropped stream closed")
            _wait_until(lambda: c.get("/api/health").json()["sessions"] == 0, 15, "the session table emptied")
        rss.append(server.rss())
    assert server.alive()
    growth = rss[-1] - rss[0]
    print(f"\nplayground server RSS after each round of 20 clients: {[round(r / 2**20, 1) for r in rss]} MiB")
    assert growth < 25 * 2**20, f"RSS grew by {growth / 2**20:.1f} MiB over two rounds of 20 clients"


@host
def test_sessions_are_limited():
    server = PlaygroundServer("--max-sessions", "3")
    try:
        with _client(server) as c:
            ids = [c.post("/api/sessions", json={"config": {"points": 50}}).json()["id"] for _ in range(3)]
            r = c.post("/api/sessions", json={})
            assert r.status_code == 503 and "already runs 3 sessions" in r.json()["error"]
            for sid in ids:
                assert c.post(f"/api/sessions/{sid}/close").json() == {"closed": True}
            assert c.get("/api/health").json()["sessions"] == 0
            assert c.post("/api/sessions", json={}).status_code == 201
    finally:
        server.stop()


@host
def test_the_cli_refuses_a_port_in_use():
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "graphgrad", "playground", "--no-browser", "--port", str(port)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot listen on 127.0.0.1:" in r.stderr and "Traceback" not in r.stderr


def test_frame_bytes_decode_to_the_grid():
    import base64

    m = PlaygroundModel(parse_config({}))
    frame = m.frame()
    assert len(base64.b64decode(frame["boundary"])) == frame["boundary_grid"] ** 2
    assert len(base64.b64decode(frame["neurons"][0][0])) == frame["neuron_grid"] ** 2
    assert np.isfinite(frame["test_loss"])
