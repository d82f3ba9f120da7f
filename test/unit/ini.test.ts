// Expectations below were checked against Python 3.11's configparser.ConfigParser({'here': ...}).
import * as assert from 'assert';
import { getOption, parseIni } from '../../src/core/ini';

const value = (text: string, key: string, section = 'alembic') => getOption(parseIni(text, '/p/alembic.ini', { here: '/h' }), section, key);

describe('parseIni (configparser rules)', () => {
  it('lower-cases keys, keeps inline ; and # as part of the value', () => {
    assert.deepStrictEqual(value('[alembic]\nScript_Location = %(here)s/a ; not a comment\n', 'script_location'), { value: '/h/a ; not a comment' });
  });

  it('joins indented continuation lines, keeping blank lines inside and dropping comment lines', () => {
    assert.deepStrictEqual(value('[alembic]\nversion_locations = a\n  b\n\n  c\n# comment\nx: y\n', 'version_locations'), { value: 'a\nb\n\nc' });
    assert.deepStrictEqual(value('[alembic]\nversion_locations = a\n  b\n\n  c\n# comment\nx: y\n', 'x'), { value: 'y' });
  });

  it('interpolates %(here)s, [DEFAULT] keys and %%', () => {
    assert.deepStrictEqual(value('[alembic]\nscript_location = %(here)s/x %% y\n', 'script_location'), { value: '/h/x % y' });
    assert.deepStrictEqual(value('[DEFAULT]\nroot = /r\n[alembic]\nscript_location = %(root)s/mig\n', 'script_location'), { value: '/r/mig' });
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
