"""The playground's local web server (Starlette on uvicorn), which ``glassgrad playground`` starts.

The page (``playground/static/playground.html``, ``.js``, ``.css``, package data) talks to one
``playground.runner.Runner``:

    GET  /?token=T                 the page
    GET  /static/NAME?token=T      its script and style
    GET  /api/state                the session: epoch, losses, settings, parameters, points (the documented contract)
    GET  /api/frame                the same with the loss history and every heatmap, as the page draws it
    GET  /api/events               server-sent events: a frame each time one is made (about 30 a second while playing)
    GET  /api/data.csv             the points as CSV (x1,x2,label)
    POST /api/command              a message for ``Runner.handle`` as JSON ({"type": "play"}, ...): the frame after it

Safety, for a server on the user's own machine: a random token per launch is required on every request (the
``token`` query parameter or the ``X-Glassgrad-Token`` header; 403 without it); the ``Host`` header must name
the address served (DNS rebinding); a POST whose ``Origin`` is another site is refused (403); bodies are
bounded (``MAX_BODY_BYTES``, 413); a bad message is a 400 whose JSON ``error`` says what was expected (the
page shows it) and the server goes on. No text from a request is ever evaluated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import sys
import threading
import webbrowser
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from engine.value import describe
from playground import saved
from playground.data import link_points
from playground.runner import Frame, Runner
from playground.runs import DroppedRunError, Runs
from playground.settings import Settings, parse_hash
from viz.assets import static_text

MAX_BODY_BYTES = 2_000_000  # a message, with a CSV of up to 1 MB as JSON text
MAX_EVENT_STREAMS = 8  # pages (tabs) listening at once
KEEPALIVE_SECONDS = 1.0  # an idle event stream sends a comment this often (and notices a shutdown)
KEEPALIVE_SECONDS_IDLE = 5  # a kept-alive connection with no request is closed after this long (uvicorn's)
REQUEST_SECONDS = 10.0  # a request must arrive whole within this long of its first byte, or it is dropped
MAX_CONNECTIONS = 64  # connections open at once; a further one is closed as it opens
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
STATIC = {"playground.js": "text/javascript", "playground.css": "text/css"}
TOKEN_HEADER = "x-glassgrad-token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Guard:
    """ASGI middleware: the token, the Host header and (for POST) the Origin header, before any route runs."""

    def __init__(self, app: ASGIApp, token: str, hosts: set[str]) -> None:
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        problem = self._problem(request)
        if problem is not None:
            await JSONResponse({"error": problem}, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _problem(self, request: Request) -> str | None:
        host = request.headers.get("host", "")
        if host.lower() not in self.hosts:
            return f"Host header: expected one of {', '.join(sorted(self.hosts))}, got {host!r}"
        given = request.query_params.get("token") or request.headers.get(TOKEN_HEADER, "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return "token: expected the token printed by glassgrad playground (open the URL it printed)"
        origin = request.headers.get("origin")
        if request.method != "GET" and origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return f"Origin: expected this page ({host}), got {origin!r}"
        return None


def create_app(runs: Runs | Runner, token: str, hosts: set[str], stopping: Callable[[], bool] = lambda: False) -> Any:
    """The Starlette app serving ``runs`` (one run per page; a single ``Runner`` is shared by every page), guarded
    by ``token`` and the accepted ``Host`` values (``host:port``).

    ``stopping()`` says when the server shuts down, so that event streams end and Ctrl-C stops it at once.
    """
    runs = Runs(only=runs) if isinstance(runs, Runner) else runs
    streams = threading.BoundedSemaphore(MAX_EVENT_STREAMS)
    page = static_text("playground", "playground.html").replace("{{token}}", token)

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return JSONResponse({"error": f"static: expected one of {', '.join(STATIC)}, got {name!r}"}, 404)
        return Response(static_text("playground", name), media_type=f"{STATIC[name]}; charset=utf-8")

    async def state(request: Request) -> Response:
        run_id, runner = _run_of(runs, request)
        return JSONResponse({**await asyncio.to_thread(runner.state), "session": run_id})

    async def frame(request: Request) -> Response:
        run_id, runner = _run_of(runs, request)
        return JSONResponse({**await asyncio.to_thread(runner.frame, True), "session": run_id})

    async def data_csv(request: Request) -> Response:
        text = await asyncio.to_thread(_run_of(runs, request)[1].session.to_csv)
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="playground.csv"'})

    async def session(request: Request) -> Response:
        body = await _body(request)
        link = _link(decode_message(body)) if body else ""
        settings, notices = Settings.from_link(link) if link else (None, [])
        points = link_points(parse_hash(link), settings) if settings is not None else None
        run_id, runner = await asyncio.to_thread(runs.start, settings)
        if points is not None:
            await asyncio.to_thread(runner.session.set_points, *points)
        return JSONResponse({**await asyncio.to_thread(runner.frame, True), "session": run_id, "notices": notices})

    async def command(request: Request) -> Response:
        runner = _run_of(runs, request)[1]
        message = decode_message(await _body(request))
        return JSONResponse(await asyncio.to_thread(runner.handle, message))

    async def events(request: Request) -> Response:
        runner = _run_of(runs, request)[1]
        if not streams.acquire(blocking=False):
            return _error(f"events: expected at most {MAX_EVENT_STREAMS} pages listening at once, got one more", 429)
        return StreamingResponse(_event_stream(runner, stopping, streams.release), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    app = Starlette(routes=[
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/state", state),
        Route("/api/frame", frame),
        Route("/api/events", events),
        Route("/api/data.csv", data_csv),
        Route("/api/session", session, methods=["POST"]),
        Route("/api/command", command, methods=["POST"]),
    ], exception_handlers={_TooLargeError: _answer_error, DroppedRunError: _answer_error, ValueError: _answer_error,
                           TypeError: _answer_error})
    return _Guard(app, token, hosts)


class _TooLargeError(ValueError):
    """A request body over ``MAX_BODY_BYTES`` (413)."""


async def _body(request: Request) -> bytes:
    """The request's body, read at most ``MAX_BODY_BYTES`` (``_TooLargeError`` past it, by its header or as it
    streams)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _TooLargeError(f"request body: expected at most {MAX_BODY_BYTES:,} bytes, got {declared}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _TooLargeError(f"request body: expected at most {MAX_BODY_BYTES:,} bytes, got more")
    return bytes(body)


async def _answer_error(request: Request, error: Exception) -> Response:
    """A request the app cannot do: 413 for a body too large, 410 for a run no longer kept, else 400; the JSON
    ``error`` says what was expected (the page shows it)."""
    status = 413 if isinstance(error, _TooLargeError) else 410 if isinstance(error, DroppedRunError) else 400
    return _error(str(error), status)


def _run_of(runs: Runs, request: Request) -> tuple[str, Runner]:
    """The run a request names (``?session=ID``: a ``DroppedRunError`` saying to reload when it is gone), or
    without one the most recently used run (for scripts and ``GET /api/state``; a page always names its own)."""
    run_id = request.query_params.get("session")
    if run_id is None:
        return runs.latest()
    return run_id, runs.get(run_id)


def _link(message: object) -> str:
    """The link hash in ``POST /api/session``'s body (``{"hash": "..."}``; nothing: none)."""
    if not isinstance(message, dict) or not isinstance(message.get("hash", ""), str):
        raise ValueError(f"session: expected an object such as {{\"hash\": \"dataset=xor\"}}, got {describe(message)}")
    return str(message.get("hash", "")).removeprefix("#")


def decode_message(body: bytes) -> object:
    """A request body as JSON (UTF-8; no NaN or Infinity); a ValueError saying what was wrong for anything else —
    bad bytes, bad JSON, JSON nested too deep for the decoder, an integer of more than 4,300 digits."""
    expected = 'request body: expected a JSON object such as {"type": "step"}'
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"{expected}, got JSON nested too deep") from None
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError is a ValueError, as is a too-long integer
        raise ValueError(f"{expected}, got bad JSON ({str(error)[:120]})") from None


def _refuse_constant(name: str) -> object:
    """NaN, Infinity and -Infinity are not JSON numbers: refused, never turned into floats."""
    raise ValueError(f"{name} is not a JSON number")


def _error(message: str, status: int = 400) -> Response:
    return JSONResponse({"error": message}, status_code=status)


async def _event_stream(runner: Runner, stopping: Callable[[], bool], done: Callable[[], None]) -> AsyncIterator[str]:
    """Server-sent events: the run's frame now, then the newest frame whenever there is one (frames the page has
    no time for are skipped)."""
    loop = asyncio.get_running_loop()
    newest: list[Frame] = []
    ready = asyncio.Event()

    def arrived(frame: Frame) -> None:  # called from the training thread
        def keep() -> None:
            newest[:] = [frame]
            ready.set()
        with contextlib.suppress(RuntimeError):  # the loop closed: the server is gone
            loop.call_soon_threadsafe(keep)

    unsubscribe = runner.subscribe(arrived)
    try:
        yield "retry: 1000\n\n"
        # the run as it is now, first: a change made before the page listened (or while it reconnected) is not lost
        text = await asyncio.to_thread(lambda: json.dumps(runner.frame(True)))
        yield f"event: frame\ndata: {text}\n\n"
        while not stopping():
            try:
                await asyncio.wait_for(ready.wait(), KEEPALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield ": waiting\n\n"
                continue
            ready.clear()
            frame, newest[:] = newest[0], []
            text = await asyncio.to_thread(json.dumps, frame)
            yield f"event: frame\ndata: {text}\n\n"
    finally:
        unsubscribe()
        done()


def local_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` header values accepted, each with ``:port``: the local names, ``host`` itself, and for a
    wildcard ``host`` (``0.0.0.0``, ``::``) this machine's name and addresses."""
    names = {*LOCAL_HOSTS, host}
    if host in ("0.0.0.0", "::", ""):
        machine = socket.gethostname()
        names |= {machine, socket.getfqdn()}
        with contextlib.suppress(OSError):
            names |= {str(info[4][0]) for info in socket.getaddrinfo(machine, None)}
    bracketed = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names if n}
    return {f"{name.lower()}:{port}" for name in bracketed}


class _Connection(H11Protocol):
    """uvicorn's HTTP/1.1 connection, bounded: a request must arrive whole within ``REQUEST_SECONDS`` of its first
    byte (or of the connection opening) or the connection is closed, and past ``MAX_CONNECTIONS`` open at once a
    new one is closed at once. (uvicorn drops idle kept-alive connections itself, after ``timeout_keep_alive``.)"""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        super().connection_made(transport)
        if len(self.connections) > MAX_CONNECTIONS:
            transport.close()
            return
        self._watch()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """A deadline while a request is being read (h11: the client is IDLE with data pending, or sending its
        body), none once it is whole."""
        reading = self.conn.their_state is h11.SEND_BODY or (
            (self.conn.their_state is h11.IDLE and self.conn.trailing_data[0]) or self.cycle is None)
        if not reading:
            self._stop_watching()
        elif self._deadline is None:
            self._deadline = self.loop.call_later(REQUEST_SECONDS, self._expire)

    def _stop_watching(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        """The request did not arrive whole in time: the connection is closed."""
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()


def _listening(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: a free port) and listening, so that requests made at once wait. It is
    made for TCP by name (``IPPROTO_TCP``), as uvicorn makes its own: asyncio then sets ``TCP_NODELAY`` on each
    connection it accepts, and a small answer is not held back 40 ms by Nagle's algorithm."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise ValueError(f"--host/--port: expected an address this machine can listen on, got {host}:{port} "
                         f"({error.strerror})") from None
    return sock


def _server(runs: Runs | Runner, token: str, host: str, port: int) -> uvicorn.Server:
    app = create_app(runs, token, local_hosts(host, port), stopping=lambda: server.should_exit)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, lifespan="off", http=_Connection,
                            timeout_keep_alive=KEEPALIVE_SECONDS_IDLE)
    server = uvicorn.Server(config)
    return server


@contextlib.contextmanager
def running(runner: Runner | Runs, token: str | None = None) -> Iterator[str]:
    """Serve ``runner`` (one run every page shares; ``Runs``: a run per page) on 127.0.0.1 (a free port) in a thread
    while the block runs; yields the page's URL with its token (``token``, or a random one). For tests, scripts and
    notebooks; the command uses ``serve``."""
    sock = _listening("127.0.0.1", 0)
    port = sock.getsockname()[1]
    token = secrets.token_urlsafe(24) if token is None else token
    server = _server(runner, token, "127.0.0.1", port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="glassgrad-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/?token={token}"
    finally:
        (runner.close if isinstance(runner, Runs) else runner.pause)()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(host: str = "127.0.0.1", port: int = 0, open_browser: bool = True, runner: Runner | None = None,
          state: Path | None = None, token: str | None = None) -> int:
    """Serve the playground until Ctrl-C: prints the URL (token included) on a line of its own; returns 0.

    Each page load is a run of its own (``playground.runs``); ``runner``, when given, is one run every page shares.
    ``state``: the file the runs are kept in (``playground.saved``): read at start (they go on, with their ids,
    the token and the port unless ``token``/``port`` are given), saved every few seconds and on exit; None keeps
    nothing.
    """
    kept = saved.load(state) if state is not None else None  # a file that is not a kept run: a ValueError
    runs = Runs(only=runner) if runner is not None else kept.runs if kept is not None else Runs()
    token = (kept.token if kept is not None else secrets.token_urlsafe(24)) if token is None else _checked_token(token)
    sock = _listening_again(host, port, kept.port if kept is not None and port == 0 else 0)
    port = sock.getsockname()[1]
    server = _server(runs, token, host, port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}/?token={token}"
    saver = saved.Saver(state, runs, token, port, warn=_warn) if state is not None else None
    try:  # a Ctrl-C from here on stops it cleanly, even one before uvicorn has taken over the signal
        if host not in ("127.0.0.1", "localhost", "::1"):
            _warn(f"warning: serving on {host}, not only this machine: anyone who can reach it and has the token "
                  f"can use the playground")
        if saver is not None:
            count = len(kept.runs.items()) if kept is not None else 0
            went_on = f"; went on with the {count} run{'s' if count != 1 else ''} kept there" if count else ""
            print(f"glassgrad playground: the runs are kept in {state} (saved every {saved.SAVE_SECONDS:g} s and on "
                  f"exit{went_on})", flush=True)
            saver.start()
        print("glassgrad playground: open this address in a browser (Ctrl-C stops the server):", flush=True)
        print(url, flush=True)
        if open_browser:
            threading.Timer(0.5, webbrowser.open, (url,)).start()
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has shut down and raises the Ctrl-C again: the way this command ends
        pass
    finally:
        runs.close()
        sock.close()
        if saver is not None:
            saver.stop()
    print("glassgrad playground: stopped", flush=True)
    return 0


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _checked_token(token: str) -> str:
    """``--token``: 16 to 200 letters, digits, ``-`` or ``_`` (it goes into the page's URL)."""
    if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9_-]{16,200}", token):
        raise ValueError(f"--token: expected 16 to 200 letters, digits, - or _, got {describe(token)}")
    return token


def _listening_again(host: str, port: int, kept: int) -> socket.socket:
    """The listening socket: on ``port`` when one is asked for; else on the ``kept`` port of a kept run when it is
    free (so an open page finds the server again), else on a free one."""
    if kept:
        with contextlib.suppress(ValueError):
            return _listening(host, kept)
    return _listening(host, port)
