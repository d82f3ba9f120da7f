// Alembic command lines, checked as plain arrays. That Alembic's own argparse parser reads each of them
// back intact is proved against the real Alembic in test/alembic/alembicArgv.test.ts.
import * as assert from 'node:assert';
import {
  alembicArgv,
  alembicInitArgv,
  configArgument,
  configTooNewFor,
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

  it('refuses a pyproject.toml config to an Alembic older than 1.16 (which reads no [tool.alembic]), and only then', () => {
    assert.match(configTooNewFor('/w/pyproject.toml', '1.8.1') ?? '', /version 1\.16 on; the Alembic found is 1\.8\.1/);
    assert.match(configTooNewFor('/w/pyproject.toml', '1.15.2') ?? '', /found is 1\.15\.2/);
    for (const version of ['1.16.0', '1.16.5', '1.19.2', '2.0.0'])
      assert.strictEqual(configTooNewFor('/w/pyproject.toml', version), undefined, version);
    assert.strictEqual(configTooNewFor('/w/alembic.ini', '1.8.1'), undefined);
  });
});
