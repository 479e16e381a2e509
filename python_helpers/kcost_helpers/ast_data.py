"""Python AST -> plain data (dicts, lists, strings, numbers) that serialises to JSON.

Every node becomes {"_type": <class name>, "line", "col", "end_line", "end_col", <fields>}.
Operator and context nodes (Add, Load, ...) become their class name as a string; `ctx` is
dropped. Constants carry their Python type in "kind" and, for ints, the exact decimal text.
"""

import ast

_OPERATOR_BASES = (ast.operator, ast.unaryop, ast.cmpop, ast.boolop)


def _constant(value):
    if value is None:
        return {"kind": "none"}
    if value is Ellipsis:
        return {"kind": "ellipsis"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if isinstance(value, int):
        return {"kind": "int", "value": str(value)}
    if isinstance(value, float):
        return {"kind": "float", "value": repr(value)}
    if isinstance(value, str):
        return {"kind": "str", "value": value}
    if isinstance(value, bytes):
        return {"kind": "bytes", "value": value.decode("latin-1")}
    return {"kind": "other", "value": repr(value)}


def to_data(node, col_offset=0):
    """`col_offset` is added to every column (a function parsed from its dedented source)."""
    if isinstance(node, list):
        return [to_data(n, col_offset) for n in node]
    if isinstance(node, _OPERATOR_BASES):
        return type(node).__name__
    if not isinstance(node, ast.AST):
        return node
    out = {"_type": type(node).__name__}
    if hasattr(node, "lineno"):
        out["line"] = node.lineno
        out["col"] = node.col_offset + 1 + col_offset
        out["end_line"] = getattr(node, "end_lineno", node.lineno)
        out["end_col"] = (getattr(node, "end_col_offset", None) or node.col_offset) + 1 + col_offset
    if isinstance(node, ast.Constant):
        out["value"] = _constant(node.value)
        return out
    for name, value in ast.iter_fields(node):
        if name in ("ctx", "type_comment", "kind"):
            continue
        out[name] = to_data(value, col_offset)
    return out
