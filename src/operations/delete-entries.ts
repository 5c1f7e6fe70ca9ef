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

/** `del KEY…`: delete entries from the store. */
export const deleteOperation: Operation<DeleteInput, DeleteReport> = {
  name: 'del',
  parseInput(raw) {
    return { keys: new InputReader('del', raw).strings('keys') };
  },
  async run(ctx, { keys }) {
    const removed = await ctx.store.delete(keys, { deadline: ctx.deadline });
    return { removed, requested: keys.length };
  },
};
