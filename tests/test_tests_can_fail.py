"""A guard on the tests themselves: patterns that make a test pass whatever the code does
stay out of ``tests/``.

- asserting a constant that is true checks nothing.
- a set of expected statuses (``status_code in`` a 2xx and a 4xx) that mixes success (below 400)
  with failure (400 and above) passes whether the page works or not. Expect the one status
  the behaviour gives; a test that covers several personas says which gets which.

The scan reads the syntax tree, so formatting, comments and strings cannot hide or fake a
match.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _status_codes(node: ast.expr) -> list[int] | None:
    if not isinstance(node, ast.Tuple | ast.List | ast.Set):
        return None
    codes = [e.value for e in node.elts if isinstance(e, ast.Constant)]
    ints = [c for c in codes if isinstance(c, int) and not isinstance(c, bool)]
    return ints if len(ints) == len(node.elts) else None


def _names_status(node: ast.expr) -> bool:
    return ast.unparse(node).endswith(("status_code", "status"))


def problems_in(source: str, filename: str = "<test>") -> list[str]:
    """Each pattern that cannot fail, as ``file:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Assert):
            test = node.test
            if isinstance(test, ast.Constant) and bool(test.value):
                found.append(f"{filename}:{node.lineno}: assert of a constant that is true")
        if isinstance(node, ast.Compare) and _names_status(node.left):
            for op, right in zip(node.ops, node.comparators, strict=True):
                codes = _status_codes(right) or []
                mixed = bool(codes) and min(codes) < 400 <= max(codes)
                if isinstance(op, ast.In | ast.NotIn) and mixed:
                    found.append(
                        f"{filename}:{node.lineno}: expects success or failure "
                        f"{tuple(codes)}: {ast.unparse(node)}"
                    )
    return found


def test_the_scan_finds_both_patterns() -> None:
    sample = (
        "def test_x(client):\n"
        "    assert " + "True\n"  # spelled in two parts so no grep of tests/ matches it
        "    assert client.get('/').status_code in " + "(200, 404)\n"
        "    assert response.status_code in [302, 403]\n"
        "    assert response.status_code in (400, 422)\n"  # both failures: allowed
        "    assert response.status_code == 200\n"
    )
    found = problems_in(sample)
    assert [line.split(":")[1] for line in found] == ["2", "3", "4"]


def test_no_test_in_the_tree_uses_them() -> None:
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 50  # the tree is scanned, not an empty folder
    found = []
    for path in files:
        if path == Path(__file__).resolve():
            continue
        found += problems_in(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS)))
    assert found == [], "\n".join(found)
