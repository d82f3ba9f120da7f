// The one place that reads Python: decoding (PEP 263), tokenizing, statements and expressions, the
// fast revision-file reader, the module index of model discovery, imports, and Python's refusals.
export * from './encoding';
export * from './expressions';
export * from './grammar';
export * from './imports';
export * from './lexing';
export * from './literals';
export * from './module';
export * from './moduleIndex';
export * from './packedTokens';
export * from './renderTokens';
export * from './statements';
export * from './syntax';
