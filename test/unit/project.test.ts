import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from '../../src/core/config';
import { lintProject, revisionLintOptions } from '../../src/core/lint';
import { loadProject } from '../../src/core/project';
import { newestFirst } from '../../src/core/tree';
import { revisionText, tempDir, waitPastRacyWindow, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('Project', () => {
  it('loads every revision file of the version directory and skips what Alembic skips', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, '__init__.py'), '');
    fs.writeFileSync(path.join(versions, '.#lockfile.py'), 'garbage (');
    fs.writeFileSync(path.join(versions, 'notes.txt'), 'revision = "zz"');
    fs.mkdirSync(path.join(versions, 'sub'));
    fs.writeFileSync(path.join(versions, 'sub', 'c3_x.py'), revisionText({ id: 'c3', down: 'b2' }));
    const project = loadProject(ini);
    assert.deepStrictEqual([...project.graph.revisions.keys()], ['a1', 'b2']);
    assert.deepStrictEqual(project.problems, []);
  });

  it('loads files in the order Python sorts their names: by code point, not by UTF-16 unit', () => {
    const dir = tempDir();
    // U+FF41 sorts before U+1F600 in Python; as UTF-16 units (0xFF41 against 0xD83D) it would come after.
    const ini = writeProject(dir, [
      { id: 'a1', file: 'b_\u{1F600}.py' },
      { id: 'b2', file: 'b_\uFF41.py' },
      { id: 'c3', file: 'a.py' },
    ]);
    const versions = path.join(dir, 'alembic', 'versions');
    assert.deepStrictEqual(
      loadProject(ini).revisionFiles.map((f) => path.relative(versions, f)),
      ['a.py', 'b_\uFF41.py', 'b_\u{1F600}.py'],
    );
  });

  it('an empty version folder whose subfolders hold revisions (prefect): an info naming them, gone once a file is there', () => {
    const dir = tempDir();
    const ini = writeProject(dir, []);
    const versions = path.join(dir, 'alembic', 'versions');
    for (const sub of ['sqlite', 'postgresql']) {
      fs.mkdirSync(path.join(versions, sub));
      fs.writeFileSync(path.join(versions, sub, 'a1.py'), revisionText({ id: `a1${sub}` }));
    }
    fs.mkdirSync(path.join(versions, '__pycache__'));
    const project = loadProject(ini);
    assert.deepStrictEqual(
      project.problems.map((p) => [p.severity, p.code, p.path, p.line]),
      [['info', 'revisions-in-subfolders', ini, 1]],
    );
    assert.match(
      project.problems[0].message,
      /subfolder\(s\) postgresql, sqlite hold some: .*recursive_version_locations/,
    );
    const added = path.join(versions, 'b1.py');
    fs.writeFileSync(added, revisionText({ id: 'b1' }));
    project.updateFile(added);
    assert.deepStrictEqual(project.problems, []);
    // Read recursively, they are simply revisions.
    fs.rmSync(added);
    fs.writeFileSync(ini, '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n');
    const recursive = loadProject(ini);
    assert.deepStrictEqual(recursive.problems, []);
    assert.deepStrictEqual([...recursive.graph.revisions.keys()].sort(), ['a1postgresql', 'a1sqlite']);
  });

  it('walks subfolders with recursive_version_locations, files before folders, sorted', () => {
    const dir = tempDir();
    const ini = writeProject(
      dir,
      [{ id: 'b2', down: 'a1', file: 'b.py' }],
      '[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n',
    );
    const versions = path.join(dir, 'alembic', 'versions');
    for (const [sub, id, down] of [
      ['z', 'c3', 'b2'],
      ['a', 'a1', null],
    ] as const) {
      fs.mkdirSync(path.join(versions, sub));
      fs.writeFileSync(path.join(versions, sub, `${id}.py`), revisionText({ id, down }));
    }
    const project = loadProject(ini);
    assert.deepStrictEqual(
      project.revisionFiles.map((f) => path.relative(versions, f)),
      ['b.py', path.join('a', 'a1.py'), path.join('z', 'c3.py')],
    );
    assert.deepStrictEqual(project.graph.heads, ['c3']);
  });

  it('takes the revision id from a legacy hex file name, and reports files Alembic cannot load', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, 'beef.py'), "down_revision = 'a1'\n");
    fs.writeFileSync(path.join(versions, 'helpers.py'), 'def util():\n    return 1\n');
    fs.writeFileSync(path.join(versions, 'broken.py'), "revision = 'x'\ndown_revision = ('a1'\n");
    const project = loadProject(ini);
    assert.deepStrictEqual(project.graph.heads, ['beef']);
    const byFile = new Map(project.problems.map((p) => [path.basename(p.path), p]));
    assert.strictEqual(byFile.get('helpers.py')?.code, 'no-revision-variable');
    assert.strictEqual(byFile.get('broken.py')?.code, 'syntax-error');
    assert.strictEqual(byFile.get('broken.py')?.line, 2);
  });

  it('a FIFO, or a link to one, in the version folder is one problem, never a wait for a writer', function () {
    if (process.platform === 'win32') this.skip();
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    const made = spawnSync('mkfifo', [path.join(versions, 'pipe.py')]);
    assert.strictEqual(made.status, 0, 'mkfifo');
    fs.symlinkSync('pipe.py', path.join(versions, 'pipe_link.py'));
    // Through the CLI in a child process, so that a blocking read shows as a timeout, not a hung tier.
    const ran = spawnSync(process.execPath, [CLI, '-c', ini, 'check', '--format', 'json', '--no-cache'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.strictEqual(ran.signal, null, `check did not finish: ${ran.stderr}`);
    const problems: { path: string; code: string; message: string }[] = JSON.parse(ran.stdout).problems;
    const unreadable = problems
      .filter((p) => p.code === 'unreadable-file')
      .map((p) => [path.basename(p.path), p.message]);
    assert.deepStrictEqual(unreadable.map((p) => p[0]).sort(), ['pipe.py', 'pipe_link.py']);
    assert.deepStrictEqual(loadProject(ini).graph.heads, ['b2'], 'the rest still loads');
    for (const [, message] of unreadable) assert.match(message, /not a regular file/);
  });

  it('a device or a FIFO as env.py, .env, a model module, pyproject.toml or a revision: a problem, never a hang', function () {
    if (process.platform === 'win32') this.skip();
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    // A revision that reads like a file but never ends, and one of the project's other files each.
    fs.symlinkSync('/dev/zero', path.join(versions, 'zero.py'));
    fs.writeFileSync(
      path.join(dir, 'alembic', 'env.py'),
      'from app.models import Base\nfrom app.other import Thing\ntarget_metadata = Base.metadata\n',
    );
    fs.mkdirSync(path.join(dir, 'app'));
    fs.writeFileSync(path.join(dir, 'app', '__init__.py'), '');
    fs.symlinkSync('/dev/zero', path.join(dir, 'app', 'models.py'));
    for (const fifo of [path.join(dir, 'app', 'other.py'), path.join(dir, '.env'), path.join(dir, 'pyproject.toml')]) {
      assert.strictEqual(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    }
    // In a child process, so that a read that never ends shows as a timeout, not a hung tier.
    const ran = spawnSync(process.execPath, [CLI, '-c', ini, 'check', '--format', 'json', '--no-cache'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.strictEqual(ran.signal, null, `check did not finish: ${ran.stderr}`);
    const problems: { path: string; code: string; message: string }[] = JSON.parse(ran.stdout).problems;
    const zero = problems.find((p) => path.basename(p.path) === 'zero.py');
    assert.strictEqual(zero?.code, 'unreadable-file');
    assert.match(zero.message, /not a regular file/);
    const heads = spawnSync(process.execPath, [CLI, '-c', ini, 'heads', '--no-cache'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.strictEqual(heads.signal, null, `heads did not finish: ${heads.stderr}`);
    assert.match(heads.stdout, /^b2 \(head\)$/m);
  });

  it("an invalid version_path_separator stops heads and history with exit 1, as Alembic's ScriptDirectory.from_config does, instead of printing no heads", () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const text = fs
      .readFileSync(ini, 'utf8')
      .replace(
        '[alembic]\n',
        '[alembic]\nversion_locations = %(here)s/alembic/versions\nversion_path_separator = bogus\n',
      );
    fs.writeFileSync(ini, text);
    for (const command of ['heads', 'history', 'branches']) {
      const ran = spawnSync(process.execPath, [CLI, '-c', ini, command, '--no-cache'], {
        encoding: 'utf8',
        timeout: 20000,
      });
      assert.strictEqual(ran.status, 1, `${command}: ${ran.stdout}${ran.stderr}`);
      assert.match(ran.stderr, /'bogus' is not a valid value for version_path_separator/, command);
      assert.strictEqual(ran.stdout, '', command);
    }
  });

  it('heads says on stderr that a revision variable assigned inside a block may make its output differ from Alembic', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const file = path.join(dir, 'alembic', 'versions', 'b2.py');
    fs.writeFileSync(file, "if True:\n    revision = 'b2'\nelse:\n    revision = 'qq'\ndown_revision = 'a1'\n");
    const ran = spawnSync(process.execPath, [CLI, '-c', ini, 'heads', '--no-cache'], {
      encoding: 'utf8',
      timeout: 20000,
    });
    assert.strictEqual(ran.status, 0, ran.stderr);
    const warned = ran.stderr.split('\n').filter((line) => line.includes('[conditional-value]'));
    assert.deepStrictEqual(
      warned.map((line) => line.split(': warning')[0]),
      [`${file}:2`, `${file}:4`],
      ran.stderr,
    );
  });

  it('reports a computed value with its line, and still loads the rest', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const file = path.join(dir, 'alembic', 'versions', 'b2.py');
    fs.writeFileSync(file, "revision = 'b2'\ndown_revision = compute()\n");
    const project = loadProject(ini);
    const computed = project.problems.find((p) => p.code === 'computed-value');
    assert.strictEqual(computed?.path, file);
    assert.strictEqual(computed?.line, 2);
    assert.match(computed!.message, /not readable without running Python/);
    assert.ok(project.graph.get('a1'));
  });

  it('applies a changed, added or deleted file incrementally', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b2', down: 'a1' }]);
    const project = loadProject(ini);
    const versions = path.join(dir, 'alembic', 'versions');
    const b2 = path.join(versions, 'b2_rev.py');

    const graphBefore = project.graph;
    fs.writeFileSync(b2, revisionText({ id: 'b2', down: 'a1', message: 'renamed message' }));
    assert.strictEqual(project.updateFile(b2), true);
    assert.strictEqual(project.graph, graphBefore, 'a message edit keeps the graph');
    assert.strictEqual(project.graph.get('b2')!.source.message, 'renamed message');

    const c3 = path.join(versions, 'c3_rev.py');
    fs.writeFileSync(c3, revisionText({ id: 'c3', down: 'a1' }));
    project.updateFile(c3);
    assert.deepStrictEqual(project.graph.heads, ['b2', 'c3']);

    fs.writeFileSync(c3, revisionText({ id: 'c3', down: 'b2' }));
    project.updateFile(c3);
    assert.deepStrictEqual(project.graph.heads, ['c3']);

    fs.writeFileSync(c3, 'revision = (\n');
    project.updateFile(c3);
    assert.ok(project.problems.some((p) => p.path === c3 && p.code === 'syntax-error'));
    assert.deepStrictEqual(project.graph.heads, ['b2']);

    fs.unlinkSync(c3);
    project.removeFile(c3);
    assert.deepStrictEqual(project.problems, []);
    assert.strictEqual(project.updateFile(path.join(dir, 'unrelated.py')), false);
  });

  it('rescans the version folder for files added or removed behind its back', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1', file: 'a.py' }]);
    const project = loadProject(ini);
    assert.strictEqual(project.rescan(), false);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, 'b.py'), revisionText({ id: 'b2', down: 'a1' }));
    fs.unlinkSync(path.join(versions, 'a.py'));
    assert.strictEqual(project.rescan(), true);
    assert.deepStrictEqual([...project.graph.revisions.keys()], ['b2']);
    assert.ok(project.problems.some((p) => p.code === 'missing-revision'));
  });

  it('keeps Alembic load order when a file is added (sorted names)', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [
      { id: 'x', file: 'b.py' },
      { id: 'y', file: 'd.py' },
    ]);
    const project = loadProject(ini);
    const added = path.join(dir, 'alembic', 'versions', 'c.py');
    fs.writeFileSync(added, revisionText({ id: 'z' }));
    project.updateFile(added);
    assert.deepStrictEqual([...project.graph.revisions.keys()], ['x', 'z', 'y']);
  });
});

describe("Project: eager reads (the CLI's check)", () => {
  /** How many times each revision file of `dir` is opened while `run` runs (fs.openSync, which every read goes through). */
  function opensDuring(versions: string, run: () => void): Map<string, number> {
    const opens = new Map<string, number>();
    // The module object itself (an ES import binding cannot be assigned): every reader calls through it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeFs = require('node:fs') as typeof fs;
    const original = nodeFs.openSync;
    nodeFs.openSync = ((file: fs.PathLike, ...rest: unknown[]) => {
      const name = String(file);
      if (name.startsWith(versions)) opens.set(path.basename(name), (opens.get(path.basename(name)) ?? 0) + 1);
      return (original as (...args: unknown[]) => number)(file, ...rest);
    }) as typeof fs.openSync;
    try {
      run();
    } finally {
      nodeFs.openSync = original;
    }
    return opens;
  }

  const revisions = [
    { id: 'a1', upgrade: ["op.drop_table('users')"] },
    { id: 'b2', down: 'a1', upgrade: ["op.add_column('t', sa.Column('c', sa.Integer(), nullable=False))"] },
    { id: 'c3', down: 'b2' },
  ];

  it('reads each revision file once for the graph, the grammar check and the lint, and finds what the lazy reads find', () => {
    const dir = tempDir();
    const ini = writeProject(dir, revisions);
    const versions = path.join(dir, 'alembic', 'versions');
    const lazy = loadProject(ini);
    lazy.checkGrammar();
    const expected = lintProject(lazy, {});
    assert.ok(
      expected.some((p) => p.code === 'drop-table'),
      'the lint finds the dropped table',
    );

    let found: ReturnType<typeof lintProject> = [];
    const opens = opensDuring(versions, () => {
      const eager = loadProject(ini, { eager: { grammar: true, lint: (config) => revisionLintOptions(config, {}) } });
      eager.checkGrammar();
      found = lintProject(eager, {});
    });
    assert.deepStrictEqual(Object.fromEntries(opens), { 'a1_rev.py': 1, 'b2_rev.py': 1, 'c3_rev.py': 1 });
    assert.deepStrictEqual(found, expected);
  });

  it('keeps the findings of a load with the parse cache: the next check reads no revision file', function () {
    this.timeout(20000);
    const dir = tempDir();
    const ini = writeProject(dir, revisions);
    const versions = path.join(dir, 'alembic', 'versions');
    const cacheDir = path.join(dir, 'cache');
    const eager = { grammar: true, lint: (config: AlembicConfig) => revisionLintOptions(config, {}) };
    // Files changed within the last seconds are never trusted to the cache.
    waitPastRacyWindow();
    const first = loadProject(ini, { cacheDir, eager });
    first.checkGrammar();
    const expected = lintProject(first, {});
    let found: ReturnType<typeof lintProject> = [];
    const opens = opensDuring(versions, () => {
      const second = loadProject(ini, { cacheDir, eager });
      second.checkGrammar();
      found = lintProject(second, {});
    });
    assert.deepStrictEqual(Object.fromEntries(opens), {});
    assert.deepStrictEqual(found, expected);
  });

  it('loads every revision as usual when the lint options cannot be made', () => {
    const dir = tempDir();
    const ini = writeProject(dir, revisions);
    const eager = loadProject(ini, {
      eager: {
        grammar: true,
        lint: () => {
          throw new Error('no options');
        },
      },
    });
    assert.deepStrictEqual([...eager.graph.revisions.keys()], ['a1', 'b2', 'c3']);
    assert.deepStrictEqual(eager.problems, []);
    assert.ok(
      lintProject(eager, {}).some((p) => p.code === 'drop-table'),
      'the lint still runs',
    );
  });

  it('reads a file again when the lint asks with other options than the load was given', () => {
    const dir = tempDir();
    const ini = writeProject(dir, revisions);
    const versions = path.join(dir, 'alembic', 'versions');
    const eager = loadProject(ini, { eager: { lint: (config) => revisionLintOptions(config, {}) } });
    let found: ReturnType<typeof lintProject> = [];
    const opens = opensDuring(versions, () => {
      found = lintProject(eager, { severities: { 'drop-table': 'off' } });
    });
    assert.strictEqual(opens.size, 3, 'every file is read for the new options');
    assert.ok(!found.some((p) => p.code === 'drop-table'), 'with the rule off');
  });
});

describe('newestFirst', () => {
  it('puts heads on top and every revision above its parents, newest first', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [
      { id: 'a1', createDate: '2024-01-01 10:00:00' },
      { id: 'b2', down: 'a1', createDate: '2024-01-02 10:00:00' },
      { id: 'c3', down: 'a1', createDate: '2024-01-05 10:00:00' },
      { id: 'd4', down: 'b2', createDate: '2024-01-03 10:00:00' },
    ]);
    const order = newestFirst(loadProject(ini).graph).map((r) => r.id);
    assert.deepStrictEqual(order, ['c3', 'd4', 'b2', 'a1']);
  });
});

describe('Project: the full syntax check is bounded', () => {
  it('skips the full-grammar check of a file over 4 MB, says so at line 1, and still reads the revision', () => {
    const dir = tempDir();
    const row = (i: number) => `op.execute("INSERT INTO reference_data VALUES (${i}, 'row ${i}')")`;
    const rows = Array.from({ length: 60_000 }, (_, i) => row(i));
    const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b1', down: 'a1', upgrade: rows }]);
    const big = path.join(dir, 'alembic', 'versions', 'b1_rev.py');
    assert.ok(fs.statSync(big).size > 4 * 1024 * 1024);
    const project = loadProject(ini);
    assert.strictEqual(project.checkGrammar().done, true);
    assert.deepStrictEqual(project.graph.heads, ['b1']);
    const skipped = project.problems.filter((p) => p.code === 'grammar-check-skipped');
    assert.strictEqual(skipped.length, 1);
    assert.strictEqual(skipped[0].path, big);
    assert.strictEqual(skipped[0].line, 1);
    assert.strictEqual(skipped[0].severity, 'info');
  });

  it('still finds a syntax error by the full-grammar check in a file under the cap', () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1', upgrade: ['x = (1 +', 'y = 2)', 'def f(:', '    pass'] }]);
    const project = loadProject(ini);
    project.checkGrammar();
    assert.ok(
      project.problems.some((p) => p.code === 'syntax-error'),
      JSON.stringify(project.problems),
    );
  });
  it('reads Python 3.9+ forms the grammar check lagged on (a parenthesized with, as pgadmin4 writes batch operations) without a syntax error', () => {
    const dir = tempDir();
    const batch = ['with (op.batch_alter_table("t") as batch_op):', '    batch_op.drop_column("x")'];
    const ini = writeProject(dir, [
      { id: 'a1', upgrade: batch },
      {
        id: 'b2',
        down: 'a1',
        upgrade: [
          'with (',
          '    op.batch_alter_table("t") as a,',
          '    op.batch_alter_table("u") as b,',
          '):',
          '    pass',
        ],
      },
    ]);
    const project = loadProject(ini);
    project.checkGrammar();
    assert.deepStrictEqual(project.problems, []);
    assert.deepStrictEqual(project.graph.heads, ['b2']);
  });
});

describe('Project: values Alembic refuses', () => {
  it("a one-item set as down_revision or depends_on is an error at its line (Alembic: 'set' object is not subscriptable)", () => {
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(path.join(versions, 'b1.py'), "revision = 'b1'\ndown_revision = {'a1'}\n");
    fs.writeFileSync(path.join(versions, 'c1.py'), "revision = 'c1'\ndown_revision = ('a1',)\ndepends_on = {'b1'}\n");
    fs.writeFileSync(path.join(versions, 'd1.py'), "revision = 'd1'\ndown_revision = 'c1'\nbranch_labels = {'x'}\n");
    const problems = loadProject(ini).problems.map((p) => `${path.basename(p.path)}:${p.line} ${p.code}`);
    assert.deepStrictEqual(
      problems.filter((p) => p.endsWith('set-value')),
      ['b1.py:2 set-value', 'c1.py:3 set-value'],
    );
  });
});

describe('Project: what a hostile try found read otherwise than Python and Alembic do', () => {
  it('a form feed before a top-level assignment starts it at column 0 (no block, no warning)', () => {
    const dir = tempDir('alembic-lens-ff-');
    const ini = writeProject(dir, [{ id: 'a0' }]);
    const file = path.join(dir, 'alembic', 'versions', 'b1_rev.py');
    fs.writeFileSync(file, `"""msg\n"""\nif True:\n    x = 1\n\f${"revision = 'b1'"}\ndown_revision = 'a0'\n`);
    const project = loadProject(ini);
    assert.deepStrictEqual(project.graph.heads, ['b1']);
    assert.deepStrictEqual(project.problems, []);
    // Inside the block it is in the block, form feed or not (Python's column after it is 4).
    fs.writeFileSync(file, `"""msg\n"""\nif True:\n    x = 1\n\f    revision = 'b1'\ndown_revision = 'a0'\n`);
    assert.deepStrictEqual(
      loadProject(ini).problems.map((p) => p.code),
      ['conditional-value'],
    );
  });

  it('a file name with a line break is not a revision file (Alembic matches `.*\\.py$`, whose `.` stops there)', () => {
    const dir = tempDir('alembic-lens-newline-');
    const ini = writeProject(dir, [{ id: 'a0' }]);
    fs.writeFileSync(path.join(dir, 'alembic', 'versions', 'n\nl.py'), revisionText({ id: 'nl', down: 'a0' }));
    const project = loadProject(ini);
    assert.deepStrictEqual(project.graph.heads, ['a0']);
    assert.deepStrictEqual(
      project.revisionFiles.map((f) => path.basename(f)),
      ['a0_rev.py'],
    );
  });
});
