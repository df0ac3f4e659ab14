import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, openEmbedded, type Database, type DatabaseTarget } from '../../src/lib/db/index.ts';
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

/**
 * A migrated database that another process can open, for tests that kill that process: a
 * PostgreSQL copy of the template, or a PGlite data directory on disk. PGlite admits one process
 * at a time, so `release()` closes this process's handle before the other opens it, and
 * `reopen()` opens it again afterwards (running PostgreSQL's crash recovery on PGlite's files).
 */
export async function databaseOnDisk(): Promise<{ db: Database; target: DatabaseTarget; release(): Promise<void>; reopen(): Database; drop(): Promise<void> }> {
  if (process.env.ESPER_TEST_DB === 'postgres') {
    const fresh = await freshDatabase();
    return { db: fresh.db, target: { kind: 'postgres', url: fresh.url! }, release: async () => {}, reopen: () => fresh.db, drop: () => fresh.drop() };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'esper-crash-'));
  const snapshot = new Blob([await readFile(inject('pgliteSnapshot'))]);
  let current = openEmbedded({ dataDir, snapshot }).db;
  return {
    get db() {
      return current;
    },
    target: { kind: 'pglite', dataDir },
    release: () => current.destroy(),
    reopen: () => (current = openDatabase({ kind: 'pglite', dataDir })),
    async drop() {
      await current.destroy().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
