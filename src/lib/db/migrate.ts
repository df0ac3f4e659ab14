import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/**
 * Splits a SQL script into statements at top-level semicolons, keeping quoted strings,
 * quoted identifiers, dollar-quoted bodies and comments intact. Both drivers run one
 * statement per call (parameterised protocol), so a migration file is run statement by statement.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    const rest = script.slice(i);
    if (rest.startsWith('--')) {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end + 1;
      current += '\n';
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
      current += ' ';
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < script.length) {
        if (script[j] === ch) {
          if (script[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      current += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const dollar = /^\$[A-Za-z_]*\$/.exec(rest);
    if (dollar) {
      const tag = dollar[0];
      const end = script.indexOf(tag, i + tag.length);
      const stop = end === -1 ? script.length : end + tag.length;
      current += script.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === ';') {
      if (current.trim()) statements.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  if (current.trim()) statements.push(current.trim());
  return statements;
}

/** Migrations are numbered .sql files: frozen, never importing application code. */
class SqlFileMigrationProvider implements MigrationProvider {
  #dir: string;
  constructor(dir: string) {
    this.#dir = dir;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const name of await knownMigrations(this.#dir)) {
      const script = await readFile(`${this.#dir}/${name}.sql`, 'utf8');
      migrations[name] = {
        async up(db: Kysely<unknown>) {
          for (const statement of splitSqlStatements(script)) await sql.raw(statement).execute(db);
        },
      };
    }
    return migrations;
  }
}

/** The migrations this code knows, by name (« 0001_accounts »), in order. */
export async function knownMigrations(dir: string = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/**
 * Brings the schema to the latest migration; throws with the failing migration's name.
 * Kysely's migrator runs every pending migration in one transaction (PostgreSQL's DDL is
 * transactional): a crash mid-way leaves none half-applied (tests/integration/faults.test.ts).
 */
export async function migrateToLatest<T>(db: Kysely<T>, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(dir) });
  return applied(await migrator.migrateToLatest());
}

/** Brings the schema up to the named migration and no further: a restore first recreates the schema its backup was taken on. */
export async function migrateUpTo<T>(db: Kysely<T>, name: string, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(dir) });
  return applied(await migrator.migrateTo(name));
}

function applied({ error, results }: MigrationResultSet): string[] {
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
