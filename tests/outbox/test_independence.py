"""The outbox is installed into shops' projects: it may import Django, httpx and the standard library, and
nothing else of AnalyticaFlow."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import analyticaflow.outbox

PACKAGE = Path(analyticaflow.outbox.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
ALLOWED_ROOTS = {"django", "httpx", "analyticaflow"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # "from analyticaflow import errors" imports analyticaflow.errors
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "import_module":
            names.update(arg.value for arg in node.args if isinstance(arg, ast.Constant))
    return names


def test_the_package_has_sources():
    assert len(SOURCES) >= 10


def test_the_check_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from analyticaflow import errors\nfrom analyticaflow.outbox import services\n")
    assert imported_modules(sample) == {"analyticaflow.errors", "analyticaflow.outbox.services"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_imports_stay_inside_the_outbox_django_httpx_and_stdlib(path):
    for name in imported_modules(path):
        root = name.split(".")[0]
        assert root in ALLOWED_ROOTS or root in sys.stdlib_module_names or root == "__future__", name
        if root == "analyticaflow":
            assert name == "analyticaflow" or name.startswith("analyticaflow.outbox"), name
