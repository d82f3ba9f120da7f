// Alembic command lines read back by Alembic's own argparse parser (the real Alembic, Debian's
// /usr/bin/python3 here): a value such as a message starting with `-` is proved to arrive intact. Their
// shapes as plain arrays are checked in plain Node (test/unit/alembicCommand.test.ts).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import { type AlembicCommand, alembicArgv, alembicInitArgv } from '../../src/core/alembicCommand';

const HOSTILE = `it's a "test" $(touch /tmp/pwned) \`id\` ünï`;

describe("read back by Alembic's own argument parser", () => {
  const python = '/usr/bin/python3';
  const cases: Array<[AlembicCommand, Record<string, unknown>]> = [
    [
      { command: 'revision', message: HOSTILE, autogenerate: true },
      { command: 'revision', message: HOSTILE, autogenerate: true },
    ],
    [{ command: 'revision', message: '-weird' }, { message: '-weird' }],
    [
      { command: 'revision', message: '--sql' },
      { message: '--sql', sql: false },
    ],
    [{ command: 'revision', message: '' }, { message: '' }],
    [
      {
        command: 'revision',
        message: 'a\nb',
        head: 'base',
        splice: true,
        branchLabel: 'feat',
        revId: 'cafe01',
        dependsOn: ['aa', 'bb'],
      },
      {
        message: 'a\nb',
        head: 'base',
        splice: true,
        branch_label: 'feat',
        rev_id: 'cafe01',
        depends_on: ['aa', 'bb'],
      },
    ],
    [
      { command: 'merge', revisions: ['aa', 'bb'], message: '-m' },
      { command: 'merge', revisions: ['aa', 'bb'], message: '-m' },
    ],
    [
      { command: 'downgrade', revision: '-1', sql: true },
      { command: 'downgrade', revision: '-1', sql: true },
    ],
    [
      { command: 'stamp', revisions: ['-x', 'heads'], purge: true },
      { command: 'stamp', revisions: ['-x', 'heads'], purge: true },
    ],
    [
      { command: 'history', revRange: '-3:' },
      { command: 'history', rev_range: '-3:' },
    ],
    [
      { command: 'upgrade', revision: 'head', tag: '-t' },
      { command: 'upgrade', revision: 'head', tag: '-t' },
    ],
  ];
  const initArgv = alembicInitArgv(python, '-dir', { template: 'generic' });
  let parsed: Array<Record<string, unknown>> = [];

  // Parses every argv (minus `python -m alembic`) the way `python -m alembic` would, running nothing.
  before(function () {
    this.timeout(10000);
    assert.strictEqual(
      spawnSync(python, ['-c', 'import alembic'], { encoding: 'utf8' }).status,
      0,
      `${python} has Alembic (scripts/ensure-system.sh alembic installs it)`,
    );
    const script = [
      'import json, sys',
      'from alembic.config import CommandLine',
      'out = []',
      'for argv in json.load(sys.stdin):',
      '    o = CommandLine().parser.parse_args(argv)',
      '    d = {k: v for k, v in vars(o).items() if k != "cmd"}',
      '    d["command"] = o.cmd[0].__name__',
      '    out.append(d)',
      'print(json.dumps(out))',
    ].join('\n');
    const argvs = [
      ...cases.map(([cmd]) => alembicArgv({ python, configFile: '-c.ini', section: 'sec' }, cmd)),
      initArgv,
    ].map((a) => a.slice(3));
    const r = spawnSync(python, ['-c', script], { input: JSON.stringify(argvs), encoding: 'utf8' });
    assert.strictEqual(r.status, 0, `argparse rejected an argv: ${r.stderr}`);
    parsed = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  });

  cases.forEach(([cmd, expected], i) => {
    it(`${cmd.command} ${JSON.stringify(cmd).slice(0, 60)}`, () => {
      const p = parsed[i];
      // -c is a string before Alembic 1.16 and a list (it may name an ini and a toml) since.
      assert.strictEqual(Array.isArray(p.config) ? p.config.join() : p.config, '-c.ini');
      assert.strictEqual(p.name, 'sec');
      for (const [key, value] of Object.entries(expected)) assert.deepStrictEqual(p[key], value, key);
    });
  });

  it('init', () => {
    const p = parsed[cases.length];
    assert.strictEqual(p.command, 'init');
    assert.strictEqual(p.directory, '-dir');
    assert.strictEqual(p.template, 'generic');
  });
});
