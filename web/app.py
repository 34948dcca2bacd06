"""The FastAPI application: HTML pages and the JSON API over one read-only Workbench."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from archive import CaptureNotFound
from archive.search import MARK_END, MARK_START, SearchFilter
from ogi.diff import diff_captures, to_json
from web.data import Workbench, capture_json

HERE = Path(__file__).parent
READ_METHODS = {"GET"}
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
DOCS_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
COVERAGE_ROWS = 100  # agencies per coverage page
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, description="Items to skip")]


def marked(snippet: str) -> Markup:
    """An untrusted snippet, escaped, with the search marks turned into <mark>."""
    safe = str(escape(snippet))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


class ReadOnly(BaseHTTPMiddleware):
    """Only GET reaches the routes; every answer forbids framing and sniffing."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in READ_METHODS:
            return JSONResponse({"detail": "read-only"}, status_code=405, headers={"Allow": "GET"})
        response = await call_next(request)
        docs = request.url.path == "/docs"
        response.headers["Content-Security-Policy"] = DOCS_CSP if docs else CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def _templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["marked"] = marked
    env.filters["q"] = lambda s: quote(str(s), safe="")
    return Jinja2Templates(env=env)


def create_app(bench: Workbench) -> FastAPI:
    app = FastAPIOffline(  # Swagger UI served from the package: the machine has no CDN
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-assets",
        title="ogi-archive workbench",
        description="Read-only API over an archive of OGI annual reports.",
    )
    app.add_middleware(ReadOnly)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _api_routes(app, bench)
    tpl = _templates()
    _page_routes(app, bench, tpl)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Pages answer errors as pages, the API and downloads as JSON."""
        path = request.url.path
        if path.startswith(("/api", "/captures", "/docs", "/openapi", "/static")):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        ctx = {"status": exc.status_code, "detail": exc.detail}
        return tpl.TemplateResponse(request, "error.html", ctx, status_code=exc.status_code)

    return app


def _filter(
    bench: Workbench,
    q: str,
    year: int | None,
    agency: str | None,
    portal: str | None,
    fmt: str | None,
) -> SearchFilter:
    return SearchFilter(
        q, bench.parser, bench.parser_version, year, agency or None, portal or None, fmt or None
    )


def _report_or_404(bench: Workbench, year: str, agency: str) -> Any:
    entry = bench.report(year, agency)
    if entry is None:
        raise HTTPException(404, f"no report of {agency} for {year}")
    return entry


def _hit_json(hit: Any) -> dict[str, Any]:
    return {
        **vars(hit),
        "snippet_html": str(marked(hit.snippet)),
        "snippet": hit.snippet.replace(MARK_START, "").replace(MARK_END, ""),
    }


def _api_routes(app: FastAPI, bench: Workbench) -> None:
    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """A constant answer (the benchmark's baseline)."""
        return {"status": "ok"}

    @app.get("/api/reports", tags=["reports"])
    def api_reports(
        limit: Limit = 50,
        offset: Offset = 0,
        year: int | None = None,
        agency: str | None = None,
        portal: str | None = None,
        format: str | None = None,
    ) -> dict[str, Any]:
        """Reports (one per agency and year), filtered, paginated."""
        found = bench.reports(year=year, agency=agency, portal=portal, fmt=format)
        items = [e.summary() for e in found[offset : offset + limit]]
        return page(items, len(found), limit, offset)

    @app.get("/api/reports/{year}/{agency}", tags=["reports"])
    def api_report(year: str, agency: str) -> dict[str, Any]:
        """One report: statistics, warnings, text, every capture with provenance."""
        return bench.report_detail(_report_or_404(bench, year, agency))

    @app.get("/api/coverage", tags=["reports"])
    def api_coverage(
        limit: Limit = 100, offset: Offset = 0, agency: str | None = None
    ) -> dict[str, Any]:
        """Agencies × years (agencies paginated): which reports exist, when first
        captured, later revisions, gone online."""
        return bench.coverage(agency=agency, limit=limit, offset=offset)

    @app.get("/api/search", tags=["search"])
    def api_search(
        q: Annotated[str, Query(min_length=1, max_length=200)],
        limit: Limit = 20,
        offset: Offset = 0,
        year: int | None = None,
        agency: str | None = None,
        portal: str | None = None,
        format: str | None = None,
    ) -> dict[str, Any]:
        """Full-text search over every text; snippet_html is escaped with <mark> hits."""
        total, hits = bench.search(
            _filter(bench, q, year, agency, portal, format), limit=limit, offset=offset
        )
        return page([_hit_json(h) for h in hits], total, limit, offset)

    @app.get("/api/captures/{capture_id}", tags=["captures"])
    def api_capture(capture_id: int) -> dict[str, Any]:
        """One capture's provenance."""
        return capture_json(_capture_or_404(bench, capture_id))

    @app.get("/api/versions", tags=["captures"])
    def api_versions(url: str, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
        """Every capture of a URL, oldest first."""
        caps = bench.arc.versions(url)
        items = [capture_json(c) for c in caps[offset : offset + limit]]
        return page(items, len(caps), limit, offset)

    @app.get("/api/diff", tags=["captures"])
    def api_diff(a: int, b: int) -> dict[str, Any]:
        """Text (unified diff) and statistics that changed between captures a and b."""
        return to_json(_diff(bench, a, b))

    @app.get("/api/runs", tags=["runs"])
    def api_runs(limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
        """Crawl runs, newest first: per-portal counters and error statistics."""
        runs = bench.runs()
        return page(runs[offset : offset + limit], len(runs), limit, offset)

    @app.get("/captures/{capture_id}/raw", tags=["captures"])
    def raw(capture_id: int) -> Response:
        """The bytes exactly as stored, as a download."""
        info = _capture_or_404(bench, capture_id)
        body = bench.arc.payload(capture_id)
        media = info.media_type or "application/octet-stream"
        if info.charset and media.startswith("text/"):
            media += f"; charset={info.charset}"
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": _disposition(info.url, capture_id),
                "X-Ogi-Sha256": info.sha256,
            },
        )


def _disposition(url: str, capture_id: int) -> str:
    name = Path(urlsplit(url).path).name or "index.html"
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "capture"
    return (
        f'attachment; filename="{capture_id}-{ascii_name}"; '
        f"filename*=UTF-8''{capture_id}-{quote(name, safe='')}"
    )


def _capture_or_404(bench: Workbench, capture_id: int) -> Any:
    try:
        return bench.arc.capture(capture_id)
    except CaptureNotFound as exc:
        raise HTTPException(404, f"no capture {capture_id}") from exc


def _diff(bench: Workbench, a: int, b: int) -> Any:
    _capture_or_404(bench, a), _capture_or_404(bench, b)
    return diff_captures(bench.arc, a, b, parser=bench.parser, version=bench.parser_version)


def _page_routes(app: FastAPI, bench: Workbench, tpl: Jinja2Templates) -> None:
    def render(request: Request, name: str, **ctx: Any) -> HTMLResponse:
        return tpl.TemplateResponse(request, name, ctx)

    @app.get("/", include_in_schema=False)
    def coverage(request: Request, agency: str = "", offset: Offset = 0) -> HTMLResponse:
        cov = bench.coverage(agency=agency or None, limit=COVERAGE_ROWS, offset=offset)
        return render(
            request, "coverage.html", cov=cov, count=len(bench.index().reports), agency=agency
        )

    @app.get("/reports/{year}/{agency}", include_in_schema=False)
    def report(request: Request, year: str, agency: str) -> HTMLResponse:
        detail = bench.report_detail(_report_or_404(bench, year, agency))
        return render(request, "report.html", r=detail)

    @app.get("/captures/{capture_id}", include_in_schema=False)
    def capture(request: Request, capture_id: int) -> Response:
        entry = bench.index().by_capture.get(capture_id)
        info = _capture_or_404(bench, capture_id)
        if entry is not None:
            return RedirectResponse(entry.summary()["path"] + f"#capture-{capture_id}", 303)
        return RedirectResponse(f"/versions?url={quote(info.url, safe='')}", 303)

    @app.get("/versions", include_in_schema=False)
    def versions(request: Request, url: str) -> HTMLResponse:
        caps = [capture_json(c) for c in bench.arc.versions(url)]
        return render(request, "versions.html", url=url, caps=caps)

    @app.get("/diff", include_in_schema=False)
    def diff(request: Request, a: int, b: int) -> HTMLResponse:
        d = _diff(bench, a, b)
        return render(
            request,
            "diff.html",
            d=d,
            a=capture_json(d.a.capture),
            b=capture_json(d.b.capture),
            entry=bench.index().by_capture.get(b),
        )

    @app.get("/search", include_in_schema=False)
    def search(
        request: Request,
        q: str = "",
        year: str = "",
        agency: str = "",
        portal: str = "",
        format: str = "",
        offset: Offset = 0,
    ) -> HTMLResponse:
        limit, total, hits = 20, 0, []
        year_n = int(year) if year.strip().isdigit() else None
        if q.strip():
            total, hits = bench.search(
                _filter(bench, q.strip()[:200], year_n, agency, portal, format),
                limit=limit,
                offset=offset,
            )
        return render(
            request,
            "search.html",
            q=q,
            year=year,
            agency=agency,
            portal=portal,
            format=format,
            total=total,
            hits=hits,
            offset=offset,
            limit=limit,
            entries=bench.index().by_capture,
        )

    @app.get("/runs", include_in_schema=False)
    def runs(request: Request) -> HTMLResponse:
        return render(request, "runs.html", runs=bench.runs())
