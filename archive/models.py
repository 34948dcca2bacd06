"""The catalog's schema (SQLAlchemy 2.0 declarative); Alembic migrations mirror it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names keep Alembic diffs identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite rowids must be INTEGER


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class CrawlRun(Base):
    """One `ogi crawl`: when, on which host, with which software and configuration."""

    __tablename__ = "crawl_run"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    software: Mapped[dict[str, Any]]
    settings_digest: Mapped[str] = mapped_column(String(64))
    portals_digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]]


class Resource(Base):
    """A canonical URL (w3lib, no fragment) and where its latest version is.

    The URL is unique through ``url_hash`` (SHA-256 of the canonical URL): an index on
    the hash works for URLs of any length on every database.
    """

    __tablename__ = "resource"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    latest_sha256: Mapped[str | None] = mapped_column(String(64))
    latest_payload_capture_id: Mapped[int | None] = mapped_column(Id)
    ever_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    gone_at: Mapped[datetime | None]


class Capture(Base):
    """One fetch, pointing at its WARC records; never updated after insert."""

    __tablename__ = "capture"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    redirect_chain: Mapped[list[Any]]
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(255))
    request_headers: Mapped[list[Any]]
    response_headers: Mapped[list[Any]]
    fetched_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(255))
    charset: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    warc_file: Mapped[str] = mapped_column(String(255))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    warc_record_id: Mapped[str] = mapped_column(String(64))
    request_offset: Mapped[int] = mapped_column(BigInteger)
    request_length: Mapped[int] = mapped_column(BigInteger)
    portal: Mapped[str | None] = mapped_column(String(255))
    found_from: Mapped[str | None] = mapped_column(Text)
    anchor_text: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    is_revisit: Mapped[bool] = mapped_column(Boolean, default=False)
    revisit_of: Mapped[int | None] = mapped_column(Id)
    change: Mapped[str] = mapped_column(String(16))  # new|changed|unchanged|gone|error
    changed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    gone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index(None, "resource_id", "fetched_at"),
        Index(None, "sha256"),
        Index(None, "run_id"),
    )


class TextRow(Base):
    """Text extracted from one payload by one extractor version; never overwritten."""

    __tablename__ = "text"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(128))
    options_digest: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]]
    text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("sha256", "extractor", "extractor_version", "options_digest"),
    )


class ParseRow(Base):
    """One parser version's reading of one text; older versions stay for comparison."""

    __tablename__ = "parse"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    text_id: Mapped[int] = mapped_column(ForeignKey("text.id"))
    parser: Mapped[str] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]]
    agency: Mapped[str | None] = mapped_column(String(255))
    year: Mapped[int | None]
    is_report: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("text_id", "parser", "parser_version"),
        Index(None, "parser", "parser_version", "agency", "year"),
        Index(None, "agency", "year"),
    )


class WarcFile(Base):
    """A closed WARC file shipped to the WARC store (archive.shipping), verified there.

    Written once, after the stored copy was read back and matched ``size`` and ``sha256``;
    never updated (WARC files are immutable once closed). A file without a row lives only
    in the archive's local ``warc/`` folder.
    """

    __tablename__ = "warc_file"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)  # the fsspec URL of the shipped copy
    etag: Mapped[str | None] = mapped_column(String(255))
    shipped_at: Mapped[datetime]
