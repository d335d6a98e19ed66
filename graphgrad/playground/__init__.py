"""`graphgrad playground`: a local web page where graphgrad trains small networks on 2-D data sets while you
watch (docs/playground.md). Needs `pip install 'graphgrad[playground]'` (Starlette and uvicorn)."""
from __future__ import annotations

import asyncio
import socket
import sys
import threading
import webbrowser

from .model import Config, ConfigError, PlaygroundModel, parse_config

INSTALL_HINT = "graphgrad playground needs Starlette and uvicorn: pip install 'graphgrad[playground]'"

__all__ = ["serve", "create_app", "Config", "ConfigError", "PlaygroundModel", "parse_config", "INSTALL_HINT"]


def create_app(**kw):
    from .server import create_app as _create_app

    return _create_app(**kw)


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket; port 0 lets the operating system choose a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(host="127.0.0.1", port=0, open_browser=True, idle_timeout=60.0, max_sessions=64, frame_seconds=0.15,
          out=None) -> int:
    """Serve the playground until Ctrl-C; prints `graphgrad playground: URL` once it answers."""
    import uvicorn

    out = out or sys.stdout
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    app = create_app(idle_timeout=idle_timeout, max_sessions=max_sessions, frame_seconds=frame_seconds)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, lifespan="on"))

    async def main():
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            print(f"graphgrad playground: {url} (Ctrl-C stops it)", file=out, flush=True)
            if open_browser:
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        await task

    try:
        asyncio.run(main())
    finally:
        sock.close()
    return 0
