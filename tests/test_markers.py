"""Every test that drives Chromium says so (`browser` marker), so `-m "not browser"` really leaves them out."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent
BROWSER_FIXTURES = {"chromium", "desk", "page", "phone"}


def _marked(node: ast.AST) -> bool:
    return any("browser" in ast.unparse(decorator) for decorator in getattr(node, "decorator_list", []))


def test_every_chromium_test_is_marked_browser():
    unmarked = []
    for path in sorted(ROOT.rglob("test_*.py")):
        tree = ast.parse(path.read_text())
        module_marked = any(isinstance(node, ast.Assign) and "pytestmark" in ast.unparse(node.targets[0])
                            and "browser" in ast.unparse(node.value) for node in tree.body)
        if module_marked or path.parent.name == "handheld_web":
            if not module_marked:
                unmarked.append(f"{path.relative_to(ROOT)} (module)")
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                uses = {arg.arg for arg in node.args.args} & BROWSER_FIXTURES
                if uses and not _marked(node) and not (uses == {"page"} and "handheld" not in str(path)
                                                       and "playwright" not in path.read_text()):
                    unmarked.append(f"{path.relative_to(ROOT)}::{node.name}")
    assert not unmarked, unmarked
