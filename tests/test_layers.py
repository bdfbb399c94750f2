"""The house matches its plan: layers only point down, and no view imports another.

Read from the source (imports, including those inside functions), so that a shortcut
across the layers fails here before it spreads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
AREAS = ("app.content", "app.moderation", "app.auth", "app.pages", "app.commenters")
# Lower layers, and what they must never reach up to.
BELOW_THE_AREAS = ("app/comments", "app/shared", "app/models", "app/transfer")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, by its full dotted name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(APP.parent).with_suffix("").parts)


def files_under(folder: str) -> list[Path]:
    return sorted((APP.parent / folder).rglob("*.py"))


@pytest.mark.parametrize("path", [p for f in BELOW_THE_AREAS for p in files_under(f)], ids=str)
def test_lower_layers_never_import_an_area(path):
    reaching_up = {
        name for name in imports_of(path) if any(name.startswith(area) for area in AREAS)
    }
    assert not reaching_up, f"{module_name(path)} imports {sorted(reaching_up)}"


@pytest.mark.parametrize("path", sorted(APP.rglob("*views.py")), ids=str)
def test_no_view_module_imports_another_areas_views(path):
    """Within an area, views may be split over modules (content's page and comment
    views); across areas, what is shared lives beneath them (app.shared)."""
    area = module_name(path).rsplit(".", 1)[0]
    others = {
        name
        for name in imports_of(path)
        if name.split(".")[-1].endswith("views") and not name.startswith(area + ".")
    }
    assert not others, f"{module_name(path)} imports {sorted(others)}"


@pytest.mark.parametrize(
    "package", ["app/content", "app/moderation", "app/auth", "app/pages", "app/commenters"]
)
def test_importing_an_area_package_loads_no_views(package):
    """A package's __init__ holds no imports, so reading an area's queries does not
    load its views (blueprints are registered by create_app)."""
    assert not imports_of(APP.parent / package / "__init__.py")
