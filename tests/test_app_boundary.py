"""The app boundary and the layout: the registry (projects) imports nothing from supervision, core
imports neither app, supervision's packages keep their layers (pyproject.toml [tool.importlinter]),
and no module of the product is in an import circle."""

import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sysconfig.get_path("scripts")) / "lint-imports"


def test_projects_and_core_keep_to_their_side_of_the_app_boundary():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_of_the_product_is_in_an_import_circle():
    """No two modules of the product import each other, directly or through others (imports
    inside functions and under TYPE_CHECKING count); tests and migrations aside."""
    import grimp

    graph = grimp.build_graph("core", "projects", "supervision", "selection", "livelihood")
    modules = {m for m in graph.modules if ".migrations" not in m}
    circles = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)

    assert circles == []
