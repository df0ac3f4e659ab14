import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { config } from '../config.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

/**
 * Values parsed the same way by both drivers: int8 and numeric as numbers (counts, sums of
 * hours), date as its 'YYYY-MM-DD' text (a day, not an instant).
 */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parsers: Record<number, (value: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [DATE]: (v) => v,
};

/**
 * PGlite is one Postgres session. Kysely's PGlite driver hands that one connection to every
 * caller, so a query from a second request could run inside the first request's transaction.
 * This driver lets one caller hold the connection at a time.
 */
class SerializedDriver implements Driver {
  #inner: Driver;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(inner: Driver) {
    this.#inner = inner;
  }
  init() {
    return this.#inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#inner.acquireConnection();
  }
  async releaseConnection(connection: DatabaseConnection) {
    await this.#inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#inner.rollbackTransaction(connection);
  }
  savepoint: Driver['savepoint'] = (connection, name, compile) => this.#inner.savepoint!(connection, name, compile);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (connection, name, compile) =>
    this.#inner.rollbackToSavepoint!(connection, name, compile);
  releaseSavepoint: Driver['releaseSavepoint'] = (connection, name, compile) =>
    this.#inner.releaseSavepoint!(connection, name, compile);
  destroy() {
    return this.#inner.destroy();
  }
}

class SerializedPGliteDialect extends PGliteDialect {
  override createDriver(): Driver {
    return new SerializedDriver(super.createDriver());
  }
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; maxConnections?: number }
  | { kind: 'pglite'; dataDir?: string; snapshot?: Blob };

/** How long a new connection to PostgreSQL may take before the attempt is given up. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Opens a database: a pg pool for a PostgreSQL URL, else an embedded PGlite (on disk, or in memory). */
export function openDatabase(target: DatabaseTarget): Database {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.maxConnections ?? 10,
      // Pages ask small questions of big tables: the planner's estimate over ten years of rows
      // turns on JIT compilation, which costs tens of milliseconds and saves none here.
      options: '-c jit=off',
      // An unreachable database fails a request within seconds (a French 503) instead of hanging it.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          parsers[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // A dropped idle connection must not crash the server; the next query reconnects.
    pool.on('error', (error) => console.error('[db] idle connection error:', error.message));
    // Nor one that ends while a request holds it (PostgreSQL restarting mid-query): node-postgres
    // then emits 'error' on the client, which the pool only listens to while the client is idle.
    // The query itself fails (the page answers 503) and the pool drops the client on release.
    pool.on('connect', (client) => client.on('error', (error) => console.error('[db] connection lost:', error.message)));
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  return openEmbedded(target).db;
}

/** An embedded database and its PGlite instance (for snapshots: `pglite.dumpDataDir()`). */
export function openEmbedded(target: { dataDir?: string | undefined; snapshot?: Blob | undefined }): { db: Database; pglite: PGlite } {
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite({ dataDir: target.dataDir, loadDataDir: target.snapshot, parsers });
  return { db: new Kysely<DB>({ dialect: new SerializedPGliteDialect({ pglite }) }), pglite };
}

/** The target that the settings describe: DATABASE_URL when set, else PGlite under PGLITE_DIR. */
export function configuredTarget(): DatabaseTarget {
  const cfg = config();
  return cfg.DATABASE_URL ? { kind: 'postgres', url: cfg.DATABASE_URL } : { kind: 'pglite', dataDir: cfg.PGLITE_DIR };
}

/**
 * The process's handle lives on globalThis: scripts/start.ts runs its timed jobs from the sources
 * while the server runs from its build, two copies of this module in one process, and they must
 * share the one handle (PGlite admits a single instance per folder).
 */
type ProcessDatabase = { handle?: Database | undefined; embedded?: PGlite | undefined };
const state: ProcessDatabase = ((globalThis as { __esperDatabase?: ProcessDatabase }).__esperDatabase ??= {});

/** The one database handle of this process. */
export function db(): Database {
  if (!state.handle) {
    const target = configuredTarget();
    if (target.kind === 'pglite') {
      const opened = openEmbedded(target);
      state.handle = opened.db;
      state.embedded = opened.pglite;
    } else state.handle = openDatabase(target);
    // An embedded database is closed cleanly on Ctrl-C or a stop signal, so its files stay consistent.
    if (target.kind === 'pglite') {
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => {
          void closeDb().finally(() => process.exit(0));
        });
    }
  }
  return state.handle;
}

export async function closeDb(): Promise<void> {
  const current = state.handle;
  state.handle = undefined;
  state.embedded = undefined;
  await current?.destroy();
}

/**
 * Listens to a PostgreSQL notification channel on the process's database: a dedicated connection
 * for a server, reconnecting after a drop, or PGlite's in-process listener. `onStatus(false)` says
 * that notifications may have been missed (not yet connected, or the connection dropped).
 */
export async function listen(channel: string, onMessage: (payload: string) => void, onStatus: (listening: boolean) => void): Promise<void> {
  db();
  const embedded = state.embedded;
  if (embedded) {
    await embedded.listen(channel, onMessage);
    onStatus(true);
    return;
  }
  const url = config().DATABASE_URL!;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload) onMessage(message.payload);
    });
    client.on('error', () => {
      onStatus(false);
      client.end().catch(() => {});
      setTimeout(() => void connect().catch(retry), 1000);
    });
    await client.connect();
    await client.query(`LISTEN ${channel}`);
    onStatus(true);
  };
  const retry = () => {
    onStatus(false);
    setTimeout(() => void connect().catch(retry), 2000);
  };
  await connect().catch(retry);
}
