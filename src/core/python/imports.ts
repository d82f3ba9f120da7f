// Where Python finds a module, by its import system's rules for source files: on each sys.path
// entry, a regular package (a folder with __init__.py) comes before a module (name.py), and a folder
// without __init__.py is a namespace package only when no entry has either; a namespace package spans
// every such folder. Relative imports start from the importing module's package. The readers of
// env.py (urlSource/) and of models (models/) both resolve imports here.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the resolver may ask of the file system (or of a view of it that includes unsaved editors). */
export interface ModuleProbe {
  isFile(file: string): boolean;
  isDir(dir: string): boolean;
}

/**
 * A ModuleProbe on the disk that remembers each answer: a resolver asks the same questions many times.
 * Made per load or per discovery, so that a new one sees files created since.
 */
export function cachedDiskProbe(): ModuleProbe {
  const kinds = new Map<string, 'file' | 'dir' | 'none'>();
  const kindOf = (p: string): 'file' | 'dir' | 'none' => {
    let kind = kinds.get(p);
    if (kind === undefined) {
      kind = 'none';
      try {
        const stat = fs.statSync(p);
        kind = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'none';
      } catch {
        // missing
      }
      kinds.set(p, kind);
    }
    return kind;
  };
  return { isFile: (p) => kindOf(p) === 'file', isDir: (p) => kindOf(p) === 'dir' };
}

export interface FoundModule {
  /** The file Python runs for the module: a package's __init__.py or a module's .py; none for a namespace package. */
  file?: string;
  /** A package's folders (several for a namespace package); empty for a plain module. */
  dirs: string[];
  /** The files Python runs importing it: each enclosing package's __init__.py, outermost first, then the module's. */
  chain: string[];
}

/**
 * Finds `dotted` (`a.b.c`; '' with level > 0 for `from . import x`) as Python would: absolute
 * imports search `roots` (sys.path) in order, relative ones (`level` dots) the package of `fromFile`.
 * Undefined when Python would raise ModuleNotFoundError.
 */
export function findModule(
  dotted: string,
  level: number,
  fromFile: string,
  roots: readonly string[],
  probe: ModuleProbe,
): FoundModule | undefined {
  const parts = dotted ? dotted.split('.') : [];
  if (level > 0) {
    let dir = path.dirname(fromFile);
    for (let i = 1; i < level; i++) dir = path.dirname(dir);
    const init = path.join(dir, '__init__.py');
    const start: FoundModule = { file: probe.isFile(init) ? init : undefined, dirs: [dir], chain: [] };
    return parts.length ? descend(start, parts, probe) : start;
  }
  if (!parts.length) return undefined;
  return descend({ dirs: [...roots], chain: [] }, parts, probe);
}

/** `name` inside the package whose folders are `dirs`: a subpackage before a module, as Python looks. */
export function findSubmodule(dirs: readonly string[], name: string, probe: ModuleProbe): FoundModule | undefined {
  return descend({ dirs: [...dirs], chain: [] }, [name], probe);
}

function descend(start: FoundModule, parts: string[], probe: ModuleProbe): FoundModule | undefined {
  let current = start;
  for (let i = 0; i < parts.length; i++) {
    if (!current.dirs.length) return undefined; // a plain module is not a package
    const next = step(current.dirs, parts[i], probe);
    if (!next) return undefined;
    current = { ...next, chain: next.file ? [...current.chain, next.file] : current.chain };
  }
  return current;
}

function step(dirs: readonly string[], name: string, probe: ModuleProbe): FoundModule | undefined {
  const portions: string[] = [];
  for (const dir of dirs) {
    const packageDir = path.join(dir, name);
    const init = path.join(packageDir, '__init__.py');
    if (probe.isFile(init)) return { file: init, dirs: [packageDir], chain: [] };
    const module = path.join(dir, `${name}.py`);
    if (probe.isFile(module)) return { file: module, dirs: [], chain: [] };
    if (probe.isDir(packageDir)) portions.push(packageDir);
  }
  return portions.length ? { dirs: portions, chain: [] } : undefined;
}
