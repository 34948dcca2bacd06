"""A real S3-compatible server on 127.0.0.1 for the WARC-store tests: moto's server in a
child process on port 0, with s3fs as the client. Nothing leaves the machine: the
credentials are dummies and the instance-metadata lookup is switched off."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SERVER = """
import sys, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # runs until the test closes our stdin
server.stop()
"""
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def options(self, **extra: Any) -> dict[str, Any]:
        """fsspec storage options for s3fs against this server."""
        return {
            "key": "testing",
            "secret": "testing",
            "endpoint_url": self.endpoint,
            "client_kwargs": {"region_name": "eu-west-1"},
            **extra,
        }

    def new_bucket(self) -> str:
        import s3fs

        name = f"ogi-{uuid.uuid4().hex[:12]}"
        fs = s3fs.S3FileSystem(**self.options(), skip_instance_cache=True)
        fs.mkdir(name)
        return name

    def env(self, url: str, **extra: Any) -> dict[str, str]:
        """The environment that points `ogi` at ``url`` on this server."""
        return {
            **DUMMY_ENV,
            "OGI_WARC_STORE": url,
            "OGI_WARC_STORE_OPTIONS": json.dumps(self.options(**extra)),
        }


@contextmanager
def s3_server() -> Iterator[S3Server]:
    env = {**os.environ, **DUMMY_ENV}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def unreachable_options() -> dict[str, Any]:
    """s3fs options for a port nobody listens on, failing fast (one try, 1 s timeouts)."""
    return {
        "key": "testing",
        "secret": "testing",
        "endpoint_url": "http://127.0.0.1:9",
        "client_kwargs": {"region_name": "eu-west-1"},
        "config_kwargs": {"connect_timeout": 1, "read_timeout": 1, "retries": {"max_attempts": 1}},
    }
