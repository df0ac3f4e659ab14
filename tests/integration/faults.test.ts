import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseOnDisk, freshDatabase } from '../support/database.ts';
import { MINUTE, testContext } from '../support/context.ts';
import { addPerson, buildWorld, WORLD_PASSWORD, type WorldPerson } from '../support/world.ts';
import { openDatabase, type Database, type DatabaseTarget } from '../../src/lib/db/index.ts';
import { MIGRATIONS_DIR, migrateToLatest, splitSqlStatements } from '../../src/lib/db/migrate.ts';
import { exportFile, exportState, recentExports, startExport, STALLED_AFTER_MS } from '../../src/lib/reporting/exports/jobs.ts';
import { ACCOUNT_FAILURES, logIn } from '../../src/lib/accounts/login.ts';
import { validateSessionToken } from '../../src/lib/accounts/sessions.ts';
import { hashToken } from '../../src/lib/accounts/tokens.ts';
import { currentHits } from '../../src/lib/security/rate-limit.ts';
import { isDatabaseUnavailable } from '../../src/lib/db/availability.ts';
import { withDatabase } from '../../scripts/support/environment.ts';

/**
 * Issue 8: the server killed in the middle of its work. Each test runs the work in a real child
 * process and kills it with SIGKILL (no chance to clean up) at a point drawn from a seed, then
 * restarts as the server does (a new process running `scripts/support/prepare-database.ts`, the
 * start-up of `scripts/start.ts`: PGlite's crash recovery, the migrations) and checks that nothing
 * is half-written, nothing is lost, and the work can be done again. FAULT_SEED=<n> draws other points.
 * A bulk issue killed mid-chunk is tests/integration/bulk-issue-crash.test.ts (gap-free numbers);
 * the database unreachable under a running server is tests/e2e/database-outage.spec.ts.
 */

const SEED = Number(process.env.FAULT_SEED ?? 8);

/** mulberry32: a small seeded generator, one stream per test so each kill point depends on the seed alone. */
function stream(name: string): { next(): number; between(low: number, high: number): number } {
  let state = SEED;
  for (const char of name) state = (Math.imul(state ^ char.charCodeAt(0), 2654435761) + 1) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, between: (low, high) => low + Math.floor(next() * (high - low + 1)) };
}

interface KilledRun {
  lines: string[];
  /** The child reached its end before the kill: the fault was not injected. */
  finished: boolean;
  signal: NodeJS.Signals | null;
}

/** Runs a child script and kills it with SIGKILL once `killWhen` accepts a line of its output, after `delayMs`. */
async function runKilled(script: string, input: unknown, killWhen: (line: string) => boolean, delayMs = 0): Promise<KilledRun> {
  const child = spawn(process.execPath, [script, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const lines: string[] = [];
  let armed = false;
  for await (const line of createInterface({ input: child.stdout })) {
    lines.push(line);
    if (!armed && killWhen(line)) {
      armed = true;
      if (delayMs) setTimeout(() => child.kill('SIGKILL'), delayMs);
      else child.kill('SIGKILL');
    }
  }
  const signal = await exited;
  return { lines, finished: lines.some((l) => l.startsWith('finished')), signal };
}

/** The server's start-up in a new process, as `scripts/start.ts` runs it before listening. */
async function restartServer(target: DatabaseTarget): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DEMO_ACCOUNTS: 'off', DATABASE_URL: target.kind === 'postgres' ? target.url : '' };
  if (target.kind === 'pglite') env.PGLITE_DIR = target.dataDir;
  const child = spawn(process.execPath, ['scripts/support/prepare-database.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the restart failed (${code}):\n${output}`);
  return output;
}

/** The schema as PostgreSQL describes it: columns, indexes, constraints, triggers, functions, and the migrations recorded. */
async function schemaOf(db: Database): Promise<string[]> {
  const rows = await sql<{ line: string }>`
    select 'column ' || table_name || '.' || column_name || ' #' || ordinal_position || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as line
      from information_schema.columns where table_schema = 'public'
    union all select 'index ' || indexdef from pg_indexes where schemaname = 'public'
    union all select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = 'public'::regnamespace
    union all select 'trigger ' || pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
    union all select 'function ' || proname || '(' || pg_get_function_identity_arguments(oid) || ') ' || md5(coalesce(prosrc, '')) from pg_proc where pronamespace = 'public'::regnamespace
    union all select 'view ' || viewname || ' ' || md5(definition) from pg_views where schemaname = 'public'`.execute(db);
  return [...rows.rows.map((r) => r.line), ...(await recordedMigrations(db)).map((name) => `migration ${name}`)].sort();
}

async function recordedMigrations(db: Database): Promise<string[]> {
  const exists = await sql<{ found: string | null }>`select to_regclass('public.kysely_migration')::text as found`.execute(db);
  if (!exists.rows[0]?.found) return [];
  return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
}

async function tablesOf(db: Database): Promise<string[]> {
  return (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`.execute(db)).rows.map((r) => r.name);
}

/** The schema of a database migrated cleanly, in one go, by the test's own setup. */
async function cleanSchema(): Promise<string[]> {
  const clean = await freshDatabase();
  try {
    return await schemaOf(clean.db);
  } finally {
    await clean.drop();
  }
}

/** A database with nothing in it, that another process can open: a new PostgreSQL database, or an empty PGlite folder. */
async function emptyDatabase(): Promise<{ target: DatabaseTarget; open(): Database; drop(): Promise<void> }> {
  if (process.env.ESPER_TEST_DB === 'postgres') {
    const name = `esper_f_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await client.connect();
      await client.query(statement);
      await client.end();
    };
    await admin(`CREATE DATABASE ${name}`);
    const target: DatabaseTarget = { kind: 'postgres', url: withDatabase(process.env.TEST_DATABASE_URL!, name) };
    return { target, open: () => openDatabase(target), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'esper-fault-'));
  const target: DatabaseTarget = { kind: 'pglite', dataDir };
  return { target, open: () => openDatabase(target), drop: () => rm(dataDir, { recursive: true, force: true }) };
}

const lineNumber = (line: string, at = 1) => Number(line.split(' ')[at]);

describe('an export killed mid-run', () => {
  const CHUNK = 50;
  const killAfterStep = stream('export').between(1, 20);

  it(`is shown interrupted, never served half-written, and « Relancer » writes the same file as an uninterrupted run (seed ${SEED}: killed after step ${killAfterStep})`, async () => {
    const disk = await databaseOnDisk();
    try {
      const world = await buildWorld(disk.db);
      // 3,000 people more: about 60 steps of 50 rows.
      await sql`
        insert into person (email, given_name, family_name, email_verified_at, created_at)
        select 'export' || lpad(i::text, 5, '0') || '@exemple.fr', 'Prénom' || i, 'Famille' || lpad(i::text, 5, '0'), now(), now() - (i || ' minutes')::interval
        from generate_series(1, 3000) as i`.execute(disk.db);
      const ctx = testContext(disk.db);
      const now = ctx.now();
      const asked = { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, kind: 'personnes', params: { tri: 'inscription' }, chunk: CHUNK };

      // The file an uninterrupted run writes.
      const reference = await startExport(ctx, asked);
      if (!reference.ok) throw new Error(reference.message);
      await reference.completion;
      const expected = (await exportFile(disk.db, reference.exportId, world.coordinator.id, now))!.bytes;
      expect(expected.byteLength).toBeGreaterThan(100_000);

      await disk.release();
      const run = await runKilled(
        'tests/support/export-child.ts',
        { target: disk.target, ...asked, now: now.toISOString() },
        (line) => line.startsWith('progress ') && lineNumber(line) >= killAfterStep * CHUNK,
      );
      expect(run.signal).toBe('SIGKILL');
      expect(run.finished).toBe(false);
      const killedId = run.lines.find((l) => l.startsWith('started '))!.split(' ')[1]!;
      await restartServer(disk.target);
      const db = disk.reopen();

      // The row holds the progress last recorded, and no file.
      const row = await db.selectFrom('export_job').select(['done', 'total', 'finished_at', 'content', 'filename']).where('id', '=', killedId).executeTakeFirstOrThrow();
      expect(row.done).toBeGreaterThanOrEqual(killAfterStep * CHUNK);
      expect(row.done).toBeLessThan(row.total);
      expect(row).toMatchObject({ finished_at: null, content: null, filename: null });

      // Within the minute it could still be another instance's export: shown running, nothing served.
      expect((await exportState(db, killedId, world.coordinator.id, new Date(now.getTime() + 1000)))!.status).toBe('running');
      expect(await exportFile(db, killedId, world.coordinator.id, new Date(now.getTime() + 1000))).toBeUndefined();

      // A minute without news: interrupted, with « Relancer »; still nothing served.
      const later = testContext(db, new Date(now.getTime() + STALLED_AFTER_MS + MINUTE));
      const state = (await exportState(db, killedId, world.coordinator.id, later.now()))!;
      expect(state).toMatchObject({ status: 'interrupted', done: row.done, total: row.total, params: asked.params });
      expect(state.failure).toContain('Relancez-le');
      expect(await exportFile(db, killedId, world.coordinator.id, later.now())).toBeUndefined();
      const listed = await recentExports(db, world.coordinator.id, later.now());
      expect(listed.map((e) => [e.id, e.status])).toEqual(
        expect.arrayContaining([
          [killedId, 'interrupted'],
          [reference.exportId, 'ready'],
        ]),
      );

      // « Relancer » posts the kind and parameters kept with the export.
      const again = await startExport(later, { ...asked, kind: state.kind, params: state.params });
      if (!again.ok) throw new Error(again.message);
      expect(again.alreadyRunning).toBe(false);
      await again.completion;
      const file = (await exportFile(db, again.exportId, world.coordinator.id, later.now()))!;
      expect(Buffer.from(file.bytes).equals(Buffer.from(expected))).toBe(true);
      expect((await exportState(db, killedId, world.coordinator.id, later.now()))!.status).toBe('interrupted');
      expect(await exportFile(db, killedId, world.coordinator.id, later.now())).toBeUndefined();
    } finally {
      await disk.drop();
    }
  }, 180_000);
});

describe('migrations killed mid-way', () => {
  const draw = stream('migrations');
  const pauseFraction = draw.next();
  const killDelayMs = draw.between(20, 150);

  it(`from an empty database: nothing of the run stays, and the next start migrates to the same schema as a clean run (seed ${SEED}: ${Math.round(pauseFraction * 100)} % through)`, async () => {
    let statements = 0;
    for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql'))) statements += splitSqlStatements(await readFile(join(MIGRATIONS_DIR, file), 'utf8')).length;
    // The migrator's own few queries come first; the pause lands among the migrations' statements.
    const pauseAfter = 8 + Math.floor(pauseFraction * (statements - 8));
    const expected = await cleanSchema();
    const empty = await emptyDatabase();
    try {
      const run = await runKilled('tests/support/migrate-child.ts', { target: empty.target, dir: MIGRATIONS_DIR, pauseAfter }, (line) => line === 'paused');
      expect(run.signal).toBe('SIGKILL');
      expect(run.finished).toBe(false);
      expect(run.lines).toContain(`statement ${pauseAfter}`);

      // All or nothing: every pending migration runs in one transaction, so none is recorded and
      // none left a table, even those whose statements had all run.
      let db = empty.open();
      expect(await recordedMigrations(db)).toEqual([]);
      expect((await tablesOf(db)).filter((t) => !t.startsWith('kysely_migration'))).toEqual([]);
      await db.destroy();

      await restartServer(empty.target);
      db = empty.open();
      expect(await schemaOf(db)).toEqual(expected);
      await db.destroy();
    } finally {
      await empty.drop();
    }
  }, 180_000);

  it(`a long new migration killed mid-statement leaves the schema as it was, and the next start applies it whole (seed ${SEED}: ${killDelayMs} ms into its longest statement)`, async () => {
    const ROWS = 200_000;
    const disk = await databaseOnDisk();
    const dir = await mkdtemp(join(tmpdir(), 'esper-migrations-'));
    try {
      for (const file of await readdir(MIGRATIONS_DIR)) if (file.endsWith('.sql')) await copyFile(join(MIGRATIONS_DIR, file), join(dir, file));
      // It changes a table in use first, then spends a while writing rows.
      await writeFile(
        join(dir, '9999_fault_probe.sql'),
        `ALTER TABLE person ADD COLUMN fault_probe_note text;
         CREATE TABLE fault_probe (id integer PRIMARY KEY, label text NOT NULL);
         INSERT INTO fault_probe SELECT i, md5(i::text) FROM generate_series(1, ${ROWS}) AS i;
         CREATE INDEX fault_probe_label_idx ON fault_probe (label);`,
      );
      const before = await schemaOf(disk.db);
      await disk.release();
      const run = await runKilled('tests/support/migrate-child.ts', { target: disk.target, dir }, (line) => line.startsWith('running ') && line.includes('INSERT INTO fault_probe'), killDelayMs);
      expect(run.signal).toBe('SIGKILL');
      expect(run.finished).toBe(false);
      expect(run.lines.some((l) => l.includes('INSERT INTO fault_probe'))).toBe(true);

      // Not recorded, and nothing of it: no table, no column on person.
      let db = disk.reopen();
      expect(await schemaOf(db)).toEqual(before);
      await disk.release();

      await restartServer(disk.target);
      db = disk.reopen();
      expect(await migrateToLatest(db, dir)).toEqual(['9999_fault_probe']);
      const count = await sql<{ n: number }>`select count(*)::int as n from fault_probe`.execute(db);
      expect(count.rows[0]!.n).toBe(ROWS);
      const after = await schemaOf(db);
      expect(after.filter((line) => !line.includes('fault_probe'))).toEqual(before);
      expect(after.filter((line) => line.includes('fault_probe'))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^column person\.fault_probe_note #\d+ text YES $/),
          'migration 9999_fault_probe',
          expect.stringContaining('index CREATE INDEX fault_probe_label_idx'),
        ]),
      );
    } finally {
      await disk.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('a burst of sign-ins killed mid-way', () => {
  const draw = stream('sign-ins');
  const killAfterDone = draw.between(8, 60);

  it(`leaves whole sessions and sane counters, keeps every session it handed out, changes nobody, and sign-ins work (seed ${SEED}: killed after ${killAfterDone} answers)`, async () => {
    const disk = await databaseOnDisk();
    try {
      const people: WorldPerson[] = [];
      for (let i = 0; i < 12; i++) people.push(await addPerson(disk.db, { givenName: `Rafale${i}`, familyName: 'Connexion', roles: i % 3 === 0 ? ['trainee'] : ['professional'] }));
      const ctx = testContext(disk.db);
      const now = ctx.now();
      const peopleData = (db: Database) =>
        sql<{ line: string }>`
          select p.id || ' ' || p.email || ' ' || p.given_name || ' ' || p.family_name || ' ' || coalesce(p.password_hash, '-') || ' ' || coalesce(p.email_verified_at::text, '-') || ' ' ||
                 coalesce((select string_agg(r.role, ',' order by r.role) from person_role r where r.person_id = p.id), '') as line
          from person p order by p.id`.execute(db).then((r) => r.rows.map((row) => row.line));
      const before = await peopleData(disk.db);

      // A quarter of the attempts with a wrong password, from twenty addresses.
      const attempts = Array.from({ length: 400 }, () => {
        const who = people[draw.between(0, people.length - 1)]!;
        return { email: who.email, password: draw.next() < 0.25 ? 'pas le bon mot de passe' : WORLD_PASSWORD, ip: `198.51.100.${draw.between(1, 20)}` };
      });
      await disk.release();
      let answers = 0;
      const run = await runKilled(
        'tests/support/sign-in-child.ts',
        { target: disk.target, attempts, concurrency: 8, now: now.toISOString() },
        (line) => line.startsWith('done ') && ++answers >= killAfterDone,
      );
      expect(run.signal).toBe('SIGKILL');
      expect(run.finished).toBe(false);
      await restartServer(disk.target);
      const db = disk.reopen();

      const started = run.lines.filter((l) => l.startsWith('start ')).map((l) => attempts[lineNumber(l)]!);
      const answered = run.lines.filter((l) => l.startsWith('done ')).map((l) => ({ attempt: attempts[lineNumber(l)]!, status: lineNumber(l, 2), token: l.split(' ')[3] }));
      expect(answered.length).toBeGreaterThanOrEqual(killAfterDone);
      expect(started.length).toBeLessThan(attempts.length);

      // Nobody's data changed.
      expect(await peopleData(db)).toEqual(before);

      // Sessions: each whole, each of a person, each hash unique, none from nowhere.
      const sessions = await db
        .selectFrom('auth_session as s')
        .leftJoin('person as p', 'p.id', 's.person_id')
        .select(['s.id', 's.expires_at', 's.user_agent', 'p.email'])
        .execute();
      for (const s of sessions) {
        expect(s.id).toMatch(/^[0-9a-f]{64}$/);
        expect(people.map((p) => p.email)).toContain(s.email);
        expect(s.expires_at.getTime()).toBe(now.getTime() + 30 * 86_400_000);
        expect(s.user_agent).toBe('rafale');
      }
      expect(new Set(sessions.map((s) => s.id)).size).toBe(sessions.length);
      const granted = answered.filter((a) => a.status === 200);
      expect(granted.length).toBeGreaterThan(0);
      expect(sessions.length).toBeGreaterThanOrEqual(granted.length);
      expect(sessions.length).toBeLessThanOrEqual(started.filter((a) => a.password === WORLD_PASSWORD).length);
      // Every session handed out before the kill is still there, and still signs its person in.
      for (const { attempt, token } of granted) {
        expect(sessions.map((s) => s.id)).toContain(hashToken(token!));
        expect((await validateSessionToken(db, token!, { days: 30, now }))?.person.email).toBe(attempt.email);
      }

      // Rate limits: whole numbers within what was attempted, in the current window.
      const counters = await db.selectFrom('rate_limit').select(['key', 'hits', 'window_started_at']).execute();
      const count = (list: typeof started, match: (a: (typeof attempts)[number]) => boolean) => list.filter(match).length;
      for (const c of counters) {
        expect(Number.isInteger(c.hits)).toBe(true);
        expect(c.window_started_at.getTime()).toBe(now.getTime());
        const ip = /^login:ip:(.+)$/.exec(c.key)?.[1];
        const email = /^login:account:(.+)$/.exec(c.key)?.[1];
        if (ip) {
          // Every attempt counts against its address first: at least those answered, at most those started.
          expect(c.hits).toBeGreaterThanOrEqual(Math.max(1, count(answered.map((a) => a.attempt), (a) => a.ip === ip)));
          expect(c.hits).toBeLessThanOrEqual(count(started, (a) => a.ip === ip));
        } else if (email) {
          // Wrong passwords since the last right one: at most the wrong ones started.
          expect(c.hits).toBeGreaterThanOrEqual(1);
          expect(c.hits).toBeLessThanOrEqual(count(started, (a) => a.email === email && a.password !== WORLD_PASSWORD));
        } else throw new Error(`unexpected counter ${c.key}`);
      }
      const addresses = new Set(started.map((a) => a.ip));
      expect(counters.filter((c) => c.key.startsWith('login:ip:')).length).toBeLessThanOrEqual(addresses.size);

      // Signing in works: at once, except for an account its counter locks; for everyone 15 minutes on.
      const after = testContext(db, now);
      for (const person of people) {
        const locked = (await currentHits(db, `login:account:${person.email}`, ACCOUNT_FAILURES, now)) >= ACCOUNT_FAILURES.limit;
        const outcome = await logIn(after, { email: person.email, password: WORLD_PASSWORD }, { ip: '203.0.113.8' });
        expect(outcome.ok ? 200 : outcome.status).toBe(locked ? 429 : 200);
      }
      after.clock.advance(16 * MINUTE);
      for (const person of people) expect((await logIn(after, { email: person.email, password: WORLD_PASSWORD }, { ip: '203.0.113.9' })).ok).toBe(true);
    } finally {
      await disk.drop();
    }
  }, 180_000);
});

describe('PostgreSQL ending a connection under a query (a restart, an administrator)', () => {
  it('is told apart from a bug, so the server answers 503 and not 500, does not end the process, and the pool reconnects', async () => {
    const database = await freshDatabase();
    try {
      // A real SQL error stays a bug, on either database.
      const bug = await sql`select * from no_such_table`.execute(database.db).catch((error: unknown) => error);
      expect(bug).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(bug)).toBe(false);
      // PGlite runs inside the process: it cannot become unreachable.
      if (database.kind !== 'postgres') return;

      const db = openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 1 });
      try {
        const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]!.pid;
        const running = sql`select pg_sleep(10)`.execute(db).catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`select pg_terminate_backend(${pid})`.execute(database.db);
        const ended = await running;
        expect(ended).toMatchObject({ code: '57P01' });
        expect(isDatabaseUnavailable(ended)).toBe(true);
        // Asked at once, the pool may still hand out the ended connection: that query fails as
        // unreachable too (a 503, and this process must not die of it); the next one reconnects.
        const first: unknown = await sql<{ one: number }>`select 1 as one`.execute(db).then((result) => result.rows, (error: unknown) => error);
        if (Array.isArray(first)) expect(first).toEqual([{ one: 1 }]);
        else expect(isDatabaseUnavailable(first)).toBe(true);
        expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
      } finally {
        await db.destroy();
      }

      // Nobody listening where the database should be: refused at once.
      const nowhere = openDatabase({ kind: 'postgres', url: withDatabase('postgres://postgres@127.0.0.1:1/', 'nowhere') });
      try {
        const refused = await sql`select 1`.execute(nowhere).catch((error: unknown) => error);
        expect(isDatabaseUnavailable(refused)).toBe(true);
      } finally {
        await nowhere.destroy();
      }
    } finally {
      await database.drop();
    }
  });
});
