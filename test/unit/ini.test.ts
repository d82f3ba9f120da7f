// Expectations below were checked against Python 3.11's configparser.ConfigParser({'here': ...}).
import * as assert from 'node:assert';
import { getOption, parseIni } from '../../src/core/ini';

const value = (text: string, key: string, section = 'alembic') =>
  getOption(parseIni(text, '/p/alembic.ini', { here: '/h' }), section, key);

describe('parseIni (configparser rules)', () => {
  it('lower-cases keys, keeps inline ; and # as part of the value', () => {
    assert.deepStrictEqual(value('[alembic]\nScript_Location = %(here)s/a ; not a comment\n', 'script_location'), {
      value: '/h/a ; not a comment',
    });
  });

  it('joins indented continuation lines, keeping blank lines inside and dropping comment lines', () => {
    assert.deepStrictEqual(
      value('[alembic]\nversion_locations = a\n  b\n\n  c\n# comment\nx: y\n', 'version_locations'),
      { value: 'a\nb\n\nc' },
    );
    assert.deepStrictEqual(value('[alembic]\nversion_locations = a\n  b\n\n  c\n# comment\nx: y\n', 'x'), {
      value: 'y',
    });
  });

  it('interpolates %(here)s, [DEFAULT] keys and %%', () => {
    assert.deepStrictEqual(value('[alembic]\nscript_location = %(here)s/x %% y\n', 'script_location'), {
      value: '/h/x % y',
    });
    assert.deepStrictEqual(
      value('[DEFAULT]\nroot = /r\n[alembic]\nscript_location = %(root)s/mig\n', 'script_location'),
      { value: '/r/mig' },
    );
  });

  it('reports bad interpolation as an error for that option only', () => {
    const text = '[alembic]\nok = fine\nbad = %(nope)s\nbad2 = 50%\n';
    assert.deepStrictEqual(value(text, 'ok'), { value: 'fine' });
    assert.match((value(text, 'bad') as { error: string }).error, /interpolation key 'nope'/);
    assert.match((value(text, 'bad2') as { error: string }).error, /'%' must be followed by '%' or '\('/);
  });

  it('reports malformed files with the line: no section header, duplicates, a line without a delimiter', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['x = 1\n[a]\n', 1, /no section headers/],
      ['[a]\nx=1\nx=2\n', 3, /already exists/],
      ['[a]\n[a]\n', 2, /already exists/],
      ['[a]\njustaword\n', 2, /expected 'key = value'/],
    ];
    for (const [text, line, message] of cases) {
      const problems = parseIni(text, '/p/alembic.ini').problems;
      assert.strictEqual(problems.length, 1, text);
      assert.strictEqual(problems[0].line, line, text);
      assert.strictEqual(problems[0].code, 'ini-syntax');
      assert.match(problems[0].message, message);
    }
  });

  it('keeps section names case-sensitive', () => {
    assert.strictEqual(value('[Alembic]\nscript_location = x\n', 'script_location'), undefined);
  });
});

/** An ini whose values grow ten-fold per level: `key` would expand to 10^9 copies of `seed`. */
function tenFoldIni(key: string, seed: string): string {
  const lines = ['[alembic]', 'script_location = migrations'];
  lines.push(`a0 = ${seed}`);
  for (let level = 1; level <= 9; level++) lines.push(`a${level} = ${`%(a${level - 1})s`.repeat(10)}`);
  lines.push(`${key} = %(a9)s`);
  return lines.join('\n');
}

describe('parseIni interpolation limits', () => {
  it('refuses a value that would grow past the size cap, quickly, with the option named', () => {
    const result = value(tenFoldIni('sqlalchemy.url', 'x'.repeat(1000)), 'sqlalchemy.url');
    assert.ok(result && 'error' in result, JSON.stringify(result).slice(0, 200));
    assert.match(result.error, /option 'sqlalchemy\.url' in section 'alembic' would interpolate to more than 4 MiB/);
  });

  it('refuses a value whose expansion does too much work even when it stays empty', () => {
    const result = value(tenFoldIni('script_location', ''), 'script_location');
    assert.ok(result && 'error' in result, JSON.stringify(result));
    assert.match(result.error, /option 'script_location' in section 'alembic' needs more than 100000 substitutions/);
  });

  it('still interpolates large values under the caps', () => {
    const big = 'y'.repeat(100_000);
    const result = value(`[alembic]\nbase = ${big}\nurl = %(base)s%(base)s%(base)s\n`, 'url');
    assert.deepStrictEqual(result, { value: big.repeat(3) });
  });

  it('caps the total a file may interpolate across its options', () => {
    const chunk = 'z'.repeat(1024 * 1024);
    const keys = Array.from({ length: 12 }, (_, i) => `k${i} = %(base)s%(base)s%(base)s`);
    const file = parseIni(`[alembic]\nbase = ${chunk}\n${keys.join('\n')}\n`, '/p/alembic.ini');
    const results = keys.map((_, i) => getOption(file, 'alembic', `k${i}`)!);
    const refused = results.findIndex((r) => 'error' in r);
    assert.ok(refused > 0, 'the first options are read');
    assert.match((results[refused] as { error: string }).error, /more than 32 MiB in total/);
  });

  it("stops at configparser's depth limit", () => {
    const lines = ['[alembic]', 'v0 = %%'];
    for (let i = 1; i <= 12; i++) lines.push(`v${i} = %(v${i - 1})s`);
    assert.match((value(lines.join('\n'), 'v12') as { error: string }).error, /Recursion limit exceeded/);
  });
});
