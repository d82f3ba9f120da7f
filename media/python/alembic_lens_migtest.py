"""alembic-lens migration tests: every revision up, down and up again, on a throwaway database.

One process runs a whole test run with the Python Alembic runs with (alembic.command or the interpreter). env.py runs through Alembic itself
(its own target_metadata, options and engine), once per step, like `alembic upgrade` does; the
migration function it calls applies exactly the step asked for. The database is the scratch one
alembic-lens created: its URL comes in the environment variable ALEMBIC_LENS_TEST_URL (never on the
command line, where `ps` would show its password) and is handed to env.py both ways it may look:
`sqlalchemy.url` in the config and the environment variables named by --env-var. Before env.py's
first migration runs, its connection is checked to be that scratch database (the file for SQLite, the
server's current database otherwise); anything else stops the run, nothing migrated.

Usage (cwd = the folder of the config file, as Alembic runs):
    python alembic_lens_migtest.py [-c alembic.ini] [-n SECTION] [--env-var NAME ...]
        [--check stairway,single-head,models-match,downgrade-to-base] [--stairway REV,REV,...]

Writes one JSON object per line on stdout (env.py's prints and logging go to stderr):
    {"event": "begin", "check": "stairway", "revision": "abc"}
    {"event": "result", "check": "stairway", "revision": "abc", "status": "failed", "message": "...",
     "path": ".../abc_add_items.py", "line": 27}
    {"event": "fatal", "code": "refused" | "no-alembic" | "unreachable" | "error", "message": "..."}
    {"event": "done"}

Alembic APIs used: ScriptDirectory._upgrade_revs / _downgrade_revs / _stamp_revs (what `alembic
upgrade`, `downgrade` and `stamp` call), RevisionStep(revision_map, revision, is_upgrade), and the
public `on_version_apply` callbacks of context.configure (the schema a step made, read in its
transaction: the stairway's upgrade after the downgrade must make the schema the first upgrade made). Tested
with Alembic 1.8.1 and SQLAlchemy 1.4; later Alembic releases keep these names and signatures, but
they are private and were not run here.
"""
import argparse
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from alembic_lens_drift import compare_types_by_default, load_config, metadata_diffs  # noqa: E402
from alembic_lens_schema import schema_differences, snapshot_schema  # noqa: E402

CHECKS = ("stairway", "single-head", "models-match", "downgrade-to-base")
URL_VARIABLE = "ALEMBIC_LENS_TEST_URL"


class Refused(Exception):
    """The run cannot go on safely or at all (a database that is not the scratch one, no Alembic)."""

    def __init__(self, message, code="refused"):
        super().__init__(message)
        self.code = code


class StepFailed(Exception):
    """A migration raised: the error, and where in which revision file."""

    def __init__(self, what, error, revision_paths, schema=None):
        self.error = error
        self.path, self.line = error_location(error, revision_paths)
        # The schema read before the failed step ran (when the run read it).
        self.schema = schema
        # How the schema it left differs from the one the upgrade made (set by the stairway; see Trace).
        self.residue = []
        super().__init__("%s raised %s" % (what, describe_error(error)))


def main(argv):
    parser = argparse.ArgumentParser(prog="alembic_lens_migtest.py")
    parser.add_argument("-c", "--config", default="alembic.ini")
    parser.add_argument("-n", "--name", default="alembic")
    parser.add_argument("-x", action="append", default=[])
    parser.add_argument("--env-var", action="append", default=[])
    parser.add_argument("--check", default=",".join(CHECKS))
    parser.add_argument("--stairway", default=None, help="the revisions whose stairway runs (default all)")
    args = parser.parse_args(argv)

    out = sys.stdout
    # Whatever env.py or the app prints must not corrupt the JSON lines.
    sys.stdout = sys.stderr
    emit = Emitter(out)
    try:
        run(args, emit)
    except Refused as err:
        emit("fatal", code=err.code, message=str(err))
    except StepFailed as err:
        # env.py itself failed before any check could run (an import error, an unreachable server).
        emit("fatal", code=classify_fatal(err.error), message=str(err), path=err.path, line=err.line)
    except BaseException as err:  # noqa: B902 - the answer must always be written
        traceback.print_exc(file=sys.stderr)
        emit("fatal", code=classify_fatal(err), message=describe_error(err))
    emit("done")
    return 0


class Emitter:
    def __init__(self, stream):
        self.stream = stream

    def __call__(self, event, **fields):
        fields["event"] = event
        self.stream.write(json.dumps(fields) + "\n")
        self.stream.flush()


def run(args, emit):
    try:
        from alembic.script import ScriptDirectory
        from sqlalchemy.engine import make_url
    except ImportError as err:
        raise Refused("Alembic is not installed for %s (%s)" % (sys.executable, err), "no-alembic")
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise Refused("no scratch database given (%s is not set)" % URL_VARIABLE)
    if not os.path.exists(args.config):
        raise Refused("No config file %r found (in %s)" % (args.config, os.getcwd()), "error")
    checks = [c for c in args.check.split(",") if c]
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise Refused("unknown check %s (known: %s)" % (", ".join(unknown), ", ".join(CHECKS)), "error")

    for name in args.env_var:
        os.environ[name] = url
    config = load_config(args.config, args.name, args.x)
    # ConfigParser interpolation: a literal % is written %%.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    script = ScriptDirectory.from_config(config)
    expected = scratch_identity(make_url(url))
    guard_sqlite_files(expected)
    migrations = Migrations(config, script, expected)
    order = list(reversed(list(script.walk_revisions("base", "heads"))))

    if "single-head" in checks:
        single_head(script, emit)
    initial = migrations.snapshot()
    stuck = None
    if "stairway" in checks:
        wanted = set(args.stairway.split(",")) if args.stairway is not None else None
        stuck = stairway(migrations, order, wanted, emit)
    project_checks = [c for c in ("models-match", "downgrade-to-base") if c in checks]
    if project_checks and stuck:
        for check in project_checks:
            emit("result", check=check, revision=None, status="skipped", message="not run: %s" % stuck)
        return
    if "models-match" in checks:
        models_match(migrations, emit)
    if "downgrade-to-base" in checks:
        downgrade_to_base(migrations, initial, emit)


def single_head(script, emit):
    emit("begin", check="single-head", revision=None)
    heads = [script.get_revision(h) for h in script.get_heads()]
    labels = [tuple(sorted(h.branch_labels)) for h in heads]
    # Several heads are fine when each is a branch the project named (branch_labels).
    declared = all(labels) and len(set(labels)) == len(labels)
    if len(heads) <= 1 or declared:
        emit("result", check="single-head", revision=None, status="passed", message="%d head(s)" % len(heads))
        return
    unlabeled = [h for h in heads if not h.branch_labels]
    first = unlabeled[0] if unlabeled else heads[0]
    emit(
        "result", check="single-head", revision=first.revision, status="failed",
        message="%d heads: %s (merge them with `alembic merge heads`, or give each branch a branch label)"
        % (len(heads), ", ".join(h.revision for h in heads)),
        path=first.path, line=None,
    )


def stairway(migrations, order, wanted, emit):
    """Up, snapshot, down one step, compare, up again, for each revision from base. Returns None when the
    stairway went through, else why the revisions after a failure were not reached."""
    for index, revision in enumerate(order):
        tested = wanted is None or revision.revision in wanted
        if tested:
            emit("begin", check="stairway", revision=revision.revision)
        started = time.monotonic()
        stuck = None
        try:
            failure = stairway_step(migrations, revision, tested)
        except StepFailed as err:
            # The upgrade itself failed: nothing after it can run.
            failure, stuck = err, "the upgrade to %s failed" % revision.revision
        if failure is None:
            if tested:
                emit(
                    "result", check="stairway", revision=revision.revision, status="passed", message="",
                    seconds=elapsed(started),
                )
            continue
        emit_failure(emit, "stairway", revision, failure, started)
        residue = failure.residue
        if residue and not stuck:
            # The later revisions would run on a schema no upgrade made: their failures would be this one's.
            stuck = "the stairway of %s left the schema changed: %s" % (revision.revision, "; ".join(residue))
        if stuck:
            for later in order[index + 1:]:
                if wanted is None or later.revision in wanted:
                    emit(
                        "result", check="stairway", revision=later.revision, status="skipped",
                        message="not reached: %s" % stuck,
                    )
            return stuck
    return None


def stairway_step(migrations, revision, tested):
    """Returns the stairway's failure for `revision` (None when it passed); raises StepFailed when the upgrade fails.

    Three runs of env.py: upgrade (the schema read first), downgrade one step (the schema the upgrade made
    read first), upgrade again (the schema the downgrade left read first, the one it makes read last).
    Reading the schema in the same run as a step halves the runs.

    A failure's `residue` is how the schema it leaves differs from the one the upgrade made (empty: the
    same, the stairway goes on)."""
    before = migrations.upgrade(revision.revision, "upgrade to %s" % revision.revision, snapshot=tested)
    if not tested:
        return None
    try:
        upgraded = migrations.downgrade_one(revision, snapshot=True)
    except StepFailed as err:
        # Without transactional DDL, the downgrade may have changed the schema before it raised.
        err.residue = schema_differences(err.schema, migrations.snapshot(), "it") if err.schema else []
        return err
    try:
        left, again = migrations.upgrade_again(revision.revision, "upgrade again to %s" % revision.revision)
    except StepFailed as err:
        # Go on from where the upgrade should have left the database, when the schema is what it made.
        migrations.stamp(revision.revision)
        now = migrations.snapshot()
        trace = schema_differences(before, now, "downgrade")
        return Trace(revision, trace, err, residue=schema_differences(upgraded, now, "it"))
    residue = schema_differences(upgraded, again, "it")
    trace = schema_differences(before, left, "downgrade")
    if trace:
        return Trace(revision, trace, residue=residue)
    # The schema is as before, yet the upgrade may decide from what the downgrade left (rows, views).
    changed = schema_differences(upgraded, again, "the second upgrade")
    if changed:
        return Trace(revision, ["upgrade is not repeatable after downgrade: " + "; ".join(changed)], residue=residue)
    return None


class Trace(Exception):
    """The downgrade left the schema changed (and maybe the upgrade again failed because of it): the
    failure is at the revision's downgrade(), where the fix goes."""

    def __init__(self, revision, differences, step_failed=None, residue=()):
        parts = list(differences)
        if step_failed is not None:
            parts.append(str(step_failed))
        super().__init__("; ".join(parts))
        self.path, self.line = downgrade_location(revision)
        self.residue = list(residue)


def downgrade_location(revision):
    """(path, line) of the revision's `def downgrade`, or (None, None) when it cannot be told."""
    downgrade = getattr(getattr(revision, "module", None), "downgrade", None)
    code = getattr(downgrade, "__code__", None)
    return (revision.path, code.co_firstlineno) if code is not None else (None, None)


def models_match(migrations, emit):
    emit("begin", check="models-match", revision=None)
    started = time.monotonic()
    try:
        migrations.upgrade("heads", "upgrade to heads")
        diffs = migrations.compare_models()
    except StepFailed as err:
        emit_failure(emit, "models-match", None, err, started)
        return
    if diffs:
        message = "the models differ from the migrated database: " + "; ".join(d["detail"] for d in diffs)
        emit("result", check="models-match", revision=None, status="failed", message=message, seconds=elapsed(started))
    else:
        emit("result", check="models-match", revision=None, status="passed", message="", seconds=elapsed(started))


def downgrade_to_base(migrations, initial, emit):
    emit("begin", check="downgrade-to-base", revision=None)
    started = time.monotonic()
    try:
        migrations.upgrade("heads", "upgrade to heads")
        migrations.downgrade_base()
        left = schema_differences(initial, migrations.snapshot(), "downgrade to base")
        migrations.upgrade("heads", "upgrade again to heads")
    except StepFailed as err:
        emit_failure(emit, "downgrade-to-base", None, err, started)
        return
    if left:
        emit(
            "result", check="downgrade-to-base", revision=None, status="failed", message="; ".join(left),
            seconds=elapsed(started),
        )
    else:
        emit("result", check="downgrade-to-base", revision=None, status="passed", message="", seconds=elapsed(started))


def emit_failure(emit, check, revision, failure, started):
    emit(
        "result", check=check, revision=revision.revision if revision is not None else None, status="failed",
        message=str(failure), path=getattr(failure, "path", None), line=getattr(failure, "line", None),
        seconds=elapsed(started),
    )


def elapsed(started):
    return round(time.monotonic() - started, 3)


class Migrations:
    """Runs env.py once per step, on the scratch database only."""

    def __init__(self, config, script, expected):
        self.config = config
        self.script = script
        self.expected = expected
        self.paths = set(os.path.realpath(r.path) for r in script.walk_revisions() if r.path)
        # "wanted" while a run wants the schema after its last step; then that schema.
        self.after = None

    def upgrade(self, destination, what, snapshot=False):
        """Upgrades to `destination`; with `snapshot`, returns the schema as it was just before."""
        return self.run(lambda heads, context: self.script._upgrade_revs(destination, heads), what, snapshot)

    def upgrade_again(self, destination, what):
        """Upgrades to `destination`; returns the schemas just before and just after."""
        self.after = "wanted"
        try:
            before = self.upgrade(destination, what, snapshot=True)
            after = self.after
        finally:
            self.after = None
        # No step ran (nothing to upgrade): the schema after is the one before.
        return before, (before if after == "wanted" else after)

    def downgrade_one(self, revision, snapshot=False):
        """Runs the revision's downgrade(); with `snapshot`, returns the schema as it was just before."""
        from alembic.runtime.migration import RevisionStep

        step = RevisionStep(self.script.revision_map, revision, False)
        return self.run(lambda heads, context: [step], "downgrade of %s" % revision.revision, snapshot)

    def downgrade_base(self):
        self.run(lambda heads, context: self.script._downgrade_revs("base", heads), "downgrade to base")

    def stamp(self, destination):
        self.run(lambda heads, context: self.script._stamp_revs(destination, heads), "stamp %s" % destination)

    def snapshot(self):
        return self.run(lambda heads, context: [], "reading the schema", snapshot=True)

    def compare_models(self):
        found = {}

        def compare(heads, context):
            found["diffs"] = metadata_diffs(context)
            return []

        self.run(compare, "comparing the models")
        return found["diffs"]

    def run(self, steps, what, snapshot=False):
        """One run of env.py doing `steps(heads, context)`; with `snapshot`, returns the schema before them."""
        from alembic.runtime.environment import EnvironmentContext

        state = {"ran": False, "schema": None}

        def migration_fn(heads, context):
            state["ran"] = True
            if snapshot:
                state["schema"] = snapshot_schema(context.connection, version_table_of(context))
            return steps(heads, context)

        env = EnvironmentContext(self.config, self.script, fn=migration_fn, as_sql=False)
        compare_types_by_default(env, self.configuring)
        try:
            with env:
                self.script.run_env()
        except (Refused, KeyboardInterrupt, SystemExit):
            raise
        except Exception as err:  # noqa: BLE001 - a migration's own error is a test result
            raise StepFailed(what, err, self.paths, state["schema"])
        if not state["ran"]:
            raise Refused(
                "env.py never ran the migrations in online mode "
                "(is it in offline mode, or does it skip run_migrations?)",
                "error",
            )
        return state["schema"]

    def configuring(self, configure_kwargs):
        """env.py configures the context: check the database, and listen to the steps applied."""
        self.verify(configure_kwargs)
        listeners = configure_kwargs.get("on_version_apply") or ()
        listeners = [listeners] if callable(listeners) else list(listeners)
        configure_kwargs["on_version_apply"] = listeners + [self.step_applied]

    def step_applied(self, ctx, step, heads, run_args):
        """After each step, in its transaction: the schema it made, when the run wants it."""
        if self.after is not None:
            self.after = snapshot_schema(ctx.connection, version_table_of(ctx))

    def verify(self, configure_kwargs):
        """Called when env.py configures the context, before any migration: the scratch database, or stop."""
        connection = configure_kwargs.get("connection")
        if connection is None:
            raise Refused(
                "env.py configured Alembic without a connection (offline mode, or a URL alembic-lens cannot check): "
                "refusing to run migrations on a database that may not be the scratch one",
            )
        actual = connected_identity(connection)
        if actual != self.expected:
            raise Refused(
                "env.py connected to %s, not to the scratch database %s: it does not take its URL from "
                "sqlalchemy.url or from the variables %s. Nothing was migrated."
                % (
                    describe_identity(actual), describe_identity(self.expected),
                    ", ".join(sorted(self.env_vars())) or "(none)",
                ),
            )

    def env_vars(self):
        url = os.environ.get(URL_VARIABLE)
        return [k for k, v in os.environ.items() if v == url and k != URL_VARIABLE]


def scratch_identity(url):
    """(dialect, database) the scratch URL names: the real file for SQLite."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return (backend, os.path.realpath(url.database or ""))
    return (backend, url.database)


def guard_sqlite_files(expected):
    """No SQLite file but the scratch one is opened: connecting creates a missing file, so a misdirected
    env.py would leave an empty database where the project keeps its own, before verify() could stop it.
    The scratch file is opened without fsync (it is thrown away)."""
    import sqlite3

    original = sqlite3.connect
    allowed = expected[1] if expected[0] == "sqlite" else None

    def connect(database, *args, **kwargs):
        name = os.fspath(database) if not isinstance(database, (bytes, str)) else database
        name = name.decode() if isinstance(name, bytes) else name
        if kwargs.get("uri") and name.startswith("file:"):
            name = name[len("file:"):].split("?", 1)[0]
        if name not in ("", ":memory:") and os.path.realpath(name) != allowed:
            raise Refused(
                "env.py opened the SQLite file %s, not the scratch database: it does not take its URL from "
                "sqlalchemy.url or from the variables given. Nothing was migrated." % name,
            )
        connection = original(database, *args, **kwargs)
        if name not in ("", ":memory:"):
            # A scratch file needs no durability: without fsync on every commit the stairway runs twice as fast.
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("PRAGMA journal_mode = MEMORY")
        return connection

    sqlite3.connect = connect
    sqlite3.dbapi2.connect = connect


def connected_identity(connection):
    """(dialect, database) of the connection env.py really opened, asked from the database itself."""
    from sqlalchemy import text

    backend = connection.dialect.name
    if backend == "sqlite":
        rows = connection.execute(text("PRAGMA database_list")).fetchall()
        main_file = next((row[2] for row in rows if row[1] == "main"), "")
        return (backend, os.path.realpath(main_file) if main_file else ":memory:")
    if backend == "postgresql":
        return (backend, connection.execute(text("SELECT current_database()")).scalar())
    if backend in ("mysql", "mariadb"):
        return ("mysql" if backend == "mariadb" else backend, connection.execute(text("SELECT DATABASE()")).scalar())
    return (backend, None)


def describe_identity(identity):
    backend, database = identity
    return "%s database %s" % (backend, database)


def version_table_of(context):
    # MigrationContext.version_table: the name env.py configured (Alembic 1.8 and current).
    return getattr(context, "version_table", "alembic_version")


def error_location(error, revision_paths):
    """The innermost frame of the traceback that is in a revision file: (path, line), or (None, None)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if os.path.realpath(frame.filename) in revision_paths:
            return frame.filename, frame.lineno
    return None, None


def describe_error(err):
    name = type(err).__name__
    text = str(err).strip()
    first = text.splitlines()[0] if text else ""
    return "%s: %s" % (name, first) if first else name


def classify_fatal(err):
    text = str(err).lower()
    if type(err).__name__ in ("OperationalError", "InterfaceError") and ("connect" in text or "connection" in text):
        return "unreachable"
    return "error"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
