// Reading back what Alembic printed in a terminal: the raw stream of a shell-integrated execution
// (escape sequences, CR LF, Alembic's own wrapping at the terminal width), as alembic 1.8's
// util.messaging writes it: `msg()` wraps with textwrap and indents every line by two spaces.
import * as assert from 'node:assert';
import * as path from 'node:path';
import { commandSummary, failureLine, generatedFile, terminalLines } from '../../src/core/terminalOutput';

const FILE = '/home/dev/my app/alembic/versions/3f2a1b_add-phone_to_users.py';

function existing(...files: string[]): (file: string) => boolean {
  return (file) => files.includes(file);
}

describe('terminal output', () => {
  it('strips colours, OSC 633 shell-integration marks, titles and carriage returns', () => {
    const raw = '\x1b]633;C\x07\x1b[1;31mINFO\x1b[0m  [alembic] ok\r\n\x1b]0;title\x07progress 10%\rprogress 100%\r\n';
    assert.deepStrictEqual(terminalLines(raw), ['INFO  [alembic] ok', 'progress 100%', '']);
  });

  it('finds the generated file on one line', () => {
    const raw = `INFO  [alembic.runtime.migration] Will assume transactional DDL.\r\n  Generating ${FILE} ...  done\r\n`;
    assert.strictEqual(generatedFile(raw, '/home/dev/my app', existing(FILE)), FILE);
  });

  it('finds it when Alembic wrapped the message at a space, inside a long word and after a hyphen', () => {
    // textwrap drops the space it breaks at ("my app"), and keeps every character of a broken word.
    const raw = [
      '  Generating /home/dev/my',
      '  app/alembic/versions/3f2a1b_add-',
      '  phone_to_us',
      '  ers.py ...  done',
      '',
    ].join('\r\n');
    assert.strictEqual(generatedFile(raw, '/', existing(FILE)), FILE);
  });

  it('takes the last generated file, resolves a relative path, and gives up when no reading exists', () => {
    const raw = '  Generating /tmp/a/alembic.ini ...  done\r\n  Generating versions/x_y.py ...  done\r\n';
    const relative = path.resolve('/srv/app', 'versions/x_y.py');
    assert.strictEqual(generatedFile(raw, '/srv/app', existing(relative)), '/srv/app/versions/x_y.py');
    assert.strictEqual(generatedFile(raw, '/srv/app', existing()), undefined);
    const failed = generatedFile('  Generating /x.py ...  FAILED\r\n', '/', existing('/x.py'));
    assert.strictEqual(failed, undefined, 'a failed generation');
  });

  it("says why a command failed: a traceback's last line, or Alembic's FAILED message joined again", () => {
    const traceback =
      'Traceback (most recent call last):\r\n  File "x.py", line 3, in upgrade\r\n    raise RuntimeError("boom")\r\nRuntimeError: boom\r\n\r\n';
    assert.strictEqual(failureLine(traceback), 'RuntimeError: boom');
    const failed =
      "INFO  [alembic] ctx\r\n  FAILED: Multiple head revisions are present for given\r\n  argument 'head'; please specify a specific target\r\n  revision\r\n";
    assert.strictEqual(
      failureLine(failed),
      "FAILED: Multiple head revisions are present for given argument 'head'; please specify a specific target revision",
    );
    assert.strictEqual(failureLine('\r\n  \r\n'), undefined);
    // SQLAlchemy ends its errors with a link: the reason is the exception line above it, not the link.
    const sqlalchemy = [
      'INFO  [alembic.runtime.migration] Context impl SQLiteImpl.',
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3/dist-packages/sqlalchemy/engine/base.py", line 3280, in _wrap_pool_connect',
      '    return fn()',
      'sqlite3.OperationalError: unable to open database file',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "/usr/bin/alembic", line 33, in <module>',
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file',
      '(Background on this error at: https://sqlalche.me/e/14/e3q8)',
      '',
    ].join('\r\n');
    assert.strictEqual(
      failureLine(sqlalchemy),
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file',
    );
    assert.strictEqual(failureLine(`${'x'.repeat(1000)}\r\n`)?.length, 401, 'a long line is cut');
  });

  it('names the command as a user types it, without the interpreter and the config options', () => {
    assert.strictEqual(
      commandSummary(['/usr/bin/python3', '-m', 'alembic', '-c', 'alembic.ini', '-n', 'db2', 'upgrade', 'head']),
      'alembic upgrade head',
    );
    assert.strictEqual(
      commandSummary(['/venv/bin/python', '-m', 'alembic', '--config=x.ini', 'revision', '-m', 'add x']),
      "alembic revision -m 'add x'",
    );
    assert.strictEqual(
      commandSummary(['python', '-m', 'alembic', 'merge', '-m', "merge a's", 'a1', 'b2']),
      "alembic merge -m 'merge a'\\''s' a1 b2",
    );
    assert.strictEqual(commandSummary(['python3', '-c', 'pass']), 'python3 -c pass');
  });
});
