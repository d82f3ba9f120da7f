// Why `alembic revision --autogenerate` wrote an empty upgrade(): the causes this project shows, most
// likely first, each with the file and line to open. Asked once an empty revision appears, so it may walk
// the project's files (for create_all at start-up) where the model discovery does not.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlembicConfig } from '../config';
import { envKeywordFlags } from '../lint/projectLint';
import { projectImportRoots } from '../sysPath';
import type { ModelDiscovery } from './modelFiles';
import { isTestFile, listPythonFiles, MAX_SCANNED_FILES } from './projectFiles';

export interface EmptyAutogenerateCause {
  /** One sentence: what the project shows, and what to do. */
  text: string;
  /** Where to look (1-based line). */
  file?: string;
  line?: number;
}

export interface EmptyAutogenerateExplanation {
  causes: EmptyAutogenerateCause[];
  /** What was checked and found right, when the models env.py imports are all there is. */
  ruledOut?: string;
}

const CREATE_ALL = /\bcreate_all\s*\(/g;
/** Files over this size are not models or start-up code worth a look here. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * The causes of an empty autogenerate that the project shows: models env.py never imports, models on another
 * MetaData, a target_metadata without models, `metadata.create_all()` run by the application; and last, the
 * changes autogenerate does not compare unless env.py asks (types before Alembic 1.12, server defaults).
 */
export function explainEmptyAutogenerate(
  config: AlembicConfig,
  discovery: ModelDiscovery | undefined,
  readFile: (file: string) => string | undefined,
): EmptyAutogenerateExplanation {
  const causes: EmptyAutogenerateCause[] = [];
  const envPy = discovery?.envPy;
  const metadataLine = discovery?.metadata?.line;
  const shown = (file: string) => path.relative(config.baseDir, file) || file;
  for (const missing of discovery?.unimported ?? []) {
    const names = missing.classes.map((c) => c.name);
    causes.push({
      text:
        `${shown(missing.path)} defines ${listed(names)}, but nothing env.py imports loads ${missing.module}: ` +
        `target_metadata does not have ${names.length > 1 ? 'their tables' : 'its table'}. Import it in env.py.`,
      file: envPy,
      line: metadataLine,
    });
  }
  if (discovery?.otherTables?.length) {
    const tables = discovery.otherTables.map((t) => (t.schema ? `${t.schema}.${t.table}` : t.table));
    causes.push({
      text: `The models of ${listed(tables)} map into another MetaData than target_metadata (${discovery.metadata?.expression ?? 'env.py'}): autogenerate compares only target_metadata's tables.`,
      file: envPy,
      line: metadataLine,
    });
  }
  if (discovery?.metadata && !discovery.files.length && !discovery.unimported?.length && !discovery.partial) {
    causes.push({
      text: `target_metadata (${discovery.metadata.expression}) has no models among the modules env.py imports: import the modules that define them.`,
      file: envPy,
      line: metadataLine,
    });
  }
  const importsAll = !!discovery?.files.length && !causes.length && !discovery.partial;
  const ruledOut = importsAll
    ? `target_metadata (${discovery!.metadata?.expression ?? 'env.py'}) has the models of ${listed(discovery!.files.map((f) => shown(f.path)))}, and no other module of the project defines models.`
    : undefined;
  for (const call of createAllCalls(config, readFile)) {
    causes.push({
      text:
        `${shown(call.file)}:${call.line} calls create_all(), which creates the models' tables when the application starts: ` +
        'the database may already have the change, so autogenerate sees no difference. Let the migrations create the tables.',
      file: call.file,
      line: call.line,
    });
  }
  const envText = envPy ? readFile(envPy) : undefined;
  const flags = envKeywordFlags(envText, ['compare_type', 'compare_server_default']);
  const unseen = [
    ...(flags.compare_type === false
      ? ['a column type (Alembic before 1.12 compares types only with compare_type=True)']
      : []),
    ...(flags.compare_server_default === false ? ['a server default (only with compare_server_default=True)'] : []),
    "an Enum's values",
    'a CHECK constraint',
  ];
  causes.push({
    text: `If the models did change, the change may be one autogenerate does not detect: ${unseen.join(', ')}. Write it by hand in upgrade().`,
    file: envPy,
    line: metadataLine,
  });
  return ruledOut ? { causes, ruledOut } : { causes };
}

function listed(names: string[]): string {
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/** The application's `create_all(` calls (tests, migrations and virtualenvs left out), at most three. */
function createAllCalls(
  config: AlembicConfig,
  readFile: (file: string) => string | undefined,
): Array<{ file: string; line: number }> {
  const found: Array<{ file: string; line: number }> = [];
  const skipped = config.scriptLocation ? [path.resolve(config.scriptLocation)] : [];
  const seen = new Set<string>();
  for (const root of projectImportRoots(config)) {
    for (const file of listPythonFiles(root, skipped)) {
      if (seen.size >= MAX_SCANNED_FILES || found.length >= 3) return found;
      if (seen.has(file) || isTestFile(file) || skipped.some((dir) => file.startsWith(dir + path.sep))) continue;
      seen.add(file);
      if (!isSmallFile(file)) continue;
      const text = readFile(file);
      if (!text?.includes('create_all')) continue;
      for (const m of text.matchAll(CREATE_ALL)) {
        const lineStart = text.lastIndexOf('\n', m.index) + 1;
        // Not in a comment.
        if (text.slice(lineStart, m.index).includes('#')) continue;
        found.push({ file, line: text.slice(0, m.index).split('\n').length });
        break;
      }
    }
  }
  return found;
}

function isSmallFile(file: string): boolean {
  try {
    return fs.statSync(file).size <= MAX_FILE_BYTES;
  } catch {
    return false;
  }
}
