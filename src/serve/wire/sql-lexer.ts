/**
 * Just enough of PostgreSQL's lexical rules to find the statements of a query string and their
 * leading words without being fooled by quotes, comments or dollar-quoted bodies. The wire
 * endpoint uses it to tell what a client's statement does to the shared session; it never
 * validates SQL (the server does).
 */

/** One token: a word (an identifier or keyword, lowercased in `value`), a literal or a symbol. */
export interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'param' | 'symbol';
  /** Lowercased for words, unescaped for quoted identifiers and plain strings. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** One statement of a query string (empty statements are left out). */
export interface Statement {
  readonly tokens: readonly Token[];
  /** Where it starts and ends in the query string (without its semicolon). */
  readonly start: number;
  readonly end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Split `sql` into statements at top-level semicolons. */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let tokens: Token[] = [];
  let depth = 0;
  // A function body written as BEGIN ATOMIC … END holds semicolons of its own.
  let atomic = 0;
  const flush = (end: number): void => {
    const first = tokens[0];
    if (first !== undefined) statements.push({ tokens, start: first.start, end });
    tokens = [];
    depth = 0;
    atomic = 0;
  };
  for (const token of tokenize(sql)) {
    if (token.kind === 'symbol' && token.value === ';' && depth === 0 && atomic === 0) {
      flush(token.start);
      continue;
    }
    if (token.kind === 'symbol') depth += token.value === '(' ? 1 : token.value === ')' ? -1 : 0;
    if (token.kind === 'word' && isCreateRoutine(tokens)) {
      const previous = tokens.at(-1);
      if (token.value === 'atomic' && previous?.value === 'begin') atomic += 1;
      else if (token.value === 'case' && atomic > 0) atomic += 1;
      else if (token.value === 'end' && atomic > 0) atomic -= 1;
    }
    tokens.push(token);
  }
  flush(sql.length);
  return statements;
}

function isCreateRoutine(tokens: readonly Token[]): boolean {
  if (tokens[0]?.value !== 'create') return false;
  return tokens.some(
    (t) => t.kind === 'word' && (t.value === 'function' || t.value === 'procedure'),
  );
}

/** The tokens of `sql`, comments and whitespace left out. */
export function* tokenize(sql: string): Generator<Token> {
  let at = 0;
  while (at < sql.length) {
    const token = tokenAt(sql, at);
    at = token === undefined ? skip(sql, at) : token.end;
    if (token !== undefined) yield token;
  }
}

const NUMBER = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;

// The token that starts at `at`, or undefined for whitespace and comments.
function tokenAt(sql: string, at: number): Token | undefined {
  const c = sql[at] ?? '';
  const next = sql[at + 1] ?? '';
  if (/\s/.test(c) || (c === '-' && next === '-') || (c === '/' && next === '*')) return undefined;
  if (c === "'") return stringToken(sql, at, at, false);
  if (/[Ee]/.test(c) && next === "'") return stringToken(sql, at, at + 1, true);
  if (/[BbXxNn]/.test(c) && next === "'") return stringToken(sql, at, at + 1, false);
  if (/[Uu]/.test(c) && next === '&' && sql[at + 2] === "'")
    return stringToken(sql, at, at + 2, false);
  if (/[Uu]/.test(c) && next === '&' && sql[at + 2] === '"') return quotedToken(sql, at, at + 2);
  if (c === '"') return quotedToken(sql, at, at);
  if (c === '$' && /[0-9]/.test(next)) {
    let end = at + 1;
    while (/[0-9]/.test(sql[end] ?? '')) end += 1;
    return { kind: 'param', value: sql.slice(at, end), start: at, end };
  }
  const tag = c === '$' ? DOLLAR_TAG.exec(sql.slice(at, at + 64))?.[0] : undefined;
  if (tag !== undefined) {
    const close = sql.indexOf(tag, at + tag.length);
    const end = close < 0 ? sql.length : close + tag.length;
    const value = sql.slice(at + tag.length, close < 0 ? end : close);
    return { kind: 'string', value, start: at, end };
  }
  if (WORD_START.test(c)) {
    let end = at + 1;
    while (WORD_PART.test(sql[end] ?? '')) end += 1;
    return { kind: 'word', value: sql.slice(at, end).toLowerCase(), start: at, end };
  }
  NUMBER.lastIndex = at;
  const number = NUMBER.exec(sql);
  if (number !== null) {
    return { kind: 'number', value: number[0], start: at, end: at + number[0].length };
  }
  return { kind: 'symbol', value: c, start: at, end: at + 1 };
}

// Where whitespace or a comment starting at `at` ends.
function skip(sql: string, at: number): number {
  if (sql.startsWith('--', at)) {
    const end = sql.indexOf('\n', at);
    return end < 0 ? sql.length : end + 1;
  }
  if (sql.startsWith('/*', at)) return blockCommentEnd(sql, at);
  return at + 1;
}

function stringToken(sql: string, start: number, quote: number, backslashes: boolean): Token {
  let at = quote + 1;
  let value = '';
  for (;;) {
    const c = sql[at];
    if (c === undefined) break;
    if (backslashes && c === '\\') {
      value += sql[at + 1] ?? '';
      at += 2;
    } else if (c === "'" && sql[at + 1] === "'") {
      value += "'";
      at += 2;
    } else if (c === "'") {
      at += 1;
      break;
    } else {
      value += c;
      at += 1;
    }
  }
  return { kind: 'string', value, start, end: at };
}

function quotedToken(sql: string, start: number, quote: number): Token {
  let at = quote + 1;
  let value = '';
  for (;;) {
    const c = sql[at];
    if (c === undefined) break;
    if (c === '"' && sql[at + 1] === '"') {
      value += '"';
      at += 2;
    } else if (c === '"') {
      at += 1;
      break;
    } else {
      value += c;
      at += 1;
    }
  }
  return { kind: 'quoted', value, start, end: at };
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let at = start;
  while (at < sql.length) {
    if (sql.startsWith('/*', at)) {
      depth += 1;
      at += 2;
    } else if (sql.startsWith('*/', at)) {
      depth -= 1;
      at += 2;
      if (depth === 0) return at;
    } else {
      at += 1;
    }
  }
  return sql.length;
}

/** The name a word or quoted identifier token stands for (words fold to lower case). */
export function identifierOf(token: Token | undefined): string | undefined {
  return token?.kind === 'word' || token?.kind === 'quoted' ? token.value : undefined;
}
