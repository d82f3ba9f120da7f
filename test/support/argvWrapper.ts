// A wrapper executable like `uv run` or `poetry run`, for alembic.command tests: it logs its argv (one
// argument a line, `--` after each run), then runs `alembic ...` or `python ...` with the given Python,
// in its own environment (`env`: variables only the wrapper sets, as a project's virtualenv would).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes `<dir>/run-in-env`, logging to `log`; returns its path. */
export function writeArgvWrapper(dir: string, log: string, python: string, env: Record<string, string> = {}): string {
  const wrapper = path.join(dir, 'run-in-env');
  fs.writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `for arg in "$@"; do printf '%s\\n' "$arg" >> '${log}'; done`,
      `printf -- '--\\n' >> '${log}'`,
      ...Object.entries(env).map(([name, value]) => `export ${name}='${value}'`),
      'what="$1"; shift',
      `if [ "$what" = alembic ]; then exec '${python}' -m alembic "$@"; fi`,
      `if [ "$what" = python ]; then exec '${python}' "$@"; fi`,
      'echo "run-in-env: unknown command $what" >&2; exit 2',
      '',
    ].join('\n'),
  );
  fs.chmodSync(wrapper, 0o755);
  return wrapper;
}
