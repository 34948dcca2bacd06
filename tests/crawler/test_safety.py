"""The crawler connects only to public http(s) addresses unless a portal opts in."""

from __future__ import annotations

import pytest

from crawler.safety import _verdict, addresses, is_public


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.0.9", False),
        ("169.254.1.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("0.0.0.0", False),
        ("202.96.128.86", True),
        ("2400:3200::1", True),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_ip_literals_resolve_to_themselves_without_dns() -> None:
    assert addresses("127.0.0.1") == {"127.0.0.1"}
    assert addresses("[::1]") == {"::1"}


def test_names_are_judged_by_what_they_resolve_to() -> None:
    assert _verdict("localhost") == "private_address"  # resolves via /etc/hosts, no traffic
    assert _verdict("127.0.0.1") == "private_address"
