"""Start the app server in a subprocess and drive it with Debian's Chromium (tests, benchmark).

Used by ``tests/test_browser_*.py`` and ``benchmarks/app_latency.py``. The server is
``solara run app.py`` on a free port of 127.0.0.1, started in its own process group and
stopped with it. The browser is the system Chromium (never a downloaded one) with the flags
that keep it from calling Google services, and every request it makes is recorded so a
test can check that nothing leaves the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

#: Repository root (where ``app.py`` lives).
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: Process id of each running server started by :func:`app_server`, by its URL.
_server_pids: dict[str, int] = {}


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_local(url: str) -> bool:
    """Whether a request URL stays on this machine (127.0.0.1/localhost, data:, blob: of them)."""
    if url.startswith(("data:", "about:")):
        return True
    if url.startswith("blob:"):
        url = url[len("blob:") :]
    host = urlparse(url).hostname or ""
    return host in LOCAL_HOSTS


@contextmanager
def app_server(
    port: int | None = None, production: bool = False, env: dict[str, str] | None = None, timeout_s: float = 120
) -> Iterator[str]:
    """Run ``solara run app.py`` on 127.0.0.1 and yield its URL; stop it afterwards.

    The server's output goes to ``wecsim-app-server-<port>.log`` in the temporary folder.

    Parameters
    ----------
    port
        Port to listen on (default: a free one).
    production
        Pass ``--production`` (minified front end, no hot reload).
    env
        Extra environment variables for the server.
    timeout_s
        How long to wait for the server to answer [s].
    """
    port = port or free_port()
    cmd = [sys.executable, "-m", "solara", "run", "app.py", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--no-check-version", "--no-open"]
    if production:
        cmd.append("--production")
    with server_process(cmd, port, env, timeout_s, name="app") as url:
        yield url


@contextmanager
def server_process(
    cmd: list[str], port: int, env: dict[str, str] | None = None, timeout_s: float = 120, name: str = "app"
) -> Iterator[str]:
    """Start the web server ``cmd`` (listening on 127.0.0.1:``port``), yield its URL once it answers, then stop it.

    The server runs in its own process group, which is stopped as a whole; its output goes to
    ``wecsim-<name>-server-<port>.log`` in the temporary folder.
    """
    full_env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", **(env or {})}
    log_path = Path(tempfile.gettempdir()) / f"wecsim-{name}-server-{port}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server exited with code {proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the {name} server did not answer on {url} within {timeout_s:.0f} s")
            time.sleep(0.3)
        _server_pids[url] = proc.pid
        yield url
    finally:
        _server_pids.pop(url, None)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def server_rss_mb(url: str) -> float:
    """Return the resident memory of the server started by :func:`app_server` at ``url`` [MB] (Linux).

    The server process only: the model's worker processes are not counted (see :func:`workers_rss_mb`).
    """
    return _rss_mb(_server_pids[url])


def workers_rss_mb(url: str) -> float:
    """Return the resident memory of the server's child processes (the model's workers) together [MB]."""
    pid = _server_pids[url]
    total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            total += _rss_mb(int(status.parent.name))
    return total


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def launch_chromium(playwright):
    """Launch Debian's Chromium through Playwright (headless, no Google services)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class RequestLog:
    """Records every request a Playwright browser context makes; blocks those leaving the machine.

    Attach with ``RequestLog().attach(context)``; afterwards :attr:`external` lists the URLs
    that would have left 127.0.0.1 and :attr:`failed` the local ones answered with 4xx/5xx.
    """

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []

    def attach(self, context) -> RequestLog:
        """Route all requests of ``context`` through this log."""

        def handle(route, request) -> None:
            self.urls.append(request.url)
            if is_local(request.url):
                route.continue_()
            else:
                self.external.append(request.url)
                route.abort()

        context.route("**/*", handle)
        context.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        return self

    def watch(self, page) -> None:
        """Also record the page's WebSocket connections (routing does not see them)."""

        def on_ws(ws) -> None:
            self.urls.append(ws.url)
            if not is_local(ws.url):
                self.external.append(ws.url)

        page.on("websocket", on_ws)
