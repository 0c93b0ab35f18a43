"""Research tools: ``web_fetch`` (a URL as readable text or Markdown) and ``web_search``
(behind a :class:`SearchProvider` chosen in the config; with none configured the tool is
not offered).

Both use the standard library's HTTP client with limits on time and size, and stop when
the session is interrupted. HTML becomes Markdown (markdownify, imported when needed),
JSON is pretty-printed, other text is shown as is, and binary content is refused.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message as HeaderMessage
from typing import Protocol

from pydantic import BaseModel, Field

from agent import __version__
from agent.tools.base import Observation, Tool, ToolContext, ToolError
from agent.tools.files import looks_binary

MAX_BYTES = 5 * 1024 * 1024  # most of a response that is read
FETCH_TIMEOUT_S = 30.0  # whole request, connect to last byte
USER_AGENT = f"limi-cli/{__version__} (+https://github.com/limi-cli)"
_TEXT_TYPES = ("application/xml", "application/javascript", "application/x-yaml", "application/yaml",
               "application/toml", "application/x-sh")


@dataclass
class Response:
    url: str  # after redirects
    status: int
    content_type: str  # media type, lower case, without parameters
    charset: str
    body: bytes
    cut: bool  # stopped at MAX_BYTES


def http_get(url: str, ctx: ToolContext, *, timeout_s: float, headers: dict[str, str] | None = None,
             max_bytes: int | None = None) -> Response:
    """GET ``url``; raise :class:`ToolError` with what to do when it fails or takes too long."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ToolError(f"only http and https URLs can be fetched, not {scheme or 'a URL without a scheme'}: {url}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    deadline = time.monotonic() + timeout_s
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as r:
            body, cut = _read(r, ctx, deadline, max_bytes, timeout_s)
            return _response(r.geturl(), r.status, r.headers, body, cut)
    except urllib.error.HTTPError as e:
        raise ToolError(f"{url} answered HTTP {e.code} {e.reason}; check the URL") from None
    except urllib.error.URLError as e:
        raise ToolError(f"cannot reach {url}: {e.reason}") from None
    except TimeoutError:
        raise ToolError(f"{url} did not answer within {timeout_s:g} s; try again or another source") from None


def _read(r, ctx: ToolContext, deadline: float, max_bytes: int, timeout_s: float) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while size <= max_bytes:
        if ctx.cancel.is_set():
            raise ToolError("interrupted while downloading")
        if time.monotonic() > deadline:
            raise ToolError(f"the download took longer than {timeout_s:g} s and was stopped")
        chunk = r.read(min(65536, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    body = b"".join(chunks)
    return body[:max_bytes], len(body) > max_bytes


def _response(url: str, status: int, headers: HeaderMessage, body: bytes, cut: bool) -> Response:
    content_type = (headers.get_content_type() if headers.get("Content-Type") else "").lower()
    return Response(url, status, content_type, headers.get_content_charset() or "utf-8", body, cut)


def readable(resp: Response) -> str:
    """The response as text: Markdown for HTML, indented JSON, text as is; binary is refused."""
    kind = resp.content_type
    is_text = kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+xml", "+json"))
    if kind and not is_text and "json" not in kind and "html" not in kind:
        raise ToolError(f"{resp.url} is {kind} ({len(resp.body)} bytes), not text; web_fetch reads HTML, JSON and text")
    if not kind and looks_binary(resp.body[:8192]):
        raise ToolError(f"{resp.url} sent binary content without a content type; web_fetch reads HTML, JSON and text")
    text = resp.body.decode(resp.charset if _known_codec(resp.charset) else "utf-8", errors="replace")
    if "json" in kind:
        try:
            return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            return text
    if "html" in kind or (not kind and text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))):
        return html_to_markdown(text)
    return text


def _known_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
        return True
    except LookupError:
        return False


def html_to_markdown(html: str) -> str:
    """The readable part of a page as Markdown: scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "noscript", "svg", "nav", "iframe", "form", "head"]):
        tag.decompose()
    body = soup.find("main") or soup.find("article") or soup.body or soup
    md = MarkdownConverter(heading_style="ATX", bullets="-").convert_soup(body)
    md = re.sub(r"\n{3,}", "\n\n", md).strip()
    return f"# {title}\n\n{md}" if title and not md.startswith("# ") else md


class WebFetchTool(Tool):
    name = "web_fetch"
    kind = "read"

    class Params(BaseModel):
        url: str = Field(description="The http or https URL to fetch.")
        offset: int = Field(default=0, ge=0, description="Skip this many characters of the page (to read on after a cut).")

    def run(self, params: WebFetchTool.Params, ctx: ToolContext) -> Observation:
        resp = http_get(params.url.strip(), ctx, timeout_s=FETCH_TIMEOUT_S)
        text = readable(resp)
        if params.offset >= len(text) and text:
            raise ToolError(f"offset {params.offset} is past the end of the page ({len(text)} characters)")
        end = params.offset + ctx.max_output_chars
        shown = text[params.offset:end]
        notes = []
        if resp.url != params.url.strip():
            notes.append(f"redirected to {resp.url}")
        if resp.cut:
            notes.append(f"the download stopped at {MAX_BYTES} bytes")
        if end < len(text):
            notes.append(f"showing characters {params.offset}-{end} of {len(text)}; use offset={end} to read more")
        footer = f"\n[{'; '.join(notes)}]" if notes else ""
        return Observation(output=(shown or "(empty page)") + footer, truncated=end < len(text) or resp.cut)


# -- web search ----------------------------------------------------------------------


@dataclass
class SearchHit:
    title: str
    url: str
    snippet: str = ""


class SearchProvider(Protocol):
    """A search engine behind ``web_search``."""

    name: str

    def search(self, query: str, max_results: int, ctx: ToolContext) -> list[SearchHit]: ...


def _json(resp: Response, provider: str) -> dict:
    try:
        data = json.loads(resp.body.decode("utf-8", errors="replace"))
    except ValueError:
        raise ToolError(f"the {provider} search answered something that is not JSON; check web_search.url") from None
    if not isinstance(data, dict):
        raise ToolError(f"the {provider} search answered JSON that is not an object; check web_search.url")
    return data


@dataclass
class SearxngProvider:
    """A SearXNG instance's JSON API (``/search?q=...&format=json``; the instance must enable the json format)."""

    url: str
    timeout_s: float = 20.0
    name: str = "searxng"

    def search(self, query: str, max_results: int, ctx: ToolContext) -> list[SearchHit]:
        q = urllib.parse.urlencode({"q": query, "format": "json"})
        data = _json(http_get(f"{self.url.rstrip('/')}/search?{q}", ctx, timeout_s=self.timeout_s), self.name)
        return [SearchHit(str(r.get("title", "")), str(r.get("url", "")), str(r.get("content") or ""))
                for r in data.get("results", [])[:max_results] if isinstance(r, dict)]


@dataclass
class BraveProvider:
    """The Brave Search web API (``X-Subscription-Token``)."""

    api_key: str
    url: str = "https://api.search.brave.com/res/v1/web/search"
    timeout_s: float = 20.0
    name: str = "brave"

    def search(self, query: str, max_results: int, ctx: ToolContext) -> list[SearchHit]:
        q = urllib.parse.urlencode({"q": query, "count": max_results})
        headers = {"Accept": "application/json", "X-Subscription-Token": self.api_key}
        data = _json(http_get(f"{self.url}?{q}", ctx, timeout_s=self.timeout_s, headers=headers), self.name)
        results = (data.get("web") or {}).get("results", [])
        return [SearchHit(str(r.get("title", "")), str(r.get("url", "")), str(r.get("description") or ""))
                for r in results[:max_results] if isinstance(r, dict)]


class WebSearchTool(Tool):
    name = "web_search"
    kind = "read"

    class Params(BaseModel):
        query: str = Field(description="What to search the web for.")
        max_results: int | None = Field(default=None, ge=1, le=50, description="How many results to show; default from the config.")

    def __init__(self, provider: SearchProvider, max_results: int = 8):
        self.provider = provider
        self.max_results = max_results

    def run(self, params: WebSearchTool.Params, ctx: ToolContext) -> Observation:
        if not params.query.strip():
            raise ToolError("query is empty; say what to search for")
        hits = self.provider.search(params.query.strip(), params.max_results or self.max_results, ctx)
        if not hits:
            return Observation(output=f"no results for {params.query!r}")
        lines = []
        for i, h in enumerate(hits, start=1):
            lines.append(f"{i}. {h.title}\n   {h.url}" + (f"\n   {h.snippet.strip()}" if h.snippet.strip() else ""))
        return Observation(output="\n".join(lines))


def search_provider(config) -> SearchProvider | None:
    """The provider ``config.web_search`` names, or None when there is none."""
    from agent.config import ConfigError

    ws = config.web_search
    if ws is None:
        return None
    if ws.provider == "searxng":
        if not ws.url:
            raise ConfigError("web_search.provider = 'searxng' needs web_search.url (the instance, e.g. http://127.0.0.1:8888)")
        return SearxngProvider(ws.url, timeout_s=ws.timeout_s)
    if not ws.api_key:
        raise ConfigError("web_search.provider = 'brave' needs web_search.api_key (a Brave Search API key)")
    return BraveProvider(ws.api_key, url=ws.url or BraveProvider.url, timeout_s=ws.timeout_s)
