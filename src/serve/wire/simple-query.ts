import type { ErrorFields } from '../pg-messages.js';
import type { ClientSession, JobSend } from './client-session.js';
import { framesOf, queryMessage, SYNC } from './protocol-codec.js';
import type { PreparedStatementName } from './prepared-names.js';
import { identifierOf, splitStatements, type Statement } from './sql-lexer.js';
import {
  classifyStatement,
  type StatementAction,
  type StatementEffects,
} from './statement-policy.js';

/** What to do with one simple Query message of a client. */
export type QueryPlan =
  | { readonly kind: 'refuse'; readonly error: ErrorFields }
  | { readonly kind: 'run'; readonly sql: string; readonly statements: readonly PlannedStatement[] }
  | {
      readonly kind: 'discard-all' | 'deallocate-all' | 'unlisten' | 'copy-in' | 'backend-pid';
      readonly sql: string;
      readonly effects: StatementEffects;
    }
  | {
      readonly kind: 'signal-backend';
      readonly signal: 'cancel' | 'terminate';
      readonly pid: number;
      readonly sql: string;
    };

/** One statement of a query to run, as classified. */
export interface PlannedStatement {
  readonly statement: Statement;
  readonly action: StatementAction;
  readonly effects: StatementEffects;
}

// Statements serve handles itself, which must come alone in their query.
const ALONE: Readonly<Record<string, string>> = {
  'discard-all': 'DISCARD ALL',
  'deallocate-all': 'DEALLOCATE ALL',
  'copy-in': 'COPY FROM STDIN',
};

/**
 * Classify every statement of a simple query (read only: nothing changes until the query runs).
 * A refused statement refuses the whole query (nothing of it runs); DISCARD ALL, DEALLOCATE ALL
 * and COPY FROM STDIN must come alone; UNLISTEN, pg_backend_pid() and pg_cancel_backend(pid)
 * alone are answered by serve.
 */
export function planQuery(sql: string, session: ClientSession): QueryPlan {
  const statements: PlannedStatement[] = [];
  let inTransaction = session.inTransaction;
  for (const statement of splitStatements(sql)) {
    const first = statement.tokens[0]?.value;
    if (first === 'begin' || first === 'start') inTransaction = true;
    const { action, effects } = classifyStatement(statement, inTransaction);
    if (action.kind === 'refuse') return action;
    statements.push({ statement, action, effects });
  }
  const only = statements.length === 1 ? statements[0] : undefined;
  const special = statements.find((s) => ALONE[s.action.kind] !== undefined);
  if (special !== undefined && only === undefined) {
    return {
      kind: 'refuse',
      error: {
        sqlState: '0A000',
        message: `${ALONE[special.action.kind] ?? ''} must be sent as a query of its own through pgcache serve`,
        hint: 'Send it in a query message with no other statement.',
      },
    };
  }
  if (only !== undefined) {
    const { action, effects } = only;
    switch (action.kind) {
      case 'discard-all':
      case 'deallocate-all':
      case 'unlisten':
      case 'copy-in':
      case 'backend-pid':
        return { kind: action.kind, sql, effects };
      case 'signal-backend':
        return { kind: 'signal-backend', signal: action.signal, pid: action.pid, sql };
      case 'pass':
      case 'refuse':
      case 'prepare':
      case 'execute':
      case 'deallocate':
        break;
    }
  }
  return namesChecked(statements, session) ?? { kind: 'run', sql, statements };
}

// PREPARE of a name the client has, or EXECUTE / DEALLOCATE of one it has not, fails the query.
function namesChecked(
  statements: readonly PlannedStatement[],
  session: ClientSession,
): QueryPlan | undefined {
  const known = new Set<string>();
  const gone = new Set<string>();
  for (const { action } of statements) {
    if (action.kind !== 'prepare' && action.kind !== 'execute' && action.kind !== 'deallocate')
      continue;
    const name = identifierOf(action.name) ?? '';
    const exists = !gone.has(name) && (known.has(name) || session.names.get(name) !== undefined);
    if (action.kind === 'prepare' && exists) return nameError('42P05', name, 'already exists');
    if (action.kind !== 'prepare' && !exists) return nameError('26000', name, 'does not exist');
    if (action.kind === 'prepare') known.add(name);
    if (action.kind === 'deallocate') gone.add(name);
  }
  return undefined;
}

function nameError(sqlState: string, name: string, what: string): QueryPlan {
  return { kind: 'refuse', error: { sqlState, message: `prepared statement "${name}" ${what}` } };
}

/**
 * Run a planned query: the client's prepared statement names are renamed in its text, its
 * statements' effects recorded, and the names it prepared or dropped kept only for the
 * statements that completed.
 */
export async function runQuery(
  plan: Extract<QueryPlan, { kind: 'run' }>,
  session: ClientSession,
  send: JobSend,
): Promise<{ state: Awaited<ReturnType<JobSend>>['state']; output: Uint8Array }> {
  await parsePending(plan, session, send);
  const undo: (() => void)[] = [];
  let sql = '';
  let at = 0;
  for (const { statement, action, effects } of plan.statements) {
    session.settings.note(effects);
    let entry: PreparedStatementName | undefined;
    if (action.kind === 'prepare' || action.kind === 'execute' || action.kind === 'deallocate') {
      const name = identifierOf(action.name) ?? '';
      if (action.kind === 'prepare') {
        entry = session.names.add(name, plan.sql.slice(statement.start, statement.end));
        undo.push(() => session.names.set(name, undefined));
      } else if (action.kind === 'deallocate') {
        const dropped = session.names.delete(name);
        entry = dropped;
        undo.push(() => session.names.set(name, dropped));
      } else {
        entry = session.names.get(name);
        undo.push(() => undefined);
      }
      sql += plan.sql.slice(at, action.name.start) + (entry?.server ?? name);
      at = action.name.end;
    } else {
      undo.push(() => undefined);
    }
  }
  sql += plan.sql.slice(at);
  const { answer, state } = await send(queryMessage(sql), true);
  const completed = completedStatements(answer);
  for (let i = undo.length - 1; i >= completed; i -= 1) undo[i]?.();
  return { state, output: answer };
}

// A protocol-level statement EXECUTE or DEALLOCATE names whose Parse serve answered without the
// session (see ExtendedBatch) is parsed on the session first.
async function parsePending(
  plan: Extract<QueryPlan, { kind: 'run' }>,
  session: ClientSession,
  send: JobSend,
): Promise<void> {
  const parses: Uint8Array[] = [];
  for (const { action } of plan.statements) {
    if (action.kind !== 'execute' && action.kind !== 'deallocate') continue;
    const entry = session.names.get(identifierOf(action.name) ?? '');
    if (entry?.parse === undefined) continue;
    parses.push(entry.parse);
    entry.parse = undefined;
  }
  if (parses.length > 0) await send(Buffer.concat([...parses, SYNC]), false);
}

// Statements of a query that completed: one CommandComplete each, until the first error.
function completedStatements(answer: Uint8Array): number {
  let completed = 0;
  for (const frame of framesOf(answer)) {
    if (frame.type === 'E') break;
    if (frame.type === 'C') completed += 1;
  }
  return completed;
}
