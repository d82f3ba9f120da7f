// `alembic-lens check --format text|json|sarif|github` and `check --rules`, through the built CLI on a
// real project folder: the same problems and exit code in every format, SARIF with the properties the
// 2.1.0 specification requires, GitHub workflow commands escaped as the runner reads them.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Sarif from 'sarif';
import { LINT_RULES } from '../../src/core/lint';
import { revisionText, tempDir, writeProject } from '../support/tempProject';

const ROOT = process.env.ALEMBIC_LENS_ROOT ?? path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

describe('check --format and --rules', () => {
  let dir: string;
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, '-c', path.join(dir, 'alembic.ini'), ...args], { cwd: dir, encoding: 'utf8' });

  before(() => {
    assert.ok(fs.existsSync(CLI), `${CLI} is built (npm test builds it first)`);
    dir = tempDir('alembic-lens-report-');
    writeProject(dir, [{ id: 'a0' }, { id: 'b1', down: 'a0' }]);
    const versions = path.join(dir, 'alembic', 'versions');
    fs.writeFileSync(
      path.join(versions, 'a0_rev.py'),
      revisionText({ id: 'a0', upgrade: ['op.drop_table("users")'], downgrade: ['op.create_table("users")'] }),
    );
    fs.writeFileSync(
      path.join(versions, 'b1_rev.py'),
      revisionText({ id: 'b1', down: 'a0', message: 'add 100% of the column', upgrade: ['pass'] }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('text, json, sarif and github report the same problems, at the same lines, with the same exit code', () => {
    const text = run('check', '--severity', 'drop-table=error');
    assert.strictEqual(text.status, 1, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.deepStrictEqual(
      lines.map((l) => l.replace(/: (error|warning|info): .*\[([\w-]+)\]$/, ' $1 $2')),
      ['alembic/versions/a0_rev.py:19 error drop-table', 'alembic/versions/b1_rev.py:19 warning empty-autogenerate'],
    );

    const json = run('check', '--severity', 'drop-table=error', '--format', 'json');
    assert.strictEqual(json.status, 1);
    const report = JSON.parse(json.stdout) as { problems: Array<Record<string, unknown>>; errors: number };
    assert.strictEqual(report.errors, 1);
    assert.deepStrictEqual(Object.keys(report.problems[0]).sort(), [
      'code',
      'doc',
      'file',
      'line',
      'message',
      'path',
      'severity',
    ]);
    assert.strictEqual(report.problems[0].path, fs.realpathSync(path.join(dir, 'alembic/versions/a0_rev.py')));
    assert.strictEqual(report.problems[0].doc, 'docs/rules/drop-table.md');

    const github = run('check', '--severity', 'drop-table=error', '--format', 'github');
    assert.strictEqual(github.status, 1);
    const annotations = github.stdout.trim().split('\n');
    assert.match(
      annotations[0],
      /^::error file=alembic\/versions\/a0_rev\.py,line=19,title=alembic-lens drop-table::op\.drop_table/,
    );
    assert.match(
      annotations[1],
      /^::warning file=alembic\/versions\/b1_rev\.py,line=19,title=alembic-lens empty-autogenerate::/,
    );
    assert.match(annotations[1], /"add 100%25 of the column"/, 'a % in the message is escaped');
    assert.strictEqual(run('check', '--format', 'xml').status, 2);
  });

  it('sarif: version, tool.driver.name and rules, and each result with ruleId, level, message and a relative location', () => {
    const out = run('check', '--format', 'sarif');
    assert.strictEqual(out.status, 0, out.stderr);
    const log = JSON.parse(out.stdout) as Sarif.Log;
    assert.strictEqual(log.version, '2.1.0');
    assert.strictEqual(log.runs.length, 1);
    const { driver } = log.runs[0].tool;
    assert.strictEqual(driver.name, 'alembic-lens');
    const rules = driver.rules ?? [];
    assert.deepStrictEqual(
      rules.map((r) => r.id),
      LINT_RULES.map((r) => r.code),
    );
    for (const rule of rules) assert.ok(rule.shortDescription?.text, `${rule.id} has a description`);
    const results = log.runs[0].results ?? [];
    assert.strictEqual(results.length, 2);
    const expected = [
      ['drop-table', 'warning', 'alembic/versions/a0_rev.py', 19],
      ['empty-autogenerate', 'warning', 'alembic/versions/b1_rev.py', 19],
    ];
    results.forEach((result, i) => {
      const [ruleId, level, uri, line] = expected[i];
      assert.strictEqual(result.ruleId, ruleId);
      assert.strictEqual(rules[result.ruleIndex ?? -1]?.id, ruleId, 'ruleIndex points at the rule');
      assert.strictEqual(result.level, level);
      assert.ok(result.message.text && result.message.text.length > 20);
      const location = result.locations?.[0]?.physicalLocation;
      assert.strictEqual(location?.artifactLocation?.uri, uri, 'relative to the checkout');
      assert.strictEqual(location?.artifactLocation?.uriBaseId, '%SRCROOT%');
      assert.strictEqual(location?.region?.startLine, line);
    });
  });

  it("sarif: Microsoft's SARIF validator (the 2.1.0 schema and its rules) finds nothing wrong", function () {
    this.timeout(120000);
    const sarifFile = path.join(dir, 'report.sarif');
    fs.writeFileSync(sarifFile, run('check', '--format', 'sarif').stdout);
    const findings = validateSarif(sarifFile);
    assert.deepStrictEqual(findings, [], findings.join('\n'));
    // The validator does catch a broken log: no tool name, a level the schema does not have.
    const broken = JSON.parse(fs.readFileSync(sarifFile, 'utf8')) as Sarif.Log;
    delete (broken.runs[0].tool.driver as Partial<Sarif.ToolComponent>).name;
    (broken.runs[0].results ?? [])[0].level = 'fatal' as Sarif.Result.level;
    fs.writeFileSync(sarifFile, JSON.stringify(broken));
    const brokenFindings = validateSarif(sarifFile).join('\n');
    assert.match(brokenFindings, /error JSON1002: .*runs\[0\]\.tool\.driver.*"name"/, 'a required property missing');
    assert.match(brokenFindings, /error JSON1019: .*runs\[0\]\.results\[0\]\.level.*fatal/, 'a value not in the enum');
  });

  it('--rules lists every rule: on or off (after --severity), severity, databases, its doc, which exists', () => {
    const out = run('check', '--rules');
    assert.strictEqual(out.status, 0);
    const rows = out.stdout.trim().split('\n').slice(1);
    assert.strictEqual(rows.length, LINT_RULES.length);
    assert.match(
      out.stdout,
      /^create-index-not-concurrently\s+on\s+warning\s+postgresql\s+.*\(docs\/rules\/create-index-not-concurrently\.md\)$/m,
    );
    assert.match(out.stdout, /^sqlite-alter-outside-batch\s+on\s+error\s+sqlite\s+/m);
    assert.match(out.stdout, /^integer-primary-key\s+off\s+warning\s+all\s+/m);
    const changed = run('check', '--rules', '--severity', 'integer-primary-key=error', '--severity', 'drop-table=off');
    assert.match(changed.stdout, /^integer-primary-key\s+on\s+error\s+/m);
    assert.match(changed.stdout, /^drop-table\s+off\s+/m);
    for (const rule of LINT_RULES) {
      const doc = fs.readFileSync(path.join(ROOT, 'docs', 'rules', `${rule.code}.md`), 'utf8');
      for (const heading of ['## What it reports', '## Why it matters', '## What to do instead', '## Turning it off'])
        assert.ok(doc.includes(heading), `${rule.code}.md has "${heading}"`);
      assert.ok(doc.includes(`ignore[${rule.code}]`), `${rule.code}.md says how to suppress it`);
    }
  });
});

/**
 * The errors and warnings of `Sarif.Multitool validate` (the SARIF SDK's validator, an exact dev
 * dependency) on a file, as text. npm does not run its postinstall (chmod), so the binary is made executable here.
 */
function validateSarif(file: string): string[] {
  const platform = process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux';
  const tool = path.join(
    path.dirname(require.resolve(`@microsoft/sarif-multitool-${platform}/package.json`)),
    platform === 'win32' ? 'Sarif.Multitool.exe' : 'Sarif.Multitool',
  );
  if (platform !== 'win32') fs.chmodSync(tool, 0o755);
  const output = `${file}.validation.sarif`;
  const ran = spawnSync(tool, ['validate', file, '--output', output, '--log', 'ForceOverwrite'], {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  assert.ok(fs.existsSync(output), `the validator wrote no log: ${ran.stdout}${ran.stderr}${ran.error ?? ''}`);
  const log = JSON.parse(fs.readFileSync(output, 'utf8')) as Sarif.Log;
  return (log.runs[0].results ?? [])
    .filter((r) => r.level === 'error' || r.level === 'warning' || r.level === undefined)
    .map((r) => `${r.level ?? 'warning'} ${r.ruleId}: ${r.message.text ?? JSON.stringify(r.message)}`);
}
