import { Command, Option } from 'commander';
import { formatRelative } from '../src/config/units.js';
import type { CliContext } from '../src/cli/context.js';
import { integerArg, type GlobalFlags } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderTable } from '../src/cli/render/table.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { warn, withStore } from '../src/cli/with-store.js';
import { namespaceArg } from '../src/cli/tier-flags.js';
import type { EntrySummary } from '../src/store/entry.js';
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
      const { entries, where } = await withStore(
        ctx,
        flags,
        { commandTimeoutMs: COMMAND_BUDGET_MS.list },
        (store, deadline) =>
          store.listReport(
            {
              kind: flags.kind,
              namespace: flags.namespace,
              framework: flags.framework,
              category: flags.category,
              prefix: flags.prefix,
              where: flags.where,
              limit: flags.limit,
              includeExpired: flags.includeExpired,
            },
            { deadline },
          ),
      );
      if (flags.json === true) {
        // With --where, say how each condition was answered: an index, or a scan of every entry.
        const how = where.length === 0 ? {} : { where };
        ctx.stdout.write(jsonDocument({ entries: entries.map(entryJson), ...how }));
        return;
      }
      for (const { field } of where.filter((w) => w.index === null)) {
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
        term.interactive ? formatRelative(e.accessedAt, now) : e.accessedAt.toISOString(),
        term.interactive
          ? formatRelative(e.expiresAt, now)
          : (e.expiresAt?.toISOString() ?? 'never'),
      ]);
      ctx.stdout.write(
        renderTable(['key', 'kind', 'bytes', 'reads', 'accessed', 'expires'], rows, term),
      );
      if (term.interactive && entries.length === flags.limit) {
        ctx.stderr.write(`showing the first ${flags.limit}; raise --limit to see more\n`);
      }
    });
}

function collectWhere(value: string, previous: WhereCondition[] | undefined): WhereCondition[] {
  return [...(previous ?? []), parseWhere(value)];
}

/** One entry in `list --json`. */
export function entryJson(e: EntrySummary): Record<string, unknown> {
  return {
    key: e.key,
    kind: e.kind,
    namespace: e.namespace,
    framework: e.framework,
    category: e.category,
    sizeBytes: e.sizeBytes,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
    accessedAt: e.accessedAt.toISOString(),
    accessCount: e.accessCount,
    expiresAt: e.expiresAt?.toISOString() ?? null,
  };
}
