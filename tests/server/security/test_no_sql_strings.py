"""No SQL is built from strings anywhere in the server: every `text()`, `exec_driver_sql()` and
`execute()` that takes SQL text takes a constant, and values travel as bound parameters."""
from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[3] / "server"
SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript", "executemany"}


def built_from_strings(node: ast.expr) -> bool:
    """An f-string, a %-format, a concatenation or a .format() call: text assembled at run time."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_text(node.left) or _is_text(node.right) or built_from_strings(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join"}:
        return _is_text(node.func.value)
    return False


def _is_text(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr) \
        or built_from_strings(node)


def _name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def findings(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call) and _name(node) in SQL_CALLS and node.args and built_from_strings(node.args[0]):
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_the_checker_catches_each_way_of_building_sql():
    bad = ['db.session.execute(text(f"SELECT * FROM t WHERE a = {x}"))', 'conn.exec_driver_sql("DELETE FROM " + t)',
           'cursor.execute("SELECT %s" % x)', 'op.execute("DROP {}".format(x))', 'text("A " "B " + y)']
    good = ['db.session.execute(text("SELECT 1"))', 'conn.exec_driver_sql("BEGIN IMMEDIATE")',
            'db.session.execute(select(T).where(T.a == x))', 'cursor.execute("SELECT ?", (x,))']
    assert all(findings(line, "bad.py") for line in bad)
    assert not any(findings(line, "good.py") for line in good)


def test_no_sql_in_the_server_is_built_from_strings():
    found = [hit for path in sorted(SERVER.rglob("*.py")) for hit in findings(path.read_text(), str(path))]
    assert found == []
