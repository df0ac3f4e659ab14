// What the test and benchmark scripts need from the machine: a Chromium, and maybe a PostgreSQL server.
import { existsSync } from 'node:fs';
import pg from 'pg';

/** The Chromium to drive: CHROMIUM_PATH, Debian's, or Playwright's own download; null when none. */
export async function findChromium(): Promise<string | null> {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  try {
    const { chromium } = await import('@playwright/test');
    candidates.push(chromium.executablePath());
  } catch {
    // Playwright's own browser is optional.
  }
  return candidates.find((path): path is string => !!path && existsSync(path)) ?? null;
}

export const CHROMIUM_MISSING = `No Chromium was found for the end-to-end tests.
Install one, then run the tests again:
  - Debian or Ubuntu: apt-get install chromium
  - or point CHROMIUM_PATH at a Chromium or Chrome executable.`;

export const DEFAULT_LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a PostgreSQL server answers at this URL (within a few seconds). */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** TEST_DATABASE_URL, else the machine's own PostgreSQL when one answers on 127.0.0.1:5432. */
export async function findTestPostgres(): Promise<string | null> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  return (await postgresAnswers(DEFAULT_LOCAL_POSTGRES)) ? DEFAULT_LOCAL_POSTGRES : null;
}

export const POSTGRES_MISSING = `No PostgreSQL server was found for the end-to-end tests (they share a database with the
server under test, which an embedded PGlite cannot do across processes).
  - set TEST_DATABASE_URL=postgres://user@host:5432/database (the user must be allowed to create databases),
  - or install one: apt-get install postgresql (Debian), then run the tests again.`;

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
