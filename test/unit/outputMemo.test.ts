// The CLI's kept outputs (src/core/outputMemo.ts), through the real command: a kept output is printed
// only while nothing it was computed from changed. Each test first replaces the kept output with a
// marker, so that a run which printed it is told from one that read the project.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { revisionText, tempDir, waitPastRacyWindow, writeProject } from '../support/tempProject';

const cli = path.join(process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..'), 'dist', 'cli.js');
const MARKER = 'KEPT OUTPUT PRINTED\n';

interface Fixture {
  dir: string;
  ini: string;
  versions: string;
  cacheFolder: string;
}

/** a1 <- b1, a1 <- c1: heads b1 and c1. */
function branchy(): Fixture {
  const dir = tempDir('alembic-lens-kept-');
  const ini = writeProject(dir, [{ id: 'a1' }, { id: 'b1', down: 'a1' }, { id: 'c1', down: 'a1' }]);
  return { dir, ini, versions: path.join(dir, 'alembic', 'versions'), cacheFolder: path.join(dir, 'cache') };
}

/** As branchy, but b1's parent is read from app/ids.py (`PARENT = 'a1'`). */
function withImportedParent(): Fixture & { ids: string } {
  const fixture = branchy();
  fs.writeFileSync(
    path.join(fixture.dir, 'alembic.ini'),
    '[alembic]\nscript_location = alembic\nprepend_sys_path = .\n',
  );
  fs.mkdirSync(path.join(fixture.dir, 'app'));
  fs.writeFileSync(path.join(fixture.dir, 'app', '__init__.py'), '');
  const ids = path.join(fixture.dir, 'app', 'ids.py');
  fs.writeFileSync(ids, "PARENT = 'a1'\n");
  const text = revisionText({ id: 'b1', down: 'a1' }).replace(
    'down_revision = "a1"',
    'from app.ids import PARENT\ndown_revision = PARENT',
  );
  fs.writeFileSync(path.join(fixture.versions, 'b1_rev.py'), text);
  return { ...fixture, ids };
}

function run(fixture: Fixture, args: string[]): { stdout: string; stderr: string; status: number | null } {
  const env = { ...process.env, XDG_CACHE_HOME: fixture.cacheFolder };
  const ran = spawnSync(process.execPath, [cli, '-c', fixture.ini, ...args], {
    cwd: fixture.dir,
    encoding: 'utf8',
    env,
  });
  return { stdout: ran.stdout, stderr: ran.stderr, status: ran.status };
}

function outputFiles(fixture: Fixture): string[] {
  const folder = path.join(fixture.cacheFolder, 'alembic-lens');
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((f) => f.startsWith('outputs-'))
    .map((f) => path.join(folder, f));
}

/** Replaces every kept output's stdout with MARKER; the number of outputs replaced. */
function markKeptOutputs(fixture: Fixture): number {
  const files = outputFiles(fixture);
  for (const file of files) {
    const [header, body] = fs.readFileSync(file, 'utf8').split('\n');
    const kept = JSON.parse(body);
    kept.output.stdout = MARKER;
    fs.writeFileSync(file, `${header}\n${JSON.stringify(kept)}`);
  }
  return files.length;
}

const heads = (stdout: string): string[] => stdout.match(/^\w+(?= )/gm)?.sort() ?? [];

describe('kept outputs of read-only commands', function () {
  this.timeout(20000);
  const fixtures: Fixture[] = [];
  let imported: ReturnType<typeof withImportedParent>;
  before(function () {
    for (let i = 0; i < 8; i++) fixtures.push(branchy());
    imported = withImportedParent();
    // Files changed in the last 2 s are never cached, so neither is an output computed from them.
    waitPastRacyWindow();
  });

  it('an unchanged project prints the kept output; an edited, added or removed file, or a new config, reads it again', () => {
    const changes: [string, (f: Fixture) => void, string[]][] = [
      [
        'b1 edited to follow c1 (same size, mtime set back)',
        (f) => {
          const file = path.join(f.versions, 'b1_rev.py');
          const { atime, mtime } = fs.statSync(file);
          fs.writeFileSync(
            file,
            fs.readFileSync(file, 'utf8').replace(/"a1"/g, '"c1"').replace('Revises: a1', 'Revises: c1'),
          );
          fs.utimesSync(file, atime, mtime);
        },
        ['b1'],
      ],
      [
        'd1 added after b1',
        (f) => fs.writeFileSync(path.join(f.versions, 'd1_rev.py'), revisionText({ id: 'd1', down: 'b1' })),
        ['c1', 'd1'],
      ],
      ['c1 removed', (f) => fs.rmSync(path.join(f.versions, 'c1_rev.py')), ['b1']],
      [
        'a second version location with a third head',
        (f) => {
          fs.mkdirSync(path.join(f.dir, 'more'));
          fs.writeFileSync(path.join(f.dir, 'more', 'e1_rev.py'), revisionText({ id: 'e1', down: 'a1' }));
          const ini = '[alembic]\nscript_location = alembic\nversion_locations = alembic/versions more\n';
          fs.writeFileSync(f.ini, ini);
        },
        ['b1', 'c1', 'e1'],
      ],
    ];
    for (const [i, [what, change, expected]] of changes.entries()) {
      const fixture = fixtures[i];
      const first = run(fixture, ['heads']);
      assert.deepStrictEqual(heads(first.stdout), ['b1', 'c1'], first.stderr);
      assert.strictEqual(markKeptOutputs(fixture), 1, 'the first run kept its output');
      assert.strictEqual(run(fixture, ['heads']).stdout, MARKER, 'unchanged: the kept output is printed');
      change(fixture);
      const after = run(fixture, ['heads']);
      assert.deepStrictEqual(heads(after.stdout), expected, `${what}: ${after.stdout}${after.stderr}`);
      assert.strictEqual(after.status, 0);
    }
  });

  it('each invocation keeps its own output: other arguments or another working directory are not answered from it', () => {
    const fixture = fixtures[4];
    run(fixture, ['heads']);
    assert.strictEqual(markKeptOutputs(fixture), 1);
    const history = run(fixture, ['history']);
    assert.strictEqual(outputFiles(fixture).length, 2, 'history keeps an output of its own');
    assert.match(history.stdout, /^a1 -> b1 \(head\)/m);
    assert.match(history.stdout, /^a1 -> c1 \(head\)/m);
    const env = { ...process.env, XDG_CACHE_HOME: fixture.cacheFolder };
    const elsewhere = spawnSync(process.execPath, [cli, '-c', fixture.ini, 'heads'], { cwd: fixture.versions, env });
    assert.notStrictEqual(elsewhere.stdout.toString(), MARKER);
    assert.strictEqual(run(fixture, ['heads']).stdout, MARKER);
    assert.strictEqual(run(fixture, ['--no-cache', 'heads']).stdout.includes('b1 (head)'), true);
    // Ten more invocations: the project keeps the 8 most recent outputs, whatever else the folder holds.
    const [first] = outputFiles(fixture);
    const dangling = `${first.slice(0, first.lastIndexOf('-'))}-dangling.json`;
    fs.symlinkSync(path.join(fixture.dir, 'nowhere'), dangling);
    for (const id of ['a1', 'b1', 'c1', 'a', 'b', 'c', 'head', 'heads', 'base', 'a1@head']) run(fixture, ['show', id]);
    assert.strictEqual(outputFiles(fixture).length, 8);
    assert.ok(!outputFiles(fixture).includes(dangling));
  });

  it('another build of alembic-lens does not print what this one kept', () => {
    const fixture = fixtures[6];
    run(fixture, ['branches']);
    assert.strictEqual(markKeptOutputs(fixture), 1);
    assert.strictEqual(run(fixture, ['branches']).stdout, MARKER);
    // What another build wrote: the parse cache's header names the build (a hash of the sources).
    const folder = path.join(fixture.cacheFolder, 'alembic-lens');
    const entries = path.join(folder, fs.readdirSync(folder).find((f) => f.startsWith('revisions-'))!);
    const bytes = fs.readFileSync(entries, 'latin1');
    assert.match(bytes, /"build":"[0-9a-f]{16}"/);
    fs.writeFileSync(entries, bytes.replace(/"build":"[^"]*"/, '"build":"0123456789abcdef"'), 'latin1');
    assert.notStrictEqual(run(fixture, ['branches']).stdout, MARKER);
  });

  it('keeps no password: neither an argument nor a URL in pyproject.toml is written to the cache folder', () => {
    const fixture = fixtures[7];
    const secret = 'Secr3tPassw0rd';
    const toml = `[tool.alembic]\nsqlalchemy.url = "postgresql://app:${secret}@db/app"\n`;
    fs.writeFileSync(path.join(fixture.dir, 'pyproject.toml'), toml);
    run(fixture, ['heads', '--url', `postgresql://app:${secret}@db/app`]);
    run(fixture, ['heads']);
    const folder = path.join(fixture.cacheFolder, 'alembic-lens');
    const written = fs.readdirSync(folder).map((f) => fs.readFileSync(path.join(folder, f), 'latin1'));
    assert.ok(written.length >= 3, 'the caches and the kept outputs are written');
    assert.ok(!written.some((text) => text.includes(secret)));
  });

  it('a failing command is kept with its exit code and stderr', () => {
    const fixture = fixtures[5];
    const first = run(fixture, ['show', 'zz']);
    assert.strictEqual(first.status, 1);
    assert.match(first.stderr, /^FAILED: /);
    assert.strictEqual(markKeptOutputs(fixture), 1);
    const again = run(fixture, ['show', 'zz']);
    assert.deepStrictEqual([again.stdout, again.status, again.stderr], [MARKER, first.status, first.stderr]);
  });

  it('no output is kept while a revision reads another file, nor from a file changed in the last 2 s', () => {
    assert.deepStrictEqual(heads(run(imported, ['heads']).stdout), ['b1', 'c1']);
    assert.strictEqual(markKeptOutputs(imported), 0, 'b1 imports app/ids.py: nothing is kept');
    // The same size: only the module's content says that b1 now follows c1.
    fs.writeFileSync(imported.ids, "PARENT = 'c1'\n");
    assert.deepStrictEqual(heads(run(imported, ['heads']).stdout), ['b1']);

    const fresh = branchy();
    assert.deepStrictEqual(heads(run(fresh, ['heads']).stdout), ['b1', 'c1']);
    assert.strictEqual(markKeptOutputs(fresh), 0, 'files written just now: nothing is kept');
  });
});
