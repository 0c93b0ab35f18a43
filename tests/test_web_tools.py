"""web_fetch and web_search against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from agent.config import Config
from agent.session_builder import tools_for
from agent.tools.base import ToolContext, ToolError
from agent.tools.web import BraveProvider, SearxngProvider, WebFetchTool, WebSearchTool
from agent.tools.workspace import Workspace

PAGE = b"""<!doctype html><html><head><title>Widgets</title><style>p{color:red}</style></head>
<body><nav>Home | About</nav><main><h2>Install</h2><p>Run <code>pip install widgets</code> and <b>enjoy</b>.</p>
<ul><li>fast</li><li>small</li></ul><script>alert('x')</script></main></body></html>"""

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/page": (200, "text/html; charset=utf-8", PAGE),
    "/data": (200, "application/json", b'{"name": "widgets", "tags": ["a", "b"]}'),
    "/notes.txt": (200, "text/plain", "caf\u00e9 notes\n".encode()),
    "/image.png": (200, "image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100),
    "/long": (200, "text/plain", b"x" * 5000),
    "/redirect": (302, "text/plain", b""),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        path = urlsplit(self.path).path
        self.server.seen.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        if path == "/slow":  # answers only when the module's tests are done: far past any time limit
            self.server.release.wait(120)  # type: ignore[attr-defined]
        if path == "/search":  # SearXNG's JSON API
            q = parse_qs(urlsplit(self.path).query)
            assert q["format"] == ["json"]
            body = json.dumps({"query": q["q"][0], "results": [
                {"title": "Widgets docs", "url": "https://widgets.example/docs", "content": "How to install widgets."},
                {"title": "Widgets repo", "url": "https://git.example/widgets", "content": ""},
            ]}).encode()
            return self._send(200, "application/json", body)
        if path == "/res/v1/web/search":  # Brave's web search API
            if self.headers.get("X-Subscription-Token") != "k3y":
                return self._send(401, "application/json", b'{"error": "bad token"}')
            body = json.dumps({"web": {"results": [{"title": "Brave hit", "url": "https://b.example", "description": "snip"}]}})
            return self._send(200, "application/json", body.encode())
        status, ctype, body = ROUTES.get(path, (404, "text/plain", b"missing"))
        if status == 302:
            self.send_response(302)
            self.send_header("Location", "/notes.txt")
            self.end_headers()
            return
        self._send(status, ctype, body)

    def _send(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading on purpose (the size and time limit tests)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.seen = []  # type: ignore[attr-defined]
    httpd.release = threading.Event()  # type: ignore[attr-defined]
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd
    httpd.release.set()  # type: ignore[attr-defined]
    httpd.shutdown()
    httpd.server_close()


def base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(tmp_path), max_output_chars=2000)


def fetch(ctx, url, **kw):
    tool = WebFetchTool()
    return tool.run(tool.Params(url=url, **kw), ctx)


def test_html_page_becomes_markdown_without_scripts_styles_or_navigation(server, ctx):
    out = fetch(ctx, base(server) + "/page").output
    assert out.startswith("# Widgets")
    assert "## Install" in out and "`pip install widgets`" in out and "**enjoy**" in out and "- fast" in out
    assert "alert" not in out and "color:red" not in out and "Home | About" not in out


def test_json_is_pretty_printed(server, ctx):
    out = fetch(ctx, base(server) + "/data").output
    assert out.startswith('{\n  "name": "widgets"')


def test_plain_text_is_shown_as_is(server, ctx):
    assert fetch(ctx, base(server) + "/notes.txt").output == "caf\u00e9 notes\n"


def test_binary_content_is_refused_with_its_type(server, ctx):
    with pytest.raises(ToolError, match="is image/png .* not text"):
        fetch(ctx, base(server) + "/image.png")


def test_long_page_is_cut_and_says_how_to_read_on(server, ctx):
    obs = fetch(ctx, base(server) + "/long")
    assert obs.truncated and "use offset=2000 to read more" in obs.output
    rest = fetch(ctx, base(server) + "/long", offset=4000)
    assert rest.output == "x" * 1000


def test_redirect_is_followed_and_reported(server, ctx):
    out = fetch(ctx, base(server) + "/redirect").output
    assert "caf\u00e9 notes" in out and "redirected to" in out


def test_http_error_status_is_a_clear_error(server, ctx):
    with pytest.raises(ToolError, match="answered HTTP 404"):
        fetch(ctx, base(server) + "/nothing")


def test_non_http_url_is_refused(ctx):
    with pytest.raises(ToolError, match="only http and https"):
        fetch(ctx, "file:///etc/passwd")


def test_slow_server_hits_the_time_limit(server, ctx, monkeypatch):
    monkeypatch.setattr("agent.tools.web.FETCH_TIMEOUT_S", 0.5)
    with pytest.raises(ToolError, match=r"did not answer within 0\.5 s|longer than 0\.5 s"):
        fetch(ctx, base(server) + "/slow")


def test_download_stops_at_the_size_limit(server, ctx, monkeypatch):
    monkeypatch.setattr("agent.tools.web.MAX_BYTES", 1000)
    obs = fetch(ctx, base(server) + "/long")
    assert obs.truncated and "the download stopped at 1000 bytes" in obs.output


def test_unreachable_host_is_a_clear_error(ctx, unused_port):
    with pytest.raises(ToolError, match="cannot reach"):
        fetch(ctx, f"http://127.0.0.1:{unused_port}/")


def test_searxng_search_lists_titles_urls_and_snippets(server, ctx):
    tool = WebSearchTool(SearxngProvider(base(server)))
    out = tool.run(tool.Params(query="widgets install"), ctx).output
    assert out == ("1. Widgets docs\n   https://widgets.example/docs\n   How to install widgets.\n"
                   "2. Widgets repo\n   https://git.example/widgets")


def test_search_max_results_is_applied(server, ctx):
    tool = WebSearchTool(SearxngProvider(base(server)))
    assert tool.run(tool.Params(query="w", max_results=1), ctx).output.count("https://") == 1


def test_brave_search_sends_its_token(server, ctx):
    tool = WebSearchTool(BraveProvider("k3y", url=base(server) + "/res/v1/web/search"))
    assert "Brave hit" in tool.run(tool.Params(query="q"), ctx).output
    bad = WebSearchTool(BraveProvider("wrong", url=base(server) + "/res/v1/web/search"))
    with pytest.raises(ToolError, match="HTTP 401"):
        bad.run(bad.Params(query="q"), ctx)


def test_web_search_is_offered_only_with_a_provider_in_the_config(server, tmp_path):
    assert "web_search" not in [t.name for t in tools_for(Config(), tmp_path)]
    configured = Config(web_search={"provider": "searxng", "url": base(server)})
    assert "web_search" in [t.name for t in tools_for(configured, tmp_path)]
    assert "web_fetch" in [t.name for t in tools_for(Config(), tmp_path, context_window=32768)]
