// Decodes a Python source file as Python does (PEP 263): UTF-8 unless a coding declaration in the
// first two lines says otherwise; undecodable bytes are a syntax error, not replacement characters.

export type DecodedSource = { text: string } | { error: string; line: number };

const CODING = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

export function decodePythonSource(bytes: Uint8Array): DecodedSource {
  let encoding = 'utf-8';
  let declaredOn = 0;
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!hasBom) {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 512)).split(/\r\n|\r|\n/, 2);
    for (let i = 0; i < head.length; i++) {
      const match = CODING.exec(head[i]);
      if (match) {
        encoding = pythonCodecToLabel(match[1]);
        declaredOn = i + 1;
        break;
      }
      // Only a comment or blank first line lets the second line declare the encoding.
      if (!/^[ \t\f]*(#.*)?$/.test(head[i])) break;
    }
  }
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return { error: `unknown encoding: ${encoding}`, line: declaredOn };
  }
  try {
    return { text: decoder.decode(hasBom ? bytes.subarray(3) : bytes) };
  } catch {
    const line = firstBadLine(bytes);
    return { error: `(unicode error) the file is not valid ${encoding}`, line };
  }
}

/** Python codec names that differ from the WHATWG labels TextDecoder knows. */
function pythonCodecToLabel(name: string): string {
  const lower = name.toLowerCase().replace(/_/g, '-');
  if (lower === 'utf8' || lower.startsWith('utf-8')) return 'utf-8';
  if (lower === 'latin-1' || lower === 'latin1' || lower === 'iso-8859-1' || lower === 'l1') return 'latin1';
  if (lower === 'ascii' || lower === 'us-ascii') return 'utf-8';
  if (/^cp\d+$/.test(lower)) return `windows-${lower.slice(2)}`;
  return lower;
}

function firstBadLine(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}
