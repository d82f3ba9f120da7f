"""Shared helpers for the differential tests: patches that make Alembic 1.8.1
(Debian's python3-alembic) behave like current Alembic where the two differ in
ways that matter to alembic-lens, and functions that dump "the truth" (graph and
command outputs) from Alembic's own Python API.

Run only with /usr/bin/python3 (the interpreter that has alembic + SQLAlchemy).

Why patches: alembic-lens follows CURRENT Alembic (1.19 at the time of writing).
The differences between 1.8.1 and current that change what a static reader must
produce are ported here, verbatim in behaviour, from current Alembic's source
(alembic/script/base.py and alembic/config.py):

* Script._list_py_dir: 1.8.1 lists a version directory with ``os.listdir``
  (file-system order, so the revision map, and with it the order of heads and
  of history, depends on the file system); current Alembic sorts the file names
  (``sorted(files)``, i.e. Python code-point order) and, with
  ``recursive_version_locations = true``, walks sub-directories (sorted too,
  skipping ``__pycache__``).
* ScriptDirectory._load_revisions: current Alembic skips version locations that
  do not exist (1.8.1 crashes on a missing default ``versions/``) and gives each
  Script the resolved real path of its file.
* version_locations splitting: current Alembic reads ``path_separator`` (then the
  deprecated ``version_path_separator``), accepts ``newline``, and strips each
  entry; without a separator it falls back to the legacy space/comma split.
"""

from __future__ import annotations

import io
import os
import re
import sys
import traceback
import warnings

from alembic import command
from alembic import util
from alembic.config import Config
from alembic.script import base as script_base
from alembic.script import revision as script_revision
from alembic.script.base import Script
from alembic.script.base import ScriptDirectory

# --------------------------------------------------------------------------------------
# patches (see module docstring)
# --------------------------------------------------------------------------------------

_orig_list_py_dir = Script._list_py_dir.__func__  # type: ignore[attr-defined]


def _list_py_dir_current(cls, scriptdir, path):
    """Port of current Alembic's Script._list_py_dir (source files only).

    Returns names relative to ``path`` (1.8.1's callers join them with the
    version directory)."""
    if scriptdir.sourceless:
        # not exercised by these tests; keep 1.8.1 behaviour but sorted
        return sorted(_orig_list_py_dir(cls, scriptdir, path))
    found = []
    for root, dirs, files in os.walk(path, topdown=True):
        if os.path.basename(root).endswith("__pycache__"):
            continue
        for filename in sorted(files):
            found.append(os.path.relpath(os.path.join(root, filename), path))
        if not getattr(scriptdir, "recursive_version_locations", False):
            break
        dirs.sort()
    return found


def _load_revisions_current(self):
    """Port of current Alembic's ScriptDirectory._load_revisions."""
    paths = [vers for vers in self._version_locations if os.path.exists(vers)]
    dupes = set()
    for vers in paths:
        for file_ in Script._list_py_dir(self, vers):
            real_path = os.path.realpath(os.path.join(vers, file_))
            if real_path in dupes:
                util.warn(
                    f"File {real_path} loaded twice! ignoring. "
                    "Please ensure version_locations is unique."
                )
                continue
            dupes.add(real_path)
            script = Script._from_filename(
                self, os.path.dirname(real_path), os.path.basename(real_path)
            )
            if script is None:
                continue
            yield script


_split_on_space_comma = re.compile(r", *|(?: +)")


def _file_separator_char(config, *names):
    """Port of current Alembic's Config._get_file_separator_char (without the
    deprecation warning)."""
    for name in names:
        separator = config.get_main_option(name)
        if separator is not None:
            break
    else:
        return None
    split_on_path = {
        "space": " ",
        "newline": "\n",
        "os": os.pathsep,
        ":": ":",
        ";": ";",
    }
    try:
        return split_on_path[separator]
    except KeyError as ke:
        raise ValueError(
            "'%s' is not a valid value for %s; "
            "expected 'space', 'newline', 'os', ':', ';'" % (separator, name)
        ) from ke


def version_locations_list(config):
    """Port of current Alembic's Config.get_version_locations_list (ini only)."""
    version_locations_str = config.file_config.get(
        config.config_ini_section, "version_locations", fallback=None
    )
    if version_locations_str:
        split_char = _file_separator_char(
            config, "path_separator", "version_path_separator"
        )
        if split_char is None:
            return _split_on_space_comma.split(version_locations_str)
        return [x.strip() for x in version_locations_str.split(split_char) if x]
    return None


def _from_config_current(cls, config):
    """1.8.1's ScriptDirectory.from_config with current Alembic's
    version_locations parsing and recursive_version_locations flag."""
    script_location = config.get_main_option("script_location")
    if script_location is None:
        raise util.CommandError("No 'script_location' key found in configuration.")
    tsl = config.get_main_option("truncate_slug_length")
    sd = ScriptDirectory(
        util.coerce_resource_to_filename(script_location),
        file_template=config.get_main_option(
            "file_template", script_base._default_file_template
        ),
        truncate_slug_length=int(tsl) if tsl is not None else None,
        sourceless=config.get_main_option("sourceless") == "true",
        output_encoding=config.get_main_option("output_encoding", "utf-8"),
        version_locations=version_locations_list(config),
        timezone=config.get_main_option("timezone"),
        hook_config=config.get_section("post_write_hooks", {}),
    )
    sd.recursive_version_locations = (
        config.get_main_option("recursive_version_locations") == "true"
    )
    return sd


# Alembic stores each revision's "normalized" dependencies as ``tuple(set(...))``
# (RevisionMap._normalize_depends_on), and the topological sort behind
# ``history`` / ``branches`` walks them in that order: with two or more such
# dependencies on one revision, the order of history lines depends on the
# string hash seed. FORCED_DEP_ORDER lets the truth run those commands under
# every permutation, so the tests can accept exactly the orders Alembic can
# produce.
FORCED_DEP_ORDER = {}
_orig_normalize_depends_on = script_revision.RevisionMap._normalize_depends_on


def _normalize_depends_on_forced(self, revisions, map_):
    _orig_normalize_depends_on(self, revisions, map_)
    for rev in revisions:
        forced = FORCED_DEP_ORDER.get(rev.revision)
        if forced is not None:
            assert set(forced) == set(rev._normalized_resolved_dependencies)
            rev._normalized_resolved_dependencies = tuple(forced)


def apply_patches():
    script_revision.RevisionMap._normalize_depends_on = _normalize_depends_on_forced
    Script._list_py_dir = classmethod(_list_py_dir_current)
    ScriptDirectory._load_revisions = _load_revisions_current
    ScriptDirectory.from_config = classmethod(_from_config_current)


# --------------------------------------------------------------------------------------
# capturing
# --------------------------------------------------------------------------------------


class Utf8StringIO(io.StringIO):
    """Config.stdout target. Alembic's write_outstream encodes with
    ``stream.encoding`` (a plain StringIO has None, so "ascii" + "replace"
    would turn every non-ASCII character into '?'); the real CLI writes to a
    UTF-8 terminal/pipe."""

    @property
    def encoding(self):  # type: ignore[override]
        return "utf-8"


def error_record(exc):
    rec = {"type": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, SyntaxError):
        rec["lineno"] = exc.lineno
        rec["filename"] = exc.filename
        rec["msg"] = exc.msg
    cause = exc.__cause__
    if cause is not None:
        rec["cause"] = {"type": type(cause).__name__, "message": str(cause)}
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        rec["where"] = frames[-1].name
    return rec


def make_config(ini, section="alembic", stdout=None):
    return Config(ini, ini_section=section, stdout=stdout or Utf8StringIO())


def run_command(ini, section, argv):
    """Runs one read-only Alembic command the way ``alembic -c ini -n section
    <argv>`` would, capturing stdout and the error Alembic's CLI would print
    as ``FAILED: <message>`` (CommandError) or a traceback (anything else)."""
    buf = Utf8StringIO()
    cfg = make_config(ini, section, buf)
    rec = {"argv": list(argv), "stdout": "", "error": None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            flags = {"--verbose", "--resolve-dependencies"}
            verbose = "--verbose" in argv
            args = [a for a in argv if a not in flags]
            name = args[0]
            if name == "heads":
                resolve = "--resolve-dependencies" in argv
                command.heads(cfg, verbose=verbose, resolve_dependencies=resolve)
            elif name == "history":
                rng = None
                if len(args) > 1 and args[1].startswith("--rev-range="):
                    # The form a range starting with '-' needs on the command line (argparse).
                    rng = args[1].split("=", 1)[1]
                elif len(args) > 1:
                    assert args[1] == "-r"
                    rng = args[2]
                command.history(cfg, rng, verbose=verbose)
            elif name == "branches":
                command.branches(cfg, verbose=verbose)
            elif name == "show":
                command.show(cfg, argv[1])
            else:
                raise AssertionError("unknown command %r" % (argv,))
    except util.CommandError as e:
        rec["error"] = error_record(e)
    except Exception as e:  # noqa: BLE001 - the truth records whatever Alembic does
        rec["error"] = error_record(e)
    rec["stdout"] = buf.getvalue()
    return rec


def run_command_all_orders(ini, section, argv, graph, limit=24):
    """run_command, plus the distinct outputs under every order of the
    normalized dependencies that Alembic may pick (see FORCED_DEP_ORDER).
    Returns the record with ``alternatives`` (distinct stdout texts, the
    default one first) when there is more than one possibility."""
    import itertools

    rec = run_command(ini, section, argv)
    multi = [
        (r["revision"], r["normalized_dependencies"])
        for r in graph["revisions"]
        if len(r["normalized_dependencies"]) > 1
    ]
    if not multi or argv[0] not in ("history", "branches"):
        return rec
    outs = [rec["stdout"]]
    errors = [rec["error"]["message"]] if rec["error"] else []
    combos = itertools.product(*[list(itertools.permutations(d)) for _, d in multi])
    for combo in itertools.islice(combos, limit):
        FORCED_DEP_ORDER.clear()
        FORCED_DEP_ORDER.update({rid: order for (rid, _), order in zip(multi, combo)})
        try:
            alt = run_command(ini, section, argv)
        finally:
            FORCED_DEP_ORDER.clear()
        # Both fail, or neither; an error may name its revisions in the order Alembic picked.
        assert bool(alt["error"]) == bool(rec["error"])
        if alt["error"] and alt["error"].get("message") not in errors:
            errors.append(alt["error"].get("message"))
        if alt["stdout"] not in outs:
            outs.append(alt["stdout"])
    if len(outs) > 1:
        rec["alternatives"] = outs
    if len(errors) > 1:
        rec["errorAlternatives"] = errors
    return rec


def _tuple(x):
    return list(util.to_tuple(x, default=()))


def revision_record(rev):
    return {
        "revision": rev.revision,
        "down_revision": _tuple(rev.down_revision),
        "dependencies": _tuple(rev.dependencies),
        "resolved_dependencies": list(getattr(rev, "_resolved_dependencies", ())),
        # a tuple made from a set in Alembic (see FORCED_DEP_ORDER)
        "normalized_dependencies": sorted(
            getattr(rev, "_normalized_resolved_dependencies", ())
        ),
        # a set in Alembic: sorted here, compare as a set
        "branch_labels": sorted(rev.branch_labels),
        "orig_branch_labels": list(rev._orig_branch_labels),
        "is_head": rev.is_head,
        "is_real_head": rev._is_real_head,
        "is_base": rev.is_base,
        "is_real_base": rev._is_real_base,
        "is_merge_point": rev.is_merge_point,
        "is_branch_point": rev.is_branch_point,
        "is_real_branch_point": rev._is_real_branch_point,
        # frozensets in Alembic: sorted here, compare as sets
        "nextrev": sorted(rev.nextrev),
        "all_nextrev": sorted(rev._all_nextrev),
        "path": rev.path,
        "doc": rev.doc,
        "longdoc": rev.longdoc,
    }


def load_graph(ini, section="alembic"):
    """Loads the project with Alembic and returns
    ``{"ok": True, "graph": {...}, "warnings": [...]}`` or
    ``{"ok": False, "error": {...}, "warnings": [...]}``."""
    cfg = make_config(ini, section)
    out = {"ok": False, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            script = ScriptDirectory.from_config(cfg)
            rm = script.revision_map
            real_heads = [r.revision for r in script.get_revisions("heads")]
            revs = []
            for key, rev in rm._revision_map.items():
                # the map also holds branch labels (and None / ()) as keys
                if rev is not None and key == rev.revision:
                    revs.append(revision_record(rev))
            out["graph"] = {
                "heads": real_heads,
                "effective_heads": list(rm.heads),
                "real_heads": list(rm._real_heads),
                "bases": list(rm.bases),
                "real_bases": list(rm._real_bases),
                "revisions": revs,
            }
            out["config"] = config_record(cfg, script)
            out["ok"] = True
        except Exception as e:  # noqa: BLE001
            out["error"] = error_record(e)
            out["traceback"] = traceback.format_exc(limit=3)
    out["warnings"] = [
        {"category": w.category.__name__, "message": str(w.message)} for w in caught
    ]
    return out


def config_record(cfg, script=None):
    if script is None:
        script = ScriptDirectory.from_config(cfg)
    return {
        "configFile": os.path.abspath(cfg.config_file_name),
        "section": cfg.config_ini_section,
        "scriptLocation": os.path.abspath(script.dir),
        "versionLocations": [str(p) for p in script._version_locations],
        "recursiveVersionLocations": bool(
            getattr(script, "recursive_version_locations", False)
        ),
        "sourceless": bool(script.sourceless),
    }


def write_json(path, data):
    import json

    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
    os.replace(tmp, path)


class quiet_stdout:
    """Alembic's generation commands print "Generating ... done" on sys.stdout."""

    def __enter__(self):
        self._saved = sys.stdout
        sys.stdout = io.StringIO()
        return self

    def __exit__(self, *exc):
        sys.stdout = self._saved
        return False


__all__ = [
    "FORCED_DEP_ORDER",
    "Script",
    "ScriptDirectory",
    "Utf8StringIO",
    "apply_patches",
    "config_record",
    "error_record",
    "load_graph",
    "make_config",
    "quiet_stdout",
    "run_command",
    "run_command_all_orders",
    "version_locations_list",
    "write_json",
]
