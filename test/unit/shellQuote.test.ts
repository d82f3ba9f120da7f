// Shell quoting as exact strings, for every shell kind. The round trips through the real shells (bash, sh,
// dash, zsh, fish) are in the alembic tier (test/alembic/shellQuote.test.ts), which installs them.
import * as assert from 'node:assert';
import {
  quoteArgument,
  quoteCommandLine,
  type ShellKind,
  shellKindOf,
  UnquotableArgumentError,
} from '../../src/core/shellQuote';

const HOSTILE = `it's a "test" $(touch PWNED) \`touch PWNED\` ünï`;

describe('shellQuote', () => {
  describe('sh', () => {
    it('keeps newline and tab literally inside quotes, and refuses other control characters', () => {
      assert.strictEqual(quoteArgument('a\nb', 'sh'), `'a\nb'`);
      assert.strictEqual(quoteArgument('a\tb', 'sh'), `'a\tb'`);
      assert.throws(() => quoteArgument('a\x1bb', 'sh'), UnquotableArgumentError);
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
