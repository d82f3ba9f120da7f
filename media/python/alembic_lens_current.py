# `alembic current` as the user runs it, for the database status when the URL can't be read statically,
# with one difference: opening a SQLite file that does not exist fails instead of creating an empty one
# (SQLite's default), so asking for the state never leaves a database behind. The missing file is
# reported on stderr after MARKER, and Alembic's own error follows.
import os
import sqlite3
import sqlite3.dbapi2
import sys

MARKER = "alembic-lens: no SQLite database file:"
_connect = sqlite3.dbapi2.connect


def _connect_existing(database, *args, **kwargs):
    # URI filenames carry their own mode (mode=rwc creates on purpose); ':memory:' and '' are not files.
    if not kwargs.get("uri") and isinstance(database, (str, bytes, os.PathLike)):
        name = os.fsdecode(database)
        if name not in ("", ":memory:") and not os.path.exists(name):
            sys.stderr.write("%s %s\n" % (MARKER, os.path.abspath(name)))
            sys.stderr.flush()
            raise sqlite3.OperationalError("unable to open database file: %s does not exist" % name)
    return _connect(database, *args, **kwargs)


# SQLAlchemy's pysqlite dialect calls sqlite3.dbapi2.connect, aiosqlite calls sqlite3.connect.
sqlite3.connect = sqlite3.dbapi2.connect = _connect_existing

if __name__ == "__main__":
    from alembic.config import main

    main(argv=sys.argv[1:], prog="alembic")
