import type { TestProject } from 'vitest/node';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, openEmbedded } from '../../src/lib/db/index.ts';
import { migrateToLatest } from '../../src/lib/db/migrate.ts';
import { withDatabase } from '../../scripts/support/environment.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplateUrl: string;
  }
}

/**
 * Migrates a database once per run; each test file then gets its own copy in well under a second:
 * a PGlite data-directory snapshot, or a PostgreSQL database created from a template.
 */
export default async function setup(project: TestProject) {
  const kind = project.config.env?.ESPER_TEST_DB ?? 'pglite';
  if (kind === 'postgres') {
    const base = process.env.TEST_DATABASE_URL!;
    const template = `esper_template_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    const url = withDatabase(base, template);
    const db = openDatabase({ kind: 'postgres', url, maxConnections: 1 });
    await migrateToLatest(db);
    await db.destroy();
    project.provide('postgresTemplateUrl', url);
    return async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.end();
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'esper-test-'));
  const { db, pglite } = openEmbedded({});
  await migrateToLatest(db);
  const file = join(dir, 'schema.tar');
  await writeFile(file, Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer()));
  await db.destroy();
  project.provide('pgliteSnapshot', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
