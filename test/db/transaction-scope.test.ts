import { describe, expect, it } from 'vitest';
import { TransactionScope } from '../../src/db/transaction-scope.js';

describe('TransactionScope', () => {
  it('knows a transaction callback of its owner, across awaits, and nothing outside it', async () => {
    const scope = new TransactionScope<object>();
    const owner = {};
    const other = {};
    expect(scope.inside(owner)).toBe(false);
    await scope.run(owner, async () => {
      await Promise.resolve();
      expect(scope.inside(owner)).toBe(true);
      expect(scope.inside(other)).toBe(false);
    });
    expect(scope.inside(owner)).toBe(false);
    await expect(scope.run(owner, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(scope.inside(owner)).toBe(false);
  });
});
