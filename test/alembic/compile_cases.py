"""What CPython decides for each .py file in a folder: compile(bytes) accepted or refused, with the
line of the refusal, and for accepted files the value of a module-level `x = "..."` string. Prints
JSON: {name: {"ok": bool, "line": int|null, "error": str, "x": str|null}}."""
import ast
import json
import os
import sys

folder = sys.argv[1]
out = {}
for name in sorted(os.listdir(folder)):
    path = os.path.join(folder, name)
    data = open(path, "rb").read()
    try:
        tree = compile(data, path, "exec", ast.PyCF_ONLY_AST)
        compile(tree, path, "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
        line = getattr(e, "lineno", None)
        out[name] = {"ok": False, "line": line if line else None, "error": f"{type(e).__name__}: {e}"}
        continue
    x = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["x"]:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                x = node.value.value
    out[name] = {"ok": True, "line": None, "error": "", "x": x}
json.dump(out, sys.stdout)
