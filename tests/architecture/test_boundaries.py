"""The stage boundaries of docs/architecture.md, checked on the import statements.

archive/ and parser/ never import each other (so any capture can be re-parsed by any
parser version); the parser is pure; archive/ knows nothing of Scrapy; only ogi/
composes the stages.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
OURS = {"archive", "crawler", "extract", "parser", "ogi", "settings", "mockportal"}
ALLOWED = {
    "archive": set(),
    "parser": set(),
    "extract": set(),
    "crawler": {"archive", "extract", "settings"},
    "settings": {"ogi"},  # the User-Agent names our version
    "mockportal": set(),
    "ogi": OURS - {"ogi"},
}
FORBIDDEN_THIRD_PARTY = {"archive": {"scrapy", "twisted"}, "parser": {"scrapy", "sqlalchemy"}}


def imported_roots(package: str) -> dict[str, set[str]]:
    """Top-level modules each file of ``package`` imports, by file."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        roots = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = roots
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_stage_imports_stay_within_the_contract(package: str) -> None:
    for path, roots in imported_roots(package).items():
        ours = (roots & OURS) - {package}
        assert ours <= ALLOWED[package], f"{path} imports {sorted(ours - ALLOWED[package])}"
        banned = roots & FORBIDDEN_THIRD_PARTY.get(package, set())
        assert not banned, f"{path} imports {sorted(banned)}"
