// Shell quoting, proved by the shells themselves: each quoted line runs `printf '%s\0' <args>` in a real
// shell and the bytes that come back must be the argv that went in. bash and sh (dash) are always on a
// Debian machine; zsh and fish are tried when installed (skipped otherwise). bash and zsh also run as
// interactive shells (history expansion on), the way a terminal runs them. PowerShell and cmd.exe are
// not here: their lines are checked against exact expected strings.
import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  quoteArgument,
  quoteCommandLine,
  type ShellKind,
  shellKindOf,
  UnquotableArgumentError,
} from '../../src/core/shellQuote';

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

describe('shellQuote', () => {
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
        assert.ok(path_, `${exe} is installed (scripts/ensure-system.sh unit installs it)`);
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

  describe('sh', () => {
    it('keeps newline and tab literally inside quotes, and refuses other control characters', function () {
      assert.strictEqual(quoteArgument('a\nb', 'sh'), `'a\nb'`);
      assert.strictEqual(quoteArgument('a\tb', 'sh'), `'a\tb'`);
      assert.throws(() => quoteArgument('a\x1bb', 'sh'), UnquotableArgumentError);
      if (!which('dash')) return;
      assert.deepStrictEqual(roundTrip('sh', which('dash')!, ['a\nb', 'a\tb', '\n'], cwd), ['a\nb', 'a\tb', '\n']);
    });
  });

  describe('exact strings', () => {
    const argv = ['/usr/bin/python3', '-m', 'alembic', 'revision', '-m', HOSTILE];
    it('bash and zsh', () => {
      for (const shell of ['bash', 'zsh'] as const) {
        assert.strictEqual(
          quoteCommandLine(argv, shell),
          `/usr/bin/python3 -m alembic revision -m 'it'\\''s a "test" $(touch PWNED) \`touch PWNED\` ünï'`,
        );
        assert.strictEqual(quoteArgument('a\nb!', shell), `'a'$'\\n''b!'`);
        assert.strictEqual(quoteArgument('\x1b', shell), `$'\\x1B'`);
      }
    });
    it('sh', () => {
      assert.strictEqual(
        quoteCommandLine(argv, 'sh'),
        `/usr/bin/python3 -m alembic revision -m 'it'\\''s a "test" $(touch PWNED) \`touch PWNED\` ünï'`,
      );
    });
    it('fish', () => {
      assert.strictEqual(
        quoteCommandLine(argv, 'fish'),
        `/usr/bin/python3 -m alembic revision -m 'it\\'s a "test" $(touch PWNED) \`touch PWNED\` ünï'`,
      );
      assert.strictEqual(quoteArgument(`back\\slash 'q'`, 'fish'), `'back\\\\slash \\'q\\''`);
      assert.strictEqual(quoteArgument('a\nb', 'fish'), `'a'\\n'b'`);
    });
    it('PowerShell: & before the executable, single quotes doubled (smart quotes too)', () => {
      assert.strictEqual(
        quoteCommandLine(
          ['C:\\Program Files\\Python312\\python.exe', '-m', 'alembic', 'revision', '-m', HOSTILE],
          'pwsh',
        ),
        `& 'C:\\Program Files\\Python312\\python.exe' -m alembic revision -m 'it''s a "test" $(touch PWNED) \`touch PWNED\` ünï'`,
      );
      assert.strictEqual(quoteCommandLine(['python'], 'pwsh'), '& python');
      assert.strictEqual(quoteArgument('\u2018x\u2019', 'pwsh'), `'\u2018\u2018x\u2019\u2019'`);
      assert.strictEqual(quoteArgument('', 'pwsh'), `''`);
      assert.strictEqual(quoteArgument('--', 'pwsh'), `'--'`);
      assert.strictEqual(quoteArgument('@x', 'pwsh'), `'@x'`);
      assert.strictEqual(quoteArgument('a,b', 'pwsh'), `'a,b'`);
      assert.strictEqual(quoteArgument('$env:PATH', 'pwsh'), `'$env:PATH'`);
      assert.strictEqual(quoteArgument('-c:x', 'pwsh'), `'-c:x'`);
      assert.strictEqual(quoteArgument('a\nb', 'pwsh'), `([string]'a'+[char]0x0A+'b')`);
      assert.strictEqual(quoteArgument('\n', 'pwsh'), `([string][char]0x0A)`);
    });
    it('cmd.exe: C runtime quoting, every metacharacter behind ^, %NAME% broken with ^', () => {
      assert.strictEqual(
        quoteCommandLine(
          ['C:\\Program Files (x86)\\Python\\python.exe', '-m', 'alembic', 'revision', '-m', HOSTILE],
          'cmd',
        ),
        `"C:\\Program Files (x86)\\Python\\python.exe" -m alembic revision -m ^"it's a \\^"test\\^" $^(touch PWNED^) \`touch PWNED\` ünï^"`,
      );
      assert.strictEqual(quoteArgument('', 'cmd'), '^"^"');
      assert.strictEqual(quoteArgument('a&b|c<d>e^f!g', 'cmd'), '^"a^&b^|c^<d^>e^^f^!g^"');
      assert.strictEqual(quoteArgument('%PATH%', 'cmd'), '^"%^PATH%^"');
      assert.strictEqual(quoteArgument('50%', 'cmd'), '^"50%^"');
      assert.strictEqual(quoteArgument('%%x', 'cmd'), '^"%^%^x^"');
      assert.strictEqual(quoteArgument('a\\b\\', 'cmd'), 'a\\b\\');
      assert.strictEqual(quoteArgument('a b\\', 'cmd'), '^"a b\\\\^"');
      assert.strictEqual(quoteArgument('a\\"b', 'cmd'), '^"a\\\\\\^"b^"');
      assert.strictEqual(quoteArgument('C:\\x\\alembic.ini', 'cmd'), 'C:\\x\\alembic.ini');
      assert.throws(() => quoteArgument('a\nb', 'cmd'), UnquotableArgumentError);
    });
    it('quotes only what needs it, and an executable with = in the command position', () => {
      assert.strictEqual(
        quoteCommandLine(['python3', '-m', 'alembic', '-c', 'alembic.ini', 'upgrade', 'head'], 'bash'),
        'python3 -m alembic -c alembic.ini upgrade head',
      );
      assert.strictEqual(quoteCommandLine(['/opt/a=b/python', '--message=x'], 'bash'), `'/opt/a=b/python' --message=x`);
      assert.strictEqual(quoteArgument('=x', 'zsh'), `'=x'`);
      assert.strictEqual(quoteArgument('', 'bash'), `''`);
    });
    it('refuses NUL for every shell', () => {
      for (const shell of ['bash', 'zsh', 'sh', 'fish', 'pwsh', 'cmd'] as const)
        assert.throws(() => quoteArgument('a\0b', shell), UnquotableArgumentError);
    });
  });

  describe('shellKindOf', () => {
    it("maps VS Code's terminal shell ids and shell paths", () => {
      const cases: Array<[string | undefined, ShellKind | undefined]> = [
        ['bash', 'bash'],
        ['gitbash', 'bash'],
        ['zsh', 'zsh'],
        ['fish', 'fish'],
        ['sh', 'sh'],
        ['ksh', 'sh'],
        ['pwsh', 'pwsh'],
        ['cmd', 'cmd'],
        ['/bin/bash', 'bash'],
        ['/usr/bin/zsh', 'zsh'],
        ['/usr/local/bin/fish', 'fish'],
        ['/bin/dash', 'sh'],
        ['C:\\Windows\\System32\\cmd.exe', 'cmd'],
        ['C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'pwsh'],
        ['C:\\Program Files\\PowerShell\\7\\pwsh.exe', 'pwsh'],
        ['C:\\Program Files\\Git\\bin\\bash.exe', 'bash'],
        ['csh', undefined],
        ['nu', undefined],
        ['python', undefined],
        [undefined, undefined],
        ['', undefined],
      ];
      for (const [input, expected] of cases) assert.strictEqual(shellKindOf(input), expected, String(input));
    });
  });
});
