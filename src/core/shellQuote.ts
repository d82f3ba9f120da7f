// Turns an argv into one command line that a given interactive shell reads back as exactly that argv.
// The runner types this line into a VS Code terminal, so the line must survive the shell's parser
// (quotes, `$(...)`, backticks, `;`, `&&`, globs, `!` history expansion) and the terminal itself: a raw
// control character (tab, ^C, ESC) typed into a shell would be acted on, not passed, so those are
// written as escapes where the shell has them.
//
// Per shell:
//   bash, zsh   'single quotes', a quote as '\'' ; control characters as $'\n' / $'\xHH' pieces
//               (no `!` or quote ever appears inside $'...', so history expansion cannot touch it).
//   sh          POSIX single quotes (dash, ksh, busybox ash). POSIX sh has no $'...': a newline or
//               tab is kept literally inside the quotes; any other control character is refused.
//   fish        'single quotes' where only \' and \\ are escapes; control characters as bare \n,
//               \t, \r or \xHH between quoted pieces.
//   pwsh        PowerShell (Windows PowerShell 5.1 and PowerShell 7): 'single quotes' with every
//               quote character doubled (PowerShell also treats ‘ ’ ‚ ‛ as single quotes), `&` before
//               the executable; control characters through ('a'+[char]0x0A+'b'). Exact for PowerShell
//               >= 7.3 (`$PSNativeCommandArgumentPassing` = Windows/Standard). Older PowerShell passes
//               native arguments in its "Legacy" way, which drops empty arguments and does not escape
//               embedded double quotes: nothing typed at the prompt can fix that, so it is documented,
//               not worked around.
//   cmd         cmd.exe, best effort: each argument is quoted the way the program's C runtime splits
//               its command line (CommandLineToArgvW rules: "...", \" and doubled backslashes), then
//               every cmd metacharacter ^ & | < > ( ) " ! is escaped with ^, so cmd never sees a quote
//               and never enters its quoted mode. `%` cannot be escaped on cmd's interactive command
//               line; a ^ right after it breaks any %NAME% reference (%^PATH% is left alone, then the
//               caret is removed), which is exact unless a variable is named with a leading ^.
//               Control characters (newlines included) cannot be passed through cmd: refused.
// NUL can be in no argv: refused for every shell.

export type ShellKind = 'bash' | 'zsh' | 'sh' | 'fish' | 'pwsh' | 'cmd';

export const SHELL_KINDS: readonly ShellKind[] = ['bash', 'zsh', 'sh', 'fish', 'pwsh', 'cmd'];

/** An argument the shell cannot be given exactly (see the module comment for what each shell refuses). */
export class UnquotableArgumentError extends Error {
  constructor(
    readonly shell: ShellKind,
    readonly argument: string,
    why: string,
  ) {
    super(`Cannot pass ${JSON.stringify(argument)} through ${shell}: ${why}`);
    this.name = 'UnquotableArgumentError';
  }
}

/**
 * The shell kind of a terminal, from VS Code's `terminal.state.shell` id ('bash', 'gitbash', 'pwsh', ...)
 * or from a shell executable's path ('/usr/bin/zsh', 'C:\\Windows\\System32\\cmd.exe', 'powershell.exe').
 * Undefined for shells this module has no rules for (csh, nu, a REPL).
 */
export function shellKindOf(shell: string | undefined): ShellKind | undefined {
  if (!shell) return undefined;
  const base = shell
    .trim()
    .split(/[\\/]/)
    .pop()!
    .toLowerCase()
    .replace(/\.exe$/, '');
  switch (base) {
    case 'bash':
    case 'gitbash':
    case 'git-bash':
      return 'bash';
    case 'zsh':
      return 'zsh';
    case 'fish':
      return 'fish';
    case 'sh':
    case 'dash':
    case 'ash':
    case 'ksh':
    case 'mksh':
    case 'ksh93':
    case 'busybox':
      return 'sh';
    case 'pwsh':
    case 'pwsh-preview':
    case 'powershell':
      return 'pwsh';
    case 'cmd':
      return 'cmd';
    default:
      return undefined;
  }
}

/** One command line: argv[0] is the executable, the rest its arguments. */
export function quoteCommandLine(argv: readonly string[], shell: ShellKind): string {
  if (!argv.length) throw new Error('quoteCommandLine: empty argv');
  const [exe, ...args] = argv;
  const words = args.map((a) => quoteArgument(a, shell));
  switch (shell) {
    case 'pwsh':
      // `&` makes PowerShell run a quoted path instead of printing it as a string.
      return ['&', quotePwsh(exe), ...words].join(' ');
    case 'cmd':
      return [quoteCmdExecutable(exe), ...words].join(' ');
    default:
      // A bare word with `=` would be a variable assignment in the command position.
      return [exe.includes('=') ? quotePosixLike(exe, shell, true) : quoteArgument(exe, shell), ...words].join(' ');
  }
}

/** One argument, quoted only when it needs to be. */
export function quoteArgument(arg: string, shell: ShellKind): string {
  if (arg.includes('\0')) throw new UnquotableArgumentError(shell, arg, 'it contains a NUL character');
  switch (shell) {
    case 'bash':
    case 'zsh':
    case 'sh':
    case 'fish':
      return quotePosixLike(arg, shell, false);
    case 'pwsh':
      return quotePwsh(arg);
    case 'cmd':
      return quoteCmd(arg);
  }
}

// Words no shell here reads specially. No leading `=` (zsh expands `=cmd`), `~`, `%`, `@` or `,`.
const SAFE_POSIX = /^[A-Za-z0-9_./:+-][A-Za-z0-9_./:+@%,=-]*$/;
// PowerShell: plain words and option-like words; `@`, `,`, `$`, `(`, `{`, `;`, `` ` `` are all syntax.
const SAFE_PWSH = /^(?:[A-Za-z0-9_][A-Za-z0-9_./\\:-]*|-{1,2}[A-Za-z][A-Za-z0-9-]*)$/;
const SAFE_CMD = /^[A-Za-z0-9_./\\:+-]+$/;
// Control characters: C0, DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x01-\x1f\x7f]/;

function quotePosixLike(arg: string, shell: 'bash' | 'zsh' | 'sh' | 'fish', force: boolean): string {
  if (!force && arg !== '' && SAFE_POSIX.test(arg)) return arg;
  if (!CONTROL.test(arg)) return singleQuoted(arg, shell);
  // Quoted runs of ordinary characters, joined with an escape for each control character.
  let out = '';
  let run = '';
  const flush = (): void => {
    if (run) out += singleQuoted(run, shell);
    run = '';
  };
  for (const ch of arg) {
    if (!CONTROL.test(ch)) {
      run += ch;
      continue;
    }
    if (shell === 'sh') {
      if (ch === '\n' || ch === '\t') {
        run += ch;
        continue;
      }
      throw new UnquotableArgumentError(shell, arg, `POSIX sh has no escape for control character ${hex(ch)}`);
    }
    flush();
    const esc = ch === '\n' ? '\\n' : ch === '\t' ? '\\t' : ch === '\r' ? '\\r' : `\\x${hex(ch)}`;
    out += shell === 'fish' ? esc : `$'${esc}'`;
  }
  flush();
  return out;
}

function singleQuoted(text: string, shell: 'bash' | 'zsh' | 'sh' | 'fish'): string {
  if (shell === 'fish') return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function quotePwsh(arg: string): string {
  if (arg !== '' && SAFE_PWSH.test(arg) && arg !== '--') return arg;
  if (!CONTROL.test(arg)) return pwshSingleQuoted(arg);
  const parts: string[] = [];
  let run = '';
  for (const ch of arg) {
    if (!CONTROL.test(ch)) {
      run += ch;
      continue;
    }
    if (run) parts.push(pwshSingleQuoted(run));
    run = '';
    parts.push(`[char]0x${hex(ch)}`);
  }
  if (run) parts.push(pwshSingleQuoted(run));
  // [string] first, so that '+' concatenates strings even when the first part is a [char].
  return `([string]${parts.join('+')})`;
}

function pwshSingleQuoted(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}

/** The executable for cmd: a Windows path holds no `"`, so plain quotes (which cmd honours) suffice. */
function quoteCmdExecutable(exe: string): string {
  if (CONTROL.test(exe) || exe.includes('"')) throw new UnquotableArgumentError('cmd', exe, 'not a valid program path');
  return SAFE_CMD.test(exe) ? exe : `"${exe}"`;
}

function quoteCmd(arg: string): string {
  if (CONTROL.test(arg))
    throw new UnquotableArgumentError(
      'cmd',
      arg,
      'cmd.exe cannot pass control characters (newlines included) in an argument',
    );
  if (arg !== '' && SAFE_CMD.test(arg)) return arg;
  const forProgram = quoteForCRuntime(arg);
  let out = '';
  for (let i = 0; i < forProgram.length; i++) {
    const ch = forProgram[i];
    if ('^&|<>()"!'.includes(ch)) out += `^${ch}`;
    else if (ch === '%') {
      // Break a %NAME% reference: the caret escapes whatever follows (itself escaped already when a
      // metacharacter). The quoting above guarantees that `%` is never the last character.
      out += '^&|<>()"!'.includes(forProgram[i + 1]) ? '%' : '%^';
    } else out += ch;
  }
  return out;
}

/** Quotes one argument the way the Microsoft C runtime (and CommandLineToArgvW) splits it back. */
function quoteForCRuntime(arg: string): string {
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    // Backslashes are literal unless a quote follows them: then each one is doubled.
    out += '\\'.repeat(ch === '"' ? backslashes * 2 + 1 : backslashes) + ch;
    backslashes = 0;
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

function hex(ch: string): string {
  return ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
}
