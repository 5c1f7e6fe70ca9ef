import { Command, Option } from 'commander';
import { formatRelative } from '../src/config/units.js';
import type { CliContext } from '../src/cli/context.js';
import { integerArg, type GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderTable } from '../src/cli/render/table.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { runOperation, warn } from '../src/cli/with-store.js';
import { namespaceArg } from '../src/cli/tier-flags.js';
import { listOperation } from '../src/operations/list-entries.js';
import { ENTRY_KINDS, type EntryKind } from '../src/store/keys.js';
import { MAX_LIST_LIMIT, parseWhere, type WhereCondition } from '../src/store/list-query.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

interface ListFlags extends GlobalFlags {
  kind?: EntryKind;
  namespace?: string;
  framework?: string;
  category?: string;
  prefix?: string;
  where?: WhereCondition[];
  limit: number;
  includeExpired?: boolean;
}

/** `pgcache list`: entries matching filters, as a table or `--json`. */
export function listCommand(ctx: CliContext): Command {
  return new Command('list')
    .description('list entries by kind, namespace, framework, category, key prefix or JSON field')
    .addOption(new Option('--kind <kind>', 'entry kind').choices(ENTRY_KINDS))
    .option('--namespace <ns>', 'namespace (the part before the first ":")', namespaceArg)
    .option('--framework <name>', 'framework, e.g. react')
    .option('--category <name>', 'category (a "category" field of the value)')
    .option('--prefix <text>', 'keys starting with this text')
    .option(
      '--where <field=value>',
      'value field equals value (repeatable; a.b=1 reaches into objects)',
      collectWhere,
    )
    .option(
      '--limit <n>',
      `most entries to list (1-${MAX_LIST_LIMIT})`,
      integerArg(1, MAX_LIST_LIMIT),
      100,
    )
    .option('--include-expired', 'also list expired entries not purged yet')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<ListFlags>();
      const report = await runOperation(
        ctx,
        flags,
        { command: 'list', commandTimeoutMs: COMMAND_BUDGET_MS.list },
        listOperation,
        () => ({
          kind: flags.kind,
          namespace: flags.namespace,
          framework: flags.framework,
          category: flags.category,
          prefix: flags.prefix,
          where: flags.where,
          limit: flags.limit,
          includeExpired: flags.includeExpired,
        }),
      );
      if (flags.json === true) {
        ctx.stdout.write(jsonDocument({ ...report }));
        return;
      }
      const { entries } = report;
      for (const { field } of (report.where ?? []).filter((w) => w.index === null)) {
        warn(
          ctx,
          `--where ${field} has no index: every entry was scanned (declare "${field}" in indexes to index it)`,
        );
      }
      const term = terminalFeatures(ctx.stdout, ctx.env);
      const now = ctx.clock.now();
      const rows = entries.map((e) => [
        e.key,
        e.kind,
        String(e.sizeBytes),
        String(e.accessCount),
        term.interactive ? formatRelative(e.accessedAt, now) : e.accessedAt,
        term.interactive ? formatRelative(e.expiresAt, now) : (e.expiresAt ?? 'never'),
      ]);
      ctx.stdout.write(
        renderTable(['key', 'kind', 'bytes', 'reads', 'accessed', 'expires'], rows, term),
      );
      // On a terminal and piped alike: a script reading stdout must not take a page for the whole.
      if (report.truncated) {
        ctx.stderr.write(
          `showing the first ${entries.length} of ${report.total} entries; raise --limit (up to ${MAX_LIST_LIMIT}) or narrow the filter to see the rest\n`,
        );
      }
    });
}

function collectWhere(value: string, previous: WhereCondition[] | undefined): WhereCondition[] {
  return [...(previous ?? []), parseWhere(value)];
}
