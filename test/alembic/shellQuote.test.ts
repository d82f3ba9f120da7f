// Shell quoting, proved by the shells themselves: each quoted line runs `printf '%s\0' <args>` in a real
// shell and the bytes that come back must be the argv that went in: bash, sh, dash, zsh and fish
// (scripts/ensure-system.sh alembic installs zsh and fish). bash and zsh also run as interactive shells
// (history expansion on), the way a terminal runs them. The exact strings, PowerShell's and cmd.exe's
// among them, are checked in plain Node (test/unit/shellQuote.test.ts).
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quoteArgument, quoteCommandLine, type ShellKind } from '../../src/core/shellQuote';

const HOSTILE = `it's a "test" $(touch PWNED) \`touch PWNED\` ünï`;

/** Arguments every shell must pass exactly (no control characters: see CONTROL_CHARS). */
const ARGS: string[] = [
  HOSTILE,
  '',
  ' ',
  '  leading and trailing  ',
  'plain',
  '-m',
  '--sql',
  '-',
  '--',
  '-weird message',
  `'`,
  `''`,
  `"`,
  `""`,
  `\\`,
  `\\'`,
  `'\\''`,
  `\\"`,
  `a\\`,
  `a\\\\`,
  `\\\\server\\share`,
  '$HOME',
  '${HOME}',
  '$(touch PWNED)',
  '`touch PWNED`',
  '$((1+1))',
  '$[1+1]',
  '$0',
  '$$',
  '$?',
  '$',
  'a;touch PWNED',
  'a && touch PWNED',
  'a || touch PWNED',
  'a | cat',
  'a > PWNED',
  'a < /etc/passwd',
  '&',
  'a&b',
  '*',
  '?',
  '[a-z]*',
  '{a,b}',
  '{1..3}',
  '~',
  '~root',
  '~/x',
  '#comment',
  'a#b',
  '=cmd',
  'a=b',
  '@(x)',
  '+(x)',
  '!',
  '!!',
  '!$',
  '!-1',
  'a!b',
  '!touch',
  '^',
  '^a^b',
  '%',
  '%PATH%',
  '50%',
  '%%',
  'a%b%c',
  '(x)',
  ')',
  '\\(',
  'a,b',
  'x:y',
  '/usr/bin/python3',
  'C:\\Program Files\\Python\\python.exe',
  'ünï',
  '日本語',
  '🚀 emoji',
  'é́ combining',
  '\u00a0nbsp',
  '\u2018smart\u2019 \u201cquotes\u201d',
  '\u2028line separator',
];

/** Control characters: bash, zsh and fish take them as escapes; sh only newline and tab. */
const CONTROL_CHARS = [
  'line1\nline2',
  'trailing newline\n',
  '\n',
  'tab\there',
  'cr\rhere',
  'esc \x1b[31m red',
  'ctrl-c \x03',
  'del \x7f',
  `it's\n"multi"\nline!`,
];

const PRINTF = '/usr/bin/printf';

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs `printf '%s\0' args` through `shell` non-interactively; returns the argv that printf received. */
function roundTrip(shell: ShellKind, exe: string, args: string[], cwd: string): string[] {
  const line = quoteCommandLine([PRINTF, '%s\\0', ...args], shell);
  const flags = exe.endsWith('fish') ? ['--no-config', '-c'] : exe.endsWith('zsh') ? ['-f', '-c'] : ['-c'];
  const r = spawnSync(exe, [...flags, line], { cwd, env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  assert.strictEqual(r.status, 0, `${shell} exited ${r.status}: ${r.stderr.toString()}\nline: ${line}`);
  return splitNul(r.stdout);
}

/** Same, typed into an interactive shell (history expansion on), the way a terminal runs it. */
function roundTripInteractive(shell: 'bash' | 'zsh', exe: string, args: string[], cwd: string): string[] {
  const out = path.join(cwd, 'out.bin');
  fs.rmSync(out, { force: true });
  const line = `${quoteCommandLine([PRINTF, '%s\\0', ...args], shell)} > out.bin`;
  const input = shell === 'bash' ? `set -H\n${line}\nexit\n` : `setopt BANG_HIST\n${line}\nexit\n`;
  const flags = shell === 'bash' ? ['--norc', '--noprofile', '-i'] : ['-f', '-i'];
  const r = spawnSync(exe, flags, { cwd, input, env: { ...process.env, LC_ALL: 'C.UTF-8', HISTFILE: '' } });
  assert.ok(
    fs.existsSync(out),
    `interactive ${shell} did not run the line (exit ${r.status}): ${r.stderr.toString()}\nline: ${line}`,
  );
  return splitNul(fs.readFileSync(out));
}

function splitNul(buf: Buffer): string[] {
  const parts = buf.toString('utf8').split('\0');
  assert.strictEqual(parts.pop(), '', 'output ends with NUL');
  return parts;
}

describe('shell quoting, run by the real shells', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lens-quote-'));
  });
  afterEach(() => {
    // No quoted argument may have run anything: `touch PWNED` would leave this file behind.
    const pwned = fs.existsSync(path.join(cwd, 'PWNED'));
    fs.rmSync(cwd, { recursive: true, force: true });
    assert.ok(!pwned, 'a quoted argument was executed by the shell (PWNED exists)');
  });

  const realShells: Array<{ kind: ShellKind; exe: string; control: boolean; interactive?: 'bash' | 'zsh' }> = [
    { kind: 'bash', exe: 'bash', control: true, interactive: 'bash' },
    { kind: 'sh', exe: 'sh', control: false },
    { kind: 'sh', exe: 'dash', control: false },
    { kind: 'sh', exe: 'bash', control: false }, // POSIX quoting is valid bash too
    { kind: 'zsh', exe: 'zsh', control: true, interactive: 'zsh' },
    { kind: 'fish', exe: 'fish', control: true },
  ];
  for (const { kind, exe, control, interactive } of realShells) {
    describe(`${kind} quoting, run by ${exe}`, () => {
      let path_: string | undefined;
      before(function () {
        path_ = which(exe);
        assert.ok(path_, `${exe} is installed (scripts/ensure-system.sh alembic installs it)`);
      });

      it('passes every argument through exactly, in one command line', () => {
        assert.deepStrictEqual(roundTrip(kind, path_!, ARGS, cwd), ARGS);
      });

      it('passes each argument alone', () => {
        for (const arg of ARGS)
          assert.deepStrictEqual(
            roundTrip(kind, path_!, [arg], cwd),
            [arg],
            `argument ${JSON.stringify(arg)} -> ${quoteArgument(arg, kind)}`,
          );
      });

      if (control) {
        it('passes control characters as escapes, never raw', () => {
          for (const arg of CONTROL_CHARS) {
            const quoted = quoteArgument(arg, kind);
            assert.ok(!/[\x00-\x1f\x7f]/.test(quoted), `no raw control character in ${JSON.stringify(quoted)}`);
            assert.deepStrictEqual(
              roundTrip(kind, path_!, [arg], cwd),
              [arg],
              `argument ${JSON.stringify(arg)} -> ${quoted}`,
            );
          }
        });
      }

      if (interactive) {
        it('passes every argument through an interactive shell with history expansion on', () => {
          assert.deepStrictEqual(roundTripInteractive(interactive, path_!, [...ARGS, ...CONTROL_CHARS], cwd), [
            ...ARGS,
            ...CONTROL_CHARS,
          ]);
        });
      }
    });
  }

  describe('sh, run by dash', () => {
    it('passes newline and tab literally inside quotes', () => {
      const dash = which('dash');
      assert.ok(dash, 'dash is installed');
      assert.deepStrictEqual(roundTrip('sh', dash, ['a\nb', 'a\tb', '\n'], cwd), ['a\nb', 'a\tb', '\n']);
    });
  });
});
