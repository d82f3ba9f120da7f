// The part of the unicode-name package (plain JavaScript) that unicodeNames.ts uses.
declare module 'unicode-name' {
  export function unicodeBaseName(char: string | number): string | undefined;
  export function unicodeAliases(char: string | number): Record<string, string[]> | undefined;
}
