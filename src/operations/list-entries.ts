import { ENTRY_KINDS } from '../store/keys.js';
import type { ListFilter, WhereUse } from '../store/list-query.js';
import { entryJson, type EntryJson } from './entry-json.js';
import { InputReader } from './input.js';
import type { Operation } from './operation.js';

/** The entries `list` found: the `list --json` and `GET /v1/entries` document. */
export interface ListReport {
  readonly entries: readonly EntryJson[];
  /** True when more entries match than the limit let through. */
  readonly truncated: boolean;
  /** How many entries match, whatever the limit. */
  readonly total: number;
  /** With `--where`: how each condition was answered, by an index (its name) or a scan (`null`). */
  readonly where?: readonly WhereUse[];
}

/** `list`: entry summaries matching a filter, ordered by key. */
export const listOperation: Operation<ListFilter, ListReport> = {
  name: 'list',
  parseInput(raw) {
    const input = new InputReader('list', raw);
    return {
      kind: input.raw['kind'] === undefined ? undefined : input.oneOf('kind', ENTRY_KINDS),
      namespace: input.optionalString('namespace'),
      framework: input.optionalString('framework'),
      category: input.optionalString('category'),
      prefix: input.optionalString('prefix'),
      where:
        input.raw['where'] === undefined
          ? undefined
          : input.list('where').map((w) => ({ path: w.strings('path'), value: w.value('value') })),
      limit: input.optionalNumber('limit'),
      includeExpired: input.boolean('includeExpired'),
    };
  },
  async run(ctx, filter) {
    // Reads buffered by a long-lived owner count: its access times and counts are written first
    // (best effort: with the breaker open the write fails, and the list still answers).
    await ctx.store.flush({ deadline: ctx.deadline }).catch(() => undefined);
    const { entries, total, where } = await ctx.store.listReport(filter, {
      deadline: ctx.deadline,
    });
    const how = where.length === 0 ? {} : { where };
    return { entries: entries.map(entryJson), truncated: total > entries.length, total, ...how };
  },
};
