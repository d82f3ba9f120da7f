// A full-grammar syntax check of Python source (Lezer's Python grammar), for the errors the fast
// module reader does not look for, such as `x = = 1` or a missing colon inside a function body.
import { parser } from '@lezer/python';

export interface GrammarError {
  line: number;
  message: string;
}

export function findGrammarError(text: string): GrammarError | undefined {
  let errorAt = -1;
  parser.parse(text).iterate({
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
