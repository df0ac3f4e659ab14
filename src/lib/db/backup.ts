import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { CompiledQuery, type Kysely } from 'kysely';
import type { DatabaseTarget } from './index.ts';
import type { DB } from './schema.ts';
import { knownMigrations, migrateToLatest, migrateUpTo } from './migrate.ts';

/**
 * A portable logical backup, read and written by the application itself: PGlite has no pg_dump,
 * and a server's pg_dump must match its version. One gzip file of JSON lines:
 *
 *   {"format":"esper-parcours-sauvegarde","version":1,"createdAt":…,"source":…,"migrations":[…]}
 *   {"table":"person","columns":[…],"types":[…]}        then one JSON array per row, then
 *   {"end":"person","rows":123}                         … for each table, parents first
 *   {"sequences":[{"name":…,"value":…,"called":…}]}
 *   {"end":"esper-parcours-sauvegarde","tables":…,"rows":…}
 *
 * Every value is PostgreSQL's own text form (what COPY writes: exact for numeric, int8,
 * microseconds, jsonb), read under fixed settings (UTC, ISO dates), except bytea, in base64.
 * Generated columns are left out (the target computes them), and so are the migrator's tables:
 * a restore recreates the schema by running the same migrations.
 */

export const BACKUP_FORMAT = 'esper-parcours-sauvegarde';
export const BACKUP_VERSION = 1;
export const BACKUP_EXTENSION = '.esperdump';

/** The tables the migrations themselves fill (the organisation's defaults, the pathway's rules): a restore replaces their rows. */
export const MIGRATION_SEEDED_TABLES: readonly string[] = ['organisation_settings', 'pathway_requirement'];

const MIGRATOR_TABLES = ['kysely_migration', 'kysely_migration_lock'];
/** Rows fetched per round trip adapt to the rows' weight (an attestation's PDF, or a line of progress). */
const FETCH_BYTES = 4 * 1024 * 1024;
const FETCH_FIRST = 500;
const FETCH_MAX = 5_000;
/** Rows per INSERT: few round trips, under PostgreSQL's 65,535 parameters and a few megabytes. */
const INSERT_ROWS = 1_000;
const INSERT_PARAMETERS = 30_000;
const INSERT_BYTES = 4 * 1024 * 1024;
/** Level 1: most bytes are PDFs, compressed already (their base64 shrinks to ¾ at any level); on rows, level 6 took twice as long for 2 % less. */
const GZIP_LEVEL = 1;

export type SourceKind = 'pglite' | 'postgres';

/** Bad input a person can fix (a missing or damaged file, a target that holds data): a French message, no stack. */
export class BackupError extends Error {
  readonly reason: 'not-found' | 'exists' | 'not-a-backup' | 'damaged' | 'incomplete' | 'version' | 'migrations' | 'not-empty' | 'newer-target' | 'schema';
  constructor(reason: BackupError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  source: SourceKind;
  serverVersion: string;
  migrations: string[];
}

export interface BackupSummary {
  path: string;
  tables: number;
  rows: number;
  bytes: number;
  ms: number;
}

export interface RestoreSummary extends BackupSummary {
  header: BackupHeader;
  /** Migrations run after the data, when the code is newer than the backup. */
  laterMigrations: string[];
}

interface SequenceState {
  name: string;
  value: string;
  called: boolean;
}

// ---------------------------------------------------------------------------------------------
// The schema as the catalog describes it (both ends read their own).

type Queryable = Kysely<DB>;

interface ColumnInfo {
  name: string;
  type: string;
  isBytea: boolean;
  identityAlways: boolean;
  generated: boolean;
  notNull: boolean;
}

interface ForeignKey {
  columns: string[];
  references: string;
}

interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

interface SequenceInfo {
  name: string;
  /** The column it numbers (identity or serial), if any. */
  owner: { table: string; column: string } | null;
}

interface Catalog {
  tables: TableInfo[];
  sequences: SequenceInfo[];
}

async function rowsOf<R>(db: Queryable, text: string, parameters: readonly unknown[] = []): Promise<R[]> {
  const result = await db.executeQuery(CompiledQuery.raw(text, [...parameters]) as CompiledQuery<R>);
  return result.rows;
}

const run = (db: Queryable, text: string, parameters: readonly unknown[] = []): Promise<unknown> => rowsOf(db, text, parameters);

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const qualified = (name: string): string => `public.${ident(name)}`;

/** The tables that hold the data: the public schema's, durable (unlogged tables are work in progress), not the migrator's. */
const TABLE_FILTER = `n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
  AND c.relname NOT IN (${MIGRATOR_TABLES.map((t) => `'${t}'`).join(', ')})`;

async function readCatalog(db: Queryable): Promise<Catalog> {
  const columns = await rowsOf<{ table_name: string; column_name: string; type: string; is_bytea: boolean; identity_always: boolean; generated: boolean; not_null: boolean }>(
    db,
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
            a.atttypid = 'bytea'::regtype AS is_bytea, a.attidentity = 'a' AS identity_always,
            a.attgenerated <> '' AS generated, a.attnotnull AS not_null
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE ${TABLE_FILTER}
      ORDER BY c.relname, a.attnum`,
  );
  const keys = await rowsOf<{ table_name: string; column_name: string }>(
    db,
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND ${TABLE_FILTER}
      ORDER BY c.relname, k.position`,
  );
  const references = await rowsOf<{ name: string; table_name: string; referenced: string; column_name: string }>(
    db,
    `SELECT k.conname AS name, c.relname AS table_name, r.relname AS referenced, a.attname AS column_name
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class r ON r.oid = k.confrelid
       CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, position)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum
      WHERE k.contype = 'f' AND ${TABLE_FILTER}
      ORDER BY c.relname, k.conname, u.position`,
  );
  const sequences = await rowsOf<{ name: string; table_name: string | null; column_name: string | null }>(
    db,
    `SELECT s.relname AS name, t.relname AS table_name, a.attname AS column_name
       FROM pg_class s
       JOIN pg_namespace n ON n.oid = s.relnamespace
       LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                            AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       LEFT JOIN pg_class t ON t.oid = d.refobjid
       LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND n.nspname = 'public'
      ORDER BY s.relname`,
  );

  const tables = new Map<string, TableInfo>();
  for (const c of columns) {
    let table = tables.get(c.table_name);
    if (!table) tables.set(c.table_name, (table = { name: c.table_name, columns: [], primaryKey: [], foreignKeys: [] }));
    table.columns.push({ name: c.column_name, type: c.type, isBytea: c.is_bytea, identityAlways: c.identity_always, generated: c.generated, notNull: c.not_null });
  }
  for (const k of keys) tables.get(k.table_name)?.primaryKey.push(k.column_name);
  let previous = '';
  for (const r of references) {
    const table = tables.get(r.table_name);
    if (!table) continue;
    const key = `${r.table_name}.${r.name}`;
    if (key !== previous) table.foreignKeys.push({ columns: [], references: r.referenced });
    table.foreignKeys.at(-1)!.columns.push(r.column_name);
    previous = key;
  }
  return {
    tables: [...tables.values()],
    sequences: sequences.map((s) => ({ name: s.name, owner: s.table_name && s.column_name ? { table: s.table_name, column: s.column_name } : null })),
  };
}

/**
 * The order that satisfies the foreign keys: every table after those it references. A table's
 * reference to itself (an attestation superseding another), or one that closes a cycle, is
 * written afterwards instead: its columns are inserted empty, then set once the table is whole.
 */
function restoreOrder(tables: readonly TableInfo[]): { order: TableInfo[]; deferred: Map<string, Set<string>> } {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const deferred = new Map<string, Set<string>>();
  const defer = (table: TableInfo, columns: readonly string[]) => {
    for (const name of columns) {
      if (table.columns.find((c) => c.name === name)?.notNull)
        throw new Error(`La table ${table.name} se référence par la colonne obligatoire ${name} : son ordre de restauration ne peut pas être établi.`);
    }
    const set = deferred.get(table.name) ?? new Set<string>();
    for (const name of columns) set.add(name);
    deferred.set(table.name, set);
  };
  for (const table of tables) for (const fk of table.foreignKeys) if (fk.references === table.name) defer(table, fk.columns);

  const remaining = new Set([...byName.keys()].sort());
  const waitsOn = (table: TableInfo) =>
    table.foreignKeys.filter((fk) => fk.references !== table.name && remaining.has(fk.references) && !fk.columns.every((c) => deferred.get(table.name)?.has(c)));
  const order: TableInfo[] = [];
  while (remaining.size) {
    const ready = [...remaining].find((name) => waitsOn(byName.get(name)!).length === 0);
    if (ready) {
      order.push(byName.get(ready)!);
      remaining.delete(ready);
      continue;
    }
    // A cycle between tables: broken at the first one whose pending references may be empty for a moment.
    const breakable = [...remaining]
      .map((name) => byName.get(name)!)
      .find((table) => waitsOn(table).every((fk) => fk.columns.every((c) => !table.columns.find((col) => col.name === c)?.notNull)));
    if (!breakable) throw new Error(`Les tables ${[...remaining].join(', ')} se référencent en cycle : leur ordre de restauration ne peut pas être établi.`);
    defer(breakable, waitsOn(breakable).flatMap((fk) => fk.columns));
  }
  return { order, deferred };
}

/** Settings under which the text forms are the same on any server: instants in UTC, ISO dates, exact floats. */
async function fixFormats(trx: Queryable): Promise<void> {
  for (const setting of ["TimeZone = 'UTC'", "DateStyle = 'ISO, YMD'", "IntervalStyle = 'postgres'", 'extra_float_digits = 3'])
    await run(trx, `SET LOCAL ${setting}`);
}

async function appliedMigrations(db: Queryable): Promise<string[]> {
  const [exists] = await rowsOf<{ present: boolean }>(db, `SELECT to_regclass('public.kysely_migration') IS NOT NULL AS present`);
  if (!exists?.present) return [];
  return (await rowsOf<{ name: string }>(db, 'SELECT name FROM public.kysely_migration ORDER BY name')).map((r) => r.name);
}

/** The tables holding rows, apart from those the migrations fill themselves. */
async function tablesWithData(db: Queryable, catalog: Catalog): Promise<string[]> {
  const candidates = catalog.tables.map((t) => t.name).filter((name) => !MIGRATION_SEEDED_TABLES.includes(name));
  if (!candidates.length) return [];
  const rows = await rowsOf<{ name: string }>(
    db,
    candidates.map((name, i) => `SELECT $${i + 1}::text AS name WHERE EXISTS (SELECT FROM ${qualified(name)})`).join(' UNION ALL '),
    candidates,
  );
  return rows.map((r) => r.name).sort();
}

// ---------------------------------------------------------------------------------------------
// Backup.

/** `backups/esper-2026-05-04T03-15-00Z.esperdump`: sorts by date, and no two backups share a name. */
export function defaultBackupPath(now: Date, folder = 'backups'): string {
  return `${folder}/esper-${now.toISOString().slice(0, 19).replaceAll(':', '-')}Z${BACKUP_EXTENSION}`;
}

/**
 * Writes the whole database to `path`, table by table through a cursor, in one snapshot
 * (REPEATABLE READ on PostgreSQL, so the server keeps serving meanwhile; PGlite is one session).
 * The file is written beside under `.partiel` and renamed at the end: a failed backup leaves none.
 */
export async function backupDatabase(
  db: Queryable,
  path: string,
  options: { source: SourceKind; now?: Date; onTable?: (table: string, rows: number) => void },
): Promise<BackupSummary> {
  const started = performance.now();
  if (await exists(path)) throw new BackupError('exists', `Le fichier ${path} existe déjà : une sauvegarde n’en remplace jamais une autre. Choisissez un autre nom.`);
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partiel`;
  const gzip = createGzip({ level: GZIP_LEVEL });
  const written = pipeline(gzip, createWriteStream(partial));
  written.catch(() => {}); // awaited below; this only keeps an early failure from being reported twice
  const write = async (value: unknown) => {
    if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
  };
  let tables = 0;
  let rows = 0;
  try {
    await db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        await fixFormats(trx);
        const migrations = await appliedMigrations(trx);
        if (!migrations.length) throw new BackupError('schema', 'Cette base n’a pas le schéma d’ESPER Parcours (aucune migration appliquée) : il n’y a rien à sauvegarder.');
        const catalog = await readCatalog(trx);
        const [version] = await rowsOf<{ server_version: string }>(trx, 'SHOW server_version');
        const header: BackupHeader = {
          format: BACKUP_FORMAT,
          version: BACKUP_VERSION,
          createdAt: (options.now ?? new Date()).toISOString(),
          source: options.source,
          serverVersion: version?.server_version ?? '',
          migrations,
        };
        await write(header);
        for (const table of restoreOrder(catalog.tables).order) {
          const columns = table.columns.filter((c) => !c.generated);
          await write({ table: table.name, columns: columns.map((c) => c.name), types: columns.map((c) => c.type) });
          // Text for every value (no driver parsing, no precision lost), base64 for bytes.
          const select = columns
            .map((c, i) => `${c.isBytea ? `translate(encode(${ident(c.name)}, 'base64'), E'\\n', '')` : `${ident(c.name)}::text`} AS c${i}`)
            .join(', ');
          await run(trx, `DECLARE esper_backup NO SCROLL CURSOR FOR SELECT ${select} FROM ${qualified(table.name)}`);
          let count = 0;
          let fetch = FETCH_FIRST;
          for (;;) {
            const batch = await rowsOf<Record<string, string | null>>(trx, `FETCH FORWARD ${fetch} FROM esper_backup`);
            let bytes = 0;
            for (const row of batch) {
              const values = columns.map((_, i) => row[`c${i}`] ?? null);
              for (const v of values) bytes += v?.length ?? 0;
              await write(values);
            }
            count += batch.length;
            if (batch.length < fetch) break;
            fetch = Math.max(10, Math.min(FETCH_MAX, Math.round((fetch * FETCH_BYTES) / Math.max(bytes, 1))));
          }
          await run(trx, 'CLOSE esper_backup');
          await write({ end: table.name, rows: count });
          tables += 1;
          rows += count;
          options.onTable?.(table.name, count);
        }
        // Read last: a sequence only moves forward, so its value covers every row of the snapshot.
        const sequences: SequenceState[] = [];
        for (const s of catalog.sequences) {
          const [state] = await rowsOf<{ value: string; called: boolean }>(trx, `SELECT last_value::text AS value, is_called AS called FROM ${qualified(s.name)}`);
          if (state) sequences.push({ name: s.name, value: state.value, called: state.called });
        }
        await write({ sequences });
        await write({ end: BACKUP_FORMAT, tables, rows });
      });
    gzip.end();
    await written;
    await rename(partial, path);
  } catch (error) {
    gzip.destroy();
    await written.catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
  return { path, tables, rows, bytes: (await stat(path)).size, ms: performance.now() - started };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading a backup file.

const damaged = (path: string, detail: string) =>
  new BackupError('damaged', `La sauvegarde ${path} est abîmée (${detail}) : rien n’a été restauré. Prenez une autre sauvegarde.`);
const incomplete = (path: string) =>
  new BackupError('incomplete', `La sauvegarde ${path} est incomplète (le fichier s’arrête avant la fin, peut-être une copie interrompue) : rien n’a été restauré.`);

/** The file's lines, after checking it is there and compressed as a backup is; zlib's complaints become French ones. */
async function* backupLines(path: string): AsyncGenerator<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new BackupError('not-found', `${path} n’est pas un fichier : donnez le chemin d’une sauvegarde (${BACKUP_EXTENSION}).`);
    size = info.size;
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('not-found', `Fichier introuvable : ${path}.`);
  }
  const handle = await open(path);
  const magic = Buffer.alloc(2);
  await handle.read(magic, 0, 2, 0);
  await handle.close();
  if (size < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b)
    throw new BackupError('not-a-backup', `${path} n’est pas une sauvegarde d’ESPER Parcours (ce n’est pas un fichier ${BACKUP_EXTENSION} écrit par npm run db:backup).`);

  const gunzip = createGunzip();
  const reading = pipeline(createReadStream(path), gunzip);
  reading.catch(() => {}); // its error reaches the loop below through gunzip
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      pending += decoder.write(chunk);
      let at: number;
      while ((at = pending.indexOf('\n')) !== -1) {
        yield pending.slice(0, at);
        pending = pending.slice(at + 1);
      }
    }
  } catch (error) {
    if (error instanceof BackupError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'Z_BUF_ERROR') throw incomplete(path);
    if (typeof code === 'string' && code.startsWith('Z_')) throw damaged(path, 'la décompression échoue');
    throw error;
  } finally {
    gunzip.destroy();
  }
  if ((pending + decoder.end()).length) throw incomplete(path);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

function parseLine(path: string, line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw damaged(path, 'une ligne illisible');
  }
}

function parseHeader(path: string, line: string | undefined): BackupHeader {
  let value: unknown;
  try {
    value = line === undefined ? undefined : JSON.parse(line);
  } catch {
    value = undefined;
  }
  if (!isRecord(value) || value.format !== BACKUP_FORMAT)
    throw new BackupError('not-a-backup', `${path} n’est pas une sauvegarde d’ESPER Parcours (ce n’est pas un fichier ${BACKUP_EXTENSION} écrit par npm run db:backup).`);
  if (value.version !== BACKUP_VERSION) {
    const newer = typeof value.version === 'number' && value.version > BACKUP_VERSION;
    throw new BackupError(
      'version',
      `Cette sauvegarde est au format ${String(value.version)}, et cette version d’ESPER Parcours lit le format ${BACKUP_VERSION}` +
        (newer ? ' : mettez l’application à jour, puis restaurez.' : '.'),
    );
  }
  if (!isStringArray(value.migrations) || !value.migrations.length || typeof value.createdAt !== 'string' || (value.source !== 'pglite' && value.source !== 'postgres'))
    throw damaged(path, 'son en-tête est incomplet');
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: value.createdAt,
    source: value.source,
    serverVersion: typeof value.serverVersion === 'string' ? value.serverVersion : '',
    migrations: value.migrations,
  };
}

/** The header alone: what a backup holds, when it was made and from which schema. */
export async function readBackupHeader(path: string): Promise<BackupHeader> {
  const lines = backupLines(path);
  try {
    const first = await lines.next();
    return parseHeader(path, first.done ? undefined : first.value);
  } finally {
    await lines.return(undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Restore.

/** One table being restored: rows gathered into multi-row INSERTs, self-references kept for the end. */
class TableRestore {
  readonly name: string;
  readonly width: number;
  rows = 0;
  readonly #trx: Queryable;
  readonly #columns: ColumnInfo[];
  readonly #insertHead: string;
  readonly #deferred: number[];
  readonly #key: number[];
  readonly #keyTypes: string[];
  #batch: (string | null)[][] = [];
  #batchBytes = 0;
  readonly #later: (string | null)[][] = [];

  constructor(trx: Queryable, table: TableInfo, columnNames: readonly string[], deferred: ReadonlySet<string>) {
    this.#trx = trx;
    this.name = table.name;
    this.#columns = columnNames.map((name) => table.columns.find((c) => c.name === name)!);
    this.width = columnNames.length;
    const overriding = this.#columns.some((c) => c.identityAlways) ? ' OVERRIDING SYSTEM VALUE' : '';
    this.#insertHead = `INSERT INTO ${qualified(table.name)} (${columnNames.map(ident).join(', ')})${overriding} VALUES `;
    this.#deferred = columnNames.flatMap((name, i) => (deferred.has(name) ? [i] : []));
    this.#key = table.primaryKey.map((name) => columnNames.indexOf(name));
    this.#keyTypes = table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!.type);
    if (this.#deferred.length && (!this.#key.length || this.#key.includes(-1)))
      throw new BackupError('schema', `La table ${table.name} se référence elle-même sans clé primaire sauvegardée : elle ne peut pas être restaurée.`);
  }

  async add(values: (string | null)[]): Promise<void> {
    if (this.#deferred.length && this.#deferred.some((i) => values[i] !== null)) {
      this.#later.push([...this.#key.map((i) => values[i] ?? null), ...this.#deferred.map((i) => values[i] ?? null)]);
      values = values.map((v, i) => (this.#deferred.includes(i) ? null : v));
    }
    this.#batch.push(values);
    for (const v of values) this.#batchBytes += v?.length ?? 0;
    this.rows += 1;
    if (this.#batch.length >= INSERT_ROWS || (this.#batch.length + 1) * this.#columns.length > INSERT_PARAMETERS || this.#batchBytes >= INSERT_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (!this.#batch.length) return;
    const parameters: (string | null)[] = [];
    const tuples = this.#batch.map((values) => {
      const cells = values.map((value, i) => {
        parameters.push(value);
        const column = this.#columns[i]!;
        // Each value goes through its type's input function, as COPY would read it.
        return column.isBytea ? `decode($${parameters.length}::text, 'base64')` : `CAST($${parameters.length}::text AS ${column.type})`;
      });
      return `(${cells.join(', ')})`;
    });
    await run(this.#trx, this.#insertHead + tuples.join(', '), parameters);
    this.#batch = [];
    this.#batchBytes = 0;
  }

  async finish(): Promise<void> {
    await this.#flush();
    const keyCount = this.#key.length;
    const deferred = this.#deferred.map((i) => this.#columns[i]!);
    for (let start = 0; start < this.#later.length; start += 500) {
      const chunk = this.#later.slice(start, start + 500);
      const parameters = chunk.flat();
      const width = keyCount + deferred.length;
      const tuples = chunk.map((_, r) => `(${Array.from({ length: width }, (__, c) => `$${r * width + c + 1}::text`).join(', ')})`);
      const names = [...this.#key.map((_, k) => `k${k}`), ...deferred.map((_, d) => `d${d}`)];
      const sets = deferred.map((c, d) => `${ident(c.name)} = ${c.isBytea ? `decode(v.d${d}, 'base64')` : `CAST(v.d${d} AS ${c.type})`}`);
      const match = this.#key.map((i, k) => `t.${ident(this.#columns[i]!.name)} = CAST(v.k${k} AS ${this.#keyTypes[k]})`);
      await run(
        this.#trx,
        `UPDATE ${qualified(this.name)} AS t SET ${sets.join(', ')} FROM (VALUES ${tuples.join(', ')}) AS v(${names.join(', ')}) WHERE ${match.join(' AND ')}`,
        parameters,
      );
    }
  }
}

/**
 * Restores a backup into an empty database (or, with `replace`, into one it empties first):
 * checks the file's header, brings the schema to the backup's migrations, inserts every table in
 * foreign-key order and sets the sequences, all in one transaction (a damaged file changes no
 * data), then runs the migrations the backup predates and refreshes the planner's statistics.
 */
export async function restoreDatabase(
  db: Queryable,
  path: string,
  options: { replace?: boolean; onTable?: (table: string, rows: number) => void } = {},
): Promise<RestoreSummary> {
  const started = performance.now();
  const lines = backupLines(path);
  try {
    const first = await lines.next();
    const header = parseHeader(path, first.done ? undefined : first.value);

    const known = await knownMigrations();
    const unknown = header.migrations.filter((m) => !known.includes(m));
    if (unknown.length)
      throw new BackupError(
        'migrations',
        `Cette sauvegarde vient d’une version plus récente d’ESPER Parcours (migration${unknown.length > 1 ? 's' : ''} inconnue${unknown.length > 1 ? 's' : ''} ici : ${unknown.join(', ')}) : mettez l’application à jour, puis restaurez.`,
      );
    if (header.migrations.some((m, i) => known[i] !== m)) throw damaged(path, 'sa liste de migrations ne suit pas celle de l’application');
    const applied = await appliedMigrations(db);
    const beyond = applied.filter((m) => !header.migrations.includes(m));
    if (beyond.length)
      throw new BackupError(
        'newer-target',
        `La base cible a un schéma plus récent que la sauvegarde (migration ${beyond.at(-1)}) : restaurez dans une base neuve, l’application la mettra ensuite à jour.`,
      );
    if (!options.replace) await refuseData(db, await readCatalog(db));

    await migrateUpTo(db, header.migrations.at(-1)!);
    let tables = 0;
    let rows = 0;
    await db.transaction().execute(async (trx) => {
      await fixFormats(trx);
      const catalog = await readCatalog(trx);
      if (!options.replace) await refuseData(trx, catalog);
      // Empty as a new database is, the rows the migrations wrote included: the backup has its own.
      if (catalog.tables.length) await run(trx, `TRUNCATE ${catalog.tables.map((t) => qualified(t.name)).join(', ')}`);
      const { order, deferred } = restoreOrder(catalog.tables);
      const byName = new Map(order.map((t) => [t.name, t]));
      const done = new Set<string>();
      let current: TableRestore | undefined;
      let sequences: SequenceState[] | undefined;
      let ended = false;
      for await (const line of lines) {
        if (ended) throw damaged(path, 'des données suivent la fin');
        const value = parseLine(path, line);
        if (Array.isArray(value)) {
          if (!current || value.length !== current.width || !value.every((v): v is string | null => typeof v === 'string' || v === null))
            throw damaged(path, current ? `une ligne de la table ${current.name}` : 'une ligne de données hors de sa table');
          await valuesFromFile(path, current.name, () => current!.add(value));
          continue;
        }
        if (!isRecord(value)) throw damaged(path, 'une ligne inattendue');
        if (typeof value.table === 'string') {
          if (current) throw damaged(path, `la table ${current.name} n’est pas terminée`);
          current = startTable(trx, path, byName, deferred, done, value);
        } else if (typeof value.end === 'string' && value.end !== BACKUP_FORMAT) {
          if (!current || value.end !== current.name || value.rows !== current.rows) throw damaged(path, `le compte de la table ${String(value.end)} ne correspond pas`);
          await valuesFromFile(path, current.name, () => current!.finish());
          done.add(current.name);
          tables += 1;
          rows += current.rows;
          options.onTable?.(current.name, current.rows);
          current = undefined;
        } else if (Array.isArray(value.sequences)) {
          sequences = value.sequences.filter(isRecord).map((s) => ({ name: String(s.name), value: String(s.value), called: s.called === true }));
        } else if (value.end === BACKUP_FORMAT) {
          if (current || value.tables !== tables || value.rows !== rows || !sequences) throw damaged(path, 'ses comptes ne correspondent pas');
          ended = true;
        } else throw damaged(path, 'une ligne inattendue');
      }
      if (!ended) throw incomplete(path);
      const missing = order.filter((t) => !done.has(t.name)).map((t) => t.name);
      if (missing.length) throw new BackupError('schema', `La sauvegarde ne contient pas la table ${missing.join(', ')} : elle ne correspond pas à ce schéma.`);
      await restoreSequences(trx, catalog, sequences ?? []);
    });

    const laterMigrations = await migrateToLatest(db);
    // As autovacuum would: the planner's statistics, and the visibility map index-only scans need (PGlite runs no autovacuum).
    const names = (await readCatalog(db)).tables.map((t) => qualified(t.name));
    if (names.length) await run(db, `VACUUM (ANALYZE) ${names.join(', ')}`);
    return { path, header, tables, rows, bytes: (await stat(path)).size, ms: performance.now() - started, laterMigrations };
  } finally {
    await lines.return(undefined);
  }
}

/**
 * Inserts values read from the file. gzip checks its sum only at the end of the stream, so bytes
 * altered in the middle can reach the database first: a value PostgreSQL refuses as data
 * (SQLSTATE 22, a broken base64 or date; 23, a broken reference) means a damaged file, said so
 * in French. The transaction is then rolled back, and the target keeps what it had.
 */
async function valuesFromFile(path: string, table: string, insert: () => Promise<void>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    const code = error !== null && typeof error === 'object' && 'code' in error ? error.code : undefined;
    if (typeof code === 'string' && /^2[23]/.test(code)) throw damaged(path, `une valeur de la table ${table} est illisible`);
    throw error;
  }
}

async function refuseData(db: Queryable, catalog: Catalog): Promise<void> {
  const filled = await tablesWithData(db, catalog);
  if (!filled.length) return;
  const [people] = filled.includes('person') ? await rowsOf<{ n: string }>(db, 'SELECT count(*)::text AS n FROM public.person') : [];
  const tables = `${filled.length} table${filled.length > 1 ? 's' : ''} non vide${filled.length > 1 ? 's' : ''}`;
  const held = people
    ? `${formatCount(Number(people.n))} personne${Number(people.n) > 1 ? 's' : ''}, ${tables}`
    : `${tables} : ${filled.slice(0, 5).join(', ')}${filled.length > 5 ? '…' : ''}`;
  throw new BackupError('not-empty', `La base cible contient déjà des données (${held}) : une restauration se fait dans une base vide, et rien n’y a été changé.`);
}

function startTable(
  trx: Queryable,
  path: string,
  byName: ReadonlyMap<string, TableInfo>,
  deferred: ReadonlyMap<string, ReadonlySet<string>>,
  done: ReadonlySet<string>,
  value: Record<string, unknown>,
): TableRestore {
  const name = String(value.table);
  const table = byName.get(name);
  if (!table) throw new BackupError('schema', `La sauvegarde contient une table que ce schéma n’a pas : ${name}.`);
  if (done.has(name)) throw damaged(path, `la table ${name} y figure deux fois`);
  if (!isStringArray(value.columns) || !isStringArray(value.types) || value.columns.length !== value.types.length) throw damaged(path, `la description de la table ${name}`);
  const types = value.types;
  value.columns.forEach((column, i) => {
    const target = table.columns.find((c) => c.name === column && !c.generated);
    if (!target || target.type !== types[i])
      throw new BackupError('schema', `La colonne ${name}.${column} (${types[i]}) de la sauvegarde n’existe pas telle quelle dans ce schéma.`);
  });
  const own = deferred.get(name) ?? new Set<string>();
  for (const fk of table.foreignKeys)
    if (!fk.columns.every((c) => own.has(c)) && !done.has(fk.references))
      throw damaged(path, `la table ${name} y vient avant ${fk.references}, qu’elle référence`);
  return new TableRestore(trx, table, value.columns, own);
}

/** Each sequence as it was; an identity or serial never below its column's largest value, so the next row cannot collide. */
async function restoreSequences(trx: Queryable, catalog: Catalog, saved: readonly SequenceState[]): Promise<void> {
  const known = new Set(catalog.sequences.map((s) => s.name));
  for (const s of saved) {
    if (!known.has(s.name)) throw new BackupError('schema', `La sauvegarde contient une séquence que ce schéma n’a pas : ${s.name}.`);
    await run(trx, 'SELECT setval($1::text::regclass, $2::text::bigint, $3::boolean)', [qualified(s.name), s.value, s.called]);
  }
  for (const s of catalog.sequences) {
    if (!s.owner) continue;
    const [state] = await rowsOf<{ last: string | null; max: string | null }>(
      trx,
      `SELECT (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${qualified(s.name)})::text AS last,
              (SELECT max(${ident(s.owner.column)}) FROM ${qualified(s.owner.table)})::text AS max`,
    );
    if (state?.max !== null && state?.max !== undefined && BigInt(state.max) > BigInt(state.last ?? '0'))
      await run(trx, 'SELECT setval($1::text::regclass, $2::text::bigint, true)', [qualified(s.name), state.max]);
  }
}

// ---------------------------------------------------------------------------------------------
// Words for the command line.

export const describeTarget = (target: DatabaseTarget): string =>
  target.kind === 'postgres' ? 'la base PostgreSQL de DATABASE_URL' : `la base PGlite du dossier ${target.dataDir ?? '(en mémoire)'}`;

export const formatCount = (n: number): string => n.toLocaleString('fr-FR');

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Ko`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo`;
  return `${(bytes / 1024 ** 3).toLocaleString('fr-FR', { maximumFractionDigits: 2 })} Go`;
}

export const formatSeconds = (ms: number): string => `${(ms / 1000).toLocaleString('fr-FR', { maximumFractionDigits: ms < 10_000 ? 1 : 0 })} s`;
