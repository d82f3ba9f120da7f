"""A database schema as SQLAlchemy's inspector sees it, and the differences between two of them in words.

Used by alembic_lens_migtest.py: the stairway compares the schema before an upgrade with the schema
after the downgrade that follows it ("downgrade left column items.sku"). A snapshot is plain data:
tables, columns (type, nullability, server default), primary keys, indexes, unique, foreign-key and
check constraints, and enums on PostgreSQL. Works with SQLAlchemy 1.4 and 2.x.
"""
import re


def snapshot_schema(connection, version_table="alembic_version"):
    """{"tables": {name: {...}}, "enums": {name: [labels]}} of the connection's default schema."""
    from sqlalchemy import inspect

    inspector = inspect(connection)
    dialect = connection.dialect
    tables = {}
    for name in inspector.get_table_names():
        if name == version_table or name.startswith("sqlite_"):
            continue
        tables[name] = table_snapshot(inspector, name, dialect)
    enums = {}
    if hasattr(inspector, "get_enums"):
        # PostgreSQL only: enum types outlive the tables that use them.
        enums = {e["name"]: list(e["labels"]) for e in inspector.get_enums()}
    return {"tables": tables, "enums": enums}


def table_snapshot(inspector, name, dialect):
    columns = {}
    for column in inspector.get_columns(name):
        columns[column["name"]] = {
            "type": type_text(column["type"], dialect),
            "nullable": bool(column.get("nullable", True)),
            "default": normalized(column.get("default")),
        }
    pk = inspector.get_pk_constraint(name) or {}
    indexes = optional(inspector.get_indexes, name)
    uniques = optional(inspector.get_unique_constraints, name)
    foreign_keys = optional(inspector.get_foreign_keys, name)
    checks = optional(inspector.get_check_constraints, name)
    return {
        "columns": columns,
        "primary key": tuple(pk.get("constrained_columns") or ()),
        "index": named(indexes, lambda i: (columns_of(i, "column_names"), bool(i.get("unique")))),
        "unique constraint": named(uniques, lambda u: columns_of(u, "column_names")),
        "foreign key": named(
            foreign_keys,
            lambda f: (
                columns_of(f, "constrained_columns"), f.get("referred_table"), columns_of(f, "referred_columns"),
            ),
        ),
        "check constraint": named(checks, lambda c: normalized(c.get("sqltext"))),
    }


def columns_of(reflected, key):
    return tuple(reflected.get(key) or ())


def optional(reflect, table):
    """What the dialect can reflect; some cannot reflect some kinds (NotImplementedError)."""
    try:
        return reflect(table)
    except NotImplementedError:
        return []


def named(items, key):
    """Items keyed by name; unnamed ones (SQLite) by what they are."""
    result = {}
    for item in items:
        value = key(item)
        result[item.get("name") or "(unnamed %s)" % (value,)] = value
    return result


def type_text(type_, dialect):
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # noqa: BLE001 - an exotic type is still compared by its repr
        return repr(type_)


def normalized(text):
    return None if text is None else re.sub(r"\s+", " ", str(text)).strip()


def schema_differences(before, after, step):
    """What `step` changed between two snapshots, in words: ["downgrade left table items", ...]."""
    out = []
    tables_before, tables_after = before["tables"], after["tables"]
    for name in sorted(set(tables_after) - set(tables_before)):
        out.append("%s left table %s" % (step, name))
    for name in sorted(set(tables_before) - set(tables_after)):
        out.append("%s removed table %s" % (step, name))
    for name in sorted(set(tables_before) & set(tables_after)):
        out.extend(table_differences(name, tables_before[name], tables_after[name], step))
    for name in sorted(set(after["enums"]) - set(before["enums"])):
        out.append("%s left enum %s" % (step, name))
    for name in sorted(set(before["enums"]) - set(after["enums"])):
        out.append("%s removed enum %s" % (step, name))
    for name in sorted(set(before["enums"]) & set(after["enums"])):
        if before["enums"][name] != after["enums"][name]:
            out.append("%s changed enum %s from %s to %s" % (step, name, before["enums"][name], after["enums"][name]))
    return out


def table_differences(table, before, after, step):
    out = []
    cols_before, cols_after = before["columns"], after["columns"]
    for name in sorted(set(cols_after) - set(cols_before)):
        out.append("%s left column %s.%s" % (step, table, name))
    for name in sorted(set(cols_before) - set(cols_after)):
        out.append("%s removed column %s.%s" % (step, table, name))
    for name in sorted(set(cols_before) & set(cols_after)):
        for facet in ("type", "nullable", "default"):
            old, new = cols_before[name][facet], cols_after[name][facet]
            if old != new:
                what = {"type": "type", "nullable": "nullability", "default": "server default"}[facet]
                out.append("%s changed the %s of column %s.%s from %s to %s" % (step, what, table, name, old, new))
    if before["primary key"] != after["primary key"]:
        old, new = ", ".join(before["primary key"]), ", ".join(after["primary key"])
        out.append("%s changed the primary key of %s from (%s) to (%s)" % (step, table, old, new))
    for kind in ("index", "unique constraint", "foreign key", "check constraint"):
        old, new = before[kind], after[kind]
        for name in sorted(set(new) - set(old)):
            out.append("%s left %s %s on %s" % (step, kind, name, table))
        for name in sorted(set(old) - set(new)):
            out.append("%s removed %s %s on %s" % (step, kind, name, table))
        for name in sorted(set(old) & set(new)):
            if old[name] != new[name]:
                out.append("%s changed %s %s on %s" % (step, kind, name, table))
    return out
