#!/usr/bin/python3
"""Builds REAL Alembic projects with Alembic's own API and dumps the truth.

Usage (with /usr/bin/python3, which has alembic 1.8.1 + SQLAlchemy):

    gen_history.py random --seed N --out DIR     # one randomized project
    gen_history.py errors --out DIR              # hand-broken projects (gen_errors.py)

``random`` creates ``DIR/proj`` with ``alembic.command.init`` and then
``command.revision`` / ``command.merge`` (linear runs, splices, merges of 2 and
3 heads, several roots, branch labels, depends_on by id and by label, several
version locations, awkward messages), chosen by a ``random.Random(seed)``, and
writes ``DIR/truth.json``:

    {seed, shape, template, project, ini, section, cwd, cli_args,
     load: {ok, graph: {heads, effective_heads, bases, revisions: [...]},
            config, warnings},
     commands: [{argv, stdout, error}], ...}

Everything is computed from Alembic itself (see alembic_truth.py for the patches
that align 1.8.1 with current Alembic's directory listing / config parsing).
Nothing from this file is trusted as truth except what Alembic returns.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import alembic_truth as T  # noqa: E402

from alembic import command  # noqa: E402

T.apply_patches()

TEMPLATES = ["generic", "annotated", "black"]
SHAPES = ["linear", "branchy", "multiroot", "multiloc", "recursive", "mixed"]

# The newer annotated template (Alembic >= 1.13's generic script.py.mako).
ANNOTATED_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    """Upgrade schema."""
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    """Downgrade schema."""
    ${downgrades if downgrades else "pass"}
'''

# What a project formatted with black (a common post_write_hook) looks like:
# double quotes, multi-line tuples with trailing commas.
BLACK_MAKO = '''<%!
def q(v):
    return '"%s"' % v

def lit(v):
    if v is None:
        return "None"
    if isinstance(v, str):
        return q(v)
    items = list(v)
    if len(items) == 1:
        return "(%s,)" % q(items[0])
    return "(\\n" + "".join("    %s,\\n" % q(i) for i in items) + ")"
%>"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision = ${lit(up_revision)}
down_revision = ${lit(down_revision)}
branch_labels = ${lit(branch_labels)}
depends_on = ${lit(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

MESSAGES_PLAIN = [
    "create users table",
    "add email to users",
    "drop legacy column",
    "add index on orders",
    "rename accounts",
    "billing schema",
    "seed reference data",
    "widen varchar columns",
    "add audit triggers",
]

MESSAGES_ODD = [
    'add "quoted" column',
    "it's a test",
    "",  # empty: the docstring starts with a blank line, doc = the header lines
    None,  # -> "empty message"
    "café ünïcode ☕ 日本語",
    "first paragraph\n\nsecond paragraph",
    "line one\nline two",
    "  padded message  ",
    "100% done; 50%% more",
    "ﬀ ligature",  # U+FB00: Python and JS sort it differently against astral chars
    "𝐀 astral bold",  # U+1D400 (a \w character outside the BMP)
    "a very long message that will certainly be truncated in the file name slug",
    "tab\\tescape C:\\new\\dir",  # Python escapes in the docstring: \t and \n
    "bullet \\N{BULLET} point",  # \N{...} escape in the docstring
    "trailing backslash\\",  # backslash-newline: the next line joins
    "${not_mako} <%text> {braces}",
    "'single' and \"double\" ''two''",
]

LABEL_WORDS = ["core", "billing", "auth", "reports", "search", "feat_x", "shop", "audit"]


class Gen:
    def __init__(self, seed, out, template=None, shape=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.shape = shape or SHAPES[seed % len(SHAPES)]
        self.template = template or TEMPLATES[(seed // len(SHAPES)) % len(TEMPLATES)]
        self.out = os.path.realpath(out)
        self.proj = os.path.join(self.out, "proj")
        self.section = "alembic"
        self.revs = []  # ids in creation order
        self.labels = {}  # label -> rev id it was given to
        self.used_ids = set()
        self.id_style = "hex"
        self.version_dirs = []  # absolute, when several locations
        self.notes = []

    # ---------------------------------------------------------------- set-up

    def setup(self):
        rng = self.rng
        if os.path.exists(self.proj):
            shutil.rmtree(self.proj)
        os.makedirs(self.proj)
        os.chdir(self.proj)
        ini = os.path.join(self.proj, "alembic.ini")
        with T.quiet_stdout():
            command.init(T.make_config(ini), "migrations", template="generic")
        self.ini = ini
        mako = os.path.join(self.proj, "migrations", "script.py.mako")
        if self.template == "annotated":
            with open(mako, "w", encoding="utf-8") as f:
                f.write(ANNOTATED_MAKO)
        elif self.template == "black":
            with open(mako, "w", encoding="utf-8") as f:
                f.write(BLACK_MAKO)

        text = open(ini, encoding="utf-8").read()
        opts = {}
        # script_location forms: relative to the cwd (what `alembic init` writes),
        # %(here)s-based, absolute
        sl = rng.choice(["rel", "here", "abs"])
        if sl == "here":
            opts["script_location"] = "%(here)s/migrations"
        elif sl == "abs":
            opts["script_location"] = os.path.join(self.proj, "migrations")
        self.id_style = rng.choice(["hex", "hex", "hex_collide", "seq"])
        ft = rng.choice(["default", "default", "date", "slug_first"])
        if ft == "date":
            opts["file_template"] = (
                "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"
            )
        elif ft == "slug_first":
            # files sort by message first: makes the listing order (code-point
            # sort) visible in the order of heads and history
            opts["file_template"] = "%%(slug)s_%%(rev)s"
        self.file_template = ft
        self.script_location_form = sl
        remove = []
        if self.shape in ("multiloc", "mixed"):
            main = os.path.join(self.proj, "migrations", "versions")
            extra1 = os.path.join(self.proj, "more_versions")
            extra2 = os.path.join(self.proj, "plugins", "third")
            self.version_dirs = [main, extra1, extra2]
            seps = ["os", "legacy", "path_separator", "semicolon", "newline"]
            sep_style = seps[(self.seed // len(SHAPES) + (2 if self.shape == "mixed" else 0)) % len(seps)]
            self.sep_style = sep_style
            rel = rng.random() < 0.3  # cwd-relative entries
            names = (
                ["migrations/versions", "more_versions", "plugins/third"]
                if rel
                else ["%(here)s/migrations/versions", "%(here)s/more_versions", "%(here)s/plugins/third"]
            )
            if sep_style == "os":
                opts["version_locations"] = ":".join(names)
                opts["version_path_separator"] = "os"
            elif sep_style == "legacy":
                # no separator option: split on spaces and commas
                opts["version_locations"] = "%s %s,%s" % tuple(names)
                remove.append("version_path_separator")
            elif sep_style == "path_separator":
                # current Alembic's option name (1.16+)
                opts["version_locations"] = ":".join(names)
                opts["path_separator"] = "os"
                remove.append("version_path_separator")
            elif sep_style == "semicolon":
                opts["version_locations"] = ";".join(names)
                opts["version_path_separator"] = ";"
            else:
                opts["version_locations"] = "\n" + "\n".join("    " + n for n in names)
                opts["path_separator"] = "newline"
                remove.append("version_path_separator")
        if self.shape in ("recursive",):
            opts["recursive_version_locations"] = "true"
        text = set_ini_options(text, "alembic", opts, remove)
        # the 1.8.1 template has "version_path_separator = os  # Use os.pathsep..."
        # (an inline comment ConfigParser keeps in the value): harmless while no
        # version_locations is set, fatal otherwise, so drop the comment when needed.
        if "version_locations" in opts and "version_path_separator" in opts:
            text = re.sub(
                r"(?m)^version_path_separator = (\S+)\s+#.*$",
                r"version_path_separator = \1",
                text,
            )
        if rng.random() < 0.2:
            # a non-default main section: the CLI needs -n
            self.section = "migrations_" + rng.choice(["blue", "main"])
            text = text.replace("[alembic]", "[%s]" % self.section, 1)
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        self.cfg = T.make_config(ini, self.section)

    # ---------------------------------------------------------------- helpers

    def new_id(self):
        rng = self.rng
        n = len(self.revs)
        if self.id_style == "seq":
            rid = "%04d" % (n + 1)
        else:
            rid = "%012x" % rng.getrandbits(48)
            if self.id_style == "hex_collide" and self.revs and rng.random() < 0.35:
                # share a 4..6 character prefix with an earlier id: makes
                # ambiguous partial identifiers
                other = rng.choice(self.revs)
                k = rng.randint(4, 6)
                rid = other[:k] + rid[k:]
        if rid in self.used_ids:
            return self.new_id()
        self.used_ids.add(rid)
        return rid

    def message(self):
        if self.rng.random() < 0.35:
            return self.rng.choice(MESSAGES_ODD)
        return self.rng.choice(MESSAGES_PLAIN)

    def new_label(self):
        rng = self.rng
        for _ in range(50):
            if self.revs and rng.random() < 0.15 and self.id_style != "seq":
                # a label that starts like a revision id: partial ids now
                # also match branch-label keys of the revision map
                lab = rng.choice(self.revs)[:5] + "_lbl"
            else:
                lab = rng.choice(LABEL_WORDS) + ("" if rng.random() < 0.6 else str(rng.randint(1, 9)))
            if lab not in self.labels:
                return lab
        return "lbl%d" % len(self.labels)

    def script(self):
        return T.ScriptDirectory.from_config(self.cfg)

    def state(self):
        sd = self.script()
        rm = sd.revision_map
        revs = {}
        for k, r in rm._revision_map.items():
            if r is not None and k == r.revision:
                revs[k] = r
        return sd, revs, list(rm.heads)

    def revision(self, head=None, splice=False, label=None, depends_on=None, version_path=None, message="__pick__"):
        rid = self.new_id()
        msg = self.message() if message == "__pick__" else message
        kw = {}
        if head is not None:
            kw["head"] = head
        with T.quiet_stdout():
            command.revision(
                self.cfg,
                message=msg,
                splice=splice,
                branch_label=label,
                depends_on=depends_on,
                version_path=version_path,
                rev_id=rid,
                **kw,
            )
        self.revs.append(rid)
        if label:
            for lab in [label] if isinstance(label, str) else label:
                self.labels[lab] = rid
        return rid

    def merge(self, heads, label=None):
        rid = self.new_id()
        msg = self.rng.choice(["merge heads", "merge " + " and ".join(h[:4] for h in heads), None, ""])
        with T.quiet_stdout():
            command.merge(self.cfg, list(heads), message=msg, branch_label=label, rev_id=rid)
        self.revs.append(rid)
        if label:
            self.labels[label] = rid
        return rid

    def maybe_label(self, p):
        return self.new_label() if self.rng.random() < p else None

    def pick_version_path(self, for_root):
        if not self.version_dirs:
            return None
        if for_root or self.rng.random() < 0.2:
            return self.rng.choice(self.version_dirs)
        return None  # Alembic puts it next to its first head

    # ---------------------------------------------------------------- shapes

    def build(self):
        rng = self.rng
        shape = self.shape
        n_steps = {
            "linear": rng.randint(8, 14),
            "branchy": rng.randint(14, 22),
            "multiroot": rng.randint(14, 22),
            "multiloc": rng.randint(12, 18),
            "recursive": rng.randint(10, 16),
            "mixed": rng.randint(18, 28),
        }[shape]
        # first root
        root_label = self.maybe_label(0.5 if shape != "linear" else 0.3)
        self.revision(head="base", label=root_label, version_path=self.pick_version_path(True))
        weights = {
            "linear": dict(linear=10, branch=1, merge=1, root=0, dep=1),
            "branchy": dict(linear=4, branch=4, merge=4, root=0, dep=1),
            "multiroot": dict(linear=5, branch=2, merge=2, root=3, dep=3),
            "multiloc": dict(linear=5, branch=2, merge=2, root=2, dep=2),
            "recursive": dict(linear=6, branch=2, merge=2, root=1, dep=1),
            "mixed": dict(linear=5, branch=3, merge=3, root=2, dep=3),
        }[shape]
        for _ in range(n_steps):
            sd, revs, heads = self.state()
            ops = [k for k, w in weights.items() for _ in range(w)]
            op = rng.choice(ops)
            if op == "merge" and len(heads) < 2:
                op = "branch"
            label = self.maybe_label(0.15)
            if op == "linear":
                if len(heads) == 1 and rng.random() < 0.5:
                    self.revision(label=label, version_path=self.pick_version_path(False))
                else:
                    h = rng.choice(heads)
                    self.revision(head=h, label=label, version_path=self.pick_version_path(False))
            elif op == "branch":
                # two revisions on the same parent: splice onto a non-head
                parent = rng.choice(list(revs))
                splice = not revs[parent].is_head
                self.revision(head=parent, splice=splice, label=label, version_path=self.pick_version_path(False))
            elif op == "merge":
                k = 3 if len(heads) >= 3 and rng.random() < 0.35 else 2
                hs = rng.sample(heads, k)
                self.merge(hs, label=label if rng.random() < 0.5 else None)
            elif op == "root":
                self.revision(head="base", label=self.new_label(), version_path=self.pick_version_path(True))
            elif op == "dep":
                # depends_on by id or by branch label
                choices = list(revs)
                h = rng.choice(heads)
                other_heads = [x for x in heads if x != h]
                dep_targets = []
                if other_heads and rng.random() < 0.4:
                    # depending on another head leaves it an "effective head"
                    dep_targets.append(rng.choice(other_heads))
                elif self.labels and rng.random() < 0.5:
                    dep_targets.append(rng.choice(sorted(self.labels)))
                else:
                    dep_targets.append(rng.choice(choices))
                if rng.random() < 0.25:
                    dep_targets.append(rng.choice(choices))
                dep_targets = list(dict.fromkeys(dep_targets))
                # a partial id is resolved to the full id by Alembic
                deps = [d[:6] if d in revs and rng.random() < 0.3 and self.id_style == "hex" else d for d in dep_targets]
                try:
                    self.revision(head=h, depends_on=deps if len(deps) > 1 else deps[0], label=label)
                except Exception as e:  # noqa: BLE001
                    self.notes.append("dep revision skipped: %s" % e)
        if shape in ("multiroot", "mixed") and rng.random() < 0.5:
            # several labels on one revision (branch_labels is a tuple)
            sd, revs, heads = self.state()
            h = rng.choice(heads)
            a = self.new_label()
            self.labels[a] = "?"  # reserve it so that the second label differs
            b = self.new_label()
            del self.labels[a]
            self.revision(head=h, label=[a, b])
        if shape == "recursive":
            self.scatter_into_subdirs()

    def scatter_into_subdirs(self):
        """recursive_version_locations: move revision files into nested folders."""
        versions = os.path.join(self.proj, "migrations", "versions")
        files = sorted(f for f in os.listdir(versions) if f.endswith(".py"))
        subdirs = ["2023", "2024/q1", "2024/q2", "zz_archive"]
        for f in files:
            r = self.rng.random()
            if r < 0.25:
                continue
            d = os.path.join(versions, self.rng.choice(subdirs))
            os.makedirs(d, exist_ok=True)
            shutil.move(os.path.join(versions, f), os.path.join(d, f))
        # a __pycache__ folder with a stray .py must be ignored
        pc = os.path.join(versions, "2023", "__pycache__")
        os.makedirs(pc, exist_ok=True)
        with open(os.path.join(pc, "ignored_stale.py"), "w") as fh:
            fh.write("revision = 'stale'\ndown_revision = None\n")

    # ---------------------------------------------------------------- truth

    # how many commands of each category the tests run by default (the truth
    # holds them all; ALEMBIC_LENS_FULL=1 makes the tests run every one)
    CORE_QUOTA = {
        "basic": 99,
        "range": 2,
        "range-error": 1,
        "range-label": 1,
        "range-partial": 1,
        "range-relative": 3,
        "show-id": 3,
        "show-partial": 2,
        "show-ambiguous": 1,
        "show-short": 2,
        "show-symbolic": 4,
        "show-missing": 1,
        "show-label": 3,
        "show-relative": 2,
    }

    def commands(self, graph):
        """The read-only commands to capture, as ``(category, argv)``; within a
        category the order is random (seeded) and the first CORE_QUOTA[category]
        are marked ``core``."""
        rng = self.rng
        revs = graph["revisions"]
        ids = [r["revision"] for r in revs]
        by_id = {r["revision"]: r for r in revs}
        heads = graph["heads"]
        labels = sorted({lab for r in revs for lab in r["branch_labels"]})
        cats = {k: [] for k in self.CORE_QUOTA}

        def add(cat, argv, front=False):
            if front:
                cats[cat].insert(0, argv)
            else:
                cats[cat].append(argv)

        basic = (["heads"], ["branches"], ["history"], ["heads", "--resolve-dependencies"])
        verbose = (["heads", "--verbose"], ["branches", "--verbose"], ["history", "--verbose"])
        for argv in basic + verbose:
            add("basic", argv)

        # ---- history ranges
        def ancestors(rid, seen=None):
            seen = set() if seen is None else seen
            for d in by_id[rid]["down_revision"]:
                if d in by_id and d not in seen:
                    seen.add(d)
                    ancestors(d, seen)
            return seen

        mids = [i for i in ids if not by_id[i]["is_head"] and not by_id[i]["is_base"]]
        for r in [":" + rng.choice(ids), rng.choice(ids) + ":", rng.choice(ids) + ":heads",
                  "base:" + rng.choice(heads), ":", "base:heads"]:
            add("range", ["history", "-r", r])
        for p in rng.sample(ids, min(3, len(ids))):
            anc = sorted(ancestors(p))
            if anc:
                add("range", ["history", "-r", rng.choice(anc) + ":" + p], front=True)
                add("range-partial", ["history", "-r", rng.choice(anc)[:6] + ":" + p[:6]])
        non_anc = [(a, b) for a in ids for b in ids if a != b and a not in ancestors(b) and b not in ancestors(a)]
        if non_anc:
            a, b = rng.choice(non_anc)
            add("range-error", ["history", "-r", a + ":" + b])
        for r in [":head", "nocolon", "deadbeefcafe:"] + ([rng.choice(mids) + ":head"] if mids else []):
            add("range-error", ["history", "-r", r])
        # Relative starts, walked down from every head: one may land on base or walk past it.
        for r in ["-1:", "-2:", "-3:"]:
            add("range-relative", ["history", "--rev-range=" + r])
        if labels:
            lab = rng.choice(labels)
            for r in [lab + "@base:" + lab + "@head", ":" + lab + "@head", lab + ":"]:
                add("range-label", ["history", "-r", r])

        # ---- show identifiers
        full = rng.sample(ids, min(6, len(ids)))
        full += [m for m in ids if by_id[m]["is_merge_point"] or by_id[m]["is_branch_point"]][:3]
        rng.shuffle(full)
        for h in heads[:2]:
            if h not in full:
                full.insert(0, h)
        for i in dict.fromkeys(full):
            add("show-id", ["show", i])
        for i in rng.sample(ids, min(4, len(ids))):
            add("show-partial", ["show", i[: rng.choice([4, 5, 7])]])
        # ambiguous partials: prefixes shared by 2..3 keys (ids and labels)
        amb = []
        for k in range(4, 8):
            groups = {}
            for i in ids + labels:
                if len(i) >= k:
                    groups.setdefault(i[:k], []).append(i)
            amb += [pre for pre, members in sorted(groups.items()) if 2 <= len(members) <= 3]
        rng.shuffle(amb)
        for a in amb[:6]:
            add("show-ambiguous", ["show", a])
        # shorter than 4 characters: Alembic still matches when unique
        for i in [rng.choice(ids)[:3], rng.choice(ids)[:1], rng.choice(ids)[:2]]:
            add("show-short", ["show", i])
        sym = ["head", "heads", "base", "-1"] + (["-2"] if len(ids) > 2 else [])
        rng.shuffle(sym)
        for i in sym:
            add("show-symbolic", ["show", i])
        for i in ["nonexistent_rev", "deadbeefcafe", "nosuchlabel@head"]:
            add("show-missing", ["show", i])
        forms = []
        for lab in labels:
            forms += [lab, lab + "@head", lab + "@heads", lab + "@base", lab + "@-1"]
            member = [r["revision"] for r in revs if lab in r["branch_labels"]]
            nonmember = [r["revision"] for r in revs if lab not in r["branch_labels"]]
            if member:
                forms.append(lab + "@" + rng.choice(member)[:6])
            if nonmember:
                forms.append(lab + "@" + rng.choice(nonmember))
        rng.shuffle(forms)
        for f in forms[:12]:
            add("show-label", ["show", f])
        rel = []
        for i in rng.sample(ids, min(3, len(ids))):
            rel += [i + "@head", i[:5] + "@head", i + "+1", i + "-1"]
        rng.shuffle(rel)
        for f in rel:
            add("show-relative", ["show", f])

        out, seen = [], set()
        for cat, lst in cats.items():
            n = 0
            for argv in lst:
                key = tuple(argv)
                if key in seen:
                    continue
                seen.add(key)
                out.append((cat, argv, n < self.CORE_QUOTA[cat]))
                n += 1
        return out

    def truth(self):
        load = T.load_graph(self.ini, self.section)
        data = {
            "kind": "random",
            "seed": self.seed,
            "shape": self.shape,
            "template": self.template,
            "idStyle": self.id_style,
            "fileTemplate": self.file_template,
            "scriptLocationForm": self.script_location_form,
            "sepStyle": getattr(self, "sep_style", None),
            "project": self.proj,
            "ini": self.ini,
            "section": self.section,
            "cwd": self.proj,
            "cliArgs": ["-c", self.ini] + (["-n", self.section] if self.section != "alembic" else []),
            "labels": sorted(self.labels),
            "notes": self.notes,
            "load": load,
            "commands": [],
        }
        if load["ok"]:
            for cat, argv, core in self.commands(load["graph"]):
                rec = T.run_command_all_orders(self.ini, self.section, argv, load["graph"])
                rec["category"] = cat
                rec["core"] = core
                data["commands"].append(rec)
        return data


def set_ini_options(text, section, opts, remove=()):
    """Sets ``key = value`` lines in ``[section]`` of an ini text, replacing an
    existing (or commented-out) line for the key, else adding after the header."""
    lines = text.split("\n")
    start = lines.index("[%s]" % section)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    for key in remove:
        for i in range(start + 1, end):
            if re.match(r"^%s\s*=" % re.escape(key), lines[i]):
                lines[i] = "# (removed) " + lines[i]
    for key, value in opts.items():
        new = "%s = %s" % (key, value)
        done = False
        for i in range(start + 1, end):
            if re.match(r"^%s\s*=" % re.escape(key), lines[i]):
                lines[i] = new
                done = True
                break
        if not done:
            lines.insert(start + 1, new)
            end += 1
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("random")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--template", choices=TEMPLATES)
    r.add_argument("--shape", choices=SHAPES)
    e = sub.add_parser("errors")
    e.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.mode == "random":
        g = Gen(args.seed, args.out, args.template, args.shape)
        g.setup()
        g.build()
        data = g.truth()
        T.write_json(os.path.join(g.out, "truth.json"), data)
        print(os.path.join(g.out, "truth.json"))
    else:
        import gen_errors

        path = gen_errors.generate(os.path.realpath(args.out))
        print(path)


if __name__ == "__main__":
    main()
