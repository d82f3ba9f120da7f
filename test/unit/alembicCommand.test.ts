// Alembic command lines. The shapes are checked as plain arrays; then, when a Python with Alembic is on
// this machine (Debian's /usr/bin/python3 here), Alembic's own argparse parser reads each argv back, so
// a value such as a message starting with `-` is proved to arrive intact (skipped otherwise: the unit
// tier needs nothing installed).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import {
  type AlembicCommand,
  alembicArgv,
  alembicInitArgv,
  configArgument,
  describeAlembicArgv,
} from '../../src/core/alembicCommand';

const T = { python: 'py', configFile: 'alembic.ini' };
const HOSTILE = `it's a "test" $(touch /tmp/pwned) \`id\` ünï`;

describe('alembicArgv', () => {
  it('builds upgrade, downgrade, current, heads, history, check, show', () => {
    assert.deepStrictEqual(alembicArgv(T, { command: 'upgrade', revision: 'head' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      'alembic.ini',
      'upgrade',
      'head',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'upgrade', revision: 'ae10+2', sql: true, tag: 't' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      'alembic.ini',
      'upgrade',
      '--sql',
      '--tag',
      't',
      'ae10+2',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'downgrade', revision: '-1' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      'alembic.ini',
      'downgrade',
      '-1',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'downgrade', revision: 'base', sql: true }).slice(5), [
      'downgrade',
      '--sql',
      'base',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'current', verbose: true }).slice(5), ['current', '--verbose']);
    assert.deepStrictEqual(alembicArgv(T, { command: 'heads', resolveDependencies: true }).slice(5), [
      'heads',
      '--resolve-dependencies',
    ]);
    assert.deepStrictEqual(
      alembicArgv(T, { command: 'history', revRange: 'base:head', indicateCurrent: true }).slice(5),
      ['history', '-r', 'base:head', '--indicate-current'],
    );
    assert.deepStrictEqual(alembicArgv(T, { command: 'history', revRange: '-3:' }).slice(5), [
      'history',
      '--rev-range=-3:',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'check' }).slice(5), ['check']);
    assert.deepStrictEqual(alembicArgv(T, { command: 'show', revision: 'head' }).slice(5), ['show', 'head']);
  });

  it('adds -n only for a section other than alembic', () => {
    assert.deepStrictEqual(alembicArgv({ ...T, section: 'alembic' }, { command: 'current' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      'alembic.ini',
      'current',
    ]);
    assert.deepStrictEqual(alembicArgv({ ...T, section: 'db2' }, { command: 'current' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      'alembic.ini',
      '-n',
      'db2',
      'current',
    ]);
    assert.deepStrictEqual(alembicArgv({ python: 'py', configFile: '/p/pyproject.toml' }, { command: 'heads' }), [
      'py',
      '-m',
      'alembic',
      '-c',
      '/p/pyproject.toml',
      'heads',
    ]);
  });

  it('keeps the message and every revision id a separate argv element', () => {
    assert.deepStrictEqual(
      alembicArgv(T, {
        command: 'revision',
        message: HOSTILE,
        autogenerate: true,
        head: 'base',
        splice: true,
        branchLabel: 'feat',
        dependsOn: ['aa', 'bb'],
        revId: 'cafe01',
        versionPath: 'alembic/other',
      }).slice(5),
      [
        'revision',
        '-m',
        HOSTILE,
        '--autogenerate',
        '--head',
        'base',
        '--splice',
        '--branch-label',
        'feat',
        '--version-path',
        'alembic/other',
        '--rev-id',
        'cafe01',
        '--depends-on',
        'aa',
        '--depends-on',
        'bb',
      ],
    );
    assert.deepStrictEqual(
      alembicArgv(T, {
        command: 'merge',
        revisions: ['aa', 'bb'],
        message: 'merge',
        branchLabel: 'x',
        revId: 'r',
      }).slice(5),
      ['merge', '-m', 'merge', '--branch-label', 'x', '--rev-id', 'r', 'aa', 'bb'],
    );
    assert.deepStrictEqual(alembicArgv(T, { command: 'stamp', revisions: ['heads'], purge: true }).slice(5), [
      'stamp',
      '--purge',
      'heads',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'revision', message: '' }).slice(5), ['revision', '-m', '']);
  });

  it('writes a value that argparse would take for an option as --long=value', () => {
    assert.deepStrictEqual(alembicArgv(T, { command: 'revision', message: '-weird' }).slice(5), [
      'revision',
      '--message=-weird',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'revision', message: '--autogenerate' }).slice(5), [
      'revision',
      '--message=--autogenerate',
    ]);
    assert.deepStrictEqual(alembicArgv(T, { command: 'merge', revisions: ['aa'], message: '-x' }).slice(5), [
      'merge',
      '--message=-x',
      'aa',
    ]);
    assert.deepStrictEqual(
      alembicArgv({ python: 'py', configFile: '-odd.ini', section: '-s' }, { command: 'current' }),
      ['py', '-m', 'alembic', '--config=-odd.ini', '--name=-s', 'current'],
    );
    // A negative number is a positional to argparse; anything else starting with - needs `--`.
    assert.deepStrictEqual(alembicArgv(T, { command: 'downgrade', revision: '-2' }).slice(5), ['downgrade', '-2']);
    assert.deepStrictEqual(alembicArgv(T, { command: 'stamp', revisions: ['-x'] }).slice(5), ['stamp', '--', '-x']);
  });

  it('refuses merge and stamp without revisions', () => {
    assert.throws(() => alembicArgv(T, { command: 'merge', revisions: [] }), /at least one revision/);
    assert.throws(() => alembicArgv(T, { command: 'stamp', revisions: [] }), /at least one revision/);
  });

  it('builds init', () => {
    assert.deepStrictEqual(alembicInitArgv('py', 'migrations'), [
      'py',
      '-m',
      'alembic',
      'init',
      '--template',
      'generic',
      'migrations',
    ]);
    assert.deepStrictEqual(
      alembicInitArgv('py', 'm', { template: 'async', configFile: 'db/alembic.ini', packageFiles: true }),
      ['py', '-m', 'alembic', '-c', 'db/alembic.ini', 'init', '--template', 'async', '--package', 'm'],
    );
    assert.deepStrictEqual(alembicInitArgv('py', '-dir'), [
      'py',
      '-m',
      'alembic',
      'init',
      '--template',
      'generic',
      '--',
      '-dir',
    ]);
  });

  it('describes a command line for people', () => {
    assert.strictEqual(
      describeAlembicArgv(alembicArgv({ ...T, section: 'db2' }, { command: 'upgrade', revision: 'head' })),
      'alembic upgrade head',
    );
    assert.strictEqual(
      describeAlembicArgv(alembicArgv({ python: 'py', configFile: '-x.ini' }, { command: 'current' })),
      'alembic current',
    );
  });

  it('writes the config file relative to the folder the command runs in when it is inside it', () => {
    assert.strictEqual(configArgument('/w/proj/alembic.ini', '/w/proj'), 'alembic.ini');
    assert.strictEqual(configArgument('/w/proj/db/alembic.ini', '/w/proj'), 'db/alembic.ini');
    assert.strictEqual(configArgument('/w/other/alembic.ini', '/w/proj'), '/w/other/alembic.ini');
  });

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
        `${python} has Alembic (scripts/ensure-system.sh unit installs it)`,
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
});
