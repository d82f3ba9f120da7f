"""alembic-lens: runs a helper script whose files are not on the disk of the Python that runs it (a
container), with secrets that must not be on its command line.

Started as `python -c "import json,sys;exec(json.loads(sys.stdin.readline()))" ARGS...`: the first
stdin line is this file's text as a JSON string; the second line is a JSON object:
    {"env": {"NAME": "value"}, "modules": {"name": "source", ...}, "main": "name"}
`env` is set in os.environ (the scratch database URL, password included: stdin is not shown by `ps`,
unlike argv and `docker compose exec -e`), the other modules are served to `import` from memory, and
the main one runs as __main__ with ARGS.

stdin stays open while the helper runs: when it closes (the caller was cancelled, or `docker compose
exec` was killed, which does not stop the process in the container), the process exits at once.
"""
import importlib.abc
import importlib.util
import json
import os
import sys
import threading


class _Modules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the modules that came on stdin by name, whatever imports them first."""

    def __init__(self, sources):
        self.sources = sources

    def find_spec(self, name, path=None, target=None):
        if name not in self.sources:
            return None
        return importlib.util.spec_from_loader(name, self, origin="/alembic-lens/%s.py" % name)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__file__ = module.__spec__.origin
        exec(compile(self.sources[module.__name__], module.__file__, "exec"), module.__dict__)


def _exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os._exit(130)


def _start():
    payload = json.loads(sys.stdin.readline())
    # The revision files are imported from the user's mounted folder: leave no __pycache__ there.
    sys.dont_write_bytecode = True
    for key, value in payload.get("env", {}).items():
        os.environ[key] = value
    main = payload["main"]
    sources = dict(payload["modules"])
    main_source = sources.pop(main)
    sys.meta_path.insert(0, _Modules(sources))
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    sys.argv[0] = "/alembic-lens/%s.py" % main
    namespace = {"__name__": "__main__", "__file__": sys.argv[0], "__builtins__": __builtins__}
    exec(compile(main_source, sys.argv[0], "exec"), namespace)


_start()
