#!/usr/bin/python3
"""Real ``alembic downgrade`` / ``upgrade`` / ``stamp`` runs on SQLite: what Alembic runs, for the plans test.

Usage (with /usr/bin/python3, which has alembic 1.8.1 + SQLAlchemy):

    gen_plans.py --seed N --out DIR [--states K]
    gen_plans.py --issue --out DIR          # the histories of issue 9, items 9 and 10

Builds the randomized project of ``gen_history.py random --seed N``, points its ``sqlalchemy.url``
at a SQLite file, makes K database states with real ``alembic upgrade`` / ``stamp`` commands, and
from each state runs random downgrade targets (ids, partial ids, ``-1``, ``label@-1``,
``rev@parent``, ``base``...), upgrade and stamp targets through Alembic's command line
(``alembic.config.CommandLine``, what the ``alembic`` script runs, with alembic_truth's patches),
each on a fresh copy of the database. Writes ``DIR/plans.json``: per case the version table before and after, the revisions whose
``downgrade()`` / ``upgrade()`` ran (Alembic's "Running downgrade X -> Y" log lines, in order), the
orders Alembic may pick when a revision has several dependencies (hash order), and the error
Alembic printed (``FAILED: ...``) or raised (a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import random
import re
import shutil
import sqlite3
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import alembic_truth as T  # noqa: E402
import gen_history  # noqa: E402

from alembic.config import CommandLine  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402

RUNNING = re.compile(r"Running (upgrade|downgrade) (.*?) -> ([^,\s]*)")
TARGETS_PER_STATE = 7
UPGRADES_PER_STATE = 3
STAMPS_PER_STATE = 3


def run_alembic(ini, section, argv):
    """One ``alembic -c ini -n section <argv>`` in this process: the revisions it ran, its error."""
    out, err = io.StringIO(), io.StringIO()
    error = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            CommandLine(prog="alembic").main(argv=["-c", ini, "-n", section] + argv)
        except SystemExit:
            failed = [line for line in out.getvalue().splitlines() if line.startswith("FAILED: ")]
            error = {"type": "CommandError", "message": failed[-1][len("FAILED: "):] if failed else out.getvalue()}
        except Exception as e:  # noqa: BLE001 - a traceback on the real command line
            error = {"type": type(e).__name__, "message": str(e)}
    ran = []
    for line in err.getvalue().splitlines():
        m = RUNNING.search(line)
        if m:
            # downgrade: "rev -> its parents"; upgrade: "its parents -> rev"
            ran.append(m.group(2) if m.group(1) == "downgrade" else m.group(3))
    return ran, error


def version_table(db):
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(db)
    try:
        # no ORDER BY: the order Alembic's get_current_heads sees
        return [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


class Plans:
    def __init__(self, gen, states, fixed_states=None, extra_targets=()):
        self.gen = gen
        self.fixed_states = fixed_states
        self.extra_targets = list(extra_targets)
        self.rng = random.Random(gen.seed * 7919 + 1)
        self.states = states
        self.db = os.path.join(gen.out, "plan.db")
        self.ini = gen.ini
        self.section = gen.section
        text = open(self.ini, encoding="utf-8").read()
        text = gen_history.set_ini_options(text, self.section, {"sqlalchemy.url": "sqlite:///" + self.db})
        with open(self.ini, "w", encoding="utf-8") as f:
            f.write(text)
        self.script = ScriptDirectory.from_config(T.make_config(self.ini, self.section))
        self.map = self.script.revision_map
        self.ids = [r.revision for r in self.script.walk_revisions()]
        self.labels = sorted({label for r in self.script.walk_revisions() for label in r.branch_labels})
        self.multi = [
            (r.revision, r._normalized_resolved_dependencies)
            for r in self.script.walk_revisions()
            if len(r._normalized_resolved_dependencies) > 1
        ]

    def run_on_copy(self, snapshot, argv):
        """Runs argv on a fresh copy of the state, under every dependency order Alembic may pick."""
        ran, error, after = self.run_once(snapshot, argv)
        orders = [ran]
        combos = itertools.product(*[list(itertools.permutations(d)) for _, d in self.multi])
        for combo in itertools.islice(combos, 6) if self.multi else ():
            T.FORCED_DEP_ORDER.clear()
            T.FORCED_DEP_ORDER.update({rid: order for (rid, _), order in zip(self.multi, combo)})
            try:
                alt, _, _ = self.run_once(snapshot, argv)
            finally:
                T.FORCED_DEP_ORDER.clear()
            if alt not in orders:
                orders.append(alt)
        return {"ran": ran, "orders": orders, "error": error, "after": after}

    def run_once(self, snapshot, argv):
        if os.path.exists(self.db):
            os.remove(self.db)
        if snapshot:
            shutil.copyfile(snapshot, self.db)
        ran, error = run_alembic(self.ini, self.section, argv)
        return ran, error, version_table(self.db)

    def make_state(self, index):
        """A database state made by real commands: one to three upgrades, sometimes a stamp."""
        rng = self.rng
        if os.path.exists(self.db):
            os.remove(self.db)
        steps = []
        if self.fixed_states:
            steps = self.fixed_states[index]
        elif index > 0 or rng.random() < 0.8:
            for _ in range(rng.randint(1, 3)):
                steps.append(["upgrade", rng.choice(self.ids + ["heads"])])
            if rng.random() < 0.2:
                steps.append(["stamp", rng.choice(self.ids)])
        for argv in steps:
            run_alembic(self.ini, self.section, argv)
        snapshot = os.path.join(self.gen.out, "state-%d.db" % index)
        if os.path.exists(self.db):
            shutil.copyfile(self.db, snapshot)
        else:
            snapshot = None
        return steps, snapshot, version_table(self.db)

    def downgrade_targets(self, rows):
        rng = self.rng
        currents = [self.map.get_revision(r) for r in rows]
        applied = [r.revision for r in self.map._get_ancestor_nodes(currents)]
        pool = ["-1", "-2", "base", "+1", "heads"]
        pool += [rng.choice(self.ids)]
        if applied:
            pool += [rng.choice(applied) for _ in range(3)]
            pool += ["%s-1" % rng.choice(applied)]
            rid = rng.choice(applied)
            if len(rid) > 5:
                pool.append(rid[: rng.randint(4, len(rid) - 1)])
        for label in self.labels:
            pool += ["%s@-1" % label, "%s@base" % label]
            if applied:
                pool.append("%s@%s" % (label, rng.choice(applied)))
        picked = rng.sample(pool, min(TARGETS_PER_STATE, len(pool)))
        # What applied revisions depend on: a downgrade there reverts what stands on it by down_revision
        # (issue 9 item 10: not the revisions that only depend on it).
        depended = sorted({d for rid in applied for d in self.map.get_revision(rid)._resolved_dependencies})
        picked += rng.sample(depended, min(2, len(depended))) + self.extra_targets
        # What Downgrade One may send for each current revision (and `rev-1`, what it used to send).
        for rev in currents:
            if len(rows) == 1:
                picked.append("-1")
            picked += ["%s@%s" % (rev.revision, down) for down in rev._versioned_down_revisions]
            if not rev._versioned_down_revisions:
                picked.append("%s@base" % rev.revision)
            picked.append("%s-1" % rev.revision)
        return list(dict.fromkeys(picked))

    def upgrade_targets(self):
        rng = self.rng
        pool = ["heads", "head", "+1", "+2", rng.choice(self.ids), rng.choice(self.ids), "%s+1" % rng.choice(self.ids)]
        for label in self.labels:
            pool += ["%s@head" % label, "%s@+1" % label]
        return rng.sample(pool, min(UPGRADES_PER_STATE, len(pool)))

    def stamp_targets(self):
        rng = self.rng
        pool = ["base", "heads", "head", rng.choice(self.ids), rng.choice(self.ids), rng.choice(self.ids)]
        pool += ["%s@head" % label for label in self.labels]
        return rng.sample(pool, min(STAMPS_PER_STATE, len(pool)))

    def cases(self):
        out = []
        for index in range(self.states):
            steps, snapshot, rows = self.make_state(index)
            for target in self.downgrade_targets(rows):
                out.append(dict(self.run_on_copy(snapshot, ["downgrade", target]), command="downgrade",
                                target=target, state=index, steps=steps, rows=rows))
            for command in ("upgrade", "stamp"):
                for target in self.upgrade_targets() if command == "upgrade" else self.stamp_targets():
                    out.append(dict(self.run_on_copy(snapshot, [command, target]), command=command,
                                    target=target, state=index, steps=steps, rows=rows))
        return out


def issue_project(out):
    """The histories of issue 9, items 9 and 10, in one project, and the states they describe."""
    gen = gen_history.Gen(0, out, template="generic", shape="linear")
    with T.quiet_stdout():
        gen.setup()
        for rid, kw in [
            ("aaaa", {"head": "base"}),
            # item 10: tttt (another root) depends on aaaa, which mmmm stands on
            ("mmmm", {"head": "aaaa"}),
            ("tttt", {"head": "base", "label": "other", "depends_on": "aaaa"}),
            # item 9: b1b1 and c1c1 on aaaa, merged by m9m9; xxxx on aaaa too
            ("b1b1", {"head": "aaaa", "splice": True}),
            ("c1c1", {"head": "aaaa", "splice": True}),
            ("xxxx", {"head": "aaaa", "splice": True}),
        ]:
            gen.new_id = lambda rid=rid: rid
            gen.revision(message="issue 9 " + rid, **kw)
        gen.new_id = lambda: "m9m9"
        gen.merge(["b1b1", "c1c1"])
    states = [[["upgrade", "mmmm"], ["upgrade", "tttt"]], [["upgrade", "m9m9"], ["upgrade", "xxxx"]]]
    return Plans(gen, len(states), fixed_states=states, extra_targets=["aaaa", "m9m9-1"])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int)
    ap.add_argument("--issue", action="store_true", help="the histories of issue 9 items 9 and 10")
    ap.add_argument("--out", required=True)
    ap.add_argument("--states", type=int, default=2)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    T.apply_patches()
    if args.issue:
        plans = issue_project(args.out)
    else:
        gen = gen_history.Gen(args.seed, args.out)
        with T.quiet_stdout():
            gen.setup()
            gen.build()
        plans = Plans(gen, args.states)
    data = {
        "seed": -1 if args.issue else args.seed,
        "ini": plans.ini,
        "section": plans.section,
        "labels": plans.labels,
        "cases": plans.cases(),
    }
    T.write_json(os.path.join(plans.gen.out, "plans.json"), data)
    print(os.path.join(plans.gen.out, "plans.json"))


if __name__ == "__main__":
    main()
