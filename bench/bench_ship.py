"""Shipping closed WARC files to a WARC store vs. a plain copy of the same bytes.

    python bench/bench_ship.py [--files 4] [--mb 64] [--s3]

Each file is hashed, uploaded, read back and hashed again, and recorded in a SQLite
catalog (archive.shipping); the baseline copies the same files with shutil.copyfile in
the same run. ``file://`` by default; ``--s3`` adds a moto S3 server on 127.0.0.1 (the
test server: in-memory, single-threaded, so a floor for S3, not a measure of it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from archive import Archive
from archive.remote import StoreConfig
from archive.shipping import Shipper

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "support"))


def make_files(folder: Path, count: int, mb: int) -> list[str]:
    folder.mkdir(parents=True)
    names = []
    for i in range(count):
        name = f"ogi-bench-{i:05d}.warc.gz"
        (folder / name).write_bytes(os.urandom(mb << 20))
        names.append(name)
    return names


def ship_seconds(tmp: Path, store: StoreConfig, names: list[str]) -> float:
    with Archive.open(tmp / "arc") as arc:
        # the files sit outside the archive folder: they are random bytes, not WARC
        # records, and an archive's open would quarantine them as torn tails
        shipper = Shipper(tmp / "files", arc.engine, store)
        start = time.perf_counter()
        shipper.submit(names)
        report = shipper.close()
        took = time.perf_counter() - start
    assert not report.errors and len(report.shipped) == len(names), report
    return took


def copy_seconds(src: Path, dest: Path, names: list[str]) -> float:
    dest.mkdir(parents=True)
    start = time.perf_counter()
    for name in names:
        shutil.copyfile(src / name, dest / name)
    return time.perf_counter() - start


def line(label: str, seconds: float, total_mb: int, base: float) -> None:
    rate = total_mb / seconds
    print(f"{label:22} {seconds:6.2f} s  {rate:7.1f} MB/s  ratio to copy {base / seconds:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--mb", type=int, default=64)
    ap.add_argument("--s3", action="store_true")
    args = ap.parse_args()
    total = args.files * args.mb
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        names = make_files(tmp / "files", args.files, args.mb)
        base = copy_seconds(tmp / "files", tmp / "copy", names)
        local = ship_seconds(tmp, StoreConfig(f"file://{tmp / 'store'}"), names)
        print(f"{args.files} files x {args.mb} MB")
        line("copy (baseline):", base, total, base)
        line("ship to file://:", local, total, base)
        if args.s3:
            from s3_support import DUMMY_ENV, s3_server

            os.environ.update(DUMMY_ENV)
            with s3_server() as s3:
                for extra in ("", "-wal", "-shm"):  # a fresh catalog: ship them all again
                    (tmp / "arc" / f"catalog.sqlite{extra}").unlink(missing_ok=True)
                store = StoreConfig(f"s3://{s3.new_bucket()}/w", s3.options())
                remote = ship_seconds(tmp, store, names)
            line("ship to s3:// (moto):", remote, total, base)


if __name__ == "__main__":
    main()
