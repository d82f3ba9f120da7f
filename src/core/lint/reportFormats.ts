// The CLI's `check --format`: the problems as text lines, JSON, SARIF 2.1.0 (for code-scanning
// uploads) or GitHub Actions workflow commands (annotations on the pull request's files).
import * as path from 'node:path';
import type * as Sarif from 'sarif';
import type { Problem, Severity } from '../problems';
import { LINT_RULES, lintRule, ruleDocPath } from './rules';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportContext {
  /** Paths are shown relative to this folder (the repository root in CI) when they are inside it. */
  cwd: string;
  toolVersion?: string;
  /** Where a reader of the report learns about the tool (SARIF's informationUri). */
  toolUri?: string;
}

export function formatReport(problems: readonly Problem[], format: ReportFormat, context: ReportContext): string {
  switch (format) {
    case 'text':
      return problems.map((p) => textLine(p, context.cwd)).join('');
    case 'json':
      return `${JSON.stringify(jsonReport(problems, context), null, 2)}\n`;
    case 'sarif':
      return `${JSON.stringify(sarifReport(problems, context), null, 2)}\n`;
    case 'github':
      return problems.map((p) => githubAnnotation(p, context)).join('');
  }
}

/** `file:line: severity: message [code]`, then a `file:line: note: ...` line for each related place. */
function textLine(p: Problem, cwd: string): string {
  const file = (at: string): string => oneLine(shownPath(at, cwd));
  const notes = (p.related ?? []).map((r) => `${file(r.path)}:${r.line}: note: ${oneLine(r.message)}\n`);
  return `${file(p.path)}:${p.line}: ${p.severity}: ${oneLine(p.message)} [${p.code}]\n${notes.join('')}`;
}

/** One problem, one line: a line break in a message or a file name (both can hold one) written as `\n`. */
function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n]/g, '\\n');
}

/** Relative to cwd when inside it (forward slashes), else absolute. */
export function shownPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

function jsonReport(problems: readonly Problem[], context: ReportContext): unknown {
  return {
    problems: problems.map((p) => ({ ...p, file: shownPath(p.path, context.cwd), doc: ruleDocPath(p.code) ?? null })),
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
  };
}

const SARIF_LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

function sarifReport(problems: readonly Problem[], context: ReportContext): Sarif.Log {
  // Every lint rule, then the codes of the other problems (a broken history...), in order of appearance.
  const ids = [...LINT_RULES.map((r) => r.code)];
  for (const p of problems) if (!ids.includes(p.code)) ids.push(p.code);
  const index = new Map(ids.map((id, i) => [id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'alembic-lens',
            ...(context.toolVersion ? { version: context.toolVersion } : {}),
            ...(context.toolUri ? { informationUri: context.toolUri } : {}),
            rules: ids.map((id): Sarif.ReportingDescriptor => {
              const rule = lintRule(id);
              return {
                id,
                shortDescription: { text: rule?.summary ?? id },
                defaultConfiguration: { level: rule ? (rule.off ? 'none' : SARIF_LEVEL[rule.severity]) : 'error' },
                ...(rule
                  ? {
                      help: { text: `${rule.summary}. See ${ruleDocPath(id)}.` },
                      properties: { databases: rule.dialects ?? ['all'] },
                    }
                  : {}),
              };
            }),
          },
        },
        results: problems.map(
          (p): Sarif.Result => ({
            ruleId: p.code,
            ruleIndex: index.get(p.code),
            level: SARIF_LEVEL[p.severity],
            message: { text: p.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: sarifArtifact(p.path, context.cwd),
                  region: { startLine: p.line, ...(p.column ? { startColumn: p.column } : {}) },
                },
              },
            ],
            ...(p.related?.length
              ? {
                  relatedLocations: p.related.map(
                    (r, id): Sarif.Location => ({
                      id,
                      message: { text: r.message },
                      physicalLocation: {
                        artifactLocation: sarifArtifact(r.path, context.cwd),
                        region: { startLine: r.line },
                      },
                    }),
                  ),
                }
              : {}),
          }),
        ),
      },
    ],
  };
}

/** A relative URI (against %SRCROOT%, the checkout) when the file is under cwd, else a file: URI. */
function sarifArtifact(file: string, cwd: string): Sarif.ArtifactLocation {
  const shown = shownPath(file, cwd);
  if (shown === file) return { uri: `file://${file.split(path.sep).map(encodeURIComponent).join('/')}` };
  return { uri: shown.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

const GITHUB_COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** `::warning file=...,line=...,title=...::message`, escaped as the workflow command syntax requires. */
function githubAnnotation(p: Problem, context: ReportContext): string {
  const property = (value: string): string => escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const file = property(shownPath(p.path, context.cwd));
  return `::${GITHUB_COMMAND[p.severity]} file=${file},line=${p.line},title=${property(`alembic-lens ${p.code}`)}::${escapeData(p.message)}\n`;
}

function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
