// A throw-away database for one benchmark run: an embedded PGlite in a temporary folder, or a
// fresh database on a PostgreSQL server. Nothing the developer uses is touched.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/lib/db/index.ts';

export interface BenchDatabase {
  /** Which database, in words, for the report. */
  label: string;
  /** The settings that point the server at this database. */
  serverEnv: Record<string, string>;
  /** Opens a handle for seeding; the caller destroys it before the server starts. */
  open(): Database;
  /** Removes the folder or drops the database. Safe to call once the server is stopped. */
  dispose(): Promise<void>;
}

/** An embedded PGlite in a new folder under the system's temporary directory. */
export async function temporaryPglite(): Promise<BenchDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'esper-bench-'));
  const dataDir = join(folder, 'pglite');
  return {
    label: `PGlite (embedded, ${dataDir})`,
    serverEnv: { PGLITE_DIR: dataDir },
    open: () => openDatabase({ kind: 'pglite', dataDir }),
    dispose: () => rm(folder, { recursive: true, force: true }),
  };
}

/** A new database `esper_bench_<random>` on the PostgreSQL server that `adminUrl` reaches. */
export async function temporaryPostgres(adminUrl: string): Promise<BenchDatabase> {
  const name = `esper_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let version: string;
  try {
    version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const benchUrl = url.toString();
  return {
    label: `PostgreSQL ${version} (database ${name} on ${url.host})`,
    serverEnv: { DATABASE_URL: benchUrl },
    open: () => openDatabase({ kind: 'postgres', url: benchUrl }),
    async dispose() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // FORCE (PostgreSQL 13+) ends connections a killed server may have left behind.
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => client.query(`DROP DATABASE IF EXISTS ${name}`));
      } finally {
        await client.end();
      }
    },
  };
}
