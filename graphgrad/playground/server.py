"""The playground's web server: a Starlette app served by uvicorn on 127.0.0.1.

Each browser tab creates a session (`POST /api/sessions`) that owns one `PlaygroundModel` (its own Graph and
Session) and opens a server-sent-event stream of frames (`GET /api/sessions/ID/events`). Training and drawing run
in a thread pool, never on the event loop, and one call at a time per session (an asyncio lock), so the server
keeps answering while every session trains. A session nobody streams is paused; one left without a stream for
`idle_timeout` seconds (a closed tab, a dropped connection) is closed and removed from the table.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .model import Config, ConfigError, PlaygroundModel, limits_json, parse_config

STATIC = Path(__file__).parent / "static"
MAX_BODY = 16 * 1024
FRAME_SECONDS = 0.15     # training time between two frames: about 6 frames a second
KEEPALIVE_SECONDS = 10.0


class HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status, message):
    return JSONResponse({"error": message}, status_code=status)


def rss_bytes() -> int:
    """This process's resident memory (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class LiveSession:
    """One browser tab's model, its play state and the queues of its open streams."""

    def __init__(self, hub: Hub, sid: str, model: PlaygroundModel):
        self.hub, self.id, self.model = hub, sid, model
        self.lock = asyncio.Lock()
        self.playing = False
        self.subscribers: set[asyncio.Queue] = set()
        self.task: asyncio.Task | None = None
        self.last_seen = time.monotonic()
        self.error: str | None = None
        self.closed = False

    async def call(self, fn, *args):
        """Run fn(*args) in the thread pool, one call at a time for this session."""
        async with self.lock:
            if self.closed:
                raise HTTPError(404, "this session was closed; reload the page")
            try:
                return await asyncio.get_running_loop().run_in_executor(self.hub.executor, fn, *args)
            finally:
                self.last_seen = time.monotonic()

    def frame_json(self) -> str:
        frame = self.model.frame()
        frame["playing"] = self.playing
        frame["error"] = self.error
        return json.dumps(frame, separators=(",", ":"))

    async def publish(self):
        text = await self.call(self.frame_json)
        for q in list(self.subscribers):
            if q.full():  # a slow reader gets the newest frame, not a backlog
                q.get_nowait()
            q.put_nowait(text)

    def subscribe(self) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(maxsize=1)
        self.subscribers.add(q)
        self.last_seen = time.monotonic()
        self.ensure_running()
        return q

    def unsubscribe(self, q):
        self.subscribers.discard(q)
        self.last_seen = time.monotonic()

    def ensure_running(self):
        if self.playing and self.subscribers and self.task is None and not self.closed:
            self.task = asyncio.get_running_loop().create_task(self._train())

    async def _train(self):
        try:
            while self.playing and self.subscribers and not self.closed:
                await self.call(self.model.train_for, self.hub.frame_seconds)
                if self.model.diverged:
                    self.playing = False
                    self.error = "training diverged (the loss is not finite); try a smaller learning rate"
                await self.publish()
                await asyncio.sleep(0.01)  # let requests in between frames
        except HTTPError:
            pass
        except Exception as e:  # a failing model must not take the server down: show it and pause
            self.playing = False
            self.error = f"training failed: {type(e).__name__}: {e}"
            try:
                await self.publish()
            except Exception:
                pass
        finally:
            self.task = None

    async def replace(self, cfg: Config):
        async with self.lock:
            if self.closed:
                raise HTTPError(404, "this session was closed; reload the page")
            loop = asyncio.get_running_loop()
            new = await loop.run_in_executor(self.hub.executor, PlaygroundModel, cfg)
            old, self.model = self.model, new
            self.error = None
            await loop.run_in_executor(self.hub.executor, old.close)

    async def close(self):
        self.playing = False
        async with self.lock:
            self.closed = True
            await asyncio.get_running_loop().run_in_executor(self.hub.executor, self.model.close)
        for q in list(self.subscribers):  # tell open streams to end
            if q.full():
                q.get_nowait()
            q.put_nowait(None)


class Hub:
    """The table of live sessions, the thread pool they train in, and the reaper of abandoned sessions."""

    def __init__(self, idle_timeout: float = 60.0, max_sessions: int = 64, workers: int | None = None,
                 frame_seconds: float = FRAME_SECONDS):
        self.idle_timeout = idle_timeout
        self.frame_seconds = frame_seconds
        self.max_sessions = max_sessions
        self.sessions: dict[str, LiveSession] = {}
        self.executor = ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1),
                                           thread_name_prefix="playground")
        self.reaper: asyncio.Task | None = None
        self.creating = 0

    def get(self, sid) -> LiveSession:
        live = self.sessions.get(sid)
        if live is None:
            raise HTTPError(404, "no such session (it may have expired after the page was left); reload the page")
        live.last_seen = time.monotonic()
        return live

    async def create(self, cfg: Config) -> LiveSession:
        if len(self.sessions) + self.creating >= self.max_sessions:
            raise HTTPError(503, f"the server already runs {self.max_sessions} sessions; close a tab and retry")
        self.creating += 1
        try:
            model = await asyncio.get_running_loop().run_in_executor(self.executor, PlaygroundModel, cfg)
        finally:
            self.creating -= 1
        sid = secrets.token_urlsafe(12)
        live = self.sessions[sid] = LiveSession(self, sid, model)
        return live

    async def remove(self, sid):
        live = self.sessions.pop(sid, None)
        if live is not None:
            await live.close()

    async def reap_forever(self):
        period = max(0.05, min(5.0, self.idle_timeout / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for sid, live in list(self.sessions.items()):
                if not live.subscribers and now - live.last_seen > self.idle_timeout:
                    await self.remove(sid)

    async def shutdown(self):
        if self.reaper:
            self.reaper.cancel()
        for sid in list(self.sessions):
            await self.remove(sid)
        self.executor.shutdown(wait=False, cancel_futures=True)


async def _json_body(request: Request):
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise HTTPError(413, f"request body larger than {MAX_BODY} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPError(413, f"request body larger than {MAX_BODY} bytes")
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise HTTPError(400, f"malformed JSON: {e}") from None


def _config_from(obj, base=None) -> Config:
    if not isinstance(obj, dict):
        raise HTTPError(400, f"expected a JSON object, got {type(obj).__name__}")
    try:
        return parse_config(obj.get("config", {}), base)
    except ConfigError as e:
        raise HTTPError(422, str(e)) from None


def create_app(idle_timeout: float = 60.0, max_sessions: int = 64, workers: int | None = None,
               frame_seconds: float = FRAME_SECONDS) -> Starlette:
    hub = Hub(idle_timeout, max_sessions, workers, frame_seconds)

    def handler(fn):
        async def endpoint(request: Request):
            try:
                return await fn(request)
            except HTTPError as e:
                return _error(e.status, e.message)
        return endpoint

    async def index(request):
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    async def health(request):
        return JSONResponse({"ok": True, "sessions": len(hub.sessions),
                             "streams": sum(len(s.subscribers) for s in hub.sessions.values()),
                             "rss_bytes": rss_bytes()})

    async def defaults(request):
        return JSONResponse({"config": Config().as_json(), "limits": limits_json()})

    async def create(request):
        cfg = _config_from(await _json_body(request))
        live = await hub.create(cfg)
        return JSONResponse({"id": live.id, "config": cfg.as_json(), "data": live.model.data_json()},
                            status_code=201)

    async def configure(request):
        live = hub.get(request.path_params["sid"])
        cfg = _config_from(await _json_body(request), live.model.cfg)
        await live.replace(cfg)
        await live.publish()
        return JSONResponse({"config": cfg.as_json(), "data": live.model.data_json()})

    async def action(request):
        live = hub.get(request.path_params["sid"])
        what = request.path_params["action"]
        if what == "play":
            live.playing, live.error = True, None
            live.ensure_running()
        elif what == "pause":
            live.playing = False
        elif what == "step":
            live.playing = False
            await live.call(live.model.train_epoch)
        elif what == "reset":
            await live.replace(live.model.cfg)
        elif what == "close":
            await hub.remove(live.id)
            return JSONResponse({"closed": True})
        else:
            raise HTTPError(404, f"unknown action {what!r}; use play, pause, step, reset or close")
        if what != "play":
            await live.publish()
        return JSONResponse({"playing": live.playing})

    async def delete(request):
        await hub.remove(request.path_params["sid"])
        return Response(status_code=204)

    async def events(request):
        live = hub.get(request.path_params["sid"])
        queue = live.subscribe()  # at once, with no await since the lookup: the reaper never takes it from here on
        try:
            first = await live.call(live.frame_json)
        except BaseException:
            live.unsubscribe(queue)
            raise

        async def stream():
            try:
                yield f"data: {first}\n\n"
                while True:
                    try:
                        text = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                    except TimeoutError:
                        yield ": keepalive\n\n"
                        continue
                    if text is None:  # the session was closed
                        yield "event: closed\ndata: {}\n\n"
                        return
                    yield f"data: {text}\n\n"
            finally:
                live.unsubscribe(queue)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def graph_svg(request):
        live = hub.get(request.path_params["sid"])
        try:
            svg = await live.call(live.model.derivative_svg)
        except RuntimeError as e:  # Graphviz missing
            raise HTTPError(501, str(e)) from None
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

    async def lifespan_start():
        hub.reaper = asyncio.get_running_loop().create_task(hub.reap_forever())

    routes = [
        Route("/", index),
        Route("/api/health", health),
        Route("/api/config", defaults),
        Route("/api/sessions", handler(create), methods=["POST"]),
        Route("/api/sessions/{sid}", handler(delete), methods=["DELETE"]),
        Route("/api/sessions/{sid}/config", handler(configure), methods=["POST"]),
        Route("/api/sessions/{sid}/events", handler(events)),
        Route("/api/sessions/{sid}/graph.svg", handler(graph_svg)),
        Route("/api/sessions/{sid}/{action}", handler(action), methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        await lifespan_start()
        try:
            yield
        finally:
            await hub.shutdown()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.hub = hub
    return app
