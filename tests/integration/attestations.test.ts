import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfQrCodes, pdfText } from '../support/pdf.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { lastEmailTo } from '../support/mailbox.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { sessionEligibility } from '../../src/lib/attestations/eligibility.ts';
import { issueAttestation, issueForSession, nextNumber, type BulkProgress, reissueAttestation, revokeAttestation, sha256Hex } from '../../src/lib/attestations/issue.ts';
import { attestationByNumber, attestationByPdf, attestationPdf, attestationsOf } from '../../src/lib/attestations/records.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import { bulkIssueState, runningBulkIssues, startBulkIssue, STALLED_AFTER_MS } from '../../src/lib/attestations/batch.ts';
import { sessionAttestationsZip } from '../../src/lib/attestations/archive.ts';
import { unzip } from '../support/zip.ts';

let database: TestDatabase;
let world: World;
let training: Training;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  training = await addTraining(testContext(database.db), world.coordinator);
});
afterAll(() => database.drop());

const coordination = () => ({ actorId: world.coordinator.id, actorRoles: world.coordinator.roles });
const coordinatorViewer = () => ({ id: world.coordinator.id, roles: world.coordinator.roles });

/** Zoë came to every half-day, Łukasz to three of four (75 %), Camille to none. */
async function pssmSession() {
  const ctx = testContext(database.db);
  const [camille, zoe, lukasz] = world.trainees as [WorldPerson, WorldPerson, WorldPerson];
  const sessionId = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training,
    participants: [
      { person: zoe, presence: [true, true, true, true], employer: 'Association Œuvre d’entraide' },
      { person: lukasz, presence: [true, true, true, false] },
      { person: camille, presence: [false, false, false, false] },
    ],
  });
  return { ctx, sessionId, zoe, lukasz, camille };
}

describe('who may receive which attestation', () => {
  it('shows, for each participant, what they may receive and why not', async () => {
    const { ctx, sessionId, zoe, lukasz, camille } = await pssmSession();
    const eligibility = (await sessionEligibility(database.db, sessionId, ctx.now()))!;
    const of = (p: WorldPerson) => eligibility.participants.find((e) => e.personId === p.id)!;
    expect(of(zoe).kinds).toEqual({ end_of_training: { eligible: true, reason: null }, completion_certificate: { eligible: true, reason: null }, attendance: { eligible: true, reason: null } });
    expect(of(lukasz).kinds.end_of_training).toEqual({ eligible: false, reason: 'Assiduité de 75 % : la formation demande 80 %.' });
    expect(of(lukasz).kinds.completion_certificate.eligible).toBe(true);
    expect(of(camille).kinds.attendance).toEqual({ eligible: false, reason: 'Aucune heure suivie.' });
  });
});

describe('issuing an attestation', () => {
  it('gives a gap-free number, a PDF that says it all, its hash on record, and an email', async () => {
    const { ctx, sessionId, zoe } = await pssmSession();
    const issued = await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'completion_certificate' });
    expect(issued).toMatchObject({ ok: true, created: true });
    if (!issued.ok) return;
    expect(issued.number).toMatch(/^EP-2026-\d{6}$/);
    const stored = (await attestationPdf(database.db, issued.id, coordinatorViewer()))!;
    const text = await pdfText(stored.pdf);
    for (const expected of [
      'Certificat de réalisation',
      issued.number,
      'ESPER Pro',
      'Zoë Lefèvre',
      'Association Œuvre d’entraide',
      '« Premiers secours en santé mentale »',
      'action de formation',
      '14 h sur 14 h',
      'conserver les pièces justificatives',
      'La présidence de l’association',
      `/verifier/${issued.number}?c=`,
    ])
      expect(text, `the certificate shows « ${expected} »`).toContain(expected);
    expect((await attestationByPdf(database.db, stored.pdf))?.number).toBe(issued.number);
    const altered = new Uint8Array(stored.pdf);
    altered[altered.length - 10] = altered[altered.length - 10]! ^ 1;
    expect(await attestationByPdf(database.db, altered)).toBeUndefined();
    const row = await database.db.selectFrom('attestation').select('pdf_sha256').where('id', '=', issued.id).executeTakeFirstOrThrow();
    expect(row.pdf_sha256).toBe(sha256Hex(stored.pdf));
    expect((await lastEmailTo(database.db, zoe.email)).subject).toBe(`Certificat de réalisation n° ${issued.number}`);
    expect((await attestationsOf(database.db, zoe.id)).map((a) => a.number)).toContain(issued.number);
    // Her own PDF is hers to download; another participant gets nothing.
    expect((await attestationPdf(database.db, issued.id, zoe))?.number).toBe(issued.number);
    expect(await attestationPdf(database.db, issued.id, world.trainees[2]!)).toBeUndefined();
    expect(await attestationPdf(database.db, issued.id, world.trainer)).toBeUndefined();

    // Issuing again gives the same one.
    expect(await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'completion_certificate' })).toEqual({ ok: true, id: issued.id, number: issued.number, created: false });
  });

  it('refuses who is not eligible, and anyone but the coordination', async () => {
    const { ctx, sessionId, lukasz, zoe } = await pssmSession();
    const refused = await issueAttestation(ctx, { ...coordination(), sessionId, personId: lukasz.id, kind: 'end_of_training' });
    expect(refused).toMatchObject({ ok: false, status: 409 });
    if (!refused.ok) expect(refused.message).toContain('Assiduité de 75 %');
    expect(await issueAttestation(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, sessionId, personId: zoe.id, kind: 'attendance' })).toMatchObject({ ok: false, status: 403 });
    expect((await attestationsOf(database.db, zoe.id)).filter((a) => a.sessionId === sessionId)).toEqual([]);
  });

  it('to a whole session: every eligible participant once, numbers following each other', async () => {
    const { ctx, sessionId } = await pssmSession();
    const progress: BulkProgress[] = [];
    const outcome = await issueForSession(ctx, { ...coordination(), sessionId, kind: 'completion_certificate', onProgress: (p) => void progress.push(p) });
    expect(outcome).toEqual({ ok: true, issued: 2, alreadyHeld: 0, notEligible: 1 });
    expect(progress).toEqual([{ done: 2, total: 2, issued: 2, alreadyHeld: 0, notEligible: 1 }]);
    expect(await issueForSession(ctx, { ...coordination(), sessionId, kind: 'completion_certificate' })).toEqual({ ok: true, issued: 0, alreadyHeld: 2, notEligible: 1 });
    const numbers = (await database.db.selectFrom('attestation').select('number').where('year', '=', 2026).orderBy('number').execute()).map((r) => Number(r.number.slice(-6)));
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });
});

describe('a bulk issue in the background, and the ZIP of a session', () => {
  it('runs after the request, records its progress, and a second run issues nothing twice', async () => {
    const { ctx, sessionId } = await pssmSession();
    const started = await startBulkIssue(ctx, { ...coordination(), sessionId, kind: 'attendance' });
    if (!started.ok) throw new Error(started.message);
    expect(started.alreadyRunning).toBe(false);
    await started.completion;
    expect(await bulkIssueState(database.db, sessionId, started.batchId, ctx.now())).toMatchObject({ total: 2, done: 2, issued: 2, alreadyHeld: 0, notEligible: 1, failure: null, stalled: false });
    expect(await runningBulkIssues(database.db, sessionId, ctx.now())).toEqual([]);
    const again = await startBulkIssue(ctx, { ...coordination(), sessionId, kind: 'attendance' });
    if (!again.ok) throw new Error(again.message);
    await again.completion;
    expect(await bulkIssueState(database.db, sessionId, again.batchId, ctx.now())).toMatchObject({ issued: 0, alreadyHeld: 2 });
    // Another session's batch is not found through this one.
    const other = await pssmSession();
    expect(await bulkIssueState(database.db, other.sessionId, started.batchId, ctx.now())).toBeUndefined();
  });

  it('a batch whose server stopped reads as stalled, and starting again closes it and issues the rest', async () => {
    const { ctx, sessionId } = await pssmSession();
    const dead = await database.db
      .insertInto('attestation_batch')
      .values({ session_id: sessionId, kind: 'end_of_training', started_by: world.coordinator.id, started_at: ctx.now(), heartbeat_at: ctx.now(), total: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const following = await startBulkIssue(ctx, { ...coordination(), sessionId, kind: 'end_of_training' });
    expect(following).toMatchObject({ ok: true, batchId: dead.id, alreadyRunning: true });
    ctx.clock.advance(STALLED_AFTER_MS + 1_000);
    expect((await runningBulkIssues(database.db, sessionId, ctx.now())).map((b) => [b.id, b.stalled])).toEqual([[dead.id, true]]);
    const restarted = await startBulkIssue(ctx, { ...coordination(), sessionId, kind: 'end_of_training' });
    if (!restarted.ok) throw new Error(restarted.message);
    await restarted.completion;
    expect(restarted.batchId).not.toBe(dead.id);
    expect(await bulkIssueState(database.db, sessionId, dead.id, ctx.now())).toMatchObject({ failure: expect.stringContaining('interrompue'), stalled: false });
    expect(await bulkIssueState(database.db, sessionId, restarted.batchId, ctx.now())).toMatchObject({ issued: 1, failure: null });
  });

  it('is refused to a trainer, and before every half-day is closed', async () => {
    const { ctx, sessionId } = await pssmSession();
    expect(await startBulkIssue(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, sessionId, kind: 'attendance' })).toMatchObject({ ok: false, status: 403 });
    const upcoming = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training });
    expect(await startBulkIssue(ctx, { ...coordination(), sessionId: upcoming, kind: 'attendance' })).toMatchObject({ ok: false, status: 409 });
    expect(await startBulkIssue(ctx, { ...coordination(), sessionId: 'pas-un-id', kind: 'attendance' })).toMatchObject({ ok: false, status: 404 });
    expect(await database.db.selectFrom('attestation_batch').select('id').where('session_id', '=', upcoming).execute()).toEqual([]);
  });

  it('the ZIP holds every valid PDF of the session, byte for byte, and leaves out a revoked one', async () => {
    const { ctx, sessionId, zoe, lukasz } = await pssmSession();
    await issueForSession(ctx, { ...coordination(), sessionId, kind: 'completion_certificate' });
    const zoes = await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'attendance' });
    if (!zoes.ok) throw new Error(zoes.message);
    await revokeAttestation(ctx, { ...coordination(), attestationId: zoes.id, reason: 'Délivrée par erreur' });
    const archive = (await sessionAttestationsZip(database.db, sessionId))!;
    expect(archive.filename).toMatch(/^attestations-premiers-secours-[\w-]+-\d{4}-\d{2}-\d{2}\.zip$/);
    const entries = await unzip(Buffer.concat(await Array.fromAsync(archive.stream)));
    const recorded = await database.db.selectFrom('attestation').select(['number', 'pdf_sha256', 'person_id']).where('session_id', '=', sessionId).where('kind', '=', 'completion_certificate').orderBy('number').execute();
    expect([...entries.keys()].sort()).toEqual(
      recorded.map((r) => `certificat-de-realisation/${r.number}-${r.person_id === zoe.id ? 'zoe-lefevre' : r.person_id === lukasz.id ? 'lukasz-nowak' : '?'}.pdf`).sort(),
    );
    for (const r of recorded) {
      const [name, bytes] = [...entries].find(([n]) => n.includes(r.number))!;
      expect(sha256Hex(bytes), name).toBe(r.pdf_sha256);
    }
    expect(await sessionAttestationsZip(database.db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('revoking and re-issuing', () => {
  it('a revoked attestation says so on verification; a re-issue supersedes it, both kept', async () => {
    const { ctx, sessionId, zoe } = await pssmSession();
    const issued = await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'attendance' });
    if (!issued.ok) throw new Error(issued.message);
    expect(await revokeAttestation(ctx, { ...coordination(), attestationId: issued.id, reason: '' })).toMatchObject({ ok: false, status: 400 });
    expect(await revokeAttestation(ctx, { actorId: zoe.id, actorRoles: zoe.roles, attestationId: issued.id, reason: 'Je veux' })).toMatchObject({ ok: false, status: 403 });
    expect(await revokeAttestation(ctx, { ...coordination(), attestationId: issued.id, reason: 'Erreur de nom' })).toEqual({ ok: true });
    const revoked = (await attestationByNumber(database.db, issued.number))!;
    expect(revoked.attestation).toMatchObject({ revocationReason: 'Erreur de nom' });
    expect(revoked.attestation.revokedAt).not.toBeNull();
    expect(revoked.checked).toBe(false);

    const again = await reissueAttestation(ctx, { ...coordination(), attestationId: issued.id });
    if (!again.ok) throw new Error(again.message);
    expect(again.number).not.toBe(issued.number);
    const [old, current] = [(await attestationByNumber(database.db, issued.number))!.attestation, (await attestationByNumber(database.db, again.number))!.attestation];
    expect(old.replacedBy).toBe(again.number);
    expect(current).toMatchObject({ replaces: issued.number, version: 2, revokedAt: null });
    expect(await pdfText((await attestationPdf(database.db, again.id, coordinatorViewer()))!.pdf)).toContain(`Remplace l’attestation n° ${issued.number}`);
    expect(await reissueAttestation(ctx, { ...coordination(), attestationId: issued.id })).toMatchObject({ ok: false, status: 409 });
  });

  it('the verification link’s check code is recognised, a wrong one is not', async () => {
    const { ctx, sessionId, zoe } = await pssmSession();
    const issued = await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'end_of_training' });
    if (!issued.ok) throw new Error(issued.message);
    const pdf = (await attestationPdf(database.db, issued.id, coordinatorViewer()))!.pdf;
    const code = new RegExp(`/verifier/${issued.number}\\?c=([a-z2-7]+)`).exec(await pdfText(pdf))![1]!;
    // The QR code, decoded as a phone's camera would, holds the same link.
    expect(await pdfQrCodes(pdf)).toEqual([`http://parcours.test/verifier/${issued.number}?c=${code}`]);
    expect((await attestationByNumber(database.db, issued.number, code))!.checked).toBe(true);
    expect((await attestationByNumber(database.db, issued.number.toLowerCase(), 'aaaa'))!.checked).toBe(false);
    expect(await attestationByNumber(database.db, "EP-2026-0'; --")).toBeUndefined();
  });
});

describe('numbers under pressure', () => {
  it('a failed issue gives its number back: no gap', async () => {
    const year = 2031;
    await expect(
      database.db.transaction().execute(async (trx) => {
        await nextNumber(trx, year);
        throw new Error('the PDF could not be made');
      }),
    ).rejects.toThrow('the PDF could not be made');
    expect(await database.db.transaction().execute((trx) => nextNumber(trx, year))).toBe('EP-2031-000001');
  });

  it('many issues at once get unique numbers without gaps', async () => {
    const ctx = testContext(database.db);
    const people = await Promise.all(Array.from({ length: 12 }, (_, i) => addPerson(database.db, { givenName: `Simultané${i}`, familyName: 'Petit', roles: ['professional'] })));
    const sessionId = await finishedSession(ctx, { coordinator: world.coordinator, trainer: world.trainer, training, participants: people.map((person) => ({ person, presence: [true, true, true, true] })) });
    const before = await database.db.selectFrom('attestation_counter').select('last_number').where('year', '=', 2026).executeTakeFirst();
    const handles = database.url ? [0, 1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 5 })) : [database.db];
    try {
      const results = await Promise.all(
        people.map((p, i) => issueAttestation({ ...ctx, db: handles[i % handles.length]! }, { ...coordination(), sessionId, personId: p.id, kind: 'completion_certificate' })),
      );
      expect(results.every((r) => r.ok && r.created)).toBe(true);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
    const numbers = (await database.db.selectFrom('attestation').select('number').where('session_id', '=', sessionId).execute()).map((r) => Number(r.number.slice(-6))).sort((a, b) => a - b);
    const first = (before?.last_number ?? 0) + 1;
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => first + i));
  });
});
