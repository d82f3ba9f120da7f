import * as assert from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintProject } from '../../src/core/lint';
import { fnv1a64, ParseCache } from '../../src/core/parseCache';
import { loadProject, type Project } from '../../src/core/project';
import { readRevisionFile } from '../../src/core/revisionFile';
import { revisionText, tempDir, waitPastRacyWindow, writeProject } from '../support/tempProject';

/** A three-revision project whose heads are b1 and c1; editing c1's parent to b1 (same size) leaves c1 alone. */
function branchyProject(): { ini: string; c1: string; cacheDir: string } {
  const dir = tempDir();
  const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b1', down: 'a1' }, { id: 'c1', down: 'a1' }]);
  return { ini, c1: path.join(dir, 'alembic', 'versions', 'c1_rev.py'), cacheDir: path.join(dir, 'cache') };
}

function cachedAndUncachedHeads(ini: string, cacheDir: string): { cached: string[]; uncached: string[] } {
  const heads = (options: { cacheDir?: string }) => [...loadProject(ini, options).graph.heads].sort();
  return { cached: heads({ cacheDir }), uncached: heads({}) };
}

/** Projects older than the racy window, made once for the whole file: each test takes its own. */
const settled: ReturnType<typeof branchyProject>[] = [];
function settledProject(): ReturnType<typeof branchyProject> {
  const project = settled.pop();
  assert.ok(project, 'make more settled projects in before()');
  return project;
}

let linted: { ini: string; file: string; cacheDir: string };
/** A base with `depends_on = ''`: no real base for Alembic, so its history is a dependency cycle. */
let emptyDependsOnIni: string;
/** A cached project whose files were renamed since (see before()), and the docs file of before the rename. */
let renamed: { ini: string; cacheDir: string; oldDocs: string; docsFile: string };

/** A project whose folders and file names are not all ASCII. */
let unicode: { ini: string; cacheDir: string };

/** What each revision of a project says of itself, as the history and the tree show it. */
function docstrings(project: Project): unknown[] {
  return [...project.graph.revisions.values()].map(({ id, source }) => ({
    id,
    message: source.message,
    longdoc: source.longdoc,
    createDate: source.createDate,
    lines: [source.revisionLine, source.downRevisionLine, source.dependsOnLine, source.branchLabelsLine],
  }));
}

describe('parse cache', function () {
  before(function () {
    this.timeout(10000);
    for (let i = 0; i < 12; i++) settled.push(branchyProject());
    const dir = tempDir();
    const ini = writeProject(dir, [{ id: 'a1', upgrade: ["op.drop_table('users')"] }]);
    linted = { ini, file: path.join(dir, 'alembic', 'versions', 'a1_rev.py'), cacheDir: path.join(dir, 'cache') };
    emptyDependsOnIni = writeProject(tempDir(), [{ id: 'a1', dependsOn: '' }]);
    const renamedDir = tempDir();
    const renamedIni = writeProject(renamedDir, [
      { id: 'a1', message: 'first' },
      { id: 'b1', down: 'a1', message: 'second', createDate: '2024-02-02 00:00:00' },
      { id: 'c1', down: 'b1', message: 'third' },
    ]);
    const renamedCache = path.join(renamedDir, 'cache');
    waitPastRacyWindow();
    loadProject(renamedIni, { cacheDir: renamedCache });
    const [docsName] = fs.readdirSync(renamedCache).filter((name) => name.startsWith('docs-'));
    const docsFile = path.join(renamedCache, docsName);
    const oldDocs = fs.readFileSync(docsFile, 'utf8');
    // The same number of files, in another order: c1's file now comes first.
    const versions = path.join(renamedDir, 'alembic', 'versions');
    fs.renameSync(path.join(versions, 'c1_rev.py'), path.join(versions, '0c1_rev.py'));
    renamed = { ini: renamedIni, cacheDir: renamedCache, oldDocs, docsFile };
    // Names beyond ASCII in every part the cache stores: the config's folder, a subfolder, file names,
    // and a version location outside the config's folder (stored by its absolute path).
    const unicodeDir = path.join(tempDir(), 'projé_日本');
    const outside = path.join(tempDir(), 'hors_😀');
    fs.mkdirSync(path.join(unicodeDir, 'alembic', 'versions', 'sous-dossier'), { recursive: true });
    fs.mkdirSync(outside);
    const unicodeIni = writeProject(
      unicodeDir,
      [
        { id: 'a1', file: 'a1_café.py', message: 'café' },
        { id: 'b1', down: 'a1', file: 'sous-dossier/b1_日本.py', message: '日本' },
      ],
      `[alembic]\nscript_location = alembic\nrecursive_version_locations = true\nversion_locations = %(here)s/alembic/versions ${outside}\n`,
    );
    fs.writeFileSync(path.join(outside, 'c1_😀.py'), revisionText({ id: 'c1', down: 'b1', message: '😀' }));
    unicode = { ini: unicodeIni, cacheDir: path.join(unicodeDir, 'cache') };
    waitPastRacyWindow();
  });

  describe('parse cache: entries', function () {
    this.timeout(20000);

    /** A settled project whose c1 was read through a cache and saved; `parses()` counts the reads of c1. */
    function cachedOnce() {
      const { ini, c1, cacheDir } = settledProject();
      const config = path.resolve(ini);
      let parses = 0;
      const parse = () => {
        parses++;
        return readRevisionFile(c1, fs.readFileSync(c1, 'utf8'));
      };
      const first = new ParseCache(cacheDir, config, 'alembic');
      first.read(c1, parse);
      first.save([c1]);
      return { c1, cacheDir, config, parse, parses: () => parses };
    }

    it('reuses parsed files across loads and re-reads a file that changed', () => {
      const { c1, cacheDir, config, parse, parses } = cachedOnce();
      assert.strictEqual(parses(), 1);
      const second = new ParseCache(cacheDir, config, 'alembic');
      assert.strictEqual(second.read(c1, parse).source!.revision, 'c1');
      assert.strictEqual(parses(), 1, 'an unchanged file is not parsed again');
      fs.writeFileSync(c1, revisionText({ id: 'c1', down: 'a1', message: 'edited message' }));
      assert.strictEqual(new ParseCache(cacheDir, config, 'alembic').read(c1, parse).source!.message, 'edited message');
      assert.strictEqual(parses(), 2);
    });

    it('parses every file again after alembic-lens itself changed (a cache written by another build)', () => {
      const { c1, cacheDir, config, parse, parses } = cachedOnce();
      const [cacheFile] = fs.readdirSync(cacheDir).filter((name) => name.startsWith('revisions-'));
      const bytes = fs.readFileSync(path.join(cacheDir, cacheFile), 'latin1');
      assert.match(bytes, /"build":"[0-9a-f]{16}"/);
      fs.writeFileSync(path.join(cacheDir, cacheFile), bytes.replace(/"build":"[^"]*"/, '"build":"another"'), 'latin1');
      new ParseCache(cacheDir, config, 'alembic').read(c1, parse);
      assert.strictEqual(parses(), 2, 'the file is parsed again');
    });

    it('gives restored revisions the messages, docstrings and lines of the files', () => {
      const { ini, cacheDir } = settledProject();
      const uncached = docstrings(loadProject(ini));
      assert.deepStrictEqual(docstrings(loadProject(ini, { cacheDir })), uncached, 'the run that writes the cache');
      assert.deepStrictEqual(docstrings(loadProject(ini, { cacheDir })), uncached, 'the run that reads it');
      fs.rmSync(cacheDir, { recursive: true });
      loadProject(ini, { cacheDir });
      for (const name of fs.readdirSync(cacheDir).filter((n) => n.startsWith('docs-'))) {
        fs.writeFileSync(path.join(cacheDir, name), 'not a docs file', { mode: 0o600 });
      }
      assert.deepStrictEqual(docstrings(loadProject(ini, { cacheDir })), uncached, 'an unusable docs file');
    });

    it('never takes the docstrings of another generation of the cache (files renamed since)', () => {
      const { ini, cacheDir, oldDocs, docsFile } = renamed;
      const uncached = docstrings(loadProject(ini));
      assert.deepStrictEqual(
        uncached.map((r) => (r as { message: string }).message),
        ['third', 'first', 'second'],
        'c1 is read first now',
      );
      loadProject(ini, { cacheDir });
      // The docs file of before the rename: as many entries, in the old order.
      fs.writeFileSync(docsFile, oldDocs);
      assert.deepStrictEqual(docstrings(loadProject(ini, { cacheDir })), uncached);
    });

    it('restores files whose folders and names are not ASCII, without parsing them again', () => {
      const { ini, cacheDir } = unicode;
      const uncached = loadProject(ini);
      assert.deepStrictEqual(uncached.graph.heads, ['c1'], 'the three files are read, in their three folders');
      loadProject(ini, { cacheDir });
      assert.deepStrictEqual(docstrings(loadProject(ini, { cacheDir })), docstrings(uncached));
      const cache = new ParseCache(cacheDir, path.resolve(ini), 'alembic');
      for (const file of uncached.revisionFiles) cache.read(file, () => assert.fail(`${file} is parsed again`));
    });

    it('finds each stored file whatever order the files are read in', () => {
      const { ini, c1, cacheDir } = settledProject();
      const config = path.resolve(ini);
      const files = ['a1', 'b1', 'c1'].map((id) => path.join(path.dirname(c1), `${id}_rev.py`));
      let parses = 0;
      const parse = (file: string) => {
        parses++;
        return readRevisionFile(file, fs.readFileSync(file, 'utf8'));
      };
      const first = new ParseCache(cacheDir, config, 'alembic');
      for (const file of files) first.read(file, parse);
      first.save(files);
      const second = new ParseCache(cacheDir, config, 'alembic');
      const revisions = [2, 0, 1].map((i) => second.read(files[i], parse).source?.revision);
      assert.deepStrictEqual(revisions, ['c1', 'a1', 'b1']);
      assert.strictEqual(parses, 3, 'no file parsed again');
    });

    it("keeps depends_on = '' (a base that is no real base) from one run to the next", () => {
      const ini = emptyDependsOnIni;
      const cacheDir = path.join(path.dirname(ini), 'cache');
      const codes = (project: Project) => project.problems.map((p) => p.code).sort();
      const uncached = codes(loadProject(ini));
      assert.ok(uncached.includes('cycle'), `a dependency cycle, as Alembic reports: ${uncached}`);
      assert.deepStrictEqual(codes(loadProject(ini, { cacheDir })), uncached, 'the run that writes the cache');
      assert.ok(fs.readdirSync(cacheDir).length, 'a cache was written');
      assert.deepStrictEqual(codes(loadProject(ini, { cacheDir })), uncached, 'the run that reads it');
    });

    it('never caches a file modified in the last seconds (racily clean)', () => {
      const { ini, c1, cacheDir } = branchyProject();
      loadProject(ini, { cacheDir });
      const stat = fs.statSync(c1);
      fs.writeFileSync(c1, revisionText({ id: 'c1', down: 'a1', message: 'FIRST' }));
      fs.utimesSync(c1, stat.atime, stat.mtime);
      assert.strictEqual(loadProject(ini, { cacheDir }).graph.get('c1')!.source.message, 'FIRST');
    });

    it('sees a same-size edit whose mtime was put back (touch -r)', () => {
      const { ini, c1, cacheDir } = settledProject();
      const reference = `${c1}.orig`;
      execFileSync('cp', ['-p', c1, reference]);
      assert.deepStrictEqual(cachedAndUncachedHeads(ini, cacheDir), { cached: ['b1', 'c1'], uncached: ['b1', 'c1'] });
      fs.writeFileSync(c1, fs.readFileSync(c1, 'utf8').replace('down_revision = "a1"', 'down_revision = "b1"'));
      execFileSync('touch', ['-r', reference, c1]);
      fs.rmSync(reference);
      assert.deepStrictEqual(cachedAndUncachedHeads(ini, cacheDir), { cached: ['c1'], uncached: ['c1'] });
    });

    it('sees a file copied over with cp -p (same inode, size and mtime)', () => {
      const { ini, c1, cacheDir } = settledProject();
      const edited = path.join(path.dirname(ini), 'c1_edited.txt');
      fs.writeFileSync(edited, fs.readFileSync(c1, 'utf8').replace('down_revision = "a1"', 'down_revision = "b1"'));
      execFileSync('touch', ['-r', c1, edited]);
      const inode = fs.statSync(c1).ino;
      assert.deepStrictEqual(cachedAndUncachedHeads(ini, cacheDir).cached, ['b1', 'c1']);
      execFileSync('cp', ['-p', edited, c1]);
      assert.strictEqual(fs.statSync(c1).ino, inode, 'cp -p over a file keeps its inode');
      assert.deepStrictEqual(cachedAndUncachedHeads(ini, cacheDir), { cached: ['c1'], uncached: ['c1'] });
    });
  });

  describe('parse cache: lint findings', function () {
    this.timeout(20000);
    const lintOf = (project: Project, severities = {}) =>
      lintProject(project, { env: {}, dotenv: {}, severities })
        .filter((p) => p.code === 'drop-table')
        .map((p) => `${path.basename(p.path)}:${p.line} ${p.severity}`);

    it('keeps the findings of each file for the next run, per lint options, until the file changes', () => {
      const { ini, file, cacheDir } = linted;
      const first = loadProject(ini, { cacheDir });
      const found = lintOf(first);
      assert.deepStrictEqual(found, ['a1_rev.py:19 warning']);
      assert.ok(first.fileResult(file)!.record, 'the first run reads the file');

      const second = loadProject(ini, { cacheDir });
      assert.deepStrictEqual(lintOf(second), found);
      assert.strictEqual(second.fileResult(file)!.record, undefined, 'the next run reads no unchanged file');
      assert.deepStrictEqual(lintOf(second, { 'drop-table': 'error' }), ['a1_rev.py:19 error']);
      assert.ok(second.fileResult(file)!.record, 'other options: the file is read again');

      fs.writeFileSync(file, revisionText({ id: 'a1', upgrade: ['pass', "op.drop_table('users')"] }));
      assert.deepStrictEqual(
        lintOf(loadProject(ini, { cacheDir })),
        ['a1_rev.py:20 warning'],
        'an edited file is linted again',
      );
    });
  });

  describe('parse cache: folder safety', function () {
    this.timeout(20000);

    /** A project with a warm cache in `cacheDir` (created by the first load). */
    function warmProject(): { ini: string; cacheDir: string; versions: string } {
      const { ini, cacheDir } = settledProject();
      loadProject(ini, { cacheDir });
      return { ini, cacheDir, versions: path.join(path.dirname(ini), 'alembic', 'versions') };
    }

    it('does not write through a link planted at the temporary file name', () => {
      const { ini, cacheDir, versions } = warmProject();
      const [cacheFile] = fs.readdirSync(cacheDir).filter((name) => name.startsWith('revisions-'));
      assert.ok(cacheFile, 'the first load wrote a cache file');
      const victim = path.join(path.dirname(ini), 'victim.txt');
      fs.writeFileSync(victim, 'precious');
      const planted = path.join(cacheDir, `${cacheFile}.${process.pid}.tmp`);
      fs.symlinkSync(victim, planted);
      fs.rmSync(path.join(versions, 'b1_rev.py'));
      assert.deepStrictEqual(loadProject(ini, { cacheDir }).graph.heads, ['c1']);
      assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'precious');
      assert.ok(fs.lstatSync(planted).isSymbolicLink());
      assert.ok(fs.lstatSync(path.join(cacheDir, cacheFile)).isFile());
      assert.deepStrictEqual(loadProject(ini, { cacheDir }).graph.heads, ['c1']);
    });

    it('does not read a cache file that is a link', () => {
      const { ini, cacheDir } = warmProject();
      const [cacheFile] = fs.readdirSync(cacheDir).filter((name) => name.startsWith('revisions-'));
      // A tampered copy elsewhere, linked in place: it says c1 follows b1, which would leave one head.
      const elsewhere = path.join(path.dirname(ini), 'elsewhere.json');
      // The file is a header line, a JSON line, then binary numbers: edit the JSON line, same length.
      const [header, body, ...numbers] = fs.readFileSync(path.join(cacheDir, cacheFile), 'latin1').split('\n');
      const columns = JSON.parse(body);
      const c1 = columns.revisions.indexOf('c1');
      assert.deepStrictEqual(columns.downs[c1], 'a1', 'the cache names c1 with its parent');
      columns.downs[c1] = 'b1';
      const tampered = [header, JSON.stringify(columns), ...numbers].join('\n');
      fs.writeFileSync(elsewhere, tampered, 'latin1');
      fs.rmSync(path.join(cacheDir, cacheFile));
      fs.symlinkSync(elsewhere, path.join(cacheDir, cacheFile));
      assert.deepStrictEqual([...loadProject(ini, { cacheDir }).graph.heads].sort(), ['b1', 'c1']);
    });

    it('creates its folder with mode 0700 and tightens a private folder of looser mode', () => {
      const { ini, cacheDir } = warmProject();
      assert.strictEqual(fs.statSync(cacheDir).mode & 0o777, 0o700);
      fs.chmodSync(cacheDir, 0o755);
      loadProject(ini, { cacheDir });
      assert.strictEqual(fs.statSync(cacheDir).mode & 0o777, 0o700);
      for (const name of fs.readdirSync(cacheDir)) {
        assert.strictEqual(fs.statSync(path.join(cacheDir, name)).mode & 0o077, 0, name);
      }
    });

    for (const [label, mode] of [
      ['group', 0o770],
      ['others', 0o707],
    ] as const) {
      it(`refuses a folder writable by ${label}: reads every file, writes nothing, says why`, () => {
        const { ini, cacheDir } = settledProject();
        fs.mkdirSync(cacheDir);
        fs.chmodSync(cacheDir, mode);
        const project = loadProject(ini, { cacheDir });
        assert.deepStrictEqual([...project.graph.heads].sort(), ['b1', 'c1']);
        assert.deepStrictEqual(fs.readdirSync(cacheDir), []);
        const who = label === 'group' ? 'its group' : 'others';
        assert.match(project.cacheRefusal ?? '', new RegExp(`writable by ${who}`));
        assert.strictEqual(fs.statSync(cacheDir).mode & 0o777, mode, 'a refused folder is left as it is');
      });
    }

    it("refuses a folder that is not the user's", function () {
      const { ini, cacheDir: ownCacheDir } = settledProject();
      // As root, a folder is given to `nobody`; any other user finds /usr owned by root.
      const asRoot = process.getuid?.() === 0;
      const cacheDir = asRoot ? ownCacheDir : '/usr';
      if (asRoot) {
        fs.mkdirSync(cacheDir, { mode: 0o700 });
        fs.chownSync(cacheDir, 65534, 65534);
      }
      const before = fs.readdirSync(cacheDir);
      const project = loadProject(ini, { cacheDir });
      assert.deepStrictEqual([...project.graph.heads].sort(), ['b1', 'c1']);
      assert.deepStrictEqual(fs.readdirSync(cacheDir), before);
      assert.match(project.cacheRefusal ?? '', new RegExp(`belongs to user id ${asRoot ? 65534 : 0}, not to you`));
    });
  });
});

describe('what a read command loads', () => {
  it('`heads` from the caches loads neither node:crypto nor node:os (10–25 ms of every run)', () => {
    const cli = path.join(process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..'), 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), `${cli} is built (npm test builds it first)`);
    const dir = tempDir('alembic-lens-modules-');
    const ini = writeProject(dir, [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
    waitPastRacyWindow();
    // The built-in modules loaded after start-up, written by a preload script when the process exits.
    const preload = path.join(dir, 'modules.js');
    const list = path.join(dir, 'modules.txt');
    fs.writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);
process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.filter((m) => !before.has(m)).join('\\n')));`,
    );
    const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache'), HOME: dir };
    const heads = (): string[] => {
      const ran = spawnSync(process.execPath, ['-r', preload, cli, '-c', ini, 'heads'], { encoding: 'utf8', env });
      assert.strictEqual(ran.status, 0, ran.stderr);
      assert.match(ran.stdout, /^a1 \(head\)$/m);
      return fs.readFileSync(list, 'utf8').split('\n');
    };
    // The first run writes the caches (their temporary files take random names: node:crypto).
    assert.ok(heads().includes('NativeModule crypto'), 'the list shows what a run loads');
    assert.ok(fs.readdirSync(path.join(dir, 'cache', 'alembic-lens')).some((f) => f.startsWith('revisions-')));
    assert.deepStrictEqual(
      heads().filter((m) => /^NativeModule (crypto|os)$/.test(m)),
      [],
    );
  });

  it('run from another folder (script_location read beside the config, as Flask-Migrate runs): the cache stays', () => {
    const cli = path.join(process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..'), 'dist', 'cli.js');
    const dir = tempDir('alembic-lens-elsewhere-');
    const ini = writeProject(path.join(dir, 'app'), [{ id: 'a0' }, { id: 'a1', down: 'a0' }]);
    waitPastRacyWindow();
    const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') };
    const run = () => {
      const ran = spawnSync(process.execPath, [cli, '-c', ini, 'heads'], { cwd: dir, encoding: 'utf8', env });
      assert.match(ran.stdout, /^a1 \(head\)$/m, ran.stderr);
      assert.match(ran.stderr, /reading .* beside the config file instead/);
      const folder = path.join(dir, 'cache', 'alembic-lens');
      const file = fs.readdirSync(folder).find((f) => f.startsWith('revisions-'))!;
      const { ino, mtimeMs } = fs.statSync(path.join(folder, file));
      return { file, ino, mtimeMs };
    };
    const written = run();
    // Before, the first load (from the working directory, no version folder) saved an empty cache over it.
    assert.deepStrictEqual(run(), written);
    assert.deepStrictEqual(run(), written);
  });

  it("the cache files' names: FNV-1a 64 (the reference vectors), not a hash node:crypto would load for", () => {
    assert.strictEqual(fnv1a64(''), 'cbf29ce484222325');
    assert.strictEqual(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.strictEqual(fnv1a64('foobar'), '85944171f73967e8');
  });
});
