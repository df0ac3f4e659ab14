import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { MINUTE, testContext } from '../support/context.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { signaturePng } from '../support/signature-png.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { enrol, cancelEnrolment, sessionRoster } from '../../src/lib/sessions/enrolment.ts';
import { eraseAccount, exportPersonalData } from '../../src/lib/accounts/personal-data.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import { codeAt, codeCounter } from '../../src/lib/attendance/codes.ts';
import { closeSlot, findSlot, openSlot, slotLiveState } from '../../src/lib/attendance/slots.ts';
import { signOnTablet, signWithCode, openSlotsFor } from '../../src/lib/attendance/signing.ts';
import { attendanceHistory, recordAttendance } from '../../src/lib/attendance/records.ts';
import { attendanceSheet } from '../../src/lib/attendance/sheet.ts';

let database: TestDatabase;
let world: World;
let training: Training;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  training = await addTraining(testContext(database.db), world.coordinator);
});
afterAll(() => database.drop());

const trainerActor = () => ({ id: world.trainer.id, roles: world.trainer.roles });

/** A two-day session with `count` participants enrolled, the clock set 10 minutes before its first half-day. */
async function sessionWithParticipants(count: number, capacity = count) {
  const ctx = testContext(database.db);
  const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity });
  const people: WorldPerson[] = [];
  for (let i = 0; i < count; i++) {
    const person = await addPerson(database.db, { givenName: `Participant${i + 1}`, familyName: 'Roux', roles: ['trainee'] });
    await enrol(ctx, { actorId: person.id, actorRoles: ['trainee'], personId: person.id, sessionId });
    people.push(person);
  }
  const session = (await sessionOverview(database.db, sessionId))!;
  ctx.clock.advance(session.slots[0]!.startsAt.getTime() - ctx.now().getTime() - 10 * MINUTE);
  return { ctx, sessionId, session, people, slot: session.slots[0]! };
}

async function shownCode(ctx: ReturnType<typeof testContext>, slotId: string) {
  const slot = (await findSlot(database.db, slotId))!;
  return codeAt(slot.codeSecret!, codeCounter(ctx.now()));
}

describe('signing a half-day with the code the trainer shows', () => {
  it('the trainer opens the half-day; a participant types the code and is recorded present once', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(3);
    expect(await signWithCode(ctx, { personId: people[0]!.id, code: '123456' })).toMatchObject({ ok: false, status: 400 });
    expect(await openSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toEqual({ ok: true });
    const code = await shownCode(ctx, slot.id);
    expect(await openSlotsFor(ctx, people[0]!.id)).toMatchObject([{ slotId: slot.id, signed: false }]);
    const signed = await signWithCode(ctx, { personId: people[0]!.id, code: `${code.slice(0, 3)} ${code.slice(3)}` });
    expect(signed).toMatchObject({ ok: true, slotId: slot.id, alreadySigned: false, trainingTitle: training.title });
    expect(await signWithCode(ctx, { personId: people[0]!.id, code })).toMatchObject({ ok: true, alreadySigned: true });
    const live = await slotLiveState(ctx, (await findSlot(database.db, slot.id))!);
    expect(live.counts).toEqual({ expected: 3, present: 1, late: 0, absent: 0, waiting: 2 });
    expect(live.code?.code).toBe(code);
  });

  it('a code lives for its 30 s and the next 30 s, then is refused', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(2);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const code = await shownCode(ctx, slot.id);
    const counter = codeCounter(ctx.now());
    ctx.clock.advance((counter + 1) * 30_000 - ctx.now().getTime() + 10_000); // into the next period
    expect(await signWithCode(ctx, { personId: people[0]!.id, code })).toMatchObject({ ok: true });
    ctx.clock.advance(30_000); // two periods later
    const expired = await signWithCode(ctx, { personId: people[1]!.id, code });
    expect(expired).toMatchObject({ ok: false, status: 400 });
    if (!expired.ok) expect(expired.message).toContain('n’est pas valide ou a expiré');
  });

  it('refuses the code of another session, and the code of a closed half-day, with a clear message', async () => {
    const first = await sessionWithParticipants(1);
    const other = await sessionWithParticipants(1);
    const ctx = first.ctx;
    await openSlot(ctx, { actor: trainerActor(), slotId: first.slot.id });
    await openSlot(ctx, { actor: trainerActor(), slotId: other.slot.id });
    const otherCode = await shownCode(ctx, other.slot.id);
    const wrongSession = await signWithCode(ctx, { personId: first.people[0]!.id, code: otherCode });
    expect(wrongSession).toMatchObject({ ok: false, status: 403 });
    if (!wrongSession.ok) expect(wrongSession.message).toContain('pas inscrit·e');

    const code = await shownCode(ctx, first.slot.id);
    await closeSlot(ctx, { actor: trainerActor(), slotId: first.slot.id });
    const closed = await signWithCode(ctx, { personId: first.people[0]!.id, code });
    expect(closed).toMatchObject({ ok: false, status: 409 });
    if (!closed.ok) expect(closed.message).toContain('close');
  });

  it('after ten wrong codes, a participant must wait', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(1);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const code = await shownCode(ctx, slot.id);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 10; i++) expect(await signWithCode(ctx, { personId: people[0]!.id, code: wrong })).toMatchObject({ status: 400 });
    expect(await signWithCode(ctx, { personId: people[0]!.id, code })).toMatchObject({ ok: false, status: 429 });
  });

  it('200 participants signing within seconds are each recorded once, none lost', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(200);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const code = await shownCode(ctx, slot.id);
    const handles = database.url ? [0, 1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 10 })) : [database.db];
    try {
      // Everyone signs, and a third of them tap twice.
      const attempts = [...people, ...people.filter((_, i) => i % 3 === 0)];
      const results = await Promise.all(attempts.map((p, i) => signWithCode({ ...ctx, db: handles[i % handles.length]! }, { personId: p.id, code })));
      expect(results.every((r) => r.ok)).toBe(true);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
    const { count } = await database.db
      .selectFrom('attendance_record')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('slot_id', '=', slot.id)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(200);
    const live = await slotLiveState(ctx, (await findSlot(database.db, slot.id))!);
    expect(live.counts.present).toBe(200);
    // 200 real enrolments and 267 signatures: room for a loaded machine (speed is the bench's business).
  }, 120_000);
});

describe('signing on the trainer’s tablet', () => {
  it('a signature sent twice (the tablet was offline) is recorded once', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(2);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const signature = { key: crypto.randomUUID(), personId: people[0]!.id, signedAt: ctx.now(), png: signaturePng(3) };
    const sent = await Promise.all([1, 2, 3].map(() => signOnTablet(ctx, { actor: trainerActor(), slotId: slot.id, ...signature })));
    expect(sent.filter((s) => s.ok && !s.duplicate)).toHaveLength(1);
    const typed = await signOnTablet(ctx, { actor: trainerActor(), slotId: slot.id, key: crypto.randomUUID(), personId: people[1]!.id, signedAt: ctx.now(), typedName: 'Participant2 Roux' });
    expect(typed).toEqual({ ok: true, duplicate: false });
    const history = await attendanceHistory(database.db, slot.id, people[0]!.id);
    expect(history).toMatchObject([{ status: 'present', method: 'tablet', hasSignatureImage: true }]);
  });

  it('accepts a signature made before the closing that arrives after it, refuses one made after', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(2);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const drawnOffline = ctx.now();
    ctx.clock.advance(5 * MINUTE);
    await closeSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    ctx.clock.advance(5 * MINUTE);
    const late = await signOnTablet(ctx, { actor: trainerActor(), slotId: slot.id, key: crypto.randomUUID(), personId: people[0]!.id, signedAt: drawnOffline, png: signaturePng(1) });
    expect(late).toEqual({ ok: true, duplicate: false });
    const afterClose = await signOnTablet(ctx, { actor: trainerActor(), slotId: slot.id, key: crypto.randomUUID(), personId: people[1]!.id, signedAt: ctx.now(), png: signaturePng(2) });
    expect(afterClose).toMatchObject({ ok: false, status: 409 });
    // The signature that arrived late replaces the absence recorded at closing; both stay in the history.
    expect((await attendanceHistory(database.db, slot.id, people[0]!.id)).map((h) => [h.status, h.method])).toEqual([
      ['absent_unjustified', 'closing'],
      ['present', 'tablet'],
    ]);
  });

  it('refuses what is not a PNG, someone not enrolled, and a trainer of another session', async () => {
    const { ctx, slot, people, sessionId } = await sessionWithParticipants(2);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const base = { slotId: slot.id, key: crypto.randomUUID(), personId: people[0]!.id, signedAt: ctx.now() };
    expect(await signOnTablet(ctx, { actor: trainerActor(), ...base, png: new TextEncoder().encode('<svg onload=alert(1)>') })).toMatchObject({ ok: false, status: 400 });
    // A truncated PNG (pdf-lib would loop forever drawing it on the sheet) is refused whole.
    const whole = signaturePng(4);
    expect(await signOnTablet(ctx, { actor: trainerActor(), ...base, png: whole.subarray(0, whole.length - 20) })).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringContaining('Signature : cette image n’a pas pu être lue'),
    });
    expect(await database.db.selectFrom('attendance_record').select('id').where('slot_id', '=', slot.id).execute()).toEqual([]);
    await cancelEnrolment(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], personId: people[1]!.id, sessionId, byCoordinator: true });
    expect(await signOnTablet(ctx, { actor: trainerActor(), ...base, personId: people[1]!.id, png: signaturePng(1) })).toMatchObject({ ok: false, status: 409 });
    const stranger = await addPerson(database.db, { givenName: 'Autre', familyName: 'Formateur', roles: ['trainer'] });
    expect(await signOnTablet(ctx, { actor: { id: stranger.id, roles: stranger.roles }, ...base, png: signaturePng(1) })).toMatchObject({ ok: false, status: 403 });
    expect(await openSlot(ctx, { actor: { id: stranger.id, roles: stranger.roles }, slotId: slot.id })).toMatchObject({ ok: false, status: 403 });
    const trainee = { id: people[0]!.id, roles: ['trainee'] };
    expect(await closeSlot(ctx, { actor: trainee, slotId: slot.id })).toMatchObject({ ok: false, status: 403 });
    expect(await recordAttendance(ctx, { actor: trainee, slotId: slot.id, personId: people[0]!.id, status: 'present' })).toMatchObject({ ok: false, status: 403 });
  });
});

describe('absences, late arrivals, closing and corrections', () => {
  it('the trainer records a late arrival and a justified absence, closes; the silent are recorded absent', async () => {
    const { ctx, slot, people, sessionId } = await sessionWithParticipants(4);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    await signWithCode(ctx, { personId: people[0]!.id, code: await shownCode(ctx, slot.id) });
    const arrivedAt = new Date(slot.startsAt.getTime() + 40 * MINUTE);
    expect(await recordAttendance(ctx, { actor: trainerActor(), slotId: slot.id, personId: people[1]!.id, status: 'late', arrivedAt })).toEqual({ ok: true, method: 'trainer' });
    expect(await recordAttendance(ctx, { actor: trainerActor(), slotId: slot.id, personId: people[2]!.id, status: 'absent_justified' })).toMatchObject({ ok: false, status: 400 });
    expect(
      await recordAttendance(ctx, { actor: trainerActor(), slotId: slot.id, personId: people[2]!.id, status: 'absent_justified', reason: 'Rendez-vous administratif prévenu' }),
    ).toEqual({ ok: true, method: 'trainer' });
    expect(await closeSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toEqual({ ok: true, absentees: 1 });
    expect(await closeSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toMatchObject({ ok: false, status: 409 });

    const sheet = (await attendanceSheet(database.db, sessionId, ctx.now()))!;
    const row = (id: string) => sheet.participants.find((p) => p.personId === id)!;
    expect(row(people[0]!.id).cells[0]).toMatchObject({ status: 'present', method: 'code' });
    expect(row(people[1]!.id).cells[0]).toMatchObject({ status: 'late' });
    expect(row(people[1]!.id).hoursAttended).toBeCloseTo(3.5 - 40 / 60);
    expect(row(people[2]!.id).cells[0]).toMatchObject({ status: 'absent_justified', reason: 'Rendez-vous administratif prévenu' });
    expect(row(people[3]!.id).cells[0]).toMatchObject({ status: 'absent_unjustified', method: 'closing' });
    expect(row(people[0]!.id).hoursPlanned).toBe(14);
    expect(row(people[0]!.id).attendanceRate).toBeCloseTo(3.5 / 14);
    expect(sheet.slots[0]!.countersignedBy).toBe('Nadia Rossi');
    expect(sheet.slots[1]!.countersignedBy).toBeNull();
  });

  it('a correction needs a reason, is a new record, and the history shows who changed what and when', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(1);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    await closeSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    const coordinator = { id: world.coordinator.id, roles: world.coordinator.roles };
    expect(await recordAttendance(ctx, { actor: coordinator, slotId: slot.id, personId: people[0]!.id, status: 'present' })).toMatchObject({ ok: false, status: 400 });
    ctx.clock.advance(60 * MINUTE);
    expect(
      await recordAttendance(ctx, { actor: coordinator, slotId: slot.id, personId: people[0]!.id, status: 'present', reason: 'Présente, signature papier retrouvée' }),
    ).toEqual({ ok: true, method: 'correction' });
    const history = await attendanceHistory(database.db, slot.id, people[0]!.id);
    expect(history.map((h) => [h.status, h.method, h.recordedBy, h.reason])).toEqual([
      ['absent_unjustified', 'closing', 'Nadia Rossi', null],
      ['present', 'correction', 'Julien Morel', 'Présente, signature papier retrouvée'],
    ]);
    expect(history[1]!.recordedAt.getTime() - history[0]!.recordedAt.getTime()).toBe(60 * MINUTE);
  });

  it('the database itself refuses to change or delete an attendance record', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(1);
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    await signWithCode(ctx, { personId: people[0]!.id, code: await shownCode(ctx, slot.id) });
    await expect(database.db.updateTable('attendance_record').set({ status: 'absent_unjustified' }).where('slot_id', '=', slot.id).execute()).rejects.toThrow(/append-only/);
    await expect(database.db.deleteFrom('attendance_record').where('slot_id', '=', slot.id).execute()).rejects.toThrow(/append-only/);
    await expect(sql`UPDATE attendance_record SET reason = 'x'`.execute(database.db)).rejects.toThrow(/append-only/);
    expect(await attendanceHistory(database.db, slot.id, people[0]!.id)).toMatchObject([{ status: 'present', method: 'code' }]);
  });

  it('opening is refused too early, and a closed half-day cannot reopen', async () => {
    const { ctx, slot } = await sessionWithParticipants(1);
    ctx.clock.advance(-2 * 60 * MINUTE);
    expect(await openSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toMatchObject({ ok: false, status: 409 });
    ctx.clock.advance(2 * 60 * MINUTE);
    expect(await openSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toEqual({ ok: true });
    await closeSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    expect(await openSlot(ctx, { actor: trainerActor(), slotId: slot.id })).toMatchObject({ ok: false, status: 409 });
  });
});

describe('a participant’s own data', () => {
  it('their download holds their enrolments and signatures; erasing the account frees their future seats and keeps the attendance record', async () => {
    const { ctx, slot, people } = await sessionWithParticipants(1);
    const [person] = people;
    await openSlot(ctx, { actor: trainerActor(), slotId: slot.id });
    await signOnTablet(ctx, { actor: trainerActor(), slotId: slot.id, key: crypto.randomUUID(), personId: person!.id, signedAt: ctx.now(), png: signaturePng(9) });
    // A later session, full, with someone waiting.
    const later = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 1 });
    await enrol(ctx, { actorId: person!.id, actorRoles: person!.roles, personId: person!.id, sessionId: later });
    const waiting = await addPerson(database.db, { givenName: 'Attente', familyName: 'Roux', roles: ['trainee'] });
    await enrol(ctx, { actorId: waiting.id, actorRoles: waiting.roles, personId: waiting.id, sessionId: later });

    const data = await exportPersonalData(database.db, person!.id);
    expect(data.trainings.enrolments.map((e) => e.status).sort()).toEqual(['enrolled', 'enrolled']);
    expect(data.trainings.attendance).toMatchObject([{ status: 'present', method: 'tablet', training: training.title }]);
    expect(Buffer.from(data.trainings.attendance[0]!.drawnSignaturePngBase64!, 'base64').subarray(1, 4).toString()).toBe('PNG');

    expect(await eraseAccount(ctx, { personId: person!.id, password: person!.password })).toEqual({ ok: true });
    expect((await sessionRoster(database.db, later)).enrolled.map((e) => e.personId)).toEqual([waiting.id]);
    expect(await attendanceHistory(database.db, slot.id, person!.id)).toMatchObject([{ status: 'present', method: 'tablet' }]);
  });
});
