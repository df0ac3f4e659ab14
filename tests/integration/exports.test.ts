import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { DAY, MINUTE, testContext } from '../support/context.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { unzip } from '../support/zip.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { csvDocument } from '../../src/lib/web/csv.ts';
import { parisDay } from '../../src/lib/time.ts';
import { PEOPLE_LIST, peopleCsv } from '../../src/lib/reporting/lists/people.ts';
import { reportPeriod, yearlyReport } from '../../src/lib/reporting/yearly.ts';
import { eraseAccount } from '../../src/lib/accounts/personal-data.ts';
import { exportFile, exportState, recentExports, startExport, STALLED_AFTER_MS } from '../../src/lib/reporting/exports/jobs.ts';

/**
 * A coordinator's exports on a world of 3,000 people and one session that took place: each runs
 * in the background, reports its progress, and leaves a file only its requester can read.
 */

const BULK = 3000;
let database: TestDatabase;
let db: Database;
let world: World;
let ctx: ReturnType<typeof testContext>;
let colleague: WorldPerson;
let sessionId: string;

const as = (who: WorldPerson) => ({ actorId: who.id, actorRoles: who.roles });
const jobCount = async () => Number((await db.selectFrom('export_job').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const decode = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

/** Starts an export that must be accepted, and returns it. */
async function started(who: WorldPerson, kind: string, params: Record<string, string>, chunk?: number) {
  const outcome = await startExport(ctx, { ...as(who), kind, params, ...(chunk ? { chunk } : {}) });
  if (!outcome.ok) throw new Error(`${kind} refused: ${outcome.message}`);
  return outcome;
}

beforeAll(async () => {
  database = await freshDatabase();
  db = database.db;
  world = await buildWorld(db);
  ctx = testContext(db);
  colleague = await addPerson(db, { givenName: 'Inès', familyName: 'Garcia', roles: ['coordinator'] });
  // 3,000 people made in one statement, older than the team (Famille00001 the newest).
  await sql`
    insert into person (email, given_name, family_name, email_verified_at, created_at)
    select 'personne' || lpad(i::text, 5, '0') || '@exemple.fr', 'Prénom' || i, 'Famille' || lpad(i::text, 5, '0'), now(), now() - (i || ' minutes')::interval
    from generate_series(1, ${BULK}) as i`.execute(db);
  const training = await addTraining(ctx, world.coordinator);
  const [camille, zoe] = world.trainees as [WorldPerson, WorldPerson];
  sessionId = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training,
    participants: [
      { person: camille, presence: [true, true, true, true] },
      { person: zoe, presence: [true, true, true, true] },
    ],
  });
});

afterAll(async () => {
  await database.drop();
});

describe('exporting a list', () => {
  it('writes the people the list shows, with its search and sort, and reaches its count', async () => {
    const params = { q: 'famille00', tri: 'inscription', ordre: 'asc' };
    const job = await started(world.coordinator, 'personnes', params, 250);
    expect(job.alreadyRunning).toBe(false);
    await job.completion;

    const state = (await exportState(db, job.exportId, world.coordinator.id, ctx.now()))!;
    expect(state).toMatchObject({ kind: 'personnes', title: 'Personnes (CSV)', status: 'ready', done: 999, total: 999, filename: `personnes-${parisDay(ctx.now())}.csv`, failure: null });
    expect(state.progressText).toBe('999 lignes sur 999');
    expect(state.sourceHref).toBe('/coordination/personnes?q=famille00&tri=inscription&ordre=asc');
    const file = (await exportFile(db, job.exportId, world.coordinator.id, ctx.now()))!;
    expect(file.contentType).toBe('text/csv; charset=utf-8');
    expect(state.byteSize).toBe(file.bytes.byteLength);

    // The same bytes as the list's own CSV for the same address: header, rows and order.
    const read = PEOPLE_LIST.read(new URLSearchParams(params));
    if (!read.ok) throw new Error('refused');
    const csv = peopleCsv(db, read.query);
    const lines: string[][] = [[...csv.header]];
    for await (const chunk of csv.chunks) lines.push(...chunk);
    expect(decode(file.bytes)).toBe(csvDocument(lines));
    // Oldest first, as asked: Famille00999 down to Famille00001.
    const names = decode(file.bytes).split('\r\n').slice(1, -1).map((line) => line.split(';')[0]);
    expect(names).toHaveLength(999);
    expect(names[0]).toBe('Famille00999');
    expect(names.at(-1)).toBe('Famille00001');
  });

  it('records its progress in several steps when the list is longer than a chunk', async () => {
    const job = await started(world.coordinator, 'personnes', { tri: 'inscription' }, 200);
    const seen: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      // As the page's script polls: each look is a new task, after whatever else was waiting.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const state = (await exportState(db, job.exportId, world.coordinator.id, ctx.now()))!;
      if (seen.at(-1) !== state.done) seen.push(state.done);
      if (state.status !== 'running') break;
    }
    await job.completion;
    const total = Number((await db.selectFrom('person').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(total).toBeGreaterThan(BULK);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(total);
    expect(await exportState(db, job.exportId, world.coordinator.id, ctx.now())).toMatchObject({ status: 'ready', done: total, total });
  });

  it('lets other requests through while thousands of rows are written', async () => {
    const job = await started(world.coordinator, 'personnes', { tri: 'inscription', ordre: 'asc' }, 100);
    let finished = false;
    void job.completion.then(() => (finished = true));
    // Another request arrives (a new task, as a request from the network does) and is answered.
    const other = await new Promise<{ title: string }[]>((resolve, reject) =>
      setTimeout(() => db.selectFrom('training').select('title').execute().then(resolve, reject), 0),
    );
    expect(other).toHaveLength(1);
    expect(finished).toBe(false);
    await job.completion;
    expect(finished).toBe(true);
  });

  it('follows the identical export under way instead of starting a second one', async () => {
    const params = { q: 'prénom', role: '' };
    const first = await started(world.coordinator, 'personnes', params, 100);
    const again = await started(world.coordinator, 'personnes', { q: 'prénom' });
    expect(again).toMatchObject({ exportId: first.exportId, alreadyRunning: true });
    // Other parameters, or another coordinator, are another export.
    const sorted = await started(world.coordinator, 'personnes', { q: 'prénom', tri: 'inscription' }, 100);
    const theirs = await started(colleague, 'personnes', params, 100);
    expect(new Set([first.exportId, sorted.exportId, theirs.exportId]).size).toBe(3);
    await Promise.all([first.completion, sorted.completion, theirs.completion]);
    // Once finished, asking again makes a new file (the data may have changed).
    const later = await started(world.coordinator, 'personnes', params);
    expect(later.exportId).not.toBe(first.exportId);
    await later.completion;
  });
});

describe('exporting the yearly report', () => {
  it('writes the XLSX workbook with one sheet per table, and the CSV', async () => {
    const job = await started(world.coordinator, 'bilan-xlsx', { du: '2026-01-01', au: '2026-12-31' });
    await job.completion;
    const state = (await exportState(db, job.exportId, world.coordinator.id, ctx.now()))!;
    expect(state).toMatchObject({ status: 'ready', done: 2, total: 2, filename: 'bilan-2026.xlsx', title: 'Bilan annuel, l’année 2026 (XLSX)', progressText: 'Fichier prêt' });
    const file = (await exportFile(db, job.exportId, world.coordinator.id, ctx.now()))!;
    expect(file.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const files = await unzip(Buffer.from(file.bytes));
    const text = (name: string) => new TextDecoder().decode(files.get(name));
    expect([...text('xl/workbook.xml').matchAll(/<sheet name="([^"]+)"/g)].map((m) => m[1])).toEqual(['Synthèse', 'Par public', 'Par formation', 'Formateurs', 'BPF cadre F-1']);
    // The session's two participants, present at its four half-days of 3.5 h.
    const chosen = reportPeriod({ du: '2026-01-01', au: '2026-12-31' }, ctx.now());
    if (!chosen.ok) throw new Error(chosen.message);
    expect((await yearlyReport(db, chosen.period)).total.hours).toBe(28);
    expect(text('xl/worksheets/sheet1.xml')).toContain('<t xml:space="preserve">Heures-stagiaires</t></is></c><c r="B4"><v>28</v></c>');

    const csv = await started(world.coordinator, 'bilan-csv', { du: '2026-01-01', au: '2026-12-31' });
    await csv.completion;
    const bytes = (await exportFile(db, csv.exportId, world.coordinator.id, ctx.now()))!.bytes;
    expect(decode(bytes).startsWith('\uFEFFBilan annuel, l’année 2026\r\n')).toBe(true);
    expect(decode(bytes)).toContain('Heures-stagiaires;28\r\n');
  });

  it('stores the default period as its two days, so « Relancer » exports the same one', async () => {
    const job = await started(world.coordinator, 'bilan-csv', {});
    await job.completion;
    // In December 2026 (the session took place), the default is the current calendar year.
    expect((await exportState(db, job.exportId, world.coordinator.id, ctx.now()))!.params).toEqual({ du: '2026-01-01', au: '2026-12-31' });
  });
});

describe('what is refused', () => {
  it('refuses bad parameters in French, with nothing written', async () => {
    const before = await jobCount();
    const refusals = [
      await startExport(ctx, { ...as(world.coordinator), kind: 'personnes', params: { tri: 'email' } }),
      await startExport(ctx, { ...as(world.coordinator), kind: 'attestations', params: { du: '2026-02-30' } }),
      await startExport(ctx, { ...as(world.coordinator), kind: 'bilan-xlsx', params: { du: '2026-01-01' } }),
      await startExport(ctx, { ...as(world.coordinator), kind: 'tout', params: {} }),
      await startExport(ctx, { ...as(world.coordinator), kind: 'constructor', params: {} }),
    ];
    for (const outcome of refusals) expect(outcome).toMatchObject({ ok: false, status: 400 });
    const messages = refusals.map((o) => (o.ok ? '' : o.message));
    expect(messages[0]).toBe('Cet export n’a pas pu être lancé. Tri : choisissez une des colonnes proposées.');
    expect(messages[1]).toContain('cette date n’existe pas');
    expect(messages[2]).toContain('Période : indiquez les deux dates');
    expect(messages[3]).toBe('Type d’export : choisissez un des exports proposés.');
    expect(messages[4]).toBe(messages[3]);
    expect(await jobCount()).toBe(before);
  });

  it('refuses anyone outside the coordination', async () => {
    const before = await jobCount();
    for (const who of [world.trainer, world.trainees[0]!, world.professional]) {
      const outcome = await startExport(ctx, { ...as(who), kind: 'personnes', params: {} });
      expect(outcome).toEqual({ ok: false, status: 403, message: 'Seule l’équipe de coordination fait des exports.' });
    }
    expect(await jobCount()).toBe(before);
  });

  it('keeps an export its requester’s alone: another coordinator or the admin is told it does not exist', async () => {
    const job = await started(world.coordinator, 'missions', {});
    await job.completion;
    expect(await exportFile(db, job.exportId, world.coordinator.id, ctx.now())).toBeDefined();
    for (const other of [colleague, world.admin]) {
      expect(await exportState(db, job.exportId, other.id, ctx.now())).toBeUndefined();
      expect(await exportFile(db, job.exportId, other.id, ctx.now())).toBeUndefined();
      expect((await recentExports(db, other.id, ctx.now())).map((e) => e.id)).not.toContain(job.exportId);
    }
    expect((await recentExports(db, world.coordinator.id, ctx.now())).map((e) => e.id)).toContain(job.exportId);
    expect(await exportState(db, 'pas-un-id', world.coordinator.id, ctx.now())).toBeUndefined();
  });
});

describe('an export whose server stopped', () => {
  it('shows as interrupted, and « Relancer » exports it again', async () => {
    // An instance started it, then died: no news since.
    const stalled = await db
      .insertInto('export_job')
      .values({
        kind: 'personnes',
        params: JSON.stringify({ q: 'famille0010' }),
        requested_by: world.coordinator.id,
        requested_at: new Date(ctx.now().getTime() - 5 * MINUTE),
        heartbeat_at: new Date(ctx.now().getTime() - STALLED_AFTER_MS - MINUTE),
        total: 10,
        done: 4,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const state = (await exportState(db, stalled.id, world.coordinator.id, ctx.now()))!;
    expect(state).toMatchObject({ status: 'interrupted', done: 4, total: 10 });
    expect(state.failure).toContain('Relancez-le');
    expect((await recentExports(db, world.coordinator.id, ctx.now())).find((e) => e.id === stalled.id)?.status).toBe('interrupted');

    // « Relancer » posts the kind and the parameters kept with the export.
    const again = await started(world.coordinator, state.kind, state.params);
    expect(again).toMatchObject({ alreadyRunning: false });
    expect(again.exportId).not.toBe(stalled.id);
    await again.completion;
    expect(await exportState(db, again.exportId, world.coordinator.id, ctx.now())).toMatchObject({ status: 'ready', done: 10, total: 10 });
    const closed = await db.selectFrom('export_job').select(['finished_at', 'content']).where('id', '=', stalled.id).executeTakeFirstOrThrow();
    expect(closed.finished_at).not.toBeNull();
    expect(closed.content).toBeNull();
    expect((await exportState(db, stalled.id, world.coordinator.id, ctx.now()))!.status).toBe('interrupted');
  });
});

describe('keeping files 7 days', () => {
  it('no longer shows nor serves an older file, and deletes it when an export starts', async () => {
    const old = await started(world.coordinator, 'seances', { periode: 'toutes' });
    await old.completion;
    ctx.clock.advance(7 * DAY + MINUTE);
    expect(await exportState(db, old.exportId, world.coordinator.id, ctx.now())).toBeUndefined();
    expect(await exportFile(db, old.exportId, world.coordinator.id, ctx.now())).toBeUndefined();
    expect((await recentExports(db, world.coordinator.id, ctx.now())).map((e) => e.id)).not.toContain(old.exportId);
    // Anyone's new export purges everyone's old ones.
    const fresh = await started(colleague, 'seances', { periode: 'toutes' });
    await fresh.completion;
    expect(await db.selectFrom('export_job').select('id').where('id', '=', old.exportId).executeTakeFirst()).toBeUndefined();
    expect(await db.selectFrom('export_job').select('id').where('requested_at', '<', new Date(ctx.now().getTime() - 7 * DAY)).execute()).toEqual([]);
  });
});

describe('a session’s audit pack', () => {
  it('is prepared in the background, one file at a time, and downloaded as one ZIP', async () => {
    const pack = await started(world.coordinator, 'dossier-audit', { seance: sessionId });
    await pack.completion;
    const state = await exportState(db, pack.exportId, world.coordinator.id, ctx.now());
    expect(state).toMatchObject({ status: 'ready', done: 4, total: 4 });
    const file = await exportFile(db, pack.exportId, world.coordinator.id, ctx.now());
    expect(file!.contentType).toBe('application/zip');
    expect(file!.filename).toMatch(/^dossier-audit-.+\.zip$/);
    expect([...(await unzip(Buffer.from(file!.bytes))).keys()]).toEqual(['0-sommaire.txt', '1-programme.pdf', '2-feuille-emargement.pdf', '4-satisfaction.pdf']);
  });

  it('says in French when the session is unknown, and refuses a malformed one with nothing written', async () => {
    const before = await jobCount();
    expect(await startExport(ctx, { ...as(world.coordinator), kind: 'dossier-audit', params: { seance: '../../etc/passwd' } })).toMatchObject({ ok: false, status: 400 });
    expect(await jobCount()).toBe(before);
    const unknown = await started(world.coordinator, 'dossier-audit', { seance: '00000000-0000-4000-8000-000000000000' });
    await unknown.completion;
    expect(await exportState(db, unknown.exportId, world.coordinator.id, ctx.now())).toMatchObject({ status: 'failed', failure: 'Rien à exporter : ce que vous avez demandé n’existe pas ou plus.' });
  });
});

describe('a coordinator who erases their account', () => {
  it('takes their exported files with them at once', async () => {
    const leaving = await addPerson(db, { givenName: 'Hélène', familyName: 'Départ', roles: ['coordinator'] });
    const job = await started(leaving, 'personnes', {});
    await job.completion;
    expect(await eraseAccount(ctx, { personId: leaving.id, password: leaving.password })).toEqual({ ok: true });
    expect(await db.selectFrom('export_job').select('id').where('requested_by', '=', leaving.id).execute()).toEqual([]);
  });
});
