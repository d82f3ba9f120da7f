"""Hand-broken (and hand-written but valid) Alembic projects, and what Alembic
does with each. Driven by ``gen_history.py errors --out DIR``; writes
``DIR/errors.json``: ``{"cases": [case, ...]}`` where a case is

    {name, kind: "error" | "valid" | "config", project, ini, section, cwd,
     cliArgs, description,
     load:  what Alembic does when it loads the project (graph, or the
            exception type + message, plus recorded warnings),
     rest:  the graph Alembic builds once the offending files are removed
            (what a tolerant reader should still show), or null,
     expect: [{codes, severities, files, lineRange, keywords}]  the problems
            alembic-lens must report (any code / severity / file listed is
            accepted; lineRange is inclusive),
     commands: Alembic's output for read-only commands (valid cases only)}

Every base project is made with ``alembic.command.init`` + ``command.revision``;
the broken files are then written by hand. The expectations (file, line) are
computed from the text written here; what the project *does* is only ever
taken from Alembic.
"""

from __future__ import annotations

import os
import re
import shutil

import alembic_truth as T

from alembic import command

R1, R2, R3, R4 = "11aa00000001", "22bb00000002", "33cc00000003", "44dd00000004"
X1, X2 = "55ee00000005", "66ff00000006"

ALL_SEV = ["error", "warning", "info"]


def line_of(text, pattern, nth=0):
    """1-based line of the nth line matching regex ``pattern``."""
    hits = [i + 1 for i, ln in enumerate(text.split("\n")) if re.search(pattern, ln)]
    return hits[nth]


def n_lines(text):
    return len(text.rstrip("\n").split("\n"))


def rev_text(rev, down, doc="hand written revision", labels=None, deps=None, extra_top="", extra=""):
    return (
        f'"""{doc}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
        f"from alembic import op\nimport sqlalchemy as sa\n{extra_top}\n"
        f"# revision identifiers, used by Alembic.\n"
        f"revision = {rev!r}\n"
        f"down_revision = {down!r}\n"
        f"branch_labels = {labels!r}\n"
        f"depends_on = {deps!r}\n"
        f"{extra}\n\n"
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


class Builder:
    def __init__(self, out):
        self.out = out
        self.cases = []
        self.base = os.path.join(out, "_base")
        if os.path.exists(out):
            for name in os.listdir(out):
                p = os.path.join(out, name)
                if os.path.isdir(p):
                    shutil.rmtree(p)
        os.makedirs(out, exist_ok=True)
        self._make_base()

    def _make_base(self):
        os.makedirs(self.base)
        os.chdir(self.base)
        ini = os.path.join(self.base, "alembic.ini")
        cfg = T.make_config(ini)
        with T.quiet_stdout():
            command.init(cfg, "migrations", template="generic")
            cfg = T.make_config(ini)
            command.revision(cfg, "initial", head="base", rev_id=R1)
            command.revision(cfg, "second", rev_id=R2)
            command.revision(cfg, "third", rev_id=R3)
            command.revision(cfg, "fourth on second", head=R2, splice=True, rev_id=R4)

    def project(self, name):
        proj = os.path.join(self.out, name)
        shutil.copytree(self.base, proj)
        return proj

    @staticmethod
    def versions(proj):
        return os.path.join(proj, "migrations", "versions")

    def write(self, path, text):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def write_rev(self, proj, filename, text):
        return self.write(os.path.join(self.versions(proj), filename), text)

    def file_of(self, proj, rev):
        v = self.versions(proj)
        return os.path.join(v, next(f for f in sorted(os.listdir(v)) if f.startswith(rev)))

    def set_ini(self, proj, opts, remove=(), section="alembic"):
        from gen_history import set_ini_options

        ini = os.path.join(proj, "alembic.ini")
        text = open(ini, encoding="utf-8").read()
        text = set_ini_options(text, section, opts, remove)
        self.write(ini, text)
        return text

    def add(self, name, kind, proj, description, expect=(), remove_for_rest=(), section="alembic",
            cwd=None, ini=None, commands=None, extra=None, rest_skip=(), agree=None):
        """``agree``: when Alembic loads the project anyway, how the CLI's graph must
        agree with it: ``{"skip": [ids not compared], "heads": compare the heads list}``."""
        ini = ini or os.path.join(proj, "alembic.ini")
        cwd = cwd or proj
        os.chdir(cwd)
        load = T.load_graph(ini, section)
        rest = None
        if remove_for_rest:
            stash = os.path.join(self.out, "_stash_" + name)
            os.makedirs(stash)
            moved = []
            for i, p in enumerate(remove_for_rest):
                dst = os.path.join(stash, "%d_%s" % (i, os.path.basename(p)))
                shutil.move(p, dst)
                moved.append((p, dst))
            rest = T.load_graph(ini, section)
            for p, dst in moved:
                shutil.move(dst, p)
            os.rmdir(stash)
        case = {
            "name": name,
            "kind": kind,
            "description": description,
            "project": proj,
            "ini": ini,
            "section": section,
            "cwd": cwd,
            "cliArgs": ["-c", os.path.relpath(ini, cwd) if cwd != proj else ini]
            + (["-n", section] if section != "alembic" else []),
            "load": load,
            "rest": rest,
            "expect": list(expect),
            "restSkip": list(rest_skip),
            "agree": agree,
            "commands": [],
        }
        if extra:
            case.update(extra)
        if commands and load.get("ok"):
            case["commands"] = [
                T.run_command_all_orders(ini, section, argv, load["graph"]) for argv in commands
            ]
        self.cases.append(case)
        return case


def exp(codes, files, line_range, severities=None, keywords=()):
    return {
        "codes": list(codes),
        "severities": list(severities or ALL_SEV),
        "files": list(files),
        "lineRange": list(line_range),
        "keywords": list(keywords),
    }


def generate(out):
    b = Builder(out)

    # ------------------------------------------------------------ revision files

    p = b.project("syntax_error")
    text = rev_text(X1, R3).replace("down_revision = '%s'" % R3, "down_revision = = '%s'" % R3)
    f = b.write_rev(p, X1 + "_broken.py", text)
    ln = line_of(text, r"^down_revision = =")
    b.add("syntax_error", "error", p, "a revision file that does not parse",
          [exp(["syntax-error"], [f], [ln, ln], ["error"], ["syntax"])], remove_for_rest=[f])

    p = b.project("syntax_error_unclosed")
    text = rev_text(X1, R3).replace("down_revision = '%s'" % R3, "down_revision = ('%s'," % R3)
    f = b.write_rev(p, X1 + "_unclosed.py", text)
    b.add("syntax_error_unclosed", "error", p, "an unclosed parenthesis (Python reports the line of the '(')",
          [exp(["syntax-error"], [f], [line_of(text, r"^down_revision = \("), n_lines(text) + 1], ["error"])],
          remove_for_rest=[f])

    p = b.project("syntax_error_in_body")
    text = rev_text(X1, R3).replace("def upgrade():\n    pass", "def upgrade():\n    if True\n        pass")
    f = b.write_rev(p, X1 + "_body.py", text)
    ln = line_of(text, r"^    if True$")
    b.add("syntax_error_in_body", "error", p,
          "a syntax error inside upgrade(): the identifiers parse, but Python cannot import the file",
          [exp(["syntax-error"], [f], [ln, ln], ["error"])], remove_for_rest=[f])

    p = b.project("indentation_error")
    text = rev_text(X1, R3).replace("def downgrade():\n    pass", "def downgrade():\npass")
    f = b.write_rev(p, X1 + "_indent.py", text)
    ln = line_of(text, r"^pass$")
    b.add("indentation_error", "error", p, "an IndentationError (a SyntaxError) in downgrade()",
          [exp(["syntax-error"], [f], [ln - 1, ln], ["error"])], remove_for_rest=[f])

    p = b.project("duplicate_revision")
    text = rev_text(R3, R2, doc="another third")
    f = b.write_rev(p, "zz_" + R3 + "_again.py", text)  # sorts after the original
    orig = b.file_of(p, R3)
    ln = line_of(text, r"^revision = ")
    ln_orig = line_of(open(orig, encoding="utf-8").read(), r"^revision = ")
    b.add("duplicate_revision", "error", p,
          "two files declare the same revision id: Alembic warns and keeps the file loaded last",
          [exp(["duplicate-revision"], [f, orig], [min(ln, ln_orig), max(ln, ln_orig)], ALL_SEV, [R3])],
          # Alembic lists the duplicated id twice among its heads (a quirk of its head bookkeeping);
          # alembic-lens lists it once and reports the duplicate as an error: heads are not compared.
          remove_for_rest=[f], rest_skip=[R3], agree={"skip": [], "heads": False},
          commands=[["history"], ["show", R3]])

    p = b.project("missing_down_revision")
    text = rev_text(X1, "deadbeef0000")
    f = b.write_rev(p, X1 + "_orphan.py", text)
    ln = line_of(text, r"^down_revision = ")
    b.add("missing_down_revision", "error", p,
          "down_revision points nowhere: Alembic warns 'is not present' then fails with KeyError",
          [exp(["missing-revision"], [f], [ln, ln], ALL_SEV, ["deadbeef0000"])], remove_for_rest=[f])

    p = b.project("missing_depends_on")
    text = rev_text(X1, R3, deps="nosuchlabel")
    f = b.write_rev(p, X1 + "_baddep.py", text)
    ln = line_of(text, r"^depends_on = ")
    b.add("missing_depends_on", "error", p, "depends_on names neither a revision nor a branch label",
          [exp(["missing-revision"], [f], [ln, ln], ALL_SEV, ["nosuchlabel"])], remove_for_rest=[f])

    p = b.project("cycle_detached")
    ta, tb = rev_text(X1, X2, doc="cycle a"), rev_text(X2, X1, doc="cycle b")
    fa, fb = b.write_rev(p, X1 + "_a.py", ta), b.write_rev(p, X2 + "_b.py", tb)
    ln = line_of(ta, r"^down_revision = ")
    b.add("cycle_detached", "error", p, "a -> b -> a beside a valid history",
          [exp(["cycle"], [fa, fb], [ln, ln], ["error"])], remove_for_rest=[fa, fb])

    p = b.project("cycle_whole")
    f1 = b.file_of(p, R1)
    t1 = open(f1, encoding="utf-8").read().replace("down_revision = None", "down_revision = %r" % R3)
    b.write(f1, t1)
    b.add("cycle_whole", "error", p, "the root points to a descendant: no base, every revision is in the cycle",
          [exp(["cycle"], [f1, b.file_of(p, R2), b.file_of(p, R3)], [1, 1000], ["error"])])

    p = b.project("self_loop")
    text = rev_text(X1, X1)
    f = b.write_rev(p, X1 + "_loop.py", text)
    ln = line_of(text, r"^down_revision = ")
    b.add("self_loop", "error", p, "a revision whose down_revision is itself",
          [exp(["cycle", "self-loop"], [f], [ln, ln], ["error"])], remove_for_rest=[f])

    p = b.project("dependency_cycle")
    ta = rev_text(X1, R3, deps=X2, doc="depends on its own child")
    tb = rev_text(X2, X1, doc="child")
    fa, fb = b.write_rev(p, X1 + "_dep.py", ta), b.write_rev(p, X2 + "_child.py", tb)
    b.add("dependency_cycle", "error", p, "x depends_on y while y's down_revision is x",
          [exp(["cycle"], [fa, fb], [1, 1000], ["error"])], remove_for_rest=[fa, fb])

    p = b.project("empty_depends_on_base")
    text = rev_text(X1, None, doc="a second base, depends_on an empty string").replace(
        "depends_on = None", "depends_on = ''"
    )
    f = b.write_rev(p, X1 + "_empty_deps.py", text)
    b.add("empty_depends_on_base", "error", p,
          "depends_on = '' on a base: Alembic's dependencies is '' (not None), so it is no real base: a dependency cycle",
          [exp(["cycle"], [f], [1, 1000], ["error"])], remove_for_rest=[f])

    p = b.project("none_in_down_revision")
    text = rev_text(X1, R3).replace("down_revision = %r" % R3, "down_revision = (%r, None)" % R3)
    f = b.write_rev(p, X1 + "_none_inside.py", text)
    ln = line_of(text, r"^down_revision = ")
    b.add("none_in_down_revision", "error", p, "down_revision = ('x', None): Alembic looks up a revision None and fails",
          [exp(["none-in-sequence"], [f], [ln, ln], ["error"])], remove_for_rest=[f])

    p = b.project("duplicate_branch_label")
    ta = rev_text(X1, R3, labels="feature")
    tb = rev_text(X2, R4, labels=("feature",))
    fa, fb = b.write_rev(p, X1 + "_f1.py", ta), b.write_rev(p, X2 + "_f2.py", tb)
    ln = line_of(ta, r"^branch_labels = ")
    b.add("duplicate_branch_label", "error", p,
          "two revisions declare the branch label 'feature' (which one Alembic names first is hash order)",
          [exp(["duplicate-branch-label"], [fa, fb], [ln, ln], ["error"], ["feature"])], remove_for_rest=[fb])

    p = b.project("no_revision_variable")
    text = '"""no identifiers here"""\nfrom alembic import op\n\ndown_revision = %r\n\n\ndef upgrade():\n    pass\n' % R3
    f = b.write_rev(p, "notarev_add_stuff.py", text)
    b.add("no_revision_variable", "error", p,
          "a .py file in versions/ without `revision` (and a non-hex file name)",
          [exp(["no-revision-variable"], [f], [1, n_lines(text)], ["error"])], remove_for_rest=[f])

    p = b.project("no_down_revision_variable")
    text = '"""no down_revision"""\nrevision = %r\n' % X1
    f = b.write_rev(p, X1 + "_nodown.py", text)
    b.add("no_down_revision_variable", "error", p,
          "`revision` but no `down_revision`: Alembic fails with AttributeError",
          [exp([], [f], [1, n_lines(text)], ALL_SEV, ["down_revision"])], remove_for_rest=[f])

    p = b.project("computed_down_revision")
    text = rev_text(X1, R3, extra_top="\n\ndef some_func():\n    return %r\n" % R3).replace(
        "down_revision = %r" % R3, "down_revision = some_func()"
    )
    f = b.write_rev(p, X1 + "_computed.py", text)
    ln = line_of(text, r"^down_revision = some_func")
    b.add("computed_down_revision", "error", p,
          "down_revision = some_func(): Alembic executes it (the value is '%s'); a static reader cannot" % R3,
          [exp(["computed-value"], [f], [ln, ln])], remove_for_rest=[f], agree={"skip": [X1, R3], "heads": False})

    p = b.project("computed_revision")
    text = rev_text(X1, R3).replace("revision = %r" % X1, "revision = %r + %r" % (X1[:4], X1[4:]))
    f = b.write_rev(p, X1 + "_concat.py", text)
    ln = line_of(text, r"^revision = ")
    b.add("computed_revision", "error", p, "revision = 'a' + 'b'",
          [exp(["computed-value"], [f], [ln, ln])], remove_for_rest=[f], agree={"skip": [X1, R3], "heads": False})

    # ------------------------------------------------------------ alembic.ini

    p = b.project("ini_duplicate_option")
    ini = os.path.join(p, "alembic.ini")
    text = open(ini, encoding="utf-8").read().replace(
        "[alembic]\n", "[alembic]\nscript_location = migrations\n", 1
    )
    b.write(ini, text)
    ln = line_of(text, r"^script_location = ", 1)
    b.add("ini_duplicate_option", "error", p, "script_location given twice in [alembic]",
          [exp(["ini-syntax"], [ini], [ln, ln], ["error"], ["script_location"])])

    p = b.project("ini_missing_section_header")
    ini = os.path.join(p, "alembic.ini")
    text = "script_location = migrations\n\n" + open(ini, encoding="utf-8").read()
    b.write(ini, text)
    b.add("ini_missing_section_header", "error", p, "an option before any [section]",
          [exp(["ini-syntax"], [ini], [1, 1], ["error"])])

    p = b.project("ini_bad_interpolation")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {"script_location": "%(here/migrations"})
    ln = line_of(text, r"^script_location = ")
    b.add("ini_bad_interpolation", "error", p, "script_location = %(here/migrations",
          # the brief names ini-syntax for every malformed ini; alembic-lens has a finer code
          [exp(["ini-syntax", "ini-interpolation"], [ini], [ln, ln], ["error"])])

    p = b.project("ini_missing_interpolation_key")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {"script_location": "%(nope)s/migrations"})
    ln = line_of(text, r"^script_location = ")
    b.add("ini_missing_interpolation_key", "error", p, "script_location = %(nope)s/migrations",
          [exp([], [ini], [ln, ln], ["error"], ["nope"])])

    p = b.project("missing_version_location")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {
        "version_locations": "%(here)s/migrations/versions:%(here)s/does_not_exist",
        "version_path_separator": "os",
    })
    ln = line_of(text, r"^version_locations = ")
    b.add("missing_version_location", "error", p,
          "a version_locations entry that does not exist: Alembic silently skips it",
          [exp(["missing-version-location"], [ini], [ln, ln], ALL_SEV, ["does_not_exist"])],
          agree={"skip": [], "heads": True}, commands=[["heads"], ["history"]])

    p = b.project("template_separator_comment")
    ini = os.path.join(p, "alembic.ini")
    text = open(ini, encoding="utf-8").read()
    assert re.search(r"(?m)^version_path_separator = os\s+#", text)
    text = text.replace("[alembic]\n", "[alembic]\nversion_locations = %(here)s/migrations/versions\n", 1)
    b.write(ini, text)
    ln = line_of(text, r"^version_path_separator = ")
    b.add("template_separator_comment", "error", p,
          "Alembic 1.8's own ini template ends `version_path_separator = os` with an inline comment, "
          "which ConfigParser keeps: fatal once version_locations is set",
          [exp([], [ini], [ln, ln], ["error"], ["separator"])])

    p = b.project("no_script_location")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {}, remove=["script_location"])
    b.add("no_script_location", "error", p, "no script_location in [alembic]",
          [exp([], [ini], [1, n_lines(text)], ["error"], ["script_location"])])

    p = b.project("script_location_missing_dir")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {"script_location": "%(here)s/nowhere"})
    ln = line_of(text, r"^script_location = ")
    b.add("script_location_missing_dir", "error", p, "script_location names a folder that does not exist",
          [exp([], [ini], [ln, ln], ["error"], ["nowhere"])])

    p = b.project("script_location_inline_comment")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {"script_location": "migrations ; the scripts"})
    ln = line_of(text, r"^script_location = ")
    b.add("script_location_inline_comment", "error", p,
          "ConfigParser keeps inline comments: the path is 'migrations ; the scripts'",
          [exp([], [ini], [ln, ln], ["error"])])

    p = b.project("wrong_section")
    ini = os.path.join(p, "alembic.ini")
    b.add("wrong_section", "error", p, "-n names a section the ini does not have",
          [exp([], [ini], [1, 1000], ["error"], ["nosuch"])], section="nosuch")

    # ------------------------------------------------------------ valid configs

    cmds = [["heads"], ["history"], ["branches"], ["show", "heads"], ["show", R2[:4]]]

    p = b.project("cfg_default_section")
    ini = os.path.join(p, "alembic.ini")
    text = b.set_ini(p, {}, remove=["script_location"])
    text = "[DEFAULT]\nscript_location = %(here)s/migrations\n\n" + text
    b.write(ini, text)
    b.add("cfg_default_section", "config", p, "script_location only in [DEFAULT]", commands=cmds)

    p = b.project("cfg_key_case")
    ini = os.path.join(p, "alembic.ini")
    text = open(ini, encoding="utf-8").read().replace("script_location = ", "Script_Location = ", 1)
    b.write(ini, text)
    b.add("cfg_key_case", "config", p, "option names are case-insensitive", commands=cmds)

    p = b.project("cfg_colon_delimiter")
    ini = os.path.join(p, "alembic.ini")
    text = open(ini, encoding="utf-8").read().replace("script_location = ", "script_location: ", 1)
    b.write(ini, text)
    b.add("cfg_colon_delimiter", "config", p, "`key: value` is a valid ini line", commands=cmds)

    p = b.project("cfg_empty_version_locations")
    b.set_ini(p, {"version_locations": ""})
    b.add("cfg_empty_version_locations", "config", p, "version_locations = (empty): the default applies",
          commands=cmds)

    p = b.project("cfg_continuation")
    ini = os.path.join(p, "alembic.ini")
    os.makedirs(os.path.join(p, "more"))
    b.set_ini(p, {"version_locations": "%(here)s/migrations/versions\n  %(here)s/more", "version_path_separator": "space"})
    # space separator over a multi-line value: ConfigParser joins with "\n", split(" ") keeps it
    b.add("cfg_continuation", "config", p, "a multi-line value split on spaces", commands=cmds)

    p = b.project("cfg_percent_url")
    b.set_ini(p, {"sqlalchemy.url": "postgresql://user:p%40ss%(x@localhost/db"})
    b.add("cfg_percent_url", "config", p,
          "a bad interpolation in an option the static commands never read: Alembic does not fail",
          commands=cmds)

    p = b.project("cfg_symlinked_versions")
    real = os.path.join(p, "real_versions")
    shutil.move(b.versions(p), real)
    os.symlink(real, b.versions(p))
    b.add("cfg_symlinked_versions", "config", p,
          "versions/ is a symlink: current Alembic reports the resolved real path of each file",
          commands=cmds + [["show", R3]])

    # relative script_location resolves against the CWD, not the ini's folder
    outer = os.path.join(b.out, "cwd_relative")
    proj_a = os.path.join(outer, "sub")
    shutil.copytree(b.base, proj_a)
    # a different project at <cwd>/migrations: the one Alembic actually uses
    os.makedirs(outer, exist_ok=True)
    shutil.copytree(os.path.join(b.base, "migrations"), os.path.join(outer, "migrations"))
    other_versions = os.path.join(outer, "migrations", "versions")
    for fn in os.listdir(other_versions):
        if fn.startswith(R4):
            os.remove(os.path.join(other_versions, fn))
    b.add("cwd_relative_script_location", "config", proj_a,
          "-c sub/alembic.ini from the parent folder: script_location = migrations is taken from the CWD",
          cwd=outer, ini=os.path.join(proj_a, "alembic.ini"), commands=cmds)

    # ------------------------------------------------------------ valid odd files

    generate_handwritten(b)

    path = os.path.join(out, "errors.json")
    T.write_json(path, {"cases": b.cases})
    return path


def generate_handwritten(b):
    """Valid but unusual files: every one must load exactly as Alembic loads it."""
    p = b.project("handwritten")
    v = b.versions(p)
    A, B_, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V = [
        "a0a0a0a0a0a%d" % i if i < 10 else "a0a0a0a0a0%d" % i for i in range(22)
    ]
    files = {
        # legacy: no `revision` variable, hex file name = the revision id
        "abcdef123456.py": '"""legacy file name"""\ndown_revision = %r\n' % R3,
        # no docstring at all
        A + "_nodoc.py": "revision = %r\ndown_revision = 'abcdef123456'\nbranch_labels = None\n" % A,
        # single-quoted docstring, annotated assignments
        B_ + "_single.py": "'single quoted doc'\nrevision: str = %r\ndown_revision: str = %r\n" % (B_, A),
        # raw docstring keeps its backslashes; the plain one below interprets them
        C + "_raw.py": 'r"""raw C:\\new\\dir \\d"""\nrevision = %r\ndown_revision = %r\n' % (C, B_),
        D + "_escapes.py": '"""caf\\xe9 \\u00e9t\\u00e9 tab\\there"""\nrevision = %r\ndown_revision = %r\n' % (D, C),
        # comments and a coding line before the docstring
        E + "_comments.py": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# a comment\n\n\"\"\"after comments\n\nsecond paragraph\"\"\"\n"
        "revision = %r  # type: str\ndown_revision = %r  # noqa\n" % (E, D),
        # merge written as a list, multi-line, with comments inside
        F + "_merge_list.py": '"""merge via list"""\nrevision = %r\ndown_revision = [\n    %r,  # one\n    %r,  # two\n]\n' % (F, E, R4),
        # the variable assigned twice: the last assignment wins
        G + "_reassigned.py": '"""reassigned"""\nrevision = "zzzz_old"\ndown_revision = None\nrevision = %r\ndown_revision = (%r,)\n' % (G, F),
        # implicit string concatenation is a literal, constant-folded by Python
        H + "_concat.py": '"""implicit concat"""\nrevision = (%r\n            %r)\ndown_revision = %r %r\nbranch_labels = "solo"\n'
        % (H[:6], H[6:], G[:6], G[6:]),
        # bytes / f-string first statements are not docstrings
        I + "_bytes.py": 'b"""not a docstring"""\nrevision = %r\ndown_revision = %r\ndepends_on = ["solo"]\n' % (I, H),
        J + "_fstring.py": 'x = 1\nf"""not a docstring {x}"""\nrevision = %r; down_revision = %r\n' % (J, I),
        # an empty tuple is no down revision at all: a second root
        K + "_empty_tuple.py": '"""empty tuple root"""\nrevision = %r\ndown_revision = ()\nbranch_labels = ("other", "extra")\ndepends_on = []\n' % K,
        # concatenated docstring pieces form one docstring
        L + "_docconcat.py": '"""first """ """second"""\nrevision = %r\ndown_revision = %r\n' % (L, K),
        # assignments that are not module-level statements: in the docstring, in comments,
        # in a function body (a local variable)
        M + "_decoys.py": (
            '"""decoys\n\nrevision = \'fake_in_doc\'\ndown_revision = \'fake_in_doc\'\n"""\n'
            "# down_revision = 'commented_out'\n"
            "revision = %r\ndown_revision = %r\n\n\n"
            "def upgrade():\n    revision = 'local_variable'\n    down_revision = None\n"
            "    return revision, down_revision\n" % (M, L)
        ),
        # triple-quoted string literals as values
        N + "_triple.py": "'''triple single'''\nrevision = '''%s'''\ndown_revision = \"\"\"%s\"\"\"\n" % (N, M),
        # a tuple spread over lines with a comment between the items, and a depends_on tuple
        O + "_deps.py": (
            '"""deps tuple"""\nrevision = %r\ndown_revision = (\n    %r,\n    # the other branch\n    %r\n)\n'
            "depends_on = (%r, 'other')\n" % (O, N, R4, R1)
        ),
        # encodings and line endings: a latin-1 file with its coding cookie, a UTF-8 BOM, CRLF
        P + "_latin1.py": (
            "# -*- coding: latin-1 -*-\n\"\"\"caf\u00e9 cr\u00e8me\n\nRevision ID: %s\n\"\"\"\n"
            "revision = %r\ndown_revision = %r\n" % (P, P, O)
        ).encode("latin-1"),
        Q + "_bom.py": ("\ufeff\"\"\"with a BOM \u2713\"\"\"\nrevision = %r\ndown_revision = %r\n" % (Q, P)).encode("utf-8"),
        R + "_crlf.py": ("\"\"\"crlf line one\r\nline two\r\n\r\nthird\"\"\"\r\nrevision = %r\r\ndown_revision = %r\r\n" % (R, Q)).encode("utf-8"),
        # the same parent twice is one parent (Alembic dedupes), still shown as a merge point
        S + "_same_parent_twice.py": '"""same parent twice"""\nrevision = %r\ndown_revision = (%r, %r)\n' % (S, R, R),
        # a block under `if TYPE_CHECKING:` never runs; its `else:` always does
        T + "_type_checking.py": (
            '"""type checking"""\nfrom typing import TYPE_CHECKING\n\nrevision = %r\ndown_revision = %r\n'
            "if TYPE_CHECKING:\n    down_revision = %r\nelse:\n    branch_labels = ('checked',)\n" % (T, S, Q)
        ),
        # an empty string label is a label for Alembic (to_tuple('') is ('',)), shown as "()"
        U + "_empty_label.py": '"""empty label"""\nrevision = %r\ndown_revision = %r\nbranch_labels = ""\n' % (U, T),
        # depends_on = '' on a revision that is no base: no dependency
        V + "_empty_deps.py": '"""empty depends_on"""\nrevision = %r\ndown_revision = %r\ndepends_on = ""\n' % (V, U),
        # ignored: __init__.py, emacs lock files, non-.py files, sub-folders (not recursive)
        "__init__.py": "revision = 'initinit0000'\ndown_revision = None\n",
        ".#lock_" + A + ".py": "revision = 'lockfile0000'\ndown_revision = None\n",
        "README": "not a revision\n",
        "notes.py.txt": "revision = 'txtfile00000'\ndown_revision = None\n",
        os.path.join("sub", "subdir00000_x.py"): "revision = 'subdir000000'\ndown_revision = None\n",
    }
    for name, text in files.items():
        if isinstance(text, bytes):
            with open(os.path.join(v, name), "wb") as fh:
                fh.write(text)
        else:
            b.write(os.path.join(v, name), text)
    ids = [R1, R2, R3, R4, "abcdef123456", A, B_, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V]
    cmds = [["heads"], ["history"], ["branches"], ["show", "heads"], ["show", "solo"], ["show", "other@head"], ["show", "checked@head"]]
    cmds += [["show", i] for i in ids]
    b.add("handwritten", "valid", p, "valid but unusual revision files", commands=cmds)
