// A full-grammar syntax check of Python source (Lezer's Python grammar), for the errors the fast
// module reader does not look for, such as `x = = 1` or a missing colon inside a function body.
type LRParser = typeof import('@lezer/python')['parser'];

// Loaded on first use: command-line runs that never check grammar should not pay for the parser.
let parser: LRParser | undefined;
function pythonParser(): LRParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('@lezer/python') as typeof import('@lezer/python')).parser;
  return parser;
}

export interface GrammarError {
  line: number;
  message: string;
}

export function findGrammarError(text: string): GrammarError | undefined {
  let errorAt = -1;
  pythonParser()
    .parse(text)
    .iterate({
      enter(node) {
        if (errorAt >= 0) return false;
        if (node.type.isError) {
          errorAt = node.from;
          return false;
        }
        return undefined;
      },
    });
  if (errorAt < 0) return undefined;
  let line = 1;
  for (let i = 0; i < errorAt && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return { line, message: 'invalid syntax' };
}
