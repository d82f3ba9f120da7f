"""alembic-lens drift check: do the models (env.py's target_metadata) match the database?

The question `alembic check` answers (Alembic >= 1.9), asked on any Alembic version: env.py runs
through Alembic itself, so its own target_metadata, URL, include_object/include_name and compare_*
options apply, but the migration function it ends up calling compares instead of migrating
(autogenerate's compare_metadata) and returns no step to run. Nothing is written to the database.

Usage (cwd = the folder of the config file, as Alembic runs):
    python alembic_lens_drift.py [-c alembic.ini] [-n SECTION] [-x KEY=VALUE ...]

Prints exactly one JSON object on stdout, and nothing else there (env.py's own prints and logging go
to stderr):
    {"ok": true, "diffs": [{"kind": "add_column", "table": "users", "column": "email", "detail": "..."}]}
    {"ok": false, "error": "...", "code": "not-up-to-date" | "no-target-metadata" | "error"}

compare_type is on unless env.py turns it off explicitly (the default of Alembic >= 1.12; older
versions default to off and miss type changes).
"""
import argparse
import json
import os
import sys
import traceback


def main(argv):
    parser = argparse.ArgumentParser(prog="alembic_lens_drift.py", add_help=True)
    parser.add_argument("-c", "--config", default=os.environ.get("ALEMBIC_CONFIG", "alembic.ini"))
    parser.add_argument("-n", "--name", default="alembic")
    parser.add_argument("-x", action="append", default=[])
    args = parser.parse_args(argv)

    out = sys.stdout
    # Whatever env.py or the app prints must not corrupt the JSON.
    sys.stdout = sys.stderr
    try:
        result = run(args)
    except DriftError as err:
        result = {"ok": False, "error": str(err), "code": err.code}
    except BaseException as err:  # noqa: B902 - the JSON answer must always be written
        traceback.print_exc(file=sys.stderr)
        result = {"ok": False, "error": describe_error(err), "code": "error"}
    finally:
        sys.stdout = out
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0 if result.get("ok") else 1


class DriftError(Exception):
    def __init__(self, message, code="error"):
        super().__init__(message)
        self.code = code


def run(args):
    try:
        from alembic.runtime.environment import EnvironmentContext
        from alembic.script import ScriptDirectory
    except ImportError as err:
        raise DriftError("Alembic is not installed for %s (%s)" % (sys.executable, err))

    if not os.path.exists(args.config):
        raise DriftError("No config file %r found (in %s)" % (args.config, os.getcwd()))
    config = load_config(args.config, args.name, args.x)
    script = ScriptDirectory.from_config(config)

    diffs = []
    state = {"ran": False}

    def compare(rev, context):
        # The database must be at the head: autogenerate (and `alembic check`) refuse otherwise.
        if set(script.get_revisions(rev)) != set(script.get_revisions("heads")):
            current = ", ".join(r.revision for r in script.get_revisions(rev) if r is not None)
            raise DriftError(
                "Target database is not up to date (%s): run `alembic upgrade head` first; "
                "the models can only be compared with a database at the head revision."
                % ("it is at %s" % current if current else "no revision is applied"),
                "not-up-to-date",
            )
        state["ran"] = True
        diffs.extend(metadata_diffs(context))
        return []

    env = EnvironmentContext(config, script, fn=compare, as_sql=False)
    compare_types_by_default(env)
    with env:
        script.run_env()
    if not state["ran"]:
        raise DriftError("env.py never ran the migrations in online mode (is it in offline mode, or does it skip run_migrations?)")
    return {"ok": True, "diffs": diffs}


def load_config(config_path, name, x):
    """Alembic's Config as the command line builds it, with what env.py may read from the command line
    (context.get_x_argument(), config.cmd_opts)."""
    from alembic.config import Config

    cmd_opts = argparse.Namespace(
        config=config_path, name=name, x=x, autogenerate=True, sql=False, message=None,
        head="head", splice=False, branch_label=None, version_path=None, rev_id=None, depends_on=None,
    )
    return Config(config_path, ini_section=name, cmd_opts=cmd_opts)


def compare_types_by_default(env, on_configure=None):
    """Turns compare_type on unless env.py turns it off; `on_configure(kwargs)` sees env.py's arguments first."""
    configure = env.configure

    def configure_with_types(*a, **kw):
        if on_configure is not None:
            on_configure(kw)
        kw.setdefault("compare_type", True)
        return configure(*a, **kw)

    # env.py calls `context.configure(...)`, which the proxy looks up on this instance.
    env.configure = configure_with_types


def metadata_diffs(context):
    """autogenerate's differences between env.py's target_metadata and the connected database, described."""
    from alembic.autogenerate import compare_metadata

    metadata = context.opts.get("target_metadata")
    if metadata is None:
        raise DriftError(
            "env.py's target_metadata is None: there are no models to compare with the database.",
            "no-target-metadata",
        )
    diffs = []
    for diff in compare_metadata(context, metadata):
        # A changed column is a list of modify_* tuples: one entry each.
        for one in diff if isinstance(diff, list) else [diff]:
            if not is_sqlite_internal(one):
                diffs.append(describe(one, context.dialect))
    return diffs


def is_sqlite_internal(diff):
    """SQLite's own tables (sqlite_sequence, made by AUTOINCREMENT): SQLAlchemy 1.4 reflects them as the
    database's tables, so compare_metadata says to remove them; SQLAlchemy 2.0 leaves them out."""
    return diff[0] == "remove_table" and diff[1].name.startswith("sqlite_")


def describe(diff, dialect):
    """One compare_metadata tuple as JSON."""
    kind = diff[0]
    try:
        if kind in ("add_table", "remove_table"):
            table = diff[1]
            cols = ", ".join(c.name for c in table.columns)
            verb = "add table" if kind == "add_table" else "remove table"
            return entry(kind, table.name, table.schema, None, "%s %s (%s)" % (verb, qualified(table.schema, table.name), cols))
        if kind in ("add_column", "remove_column"):
            schema, tname, column = diff[1], diff[2], diff[3]
            verb = "add column" if kind == "add_column" else "remove column"
            null = "nullable" if column.nullable else "NOT NULL"
            return entry(kind, tname, schema, column.name, "%s %s.%s (%s, %s)" % (verb, qualified(schema, tname), column.name, type_text(column.type, dialect), null))
        if kind in ("add_index", "remove_index"):
            index = diff[1]
            table = index.table
            cols = ", ".join(getattr(c, "name", str(c)) for c in index.expressions)
            verb = "add index" if kind == "add_index" else "remove index"
            unique = "unique " if index.unique else ""
            return entry(kind, table.name if table is not None else None, table.schema if table is not None else None, None, "%s %s%s on %s(%s)" % (verb, unique, index.name, table.name if table is not None else "?", cols))
        if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
            constraint = diff[1]
            table = constraint.table
            cols = ", ".join(c.name for c in constraint.columns)
            what = {"add_constraint": "add constraint", "remove_constraint": "remove constraint", "add_fk": "add foreign key", "remove_fk": "remove foreign key"}[kind]
            detail = "%s %s on %s(%s)" % (what, constraint.name or "(unnamed)", table.name, cols)
            if kind in ("add_fk", "remove_fk"):
                detail += " -> %s" % ", ".join(fk.target_fullname for fk in constraint.elements)
            return entry(kind, table.name, table.schema, None, detail)
        if kind in ("add_table_comment", "remove_table_comment"):
            table = diff[1]
            return entry(kind, table.name, table.schema, None, "%s on %s" % (kind.replace("_", " "), table.name))
        if kind.startswith("modify_"):
            schema, tname, cname, _existing, old, new = diff[1], diff[2], diff[3], diff[4], diff[5], diff[6]
            where = "%s.%s" % (qualified(schema, tname), cname)
            if kind == "modify_type":
                old, new = type_text(old, dialect), type_text(new, dialect)
                detail = "change type of %s from %s to %s" % (where, old, new)
            elif kind == "modify_nullable":
                old, new = nullable_text(old), nullable_text(new)
                detail = "make %s %s" % (where, new)
            elif kind == "modify_default":
                old, new = default_text(old), default_text(new)
                detail = "change server default of %s from %s to %s" % (where, old, new)
            elif kind == "modify_comment":
                old, new = safe_repr(old), safe_repr(new)
                detail = "change comment of %s from %s to %s" % (where, old, new)
            else:
                old, new = safe_repr(old), safe_repr(new)
                detail = "%s %s" % (kind.replace("_", " "), where)
            result = entry(kind, tname, schema, cname, detail)
            # What the database has, and what the models say.
            result["database"] = old
            result["models"] = new
            return result
    except Exception:  # noqa: BLE001 - an unknown shape still gets reported
        traceback.print_exc(file=sys.stderr)
    return {"kind": str(kind), "detail": safe_repr(diff)}


def entry(kind, table, schema, column, detail):
    result = {"kind": kind, "detail": detail}
    if table is not None:
        result["table"] = table
    if schema:
        result["schema"] = schema
    if column is not None:
        result["column"] = column
    return result


def qualified(schema, name):
    return "%s.%s" % (schema, name) if schema else name


def type_text(type_, dialect):
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001
        return safe_repr(type_)


def nullable_text(nullable):
    return "nullable" if nullable else "NOT NULL"


def default_text(default):
    if default is None:
        return "none"
    arg = getattr(default, "arg", default)
    text = getattr(arg, "text", arg)
    return safe_repr(text) if not isinstance(text, str) else text


def safe_repr(value):
    try:
        return repr(value)
    except Exception:  # noqa: BLE001
        return "<%s>" % type(value).__name__


def describe_error(err):
    name = type(err).__name__
    message = str(err).strip().splitlines()[0] if str(err).strip() else ""
    if name == "SystemExit":
        return "env.py exited (sys.exit(%s))" % message
    if name in ("OperationalError", "InterfaceError") or "could not connect" in message.lower():
        return "cannot connect to the database: %s" % message
    return "%s: %s" % (name, message) if message else name


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
