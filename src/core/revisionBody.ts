// What a revision's upgrade() does, read statically: enough to notice the classic empty autogenerate.

/** The lines of a module-level function's body (`def name(...)` at column 0), or undefined. */
export function functionBody(text: string, name: string): string[] | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => new RegExp(`^(?:async\\s+)?def\\s+${name}\\s*\\(`).test(line));
  if (start < 0) return undefined;
  // The header may span lines (annotations): the body starts after the line ending with ':'.
  let i = start;
  while (i < lines.length && !/:\s*(#.*)?$/.test(lines[i])) i++;
  const body: string[] = [];
  for (i++; i < lines.length; i++) {
    const line = lines[i];
    if (/^\S/.test(line) && !line.startsWith('#')) break;
    body.push(line);
  }
  return body;
}

/** True when upgrade() holds nothing but `pass`, comments, a docstring or blank lines. */
export function upgradeIsEmpty(text: string): boolean {
  const body = functionBody(text, 'upgrade');
  if (!body) return false;
  const code = body
    .join('\n')
    .replace(/("""|''')[\s\S]*?\1/g, '')
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line && line !== 'pass' && line !== '...');
  return code.length === 0;
}
