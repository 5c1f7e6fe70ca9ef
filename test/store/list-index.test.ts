import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/db/embedded-database.js';
import { buildListQuery } from '../../src/store/list-query.js';
import { copyTemplateDataDir } from '../support/data-dir.js';

describe('list --where', () => {
  it('is answered by the GIN index on the value, not by a scan', async () => {
    const db = await openEmbeddedDatabase({ pgDataDir: join(copyTemplateDataDir(), 'pgdata') });
    try {
      const { sql, params } = buildListQuery(
        { where: [{ path: ['role'], value: 'admin' }] },
        new Date(),
      );
      const plan = await db.transaction(async (tx) => {
        await tx.exec('SET LOCAL enable_seqscan = off');
        return (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      });
      expect(plan).toMatch(/Bitmap Index Scan on pgcache_entries_value/);
    } finally {
      await db.close();
    }
  });
});
