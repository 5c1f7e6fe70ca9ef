import type { ErrorFields } from '../pg-messages.js';
import { identifierOf, type Statement, type Token } from './sql-lexer.js';

/**
 * What the wire endpoint does with one statement of a client, given that every client shares the
 * owner's one session (the README's serve section has the same table in prose):
 *
 * | statement                                   | through serve                                   |
 * | ------------------------------------------- | ----------------------------------------------- |
 * | SET, RESET, set_config(…, false)            | per client: kept, re-applied for its statements |
 * | SET LOCAL, SET TRANSACTION, SET CONSTRAINTS | as in PostgreSQL (they end with the transaction) |
 * | PREPARE, EXECUTE, DEALLOCATE name           | per client: the name is renamed on the session  |
 * | DEALLOCATE ALL, DISCARD ALL                 | per client: its own statements and settings     |
 * | UNLISTEN                                    | answered (nothing listens)                      |
 * | COPY … FROM STDIN                           | buffered, then run as one statement             |
 * | pg_cancel_backend / pg_terminate_backend / pg_backend_pid of a wire client | answered by serve |
 * | LISTEN, SET ROLE, SET SESSION AUTHORIZATION | refused (0A000)                                 |
 * | TEMP objects outside BEGIN … ON COMMIT DROP | refused (0A000)                                 |
 * | session advisory locks, cursors WITH HOLD   | refused (0A000)                                 |
 * | ALTER SYSTEM, ALTER DATABASE/ROLE/USER SET  | refused (0A000)                                 |
 * | COPY to or from a file or a program         | refused (0A000)                                 |
 * | anything else                               | runs as it is                                   |
 */
export type StatementAction =
  | { readonly kind: 'pass' }
  | { readonly kind: 'refuse'; readonly error: ErrorFields }
  | { readonly kind: 'prepare' | 'execute' | 'deallocate'; readonly name: Token }
  | { readonly kind: 'deallocate-all' | 'discard-all' | 'unlisten' | 'copy-in' | 'backend-pid' }
  | {
      readonly kind: 'signal-backend';
      readonly signal: 'cancel' | 'terminate';
      readonly pid: number;
    };

/** What a statement does to the session besides its action. */
export interface StatementEffects {
  /** It may change session settings (SET, RESET, set_config): they are read back afterwards. */
  readonly settings: boolean;
  /** It names temporary objects: they are discarded once the client's transaction ends. */
  readonly temp: boolean;
  /** A timeout serve enforces itself, set (ms; null: back to its default) for the session or the transaction. */
  readonly timeout?: {
    readonly name: EnforcedTimeout;
    readonly scope: 'session' | 'local';
    readonly ms: number | null;
  };
  /** RESET ALL: every timeout back to its default. */
  readonly resetAll?: boolean;
}

/** The timeouts serve enforces itself (PGlite has no timers): see ClientSettings. */
export type EnforcedTimeout = 'statement_timeout' | 'idle_in_transaction_session_timeout';
const ENFORCED = new Set<string>(['statement_timeout', 'idle_in_transaction_session_timeout']);

/** The verdict on one statement. */
export interface Classified {
  readonly action: StatementAction;
  readonly effects: StatementEffects;
}

const PASS: StatementAction = { kind: 'pass' };
const SESSION_LOCKS = new Set([
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
]);

const refuse = (message: string, hint: string): StatementAction => ({
  kind: 'refuse',
  error: {
    sqlState: '0A000',
    message: `${message} through pgcache serve (every client shares one session)`,
    hint,
  },
});

/** Classify one statement; `inTransaction` says whether the client is inside BEGIN … COMMIT. */
export function classifyStatement(statement: Statement, inTransaction: boolean): Classified {
  const words = statement.tokens;
  const word = (i: number): string | undefined =>
    words[i]?.kind === 'word' ? words[i]?.value : undefined;
  const has = (value: string): boolean => words.some((t) => t.kind === 'word' && t.value === value);
  const effects: StatementEffects = {
    settings: has('set_config'),
    temp: words.some((t) => t.kind === 'word' && /^(temp|temporary|pg_temp(_\d+)?)$/.test(t.value)),
  };
  if (words.some((t) => t.kind === 'word' && SESSION_LOCKS.has(t.value))) {
    return {
      action: refuse(
        'session-level advisory locks are not supported',
        'Use pg_advisory_xact_lock() inside a transaction.',
      ),
      effects,
    };
  }
  switch (word(0)) {
    case 'set':
      return { action: setAction(word), effects: { ...effects, ...setEffects(words) } };
    case 'reset':
      return { action: PASS, effects: { ...effects, ...resetEffects(words) } };
    case 'prepare':
      return named(word(1) === 'transaction' ? undefined : words[1], 'prepare', effects);
    case 'execute':
      return named(words[1], 'execute', effects);
    case 'explain':
      return named(after(words, 'execute'), 'execute', effects);
    case 'deallocate':
      return deallocate(words, effects);
    case 'discard':
      return { action: word(1) === 'all' ? { kind: 'discard-all' } : PASS, effects };
    case 'listen':
      return {
        action: refuse(
          'LISTEN is not supported',
          'Poll instead, or use LISTEN on a PostgreSQL server of your own.',
        ),
        effects,
      };
    case 'unlisten':
      return { action: { kind: 'unlisten' }, effects };
    case 'copy':
      return { action: copyAction(words), effects };
    case 'create':
      return createAction(words, inTransaction, effects);
    case 'select':
      return { action: selectAction(words), effects };
    case 'declare':
      return {
        action:
          has('hold') && has('with')
            ? refuse(
                'cursors WITH HOLD are not supported',
                'Declare the cursor without WITH HOLD, inside a transaction.',
              )
            : PASS,
        effects,
      };
    case 'alter':
      return { action: alterAction(word, has), effects };
    default:
      return { action: PASS, effects };
  }
}

function setAction(word: (i: number) => string | undefined): StatementAction {
  const second = word(1);
  if (second === 'role' || (second === 'session' && word(2) === 'authorization')) {
    return refuse(
      `SET ${second === 'role' ? 'ROLE' : 'SESSION AUTHORIZATION'} is not supported`,
      'Connect as the role you need.',
    );
  }
  return PASS;
}

// SET [SESSION | LOCAL] name { TO | = } value: session settings, and the timeouts serve enforces.
function setEffects(words: readonly Token[]): Partial<StatementEffects> {
  const second = words[1]?.value;
  if (second === 'transaction' || second === 'constraints') return {};
  const local = second === 'local';
  const at = local || second === 'session' ? 2 : 1;
  if (local) return timeoutEffect(words, at, 'local');
  return { settings: true, ...timeoutEffect(words, at, 'session') };
}

function timeoutEffect(
  words: readonly Token[],
  at: number,
  scope: 'session' | 'local',
): Partial<StatementEffects> {
  const name = words[at]?.value;
  const operator = words[at + 1]?.value;
  if (name === undefined || !ENFORCED.has(name) || (operator !== '=' && operator !== 'to'))
    return {};
  const value = words[at + 2];
  const ms =
    value?.kind === 'word' && value.value === 'default'
      ? null
      : parseDurationMs(value?.value ?? '');
  if (ms === undefined) return {};
  return { timeout: { name: name as EnforcedTimeout, scope, ms } };
}

function resetEffects(words: readonly Token[]): Partial<StatementEffects> {
  const name = words[1]?.value;
  if (name === 'role' || name === 'session') return {};
  if (name === 'all') return { settings: true, resetAll: true };
  if (name !== undefined && ENFORCED.has(name)) {
    return {
      settings: true,
      timeout: { name: name as EnforcedTimeout, scope: 'session', ms: null },
    };
  }
  return { settings: true };
}

function named(
  name: Token | undefined,
  kind: 'prepare' | 'execute',
  effects: StatementEffects,
): Classified {
  return {
    action: identifierOf(name) === undefined || name === undefined ? PASS : { kind, name },
    effects,
  };
}

// The token after the word `word` (EXPLAIN … EXECUTE name).
function after(words: readonly Token[], word: string): Token | undefined {
  const at = words.findIndex((t) => t.kind === 'word' && t.value === word);
  return at < 0 ? undefined : words[at + 1];
}

function deallocate(words: readonly Token[], effects: StatementEffects): Classified {
  const at = words[1]?.value === 'prepare' ? 2 : 1;
  const name = words[at];
  if (name?.kind === 'word' && name.value === 'all')
    return { action: { kind: 'deallocate-all' }, effects };
  if (identifierOf(name) === undefined || name === undefined) return { action: PASS, effects };
  return { action: { kind: 'deallocate', name }, effects };
}

// COPY target [(columns)] FROM|TO STDIN|STDOUT|'file'|PROGRAM …, target a table or a (query).
function copyAction(words: readonly Token[]): StatementAction {
  let depth = 0;
  for (let i = 1; i < words.length; i += 1) {
    const token = words[i];
    if (token?.kind === 'symbol') depth += token.value === '(' ? 1 : token.value === ')' ? -1 : 0;
    if (depth !== 0 || token?.kind !== 'word' || (token.value !== 'from' && token.value !== 'to')) {
      continue;
    }
    const target = words[i + 1];
    const stdio = target?.kind === 'word' ? target.value : undefined;
    if (token.value === 'from' && stdio === 'stdin') return { kind: 'copy-in' };
    if (token.value === 'to' && stdio === 'stdout') return PASS;
    return refuse(
      'COPY to or from a file or a program is not supported',
      "Use COPY … FROM STDIN or TO STDOUT (psql's \\copy).",
    );
  }
  return PASS;
}

function createAction(
  words: readonly Token[],
  inTransaction: boolean,
  effects: StatementEffects,
): Classified {
  let at = 1;
  while (['or', 'replace', 'global', 'local'].includes(words[at]?.value ?? '')) at += 1;
  const temporary =
    words[at]?.kind === 'word' && (words[at]?.value === 'temp' || words[at]?.value === 'temporary');
  const inPgTemp = words.some(
    (t, i) => t.kind === 'word' && t.value.startsWith('pg_temp') && words[i + 1]?.value === '.',
  );
  if (!temporary && !inPgTemp) {
    const execute = words.findIndex(
      (t, i) => t.value === 'execute' && words[i - 1]?.value === 'as',
    );
    return named(execute < 0 ? undefined : words[execute + 1], 'execute', effects);
  }
  const dropsOnCommit = words.some(
    (t, i) =>
      t.value === 'on' && words[i + 1]?.value === 'commit' && words[i + 2]?.value === 'drop',
  );
  if (inTransaction && dropsOnCommit) return { action: PASS, effects: { ...effects, temp: true } };
  return {
    action: refuse(
      'temporary objects are not supported outside a transaction block',
      'Create it inside BEGIN … COMMIT with ON COMMIT DROP, or use a regular table.',
    ),
    effects,
  };
}

// SELECT … INTO TEMP is refused; SELECT pg_cancel_backend(N), pg_terminate_backend(N) and
// pg_backend_pid() alone are answered by serve for its wire clients.
function selectAction(words: readonly Token[]): StatementAction {
  if (
    words.some((t, i) => t.value === 'into' && /^temp(orary)?$/.test(words[i + 1]?.value ?? ''))
  ) {
    return refuse(
      'SELECT … INTO TEMP is not supported',
      'Use CREATE TEMP TABLE … ON COMMIT DROP inside a transaction.',
    );
  }
  const rest = words.slice(1).map((t) => t.value);
  if (rest[0] === 'pg_catalog' && rest[1] === '.') rest.splice(0, 2);
  const [fn, open, arg, close] = rest;
  if (fn === 'pg_backend_pid' && open === '(' && arg === ')' && rest.length === 3)
    return { kind: 'backend-pid' };
  const pid = Number(arg);
  if (
    (fn === 'pg_cancel_backend' || fn === 'pg_terminate_backend') &&
    open === '(' &&
    close === ')' &&
    rest.length === 4 &&
    Number.isInteger(pid)
  ) {
    return {
      kind: 'signal-backend',
      signal: fn === 'pg_cancel_backend' ? 'cancel' : 'terminate',
      pid,
    };
  }
  return PASS;
}

function alterAction(
  word: (i: number) => string | undefined,
  has: (w: string) => boolean,
): StatementAction {
  const what = word(1);
  if (
    what === 'system' ||
    ((what === 'database' || what === 'role' || what === 'user') && (has('set') || has('reset')))
  ) {
    return refuse(
      `ALTER ${what.toUpperCase()} … SET is not supported`,
      'Use SET in your session: serve keeps it for your connection.',
    );
  }
  return PASS;
}

const UNITS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A PostgreSQL time setting in milliseconds (`1000`, `'1s'`, `'1.5 min'`; milliseconds when no
 * unit is given), or undefined when it is not one.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(text);
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}
