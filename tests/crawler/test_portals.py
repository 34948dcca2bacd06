"""The portal list: what loads, and the one-line errors for what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.portals import PortalFileError, adhoc_portal, load_portals, portals_digest

GOOD = """
[[portal]]
name = "xqq-kjj"
agency = "兴庆区科学技术局"
start_urls = ["http://www.xqq.gov.example/xxgk/zfxxgknb/"]
allowed_domains = ["xxgk.xqq.gov.example", "127.0.0.1:8080"]
max_depth = 3
"""


def _entry(extra: str) -> str:
    return f'[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["http://a/"]\n{extra}\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "portals.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_portal_with_hosts_and_ports(tmp_path: Path) -> None:
    (portal,) = load_portals(_write(tmp_path, GOOD))
    assert portal.name == "xqq-kjj" and portal.max_depth == 3
    assert portal.allows("http://www.xqq.gov.example/a.html")
    assert portal.allows("http://xxgk.xqq.gov.example/b.html")
    assert portal.allows("http://127.0.0.1:8080/c")
    assert not portal.allows("http://www.xqq.gov.example:8081/a.html")  # another port: another site
    assert not portal.allows("http://127.0.0.1:9090/c")
    assert not portal.allows("http://evil.example.com/")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[portal]]\nname = "x"\nstart_urls = [\n', "not valid TOML"),
        ('[[portal]]\nname = "x"\nstart_urls = ["http://a/"]\n', "missing 'agency'"),
        ('[[portal]]\nagency = "a"\nstart_urls = ["http://a/"]\n', "missing 'name'"),
        ('[[portal]]\nname = "x"\nagency = "a"\n', "'start_urls' must be"),
        ('[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["ftp://a/"]\n', "not an http(s) URL"),
        ("title = 'nothing'\n", "no [[portal]] entries"),
        (GOOD + GOOD, "appears twice"),
        (
            '[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["http://a/"]\nmax_pages = -1\n',
            "non-negative",
        ),
        (_entry("max_depth = true"), "non-negative"),
        (_entry('start_url = "http://b/"'), "unknown key 'start_url'"),
        (_entry('allowed_domains = "a.gov.example"'), "must be a list of strings"),
        (_entry('allowed_domains = ["http://a.gov.example/"]'), "is not host[:port]"),
        (_entry('allow_private = "yes"'), "true or false"),
        ('[[portal]]\nname = "a/b"\nagency = "a"\nstart_urls = ["http://a/"]\n', "may hold"),
        ('[[portal]]\nname = "x"\nagency = "a"\nstart_urls = ["http://a:99999/"]\n', "bad port"),
        ('[[portal]]\nname = "x"\nagency = "a"\nstart_urls = "http://a/"\n', "non-empty list"),
    ],
)
def test_bad_portal_files_give_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PortalFileError) as err:
        load_portals(_write(tmp_path, text))
    assert message in str(err.value) and "portals.toml" in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PortalFileError, match="not found"):
        load_portals(tmp_path / "nope.toml")


def test_the_shipped_portal_list_loads() -> None:
    portals = load_portals(Path(__file__).parents[2] / "settings" / "portals.toml")
    assert len(portals) >= 4 and all(p.start_urls for p in portals)


def test_adhoc_portal_and_digest() -> None:
    portal = adhoc_portal("http://127.0.0.1:8000/xxgk/")
    assert portal.allow_private and portal.allows("http://127.0.0.1:8000/x")
    assert portals_digest([portal]) == portals_digest([adhoc_portal("http://127.0.0.1:8000/xxgk/")])
    assert portals_digest([portal]) != portals_digest([adhoc_portal("http://127.0.0.1:8001/")])


def test_toml_errors_name_the_line(tmp_path: Path) -> None:
    with pytest.raises(PortalFileError, match=r"line 3"):
        load_portals(_write(tmp_path, '[[portal]]\nname = "x"\nagency = \n'))


def test_errors_name_the_portal_by_index_and_name(tmp_path: Path) -> None:
    text = _entry("") + '[[portal]]\nname = "second"\nstart_urls = ["http://b/"]\n'
    with pytest.raises(PortalFileError, match=r"portal #2 'second': missing 'agency'"):
        load_portals(_write(tmp_path, text))


def test_bare_allowed_host_takes_the_start_urls_ports(tmp_path: Path) -> None:
    text = _entry('allowed_domains = ["xxgk.a.gov.example"]').replace("http://a/", "http://a:8080/")
    (portal,) = load_portals(_write(tmp_path, text))
    assert portal.allows("http://xxgk.a.gov.example:8080/x")
    assert not portal.allows("http://xxgk.a.gov.example/x")


def test_digest_follows_content_not_file_layout(tmp_path: Path) -> None:
    one = load_portals(_write(tmp_path, GOOD))
    spaced = load_portals(_write(tmp_path, "# comment\n" + GOOD.replace(" = ", "   =   ")))
    changed = load_portals(_write(tmp_path, GOOD.replace("max_depth = 3", "max_depth = 4")))
    assert portals_digest(one) == portals_digest(spaced) != portals_digest(changed)
