import type { CallOptions } from '../store/store-options.js';
import { InputReader } from './input.js';
import type { Operation } from './operation.js';

/** What `del` asks for. */
export interface DeleteInput {
  readonly keys: readonly string[];
}

/** How many of the keys held a live entry: the `del --json` and `DELETE /v1/entries/KEY` document. */
export interface DeleteReport {
  readonly removed: number;
  readonly requested: number;
}

/** Delete `keys` from `from` (the store, or a tiered cache, which drops them from L1 too). */
export async function deleteEntries(
  from: { delete(keys: readonly string[], options: CallOptions): Promise<number> },
  keys: readonly string[],
  options: CallOptions,
): Promise<DeleteReport> {
  return { removed: await from.delete(keys, options), requested: keys.length };
}

/** `del KEY…`: delete entries from the store. */
export const deleteOperation: Operation<DeleteInput, DeleteReport> = {
  name: 'del',
  parseInput(raw) {
    return { keys: new InputReader('del', raw).strings('keys') };
  },
  run(ctx, { keys }) {
    return deleteEntries(ctx.store, keys, { deadline: ctx.deadline });
  },
};
