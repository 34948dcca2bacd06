"""Build the WARC records of one fetch: request, response or revisit, warcio-shaped."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from w3lib.url import safe_url_string
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
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


def request_record(fetch: FetchRecord, concurrent_to: str, uri: str = "") -> ArcWarcRecord:
    """The request record; ``uri`` is ``target_uri(fetch)`` when the caller has it."""
    uri = uri or target_uri(fetch)
    parts = urlsplit(uri)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    headers = [(_clean(k), _clean(v)) for k, v in fetch.request_headers]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    http = StatusAndHeaders(f"{fetch.method} {target} HTTP/1.1", headers, is_http_request=True)
    body = fetch.request_body
    digest = sha256_digest(hashlib.sha256(body).digest()) if body else EMPTY_DIGEST
    extra = {"WARC-Concurrent-To": concurrent_to}
    return _record(fetch, "request", uri, body, http, extra, digest)


def response_record(
    fetch: FetchRecord, extra: dict[str, str], uri: str = "", sha256: bytes = b""
) -> ArcWarcRecord:
    """The response record. ``sha256``, the body's raw digest when the caller has it (the
    catalog's), becomes the WARC-Payload-Digest: the body is not hashed twice."""
    digest = sha256_digest(sha256 or hashlib.sha256(fetch.body).digest())
    http = response_headers(fetch)
    return _record(fetch, "response", uri or target_uri(fetch), fetch.body, http, extra, digest)


def _record(
    fetch: FetchRecord,
    kind: str,
    uri: str,
    body: bytes,
    http: StatusAndHeaders,
    extra: dict[str, str],
    payload_digest: str,
) -> ArcWarcRecord:
    """A record with its payload digest given (warcio then hashes only the block), its
    WARC headers in the order warcio's own record builder gives them."""
    fields = [*_common(fetch, extra).items()]
    fields += [
        ("WARC-Type", kind),
        ("WARC-Record-ID", StatusAndHeadersParser.make_warc_id()),
        ("WARC-Target-URI", uri),
        ("WARC-Payload-Digest", payload_digest),
    ]
    return _builder.create_warc_record(
        uri,
        kind,
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers=StatusAndHeaders("", fields, protocol=_builder.warc_version),
    )


def revisit_record(
    fetch: FetchRecord,
    digest: str,
    refers_to: tuple[str, str, str],
    extra: dict[str, str],
    uri: str = "",
) -> ArcWarcRecord:
    """Identical-payload-digest revisit pointing at (record id, target URI, date)."""
    record_id, refers_uri, date = refers_to
    record = _builder.create_revisit_record(
        uri or target_uri(fetch),
        digest,
        _uri(refers_uri),
        date,
        http_headers=response_headers(fetch),
        warc_headers_dict=_common(fetch, {"WARC-Refers-To": record_id, **extra}),
    )
    return record


def provenance_headers(fetch: FetchRecord, uri: str = "") -> dict[str, str]:
    """What the catalog knows of a fetch's provenance, in the WARC record itself.

    The WARC files are the source of truth: with these headers a lost catalog can be
    rebuilt from them alone. Text values are percent-encoded, so headers stay ASCII.
    ``uri`` is ``target_uri(fetch)`` when the caller has it (reused when the requested
    URL is the final one, as it mostly is).
    """
    same = uri and fetch.requested_url == fetch.final_url
    headers = {
        "WARC-Ogi-Portal": fetch.portal,
        "WARC-Ogi-Requested-URI": uri if same else _uri(fetch.requested_url),
        "WARC-Ogi-Redirect-Chain": " ".join(_uri(u) for u in fetch.redirect_chain) or None,
        "WARC-Ogi-Found-From": _uri(fetch.found_from) if fetch.found_from else None,
        "WARC-Ogi-Anchor": quote(fetch.anchor_text) if fetch.anchor_text else None,
        "WARC-Ogi-Depth": str(fetch.depth),
        "WARC-Ogi-Candidate": "1" if fetch.candidate else "0",
        "WARC-Ogi-Charset": fetch.charset,
    }
    return {k: v for k, v in headers.items() if v}


def sha256_digest(raw: bytes) -> str:
    """A raw SHA-256 digest as WARC headers give it (what warcio writes and verifies)."""
    return "sha256:" + base64.b32encode(raw).decode()


EMPTY_DIGEST = sha256_digest(hashlib.sha256(b"").digest())


def target_uri(fetch: FetchRecord) -> str:
    """The WARC-Target-URI of a fetch's records."""
    return _uri(fetch.final_url)


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
