"""Local HTTP stand-ins of the upstreams (aiohttp), started by the tests on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

FIXTURES = Path(__file__).parent / "fixtures"


class LocalServer:
    """An aiohttp application on a free port; ``url`` is its base URL."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> LocalServer:
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@dataclass
class FakeFed:
    """federalreserve.gov as the watchers see it: the feed, statement pages, H.4.1, calendar.

    ``faults[path]`` is a list of behaviours used one per request: ``500``, ``timeout``
    (answers after ``slow_seconds``), ``truncate`` (half the body), ``layout`` (a page with
    another structure), ``404``.
    """

    feed: bytes = b""
    pages: dict[str, bytes] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    slow_seconds: float = 3.0
    requests: list[tuple[str, str]] = field(default_factory=list)
    not_modified: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feeds/press_monetary.xml", self.serve_feed)
        app.router.add_get("/{path:.*}", self.serve_page)
        return app

    async def _fault(self, path: str, body: bytes) -> web.Response | bytes:
        queue = self.faults.get(path)
        if not queue:
            return body
        fault = queue.pop(0)
        if fault == "500":
            return web.Response(status=500, text="Internal Server Error")
        if fault == "404":
            return web.Response(status=404, text="Not Found")
        if fault == "timeout":
            await asyncio.sleep(self.slow_seconds)
            return body
        if fault == "truncate":
            return body[: len(body) // 3]
        if fault == "cut_end":  # decision paragraph there, the vote and the end missing
            return body[: body.find(b"Voting for")]
        if fault == "layout":
            return (b"<html><head><title>Federal Reserve issues FOMC statement</title></head>"
                    b"<body><div class='new-layout'><span>Policy update</span>"
                    b"<span>See the PDF.</span></div></body></html>")
        return body

    async def serve_feed(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", request.path))
        etag = 'W/"' + hashlib.sha1(self.feed).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304)
        body = await self._fault(request.path, self.feed)
        if isinstance(body, web.Response):
            return body
        return web.Response(body=body, content_type="text/xml",
                            headers={"ETag": etag, "Last-Modified": formatdate(usegmt=True)})

    async def serve_page(self, request: web.Request) -> web.Response:
        self.requests.append(("GET", request.path))
        page = self.pages.get(request.path)
        if page is None:
            queue = self.faults.get(request.path)
            if queue and queue[0] == "500":
                queue.pop(0)
                return web.Response(status=500)
            return web.Response(status=404, text="Not Found")
        body = await self._fault(request.path, page)
        if isinstance(body, web.Response):
            return body
        content_type = "text/csv" if request.path.endswith(".csv") else "text/html"
        return web.Response(body=body, content_type=content_type)


def fed_fixture(name: str) -> bytes:
    return (FIXTURES / "fed" / name).read_bytes()
