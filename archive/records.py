"""Build the WARC records of one fetch: request, response or revisit, warcio-shaped."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from w3lib.url import safe_url_string
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

from archive.types import FetchRecord
from archive.warcfile import new_writer

DROP_RESPONSE_HEADERS = {"content-length", "transfer-encoding"}
ORIG_ENCODING = "X-Archive-Orig-Content-Encoding"
_builder = new_writer(io.BytesIO())


def as_utc(moment: datetime) -> datetime:
    """Tz-aware UTC; a naive datetime is taken to be UTC already (the contract's unit)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def warc_date(moment: datetime) -> str:
    return datetime_to_iso_date(as_utc(moment).replace(tzinfo=None), use_micros=True)


def response_headers(fetch: FetchRecord) -> StatusAndHeaders:
    """Headers as received, rewritten to describe the stored (decoded) body.

    The body is stored content-decoded, so Content-Encoding moves aside to pywb's
    X-Archive-Orig-Content-Encoding, Transfer-Encoding goes and Content-Length is
    the stored length: replay tools then read the record as it is.
    """
    kept = []
    for name, value in fetch.response_headers:
        low = _clean(name).lower()
        if low in DROP_RESPONSE_HEADERS:
            continue
        kept.append((ORIG_ENCODING if low == "content-encoding" else _clean(name), _clean(value)))
    kept.append(("Content-Length", str(len(fetch.body))))
    status = f"{fetch.status} {_clean(fetch.reason or '')}".strip()
    return StatusAndHeaders(status, kept, protocol="HTTP/1.1")


def request_record(fetch: FetchRecord, concurrent_to: str) -> ArcWarcRecord:
    parts = urlsplit(_uri(fetch.final_url))
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [(_clean(k), _clean(v)) for k, v in fetch.request_headers]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    http = StatusAndHeaders(f"{fetch.method} {target} HTTP/1.1", headers, is_http_request=True)
    return _builder.create_warc_record(
        _uri(fetch.final_url),
        "request",
        payload=io.BytesIO(fetch.request_body),
        length=len(fetch.request_body),
        http_headers=http,
        warc_headers_dict=_common(fetch, {"WARC-Concurrent-To": concurrent_to}),
    )


def response_record(fetch: FetchRecord, extra: dict[str, str]) -> ArcWarcRecord:
    return _builder.create_warc_record(
        _uri(fetch.final_url),
        "response",
        payload=io.BytesIO(fetch.body),
        length=len(fetch.body),
        http_headers=response_headers(fetch),
        warc_headers_dict=_common(fetch, extra),
    )


def revisit_record(
    fetch: FetchRecord, digest: str, refers_to: tuple[str, str, str], extra: dict[str, str]
) -> ArcWarcRecord:
    """Identical-payload-digest revisit pointing at (record id, target URI, date)."""
    record_id, uri, date = refers_to
    record = _builder.create_revisit_record(
        _uri(fetch.final_url),
        digest,
        _uri(uri),
        date,
        http_headers=response_headers(fetch),
        warc_headers_dict=_common(fetch, {"WARC-Refers-To": record_id, **extra}),
    )
    return record


def provenance_headers(fetch: FetchRecord) -> dict[str, str]:
    """What the catalog knows of a fetch's provenance, in the WARC record itself.

    The WARC files are the source of truth: with these headers a lost catalog can be
    rebuilt from them alone. Text values are percent-encoded, so headers stay ASCII.
    """
    headers = {
        "WARC-Ogi-Portal": fetch.portal,
        "WARC-Ogi-Requested-URI": _uri(fetch.requested_url),
        "WARC-Ogi-Redirect-Chain": " ".join(_uri(u) for u in fetch.redirect_chain) or None,
        "WARC-Ogi-Found-From": _uri(fetch.found_from) if fetch.found_from else None,
        "WARC-Ogi-Anchor": quote(fetch.anchor_text) if fetch.anchor_text else None,
        "WARC-Ogi-Depth": str(fetch.depth),
        "WARC-Ogi-Candidate": "1" if fetch.candidate else "0",
        "WARC-Ogi-Charset": fetch.charset,
    }
    return {k: v for k, v in headers.items() if v}


def _uri(url: str) -> str:
    """WARC and HTTP heads are ASCII: Chinese paths go percent-encoded (UTF-8), as browsers
    send them; the catalog keeps the URL as the crawler saw it."""
    return safe_url_string(url)


def _common(fetch: FetchRecord, extra: dict[str, str]) -> dict[str, str]:
    headers = {"WARC-Date": warc_date(fetch.fetched_at)}
    if fetch.ip_address:
        headers["WARC-IP-Address"] = fetch.ip_address
    headers.update(extra)
    return headers


def _clean(text: str) -> str:
    """No CR/LF inside a header: a stray line break would split the HTTP head."""
    return text.replace("\r", " ").replace("\n", " ").strip()


def record_id(record: ArcWarcRecord) -> str:
    return str(record.rec_headers.get_header("WARC-Record-ID"))
