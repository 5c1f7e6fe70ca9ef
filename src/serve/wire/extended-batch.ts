import { cstring, errorResponse, readyForQuery, type ErrorFields } from '../pg-messages.js';
import type { ClientSession } from './client-session.js';
import { MISSING_STATEMENT } from './prepared-names.js';
import {
  framesOf,
  frontendMessage,
  namedMessageOf,
  withStrings,
  type Frame,
} from './protocol-codec.js';
import { splitStatements } from './sql-lexer.js';
import { classifyStatement, type StatementEffects } from './statement-policy.js';

/** Frontend messages of the extended query protocol. */
export const EXTENDED_TYPES: ReadonlySet<string> = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'S']);

// A Parse the server refuses (a syntax error), sent in place of one serve refuses, so that the
// server skips to the Sync as PostgreSQL would after an error.
const REFUSED_PARSE = frontendMessage(
  'P',
  cstring(''),
  cstring('pgcache: refused'),
  Buffer.alloc(2),
);
const PARSE_COMPLETE = Buffer.from([0x31, 0, 0, 0, 4]);

interface Request {
  readonly type: string;
  /** A Parse serve sent ahead of the client's message (its ParseComplete is not the client's). */
  readonly hidden?: boolean;
  /** Describe's or Close's target: `S` statement, `P` portal. */
  readonly target: string | undefined;
  /** The error the client gets in place of the server's for this message. */
  readonly substitute?: ErrorFields;
  /** Undoes this message's change to the client's statement names, if it did not run. */
  readonly undo?: () => void;
}

type Outcome = 'ok' | 'error' | 'skipped';

/**
 * One run of a client's extended-protocol messages (Parse, Bind, Describe, Execute, Close, Flush,
 * Sync), sent to the session together. Statement names are renamed to the client's own names on
 * the session (an unknown one to a name nobody has, so that the server fails the message), a
 * Parse of something serve refuses becomes one that fails, and the server's answer is read back
 * message by message: names of a Parse or Close that did not run are restored, and a failure
 * serve caused carries serve's error.
 */
export class ExtendedBatch {
  readonly #messages: readonly Uint8Array[];
  readonly #session: ClientSession;
  readonly #requests: Request[] = [];

  constructor(messages: readonly Uint8Array[], session: ClientSession) {
    this.#messages = messages;
    this.#session = session;
  }

  /** What the session snapshot shows: the text of the first statement parsed or bound. */
  get statement(): string {
    for (const message of this.#messages) {
      const named = namedMessageOf(message);
      if (named.type === 'P') return named.strings[1] ?? '';
      if (named.type === 'B') return this.#session.names.get(named.strings[1] ?? '')?.sql ?? '';
    }
    return '';
  }

  /** True when the last message is a Sync (the answer ends with ReadyForQuery). */
  get endsWithSync(): boolean {
    return this.#messages.at(-1)?.[0] === 0x53;
  }

  /**
   * True when the messages only prepare named statements (Parse, then Flush or Sync): they can
   * be answered without the session (see {@link answerWithoutSession}).
   */
  get parseOnly(): boolean {
    const names = new Set<string>();
    for (const message of this.#messages) {
      const named = namedMessageOf(message);
      if (named.type === 'H' || named.type === 'S') continue;
      const [name = '', sql = ''] = named.strings;
      if (named.type !== 'P' || name === '' || names.has(name)) return false;
      if (this.#session.names.get(name) !== undefined) return false;
      if (refusalOf(sql, this.#session.inTransaction).error !== undefined) return false;
      names.add(name);
    }
    return names.size > 0;
  }

  /**
   * Answer a {@link parseOnly} run while another client holds the session: each statement gets
   * its name, and is parsed on the session just before its first use (a Parse the server would
   * refuse then fails that use).
   */
  answerWithoutSession(): Uint8Array {
    const answers: Uint8Array[] = [];
    for (const message of this.#messages) {
      const named = namedMessageOf(message);
      const [name = '', sql = ''] = named.strings;
      if (named.type === 'P') {
        this.#session.settings.note(refusalOf(sql, this.#session.inTransaction).effects);
        const entry = this.#session.names.add(name, sql);
        entry.parse = withStrings(message, named, [entry.server, sql]);
        answers.push(PARSE_COMPLETE);
      } else if (named.type === 'S') {
        answers.push(readyForQuery(this.#session.status));
      }
    }
    return Buffer.concat(answers);
  }

  /** The messages to send, renamed (changes the client's names: call once, then {@link settle}). */
  rewrite(): Buffer {
    return Buffer.concat(this.#messages.map((message) => this.#rewrite(message)));
  }

  /** Read the answer back; returns what the client gets. */
  settle(answer: Uint8Array): Uint8Array {
    const frames = framesOf(answer);
    const { outcomes, errors, ends } = attribute(this.#requests, frames);
    for (let i = this.#requests.length - 1; i >= 0; i -= 1) {
      if (outcomes[i] !== 'ok') this.#requests[i]?.undo?.();
    }
    const replaced = new Map<number, Buffer>();
    this.#requests.forEach((request, i) => {
      const error = errors[i];
      const end = ends[i];
      if (request.substitute !== undefined && error !== undefined) {
        replaced.set(error, errorResponse(request.substitute));
      }
      // The client had its ParseComplete when serve answered its Parse.
      if (request.hidden === true && end !== undefined) replaced.set(end, Buffer.alloc(0));
    });
    if (replaced.size === 0) return answer;
    return Buffer.concat(frames.map((f, i) => replaced.get(i) ?? answer.subarray(f.start, f.end)));
  }

  #rewrite(message: Uint8Array): Uint8Array {
    const named = namedMessageOf(message);
    const names = this.#session.names;
    const keep = (request: Omit<Request, 'type' | 'target'> = {}): Uint8Array => {
      this.#requests.push({ type: named.type, target: named.target, ...request });
      return message;
    };
    const [first = '', second = ''] = named.strings;
    switch (named.type) {
      case 'P': {
        const { error: refusal, effects } = refusalOf(second, this.#session.inTransaction);
        this.#session.settings.note(effects);
        if (refusal !== undefined) {
          this.#requests.push({ type: 'P', target: undefined, substitute: refusal });
          return REFUSED_PARSE;
        }
        if (first === '') return keep();
        if (names.get(first) !== undefined) {
          this.#requests.push({
            type: 'P',
            target: undefined,
            substitute: nameError('42P05', first, 'already exists'),
          });
          return REFUSED_PARSE;
        }
        const entry = names.add(first, second);
        keep({ undo: () => names.set(first, undefined) });
        return withStrings(message, named, [entry.server, second]);
      }
      case 'B':
        return this.#renamed(message, named, second, 1, [first, second]);
      case 'D':
        return named.target === 'S' ? this.#renamed(message, named, first, 0, [first]) : keep();
      case 'C': {
        if (named.target !== 'S' || first === '') return keep();
        const entry = names.delete(first);
        keep({ undo: () => names.set(first, entry) });
        return withStrings(message, named, [entry?.server ?? MISSING_STATEMENT]);
      }
      default:
        return keep();
    }
  }

  // Bind or Describe of a statement: its name on the session, or a name that fails there.
  #renamed(
    message: Uint8Array,
    named: ReturnType<typeof namedMessageOf>,
    name: string,
    at: number,
    strings: string[],
  ): Uint8Array {
    const entry = name === '' ? undefined : this.#session.names.get(name);
    const parse = entry?.parse;
    if (entry !== undefined && parse !== undefined) {
      // Its Parse was answered without the session: it goes first now.
      entry.parse = undefined;
      this.#requests.push({
        type: 'P',
        target: undefined,
        hidden: true,
        undo: () => (entry.parse = parse),
      });
    }
    const substitute =
      name !== '' && entry === undefined ? nameError('26000', name, 'does not exist') : undefined;
    this.#requests.push({
      type: named.type,
      target: named.target,
      ...(substitute === undefined ? {} : { substitute }),
    });
    if (name === '') return message;
    const renamed = [...strings];
    renamed[at] = entry?.server ?? MISSING_STATEMENT;
    const rewritten = withStrings(message, named, renamed);
    return parse === undefined ? rewritten : Buffer.concat([parse, rewritten]);
  }
}

// What serve refuses in a Parse (what it refuses anywhere, and what it only handles in a simple
// query), and what the statement does to the session.
function refusalOf(
  sql: string,
  inTransaction: boolean,
): { error?: ErrorFields; effects: StatementEffects } {
  let effects: StatementEffects = { settings: false, temp: false };
  for (const statement of splitStatements(sql)) {
    const classified = classifyStatement(statement, inTransaction);
    effects = classified.effects;
    switch (classified.action.kind) {
      case 'refuse':
        return { error: classified.action.error, effects };
      case 'copy-in':
      case 'discard-all':
      case 'deallocate-all':
      case 'prepare':
      case 'execute':
      case 'deallocate':
        return {
          error: {
            sqlState: '0A000',
            message: `this statement is not supported through pgcache serve's extended query protocol`,
            hint: 'Send it as a simple query (a query without parameters).',
          },
          effects,
        };
      case 'pass':
      case 'unlisten':
      case 'backend-pid':
      case 'signal-backend':
        break;
    }
  }
  return { effects };
}

function nameError(sqlState: string, name: string, what: string): ErrorFields {
  return { sqlState, message: `prepared statement "${name}" ${what}` };
}

// Messages that may come at any time, answering no request: notices, parameter changes, notifications.
const ASYNC = new Set(['N', 'S', 'A']);

/**
 * Which requests ran (`ok`), failed (with the index of their ErrorResponse) or were skipped after
 * an error until the next Sync, read from the answer's messages in protocol order.
 */
function attribute(
  requests: readonly Request[],
  frames: readonly Frame[],
): { outcomes: Outcome[]; errors: (number | undefined)[]; ends: (number | undefined)[] } {
  const outcomes: Outcome[] = [];
  const errors: (number | undefined)[] = [];
  const ends: (number | undefined)[] = [];
  let at = 0;
  let failed = false;
  const next = (): Frame | undefined => {
    while (frames[at] !== undefined && ASYNC.has(frames[at]?.type ?? '')) at += 1;
    return frames[at];
  };
  for (const request of requests) {
    if (failed && request.type !== 'S') {
      outcomes.push('skipped');
      errors.push(undefined);
      ends.push(undefined);
      continue;
    }
    const endTypes = expectedEnd(request);
    let outcome: Outcome = 'skipped';
    let error: number | undefined;
    let end: number | undefined;
    while (endTypes.size > 0) {
      const frame = next();
      if (frame === undefined) break;
      at += 1;
      if (frame.type === 'E') {
        outcome = 'error';
        error = at - 1;
        failed = true;
        break;
      }
      if (endTypes.has(frame.type)) {
        outcome = 'ok';
        end = at - 1;
        if (request.type === 'S') failed = false;
        break;
      }
    }
    if (endTypes.size === 0) outcome = 'ok';
    outcomes.push(outcome);
    errors.push(error);
    ends.push(end);
  }
  return { outcomes, errors, ends };
}

// The message that ends the answer to a request (rows, descriptions and COPY data come before it).
function expectedEnd(request: Request): ReadonlySet<string> {
  switch (request.type) {
    case 'P':
      return new Set(['1']);
    case 'B':
      return new Set(['2']);
    case 'D':
      return new Set(['T', 'n']);
    case 'E':
      return new Set(['C', 's', 'I']);
    case 'C':
      return new Set(['3']);
    case 'S':
      return new Set(['Z']);
    default:
      return new Set();
  }
}
