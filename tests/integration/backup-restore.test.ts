import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOnDisk, freshDatabase, type TestDatabase } from '../support/database.ts';
import { DAY, MINUTE, testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { signaturePng } from '../support/signature-png.ts';
import { buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { openDatabase, openEmbedded, type Database } from '../../src/lib/db/index.ts';
import { BACKUP_FORMAT, BackupError, MIGRATION_SEEDED_TABLES, backupDatabase, restoreDatabase } from '../../src/lib/db/backup.ts';
import { knownMigrations } from '../../src/lib/db/migrate.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { closeSlot, openSlot } from '../../src/lib/attendance/slots.ts';
import { signOnTablet } from '../../src/lib/attendance/signing.ts';
import { issueAttestation, reissueAttestation, revokeAttestation } from '../../src/lib/attestations/issue.ts';
import { sendDueSurveyInvitations } from '../../src/lib/surveys/invitations.ts';
import { submitSurveyAnswer } from '../../src/lib/surveys/participation.ts';
import { markSectionRead, type ModuleRules } from '../../src/lib/modules/progress.ts';
import { recordActivityResult, xapiSubmissionSchema } from '../../src/lib/modules/activity-results.ts';
import { writeEntry } from '../../src/lib/pathway/journal.ts';
import { withDatabase } from '../../scripts/support/environment.ts';

/**
 * The association backs up its database every night and must be able to get it back, on the
 * embedded database as on PostgreSQL, and from one to the other: a restore gives back every row
 * of every table, to the microsecond and the byte, and the numbering goes on where it stopped.
 */

let source: TestDatabase;
let world: World;
let sessionId: string;
let folder: string;
/** The backup of the source, taken once. */
let backupFile: string;
let backupSummary: Awaited<ReturnType<typeof backupDatabase>>;
/** The source's content when it was backed up. */
let expected: Contents;

const wrap: ModuleRules = {
  slug: 'wrap',
  sections: [
    { id: 'un-plan', title: 'Un plan' },
    { id: 'les-etapes', title: 'Les étapes' },
  ],
  activities: [{ id: 'wrap-quiz', required: true }],
  passingScore: 0.8,
};

/**
 * A season of the association in miniature: a two-day session signed on the tablet (signature
 * PNGs), its attestations (PDFs, one re-issued so that it supersedes another, one revoked), an
 * email for each, a survey answer, a module read and a quiz scored, a carnet de bord, the
 * organisation's name changed, and a few thousand audit entries (several batches of rows).
 */
async function buildSeason(db: Database, w: World): Promise<string> {
  const ctx = testContext(db);
  const [camille, zoe, lukasz] = w.trainees as [WorldPerson, WorldPerson, WorldPerson];
  const training = await addTraining(ctx, w.coordinator);
  const id = await addSession(ctx, { coordinator: w.coordinator, trainers: [w.trainer], training, capacity: 3 });
  for (const p of [zoe, lukasz, camille]) await enrol(ctx, { actorId: p.id, actorRoles: p.roles, personId: p.id, sessionId: id });
  const trainer = { id: w.trainer.id, roles: w.trainer.roles };
  for (const [i, slot] of (await sessionOverview(db, id))!.slots.entries()) {
    ctx.clock.advance(slot.startsAt.getTime() - ctx.now().getTime() + MINUTE);
    await openSlot(ctx, { actor: trainer, slotId: slot.id });
    // Zoë signs every half-day, Łukasz all but the last; Camille never comes (recorded absent at closing).
    for (const [j, person] of [zoe, lukasz].entries()) {
      if (person === lukasz && i === 3) continue;
      const signed = await signOnTablet(ctx, { actor: trainer, slotId: slot.id, key: randomUUID(), personId: person.id, signedAt: ctx.now(), png: signaturePng(i * 2 + j + 1) });
      expect(signed).toEqual({ ok: true, duplicate: false });
    }
    ctx.clock.advance(slot.endsAt.getTime() - ctx.now().getTime());
    await closeSlot(ctx, { actor: trainer, slotId: slot.id });
  }
  ctx.clock.advance(DAY);
  const coordination = { actorId: w.coordinator.id, actorRoles: w.coordinator.roles };
  const first = await issueAttestation(ctx, { ...coordination, sessionId: id, personId: zoe.id, kind: 'end_of_training' });
  const certificate = await issueAttestation(ctx, { ...coordination, sessionId: id, personId: lukasz.id, kind: 'completion_certificate' });
  if (!first.ok || !certificate.ok) throw new Error('attestations not issued');
  expect(await reissueAttestation(ctx, { ...coordination, attestationId: first.id })).toMatchObject({ ok: true });
  expect(await revokeAttestation(ctx, { ...coordination, attestationId: certificate.id, reason: 'Délivrée par erreur' })).toMatchObject({ ok: true });

  expect(await sendDueSurveyInvitations(ctx)).toMatchObject({ ok: true, sent: 2 });
  const answer = { phase: 'hot' as const, overall: 5, objectives: 4, trainers: 5, organisation: 3, comment: 'Très concret : « mises en situation ».' };
  expect(await submitSurveyAnswer(ctx, { personId: zoe.id, sessionId: id, answer })).toMatchObject({ ok: true });

  await markSectionRead(db, camille.id, wrap, 'un-plan', ctx.now());
  // A score that only an exact float survives (0.30000000000000004), and a statement kept as jsonb.
  const statement = {
    id: randomUUID(),
    actor: { name: 'ignoré', mbox: 'mailto:quelqu.un@ailleurs.example' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'fr-FR': 'a répondu' } },
    object: { id: 'http://parcours.test/h5p/lecteur/wrap-quiz', definition: { extensions: {} } },
    result: { score: { min: 0, max: 1, raw: 0.1 + 0.2, scaled: 0.1 + 0.2 }, completion: true, success: false, duration: 'PT1M12.5S' },
  };
  const parsed = xapiSubmissionSchema.parse({ moduleId: 'wrap', activityId: 'wrap-quiz', statement });
  await recordActivityResult(db, { personId: camille.id, module: wrap, activityId: 'wrap-quiz', statement: parsed.statement, rawStatement: statement, now: ctx.now() });

  await db.insertInto('pathway_member').values({ person_id: camille.id, stage: 2, professional_referent_id: w.professional.id, peer_referent_id: w.trainer.id }).execute();
  const note = await writeEntry(ctx, { authorId: camille.id, body: 'Première rencontre « en binôme ».\nGuillemets " et \\ barre oblique,\ttabulation, émoji 🌱.' });
  expect(note).toMatchObject({ ok: true });

  await sql`UPDATE organisation_settings SET name = 'ESPER Pro — Marseille'`.execute(db);
  await sql`UPDATE person SET created_at = '2026-01-02 03:04:05.123456+00' WHERE id = ${camille.id}`.execute(db);
  await sql`INSERT INTO audit_event (at, actor_id, action, details)
            SELECT timestamptz '2026-03-01 08:00:00.000001+00' + n * interval '1 minute 0.000007 second', ${w.admin.id}::uuid, 'test.bulk', jsonb_build_object('n', n, 'big', 12345678901234567890.5)
              FROM generate_series(1, 2500) AS n`.execute(db);
  return id;
}

type Contents = Record<string, string[]>;

/**
 * Every table's rows as PostgreSQL writes them (all columns, generated ones too, bytea in hex),
 * sorted, and each sequence's state: read here on its own, not through the code under test.
 */
async function contents(db: Database): Promise<Contents> {
  return db.transaction().execute(async (trx) => {
    await sql`SET LOCAL TimeZone = 'UTC'`.execute(trx);
    await sql`SET LOCAL extra_float_digits = 3`.execute(trx);
    const out: Contents = {};
    const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'kysely_migration%'`.execute(trx);
    for (const { name } of tables.rows) out[name] = (await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(name)} AS t`.execute(trx)).rows.map((r) => r.row).sort();
    // From the catalog: information_schema leaves out the identity columns' sequences.
    const sequences = await sql<{ name: string }>`SELECT relname AS name FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace`.execute(trx);
    for (const { name } of sequences.rows)
      out[`sequence ${name}`] = (await sql<{ state: string }>`SELECT last_value || ' ' || is_called AS state FROM ${sql.table(name)}`.execute(trx)).rows.map((r) => r.state);
    return out;
  });
}

const rowCount = (c: Contents) => Object.entries(c).reduce((n, [name, rows]) => (name.startsWith('sequence ') ? n : n + rows.length), 0);

/** A database with nothing at all in it, not even the schema, of the other kind than the source (or of this kind). */
async function blankDatabase(kind: 'pglite' | 'postgres'): Promise<{ db: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const { db } = openEmbedded({});
    return { db, drop: () => db.destroy() };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `esper_restore_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = openDatabase({ kind: 'postgres', url: withDatabase(base, name) });
  return {
    db,
    async drop() {
      await db.destroy();
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Why a restore was refused (it must be refused). */
async function refusal(promise: Promise<unknown>): Promise<BackupError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackupError);
  return error as BackupError;
}

beforeAll(async () => {
  source = await freshDatabase();
  world = await buildWorld(source.db);
  sessionId = await buildSeason(source.db, world);
  folder = await mkdtemp(join(tmpdir(), 'esper-sauvegarde-'));
  backupFile = join(folder, 'sauvegardes', 'esper.esperdump');
  backupSummary = await backupDatabase(source.db, backupFile, { source: source.kind });
  expected = await contents(source.db);
}, 120_000);

afterAll(async () => {
  await source?.drop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('a backup restored into an empty database', () => {
  it('holds what the season wrote, and counts it', async () => {
    // The comparisons below are only worth something if the world has the data that is hard to keep.
    expect(expected.attestation).toHaveLength(3);
    const superseding = await source.db.selectFrom('attestation').select('id').where('supersedes', 'is not', null).execute();
    expect(superseding).toHaveLength(1); // a row that references another of its table
    expect(expected.attendance_record!.filter((row) => row.includes('\\\\x89504e47'))).toHaveLength(7); // the tablet's PNG signatures
    expect(expected.person!.some((row) => row.includes('2026-01-02 03:04:05.123456+00'))).toBe(true);
    expect(expected.activity_result!.some((row) => row.includes('0.30000000000000004'))).toBe(true);
    expect(expected.audit_event!.length).toBeGreaterThan(2500);
    expect(Object.keys(expected).filter((k) => k.startsWith('sequence '))).toEqual(
      expect.arrayContaining(['sequence audit_event_id_seq', 'sequence attendance_record_id_seq', 'sequence enrolment_queue_seq']),
    );
    expect(backupSummary.tables).toBe(Object.keys(expected).filter((k) => !k.startsWith('sequence ')).length);
    expect(backupSummary.rows).toBe(rowCount(expected));
    expect(backupSummary.bytes).toBeGreaterThan(10_000);
  });

  it('gives back every table row for row, every column to the microsecond and the byte, and every sequence', async () => {
    const target = await freshDatabase();
    try {
      const restored = await restoreDatabase(target.db, backupFile);
      expect(restored).toMatchObject({ tables: backupSummary.tables, rows: backupSummary.rows, laterMigrations: [] });
      expect(restored.header).toMatchObject({ format: BACKUP_FORMAT, source: source.kind, migrations: await knownMigrations() });
      expect(await contents(target.db)).toEqual(expected);

      // The numbering goes on: the next attestation takes the next number of the year, and the
      // email and audit entry that come with it the next ids, as they would have on the source.
      const counter = await source.db.selectFrom('attestation_counter').selectAll().executeTakeFirstOrThrow();
      const lastIds = async (db: Database) =>
        (await sql<{ email: number; audit: number; attendance: string }>`SELECT (SELECT max(id) FROM outbox_email) AS email, (SELECT max(id) FROM audit_event) AS audit,
          (SELECT max(id)::text FROM attendance_record) AS attendance`.execute(db)).rows[0]!;
      const before = await lastIds(source.db);
      const ctx = testContext(target.db, new Date('2026-12-15T09:00:00Z'));
      const zoe = world.trainees[1]!;
      const issued = await issueAttestation(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, sessionId, personId: zoe.id, kind: 'attendance' });
      expect(issued).toMatchObject({ ok: true, created: true, number: `EP-${counter.year}-${String(counter.last_number + 1).padStart(6, '0')}` });
      const after = await lastIds(target.db);
      expect(after.email).toBe(before.email + 1);
      expect(after.audit).toBe(before.audit + 1);
      const nextAttendance = await sql<{ id: string }>`INSERT INTO attendance_record (slot_id, person_id, status, method, recorded_by, recorded_at)
        SELECT slot_id, person_id, 'present', 'trainer', recorded_by, now() FROM attendance_record ORDER BY id LIMIT 1 RETURNING id::text AS id`.execute(target.db);
      expect(BigInt(nextAttendance.rows[0]!.id)).toBe(BigInt(before.attendance) + 1n);
    } finally {
      await target.drop();
    }
  });

  // PGlite → PostgreSQL when a server is at hand; PostgreSQL → PGlite always, from the PostgreSQL run.
  const otherKind = process.env.ESPER_TEST_DB === 'postgres' ? 'pglite' : 'postgres';
  it.runIf(otherKind === 'pglite' || Boolean(process.env.TEST_DATABASE_URL))(
    `gives back the same data in a blank ${otherKind === 'pglite' ? 'PGlite' : 'PostgreSQL'} database, schema included`,
    async () => {
      const target = await blankDatabase(otherKind);
      try {
        const restored = await restoreDatabase(target.db, backupFile);
        expect(restored.rows).toBe(backupSummary.rows);
        expect(await contents(target.db)).toEqual(expected);
      } finally {
        await target.drop();
      }
    },
    120_000,
  );

  it('replaces the content of a database that holds data with --remplacer, seeded rules and settings included', async () => {
    const target = await freshDatabase();
    try {
      const other = await buildWorld(target.db);
      await sql`UPDATE organisation_settings SET name = 'Autre association'`.execute(target.db);
      await restoreDatabase(target.db, backupFile, { replace: true });
      expect(await contents(target.db)).toEqual(expected);
      expect(await target.db.selectFrom('person').select('id').where('id', '=', other.admin.id).executeTakeFirst()).toBeUndefined();
    } finally {
      await target.drop();
    }
  });
});

describe('a restore that cannot be done changes nothing, and says why in French', () => {
  it('refuses a database that already holds data', async () => {
    const error = await refusal(restoreDatabase(source.db, backupFile));
    expect(error.reason).toBe('not-empty');
    expect(error.message).toMatch(/^La base cible contient déjà des données \(\d+ personnes, \d+ tables non vides\) : une restauration se fait dans une base vide, et rien n’y a été changé\.$/);
    expect(await contents(source.db)).toEqual(expected);
  });

  it('refuses a truncated file, a damaged one and one that is no backup, leaving the target as it was', async () => {
    const target = await freshDatabase();
    try {
      const untouched = await contents(target.db);
      const bytes = await readFile(backupFile);
      const truncated = join(folder, 'coupee.esperdump');
      await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
      const cut = await refusal(restoreDatabase(target.db, truncated));
      expect(cut.message).toMatch(/est incomplète .* rien n’a été restauré/);

      const damagedBytes = Buffer.from(bytes);
      for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 64; i++) damagedBytes[i] = damagedBytes[i]! ^ 0x5a;
      const damaged = join(folder, 'abimee.esperdump');
      await writeFile(damaged, damagedBytes);
      const broken = await refusal(restoreDatabase(target.db, damaged));
      expect(broken.message).toMatch(/est (abîmée|incomplète) .* rien n’a été restauré/);

      // Altered inside, then compressed again: whole as gzip, but a tablet signature's bytes are no longer base64.
      const lines = gunzipSync(bytes).toString('utf8').split('\n');
      const table = lines.findIndex((line) => line.startsWith('{') && (JSON.parse(line) as { table?: string }).table === 'attendance_record');
      expect(table, 'the backup holds the attendance records').toBeGreaterThan(-1);
      const png = (JSON.parse(lines[table]!) as { columns: string[] }).columns.indexOf('signature_png');
      const signed = lines.findIndex((line, i) => i > table && line.startsWith('[') && (JSON.parse(line) as (string | null)[])[png] !== null);
      expect(signed, 'a record signed on the tablet').toBeGreaterThan(table);
      const row = JSON.parse(lines[signed]!) as (string | null)[];
      row[png] = 'ceci n’est pas du base64 !';
      lines[signed] = JSON.stringify(row);
      const altered = join(folder, 'alteree.esperdump');
      await writeFile(altered, gzipSync(lines.join('\n')));
      const refused = await refusal(restoreDatabase(target.db, altered));
      expect(refused.message).toMatch(/est abîmée \(une valeur de la table attendance_record est illisible\) : rien n’a été restauré/);

      const text = join(folder, 'notes.esperdump');
      await writeFile(text, 'Ceci est une liste de courses.\n');
      expect((await refusal(restoreDatabase(target.db, text))).message).toMatch(/n’est pas une sauvegarde d’ESPER Parcours/);
      expect((await refusal(restoreDatabase(target.db, join(folder, 'absente.esperdump')))).message).toMatch(/^Fichier introuvable : /);

      expect(await contents(target.db)).toEqual(untouched);
    } finally {
      await target.drop();
    }
  });

  it('refuses a backup of a newer format, or from a newer version of the platform', async () => {
    const target = await freshDatabase();
    try {
      const header = { format: BACKUP_FORMAT, version: 1, createdAt: '2030-01-01T00:00:00.000Z', source: 'postgres', serverVersion: '19', migrations: await knownMigrations() };
      const file = async (name: string, lines: unknown[]) => {
        const path = join(folder, name);
        await writeFile(path, gzipSync(lines.map((l) => `${JSON.stringify(l)}\n`).join('')));
        return path;
      };
      const newer = await refusal(restoreDatabase(target.db, await file('format-2.esperdump', [{ ...header, version: 2 }])));
      expect(newer.message).toBe('Cette sauvegarde est au format 2, et cette version d’ESPER Parcours lit le format 1 : mettez l’application à jour, puis restaurez.');
      const future = await refusal(restoreDatabase(target.db, await file('futur.esperdump', [{ ...header, migrations: [...header.migrations, '0099_future'] }])));
      expect(future.message).toMatch(/version plus récente d’ESPER Parcours \(migration inconnue ici : 0099_future\) : mettez l’application à jour/);
      const headless = await refusal(restoreDatabase(target.db, await file('sans-fin.esperdump', [header, { table: 'person', columns: [], types: [] }])));
      expect(headless.reason).toMatch(/damaged|incomplete|schema/);
      expect(await target.db.selectFrom('person').select('id').execute()).toEqual([]);
    } finally {
      await target.drop();
    }
  });

  it('knows which tables the migrations fill themselves (the only rows an empty database may hold)', async () => {
    const target = await freshDatabase();
    try {
      const filled = Object.entries(await contents(target.db))
        .filter(([name, rows]) => !name.startsWith('sequence ') && rows.length > 0)
        .map(([name]) => name)
        .sort();
      expect(filled).toEqual([...MIGRATION_SEEDED_TABLES].sort());
    } finally {
      await target.drop();
    }
  });
});

describe('the commands npm run db:backup and npm run db:restore', () => {
  const repository = join(import.meta.dirname, '..', '..');
  const cli = (script: string, args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [script, ...args], { cwd: repository, env: { ...process.env, DATABASE_URL: '', ...env } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

  it('back up the configured database and restore it into a new PGlite folder, and refuse what they cannot do', async () => {
    const disk = await databaseOnDisk();
    try {
      await buildWorld(disk.db);
      const written = await contents(disk.db);
      await disk.release();
      const env: Record<string, string> = disk.target.kind === 'postgres' ? { DATABASE_URL: disk.target.url } : { PGLITE_DIR: disk.target.dataDir! };
      const file = join(folder, 'ligne-de-commande.esperdump');
      const backup = await cli('scripts/db-backup.ts', [file], env);
      expect(backup.stderr).toBe('');
      expect(backup.stdout).toMatch(/^Sauvegarde terminée : \d+ tables, \d+ lignes, [\d,]+ Ko, en [\d,]+ s\.$/m);
      expect(backup.code).toBe(0);

      const into = join(folder, 'restauree');
      const restore = await cli('scripts/db-restore.ts', [file], { PGLITE_DIR: into });
      expect(restore.stdout).toMatch(/^Restauration terminée : \d+ tables, \d+ lignes, [\d,]+ Ko lus, en [\d,]+ s\.$/m);
      expect(restore.code).toBe(0);

      const again = await cli('scripts/db-restore.ts', [file, '--into', into], {});
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/La base cible contient déjà des données .*\nPour la remplacer entièrement par la sauvegarde, relancez avec --remplacer/);
      noStack(again.stderr);
      const overwrite = await cli('scripts/db-backup.ts', [file], env);
      expect(overwrite).toMatchObject({ code: 1, stderr: expect.stringContaining('existe déjà') });
      const missing = await cli('scripts/db-restore.ts', [join(folder, 'absente.esperdump'), '--into', join(folder, 'jamais-creee')], {});
      expect(missing).toMatchObject({ code: 1, stderr: `Fichier introuvable : ${join(folder, 'absente.esperdump')}.\n` });
      expect(existsSync(join(folder, 'jamais-creee'))).toBe(false); // the file is checked before any database is opened

      const restored = openDatabase({ kind: 'pglite', dataDir: into });
      try {
        expect(await contents(restored)).toEqual(written);
      } finally {
        await restored.destroy();
      }
    } finally {
      await disk.drop();
    }
  }, 180_000);
});
