import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, openEmbedded, type Database } from '../../src/lib/db/index.ts';
import { withDatabase } from '../../scripts/support/environment.ts';

export interface TestDatabase {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Opens another handle on the same database (PostgreSQL only), e.g. for concurrency tests. */
  url?: string;
  /** Collects the payloads announced on a notification channel, from now on. */
  listen(channel: string): Promise<string[]>;
  drop(): Promise<void>;
}

/** A migrated database of its own for one test file: PGlite in memory, or a PostgreSQL copy of the template. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (process.env.ESPER_TEST_DB === 'postgres') {
    const templateUrl = inject('postgresTemplateUrl');
    const template = new URL(templateUrl).pathname.slice(1);
    const name = `esper_t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await admin.end();
    const url = withDatabase(templateUrl, name);
    const db = openDatabase({ kind: 'postgres', url });
    const listeners: pg.Client[] = [];
    return {
      db,
      kind: 'postgres',
      url,
      async listen(channel) {
        const received: string[] = [];
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        client.on('notification', (m) => m.channel === channel && received.push(m.payload ?? ''));
        await client.query(`LISTEN ${channel}`);
        listeners.push(client);
        return received;
      },
      async drop() {
        await Promise.all(listeners.map((c) => c.end()));
        await db.destroy();
        const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const snapshot = new Blob([await readFile(inject('pgliteSnapshot'))]);
  const { db, pglite } = openEmbedded({ snapshot });
  return {
    db,
    kind: 'pglite',
    async listen(channel) {
      const received: string[] = [];
      await pglite.listen(channel, (payload) => received.push(payload));
      return received;
    },
    drop: () => db.destroy(),
  };
}
