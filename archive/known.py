"""Which URLs a SQLite catalog may hold, so a new URL costs no lookup.

A first crawl meets mostly URLs the catalog has never seen; asking the catalog about
each costs a query that finds nothing. This Bloom filter over the URL hashes answers
"certainly not there" without one (a "maybe" still asks). Only sound with one writer,
which SQLite has (the archive lock): every hash in the catalog was either loaded here at
the start or added by this process when it staged the row. Its size is fixed (1 MiB),
so memory does not grow with the catalog; a very large catalog only means more "maybe".
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

BITS = 1 << 23  # 1 MiB; 3 probes: about 1 in 20,000 false "maybe" at 100k URLs
MASK = BITS - 1


class KnownHashes:
    """A Bloom filter over SHA-256 hex digests (the digest itself gives the probes)."""

    def __init__(self) -> None:
        self._bits = bytearray(BITS // 8)

    @classmethod
    def load(cls, conn: Connection) -> KnownHashes:
        known = cls()
        for (hashed,) in conn.exec_driver_sql("SELECT url_hash FROM resource"):
            known.add(hashed)
        return known

    def add(self, hashed: str) -> None:
        bits = self._bits
        for probe in (hashed[0:6], hashed[6:12], hashed[12:18]):
            pos = int(probe, 16) & MASK
            bits[pos >> 3] |= 1 << (pos & 7)

    def may_hold(self, hashed: str) -> bool:
        bits = self._bits
        for probe in (hashed[0:6], hashed[6:12], hashed[12:18]):
            pos = int(probe, 16) & MASK
            if not bits[pos >> 3] & (1 << (pos & 7)):
                return False
        return True
