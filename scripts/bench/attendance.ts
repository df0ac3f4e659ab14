// Face-to-face sessions for the benchmark: a half-day open now with 200 participants (the
// trainer's live view and the sign-in request are measured on it), and a finished 3-day session
// of 20 people who signed every half-day on the tablet (its PDF sheet is timed).
import type { Database } from '../../src/lib/db/index.ts';
import { createSession as createAuthSession } from '../../src/lib/accounts/sessions.ts';
import { createMailer } from '../../src/lib/mail/outbox.ts';
import type { AppContext } from '../../src/lib/context.ts';
import { createTraining } from '../../src/lib/sessions/trainings.ts';
import { createSession, sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { closeSlot, openSlot } from '../../src/lib/attendance/slots.ts';
import { signOnTablet } from '../../src/lib/attendance/signing.ts';
import { parisDay, parisInstant } from '../../src/lib/time.ts';
import { signaturePng } from '../../tests/support/signature-png.ts';
import { issueAttestation } from '../../src/lib/attestations/issue.ts';

export interface SeededAttendance {
  trainerId: string;
  trainerCookie: string;
  liveSlotId: string;
  /** The open half-day's secret: the benchmark derives the code of the moment from it. */
  liveSlotSecret: Uint8Array;
  participantCookies: string[];
  sheetSessionId: string;
  sheetParticipants: number;
  sheetSlots: number;
  coordinatorId: string;
  coordinatorCookie: string;
  /** A session that took place, whose participants all attended: issued in bulk by the benchmark. */
  bulkSessionId: string;
  bulkParticipants: number;
  /** The QR link of an attestation already issued (number and check code). */
  verifyPath: string;
}

export async function seedAttendance(
  db: Database,
  cookieName: string,
  options: { liveParticipants: number; sheetParticipants: number; bulkParticipants: number },
): Promise<SeededAttendance> {
  const now = new Date();
  const ctx: AppContext = { db, mail: createMailer(db, { from: 'bench@esper-parcours.test' }), publicUrl: 'http://127.0.0.1', sessionDays: 30, now: () => now };
  const addPerson = async (given: string, family: string, role: 'trainer' | 'coordinator' | 'trainee') => {
    const { id } = await db
      .insertInto('person')
      .values({ email: `${given}.${family}.${crypto.randomUUID().slice(0, 8)}@bench.esper-parcours.test`.toLowerCase(), given_name: given, family_name: family, email_verified_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('person_role').values({ person_id: id, role }).execute();
    return id;
  };
  const coordinatorId = await addPerson('Banc', 'Coordination', 'coordinator');
  const trainerId = await addPerson('Banc', 'Formatrice', 'trainer');
  const coordinator = { actorId: coordinatorId, actorRoles: ['coordinator'] as const };
  const trainer = { id: trainerId, roles: ['trainer'] };
  const training = await createTraining(ctx, {
    actorId: coordinatorId,
    title: 'Premiers secours en santé mentale (banc d’essai)',
    topic: 'pssm',
    audience: 'everyone',
    durationHours: 21,
    summary: 'Une séance fictive, pour mesurer l’émargement.',
    objectives: 'Mesurer',
    moduleId: undefined,
  });
  if (!training.ok) throw new Error(training.message);

  const enrolAll = async (sessionId: string, people: string[]) =>
    db
      .insertInto('enrolment')
      .values(people.map((person_id) => ({ session_id: sessionId, person_id, status: 'enrolled' as const, requested_at: now, updated_at: now })))
      .execute();

  // The live half-day: started ten minutes ago, opened.
  const live = await createSession(ctx, {
    ...coordinator,
    trainingId: training.training.id,
    place: 'Salle de bench',
    capacity: 500,
    cancellationNoticeHours: 0,
    trainerIds: [trainerId],
    slots: [{ startsAt: new Date(now.getTime() - 10 * 60_000), endsAt: new Date(now.getTime() + 3 * 3_600_000) }],
  });
  if (!live.ok) throw new Error(live.message);
  const liveParticipants: string[] = [];
  for (let i = 0; i < options.liveParticipants; i++) liveParticipants.push(await addPerson(`Participant${i}`, 'Banc', 'trainee'));
  await enrolAll(live.sessionId, liveParticipants);
  const liveSlotId = (await sessionOverview(db, live.sessionId))!.slots[0]!.id;
  const opened = await openSlot(ctx, { actor: trainer, slotId: liveSlotId });
  if (!opened.ok) throw new Error(opened.message);
  const { code_secret } = await db.selectFrom('session_slot').select('code_secret').where('id', '=', liveSlotId).executeTakeFirstOrThrow();
  const participantCookies: string[] = [];
  for (const id of liveParticipants) participantCookies.push(`${cookieName}=${(await createAuthSession(db, id, { days: 30 })).token}`);

  // The finished 3-day session: 6 half-days, everyone signed each on the tablet, all closed.
  const days = [-10, -9, -8].map((d) => parisDay(new Date(now.getTime() + d * 86_400_000)));
  const sheet = await createSession(ctx, {
    ...coordinator,
    trainingId: training.training.id,
    place: 'Maison des associations, Marseille',
    capacity: 20,
    cancellationNoticeHours: 48,
    trainerIds: [trainerId],
    slots: days.flatMap((d) => [
      { startsAt: parisInstant(d, '09:00')!, endsAt: parisInstant(d, '12:30')! },
      { startsAt: parisInstant(d, '13:30')!, endsAt: parisInstant(d, '17:00')! },
    ]),
  });
  if (!sheet.ok) throw new Error(sheet.message);
  const sheetPeople: string[] = [];
  for (let i = 0; i < options.sheetParticipants; i++) sheetPeople.push(await addPerson(`Stagiaire${i}`, 'Émargement', 'trainee'));
  await enrolAll(sheet.sessionId, sheetPeople);
  const sheetSlots = (await sessionOverview(db, sheet.sessionId))!.slots;
  for (const slot of sheetSlots) {
    const during = { ...ctx, now: () => new Date(slot.startsAt.getTime() + 5 * 60_000) };
    await openSlot(during, { actor: trainer, slotId: slot.id });
    for (const [i, personId] of sheetPeople.entries())
      await signOnTablet(during, { actor: trainer, slotId: slot.id, key: crypto.randomUUID(), personId, signedAt: during.now(), png: signaturePng(i + 1) });
    await closeSlot({ ...ctx, now: () => new Date(slot.endsAt.getTime()) }, { actor: trainer, slotId: slot.id });
  }
  // An attestation to verify: the first participant of the finished session's certificate.
  const certificate = await issueAttestation(ctx, { ...coordinator, sessionId: sheet.sessionId, personId: sheetPeople[0]!, kind: 'completion_certificate' });
  if (!certificate.ok) throw new Error(certificate.message);
  const { check_code } = await db.selectFrom('attestation').select('check_code').where('id', '=', certificate.id).executeTakeFirstOrThrow();

  // The bulk session: two closed half-days, everyone present (records written directly: what is measured is the issuing).
  const bulkDay = parisDay(new Date(now.getTime() - 5 * 86_400_000));
  const bulk = await createSession(ctx, {
    ...coordinator,
    trainingId: training.training.id,
    place: 'Maison des associations, Marseille',
    capacity: options.bulkParticipants,
    cancellationNoticeHours: 48,
    trainerIds: [trainerId],
    slots: [
      { startsAt: parisInstant(bulkDay, '09:00')!, endsAt: parisInstant(bulkDay, '12:30')! },
      { startsAt: parisInstant(bulkDay, '13:30')!, endsAt: parisInstant(bulkDay, '17:00')! },
    ],
  });
  if (!bulk.ok) throw new Error(bulk.message);
  const bulkPeople: string[] = [];
  for (let i = 0; i < options.bulkParticipants; i++) bulkPeople.push(await addPerson(`Promotion${i}`, 'Attestation', 'trainee'));
  await enrolAll(bulk.sessionId, bulkPeople);
  for (const slot of (await sessionOverview(db, bulk.sessionId))!.slots) {
    await db.updateTable('session_slot').set({ opened_at: slot.startsAt, opened_by: trainerId, closed_at: slot.endsAt, closed_by: trainerId }).where('id', '=', slot.id).execute();
    await db
      .insertInto('attendance_record')
      .values(bulkPeople.map((person_id) => ({ slot_id: slot.id, person_id, status: 'present' as const, method: 'trainer' as const, recorded_by: trainerId, recorded_at: slot.startsAt })))
      .execute();
  }

  return {
    coordinatorId,
    trainerId,
    coordinatorCookie: `${cookieName}=${(await createAuthSession(db, coordinatorId, { days: 30 })).token}`,
    bulkSessionId: bulk.sessionId,
    bulkParticipants: bulkPeople.length,
    verifyPath: `/verifier/${certificate.number}?c=${check_code}`,
    trainerCookie: `${cookieName}=${(await createAuthSession(db, trainerId, { days: 30 })).token}`,
    liveSlotId,
    liveSlotSecret: code_secret!,
    participantCookies,
    sheetSessionId: sheet.sessionId,
    sheetParticipants: sheetPeople.length,
    sheetSlots: sheetSlots.length,
  };
}
