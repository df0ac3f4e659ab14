import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { DAY, HOUR, testContext } from '../support/context.ts';
import { emailsTo, lastEmailTo } from '../support/mailbox.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { emailAttachments } from '../../src/lib/mail/outbox.ts';
import { cancelEnrolment, cancelSession, enrol, enrolmentsOf, promoteByHand, sessionRoster } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview, updateSession, upcomingSessions } from '../../src/lib/sessions/training-sessions.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';

let database: TestDatabase;
let world: World;
let training: Training;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  training = await addTraining(testContext(database.db), world.coordinator);
});
afterAll(() => database.drop());

const participants = async (count: number, prefix: string): Promise<WorldPerson[]> =>
  Promise.all(Array.from({ length: count }, (_, i) => addPerson(database.db, { givenName: `${prefix}${i + 1}`, familyName: 'Durand', roles: ['professional'] })));

describe('a professional enrols in a PSSM session', () => {
  it('gets a seat, a convocation with a calendar file, and the seat count goes down', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 3 });
    const outcome = await enrol(ctx, { actorId: world.professional.id, actorRoles: ['professional'], personId: world.professional.id, sessionId, employer: 'CMP de la Belle de Mai' });
    expect(outcome).toMatchObject({ ok: true, status: 'enrolled', already: false });
    expect((await sessionOverview(database.db, sessionId))!.seatsLeft).toBe(2);

    const email = await lastEmailTo(database.db, world.professional.email);
    expect(email.subject).toBe('Convocation : Premiers secours en santé mentale');
    expect(email.body_text).toContain('Maison des associations');
    expect(email.body_text).toContain('de 09:00 à 12:30');
    const [ics] = await emailAttachments(database.db, email.id);
    expect(ics!.filename).toBe('seance-premiers-secours-en-sante-mentale.ics');
    const calendar = new ICAL.Component(ICAL.parse(new TextDecoder().decode(ics!.content)));
    const events = calendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
    expect(events).toHaveLength(4);
    expect(events[0]!.summary).toContain('Premiers secours en santé mentale');
    expect(events[0]!.location).toBe('Maison des associations, 93 La Canebière, Marseille');
    const session = (await sessionOverview(database.db, sessionId))!;
    expect(events[0]!.startDate.toJSDate().getTime()).toBe(session.slots[0]!.startsAt.getTime());

    const again = await enrol(ctx, { actorId: world.professional.id, actorRoles: ['professional'], personId: world.professional.id, sessionId });
    expect(again).toMatchObject({ ok: true, status: 'enrolled', already: true });
    expect(await emailsTo(database.db, world.professional.email)).toHaveLength(1);
  });

  it('when the session is full, joins the waiting list and is promoted in order when someone cancels', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 2 });
    const [ana, bruno, chloe, david] = await participants(4, 'Personne');
    for (const p of [ana!, bruno!]) expect(await enrol(ctx, { actorId: p.id, actorRoles: ['trainee'], personId: p.id, sessionId })).toMatchObject({ status: 'enrolled' });
    expect(await enrol(ctx, { actorId: chloe!.id, actorRoles: ['trainee'], personId: chloe!.id, sessionId })).toMatchObject({ status: 'waitlisted', position: 1 });
    expect(await enrol(ctx, { actorId: david!.id, actorRoles: ['trainee'], personId: david!.id, sessionId })).toMatchObject({ status: 'waitlisted', position: 2 });
    expect((await lastEmailTo(database.db, david!.email)).body_text).toContain('en position 2');

    const cancelled = await cancelEnrolment(ctx, { actorId: ana!.id, actorRoles: ['trainee'], personId: ana!.id, sessionId, byCoordinator: false });
    expect(cancelled).toEqual({ ok: true, promoted: [chloe!.id] });
    const roster = await sessionRoster(database.db, sessionId);
    expect(roster.enrolled.map((r) => r.personId).sort()).toEqual([bruno!.id, chloe!.id].sort());
    expect(roster.waitlist.map((r) => [r.personId, r.position])).toEqual([[david!.id, 1]]);
    expect((await lastEmailTo(database.db, chloe!.email)).subject).toBe('Convocation : Premiers secours en santé mentale');
    expect((await lastEmailTo(database.db, ana!.email)).subject).toBe('Inscription annulée : Premiers secours en santé mentale');

    // Ana asks again: she goes to the end of the queue, behind David.
    expect(await enrol(ctx, { actorId: ana!.id, actorRoles: ['trainee'], personId: ana!.id, sessionId })).toMatchObject({ status: 'waitlisted', position: 2 });
  });

  it('can cancel until the deadline; after it only a coordinator can remove them', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 5, noticeHours: 48 });
    const [eve] = await participants(1, 'Ève');
    await enrol(ctx, { actorId: eve!.id, actorRoles: ['trainee'], personId: eve!.id, sessionId });
    ctx.clock.advance(6 * DAY);
    const late = await cancelEnrolment(ctx, { actorId: eve!.id, actorRoles: ['trainee'], personId: eve!.id, sessionId, byCoordinator: false });
    expect(late).toMatchObject({ ok: false, status: 409 });
    if (!late.ok) expect(late.message).toContain('Le délai d’annulation est passé');
    expect(await cancelEnrolment(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], personId: eve!.id, sessionId, byCoordinator: true })).toMatchObject({ ok: true });
    expect((await sessionRoster(database.db, sessionId)).enrolled).toHaveLength(0);
  });

  it('cannot enrol once the session has started', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training });
    ctx.clock.advance(8 * DAY);
    const [late] = await participants(1, 'Tardif');
    expect(await enrol(ctx, { actorId: late!.id, actorRoles: ['trainee'], personId: late!.id, sessionId })).toMatchObject({ ok: false, status: 409 });
  });

  it('a coordinator moves someone off the waiting list by hand, even over capacity, and more seats promote the queue', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 1 });
    const [first, second, third, fourth] = await participants(4, 'File');
    for (const p of [first!, second!, third!, fourth!]) await enrol(ctx, { actorId: p.id, actorRoles: ['trainee'], personId: p.id, sessionId });
    expect(await promoteByHand(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], personId: third!.id, sessionId })).toEqual({ ok: true, overCapacity: true });
    expect(await promoteByHand(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], personId: first!.id, sessionId })).toMatchObject({ ok: false, status: 409 });
    // Capacity 4: two enrolled, so the next two of the queue (second, then fourth) get seats.
    const updated = await updateSession(ctx, {
      actorId: world.coordinator.id,
      actorRoles: ['coordinator'],
      sessionId,
      place: 'Maison des associations, Marseille',
      capacity: 4,
      cancellationNoticeHours: 24,
      trainerIds: [world.trainer.id],
    });
    expect(updated).toEqual({ ok: true, promoted: [second!.id, fourth!.id] });
    expect(
      await updateSession(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], sessionId, place: 'Marseille', capacity: 2, cancellationNoticeHours: 24, trainerIds: [world.trainer.id] }),
    ).toMatchObject({ ok: false, status: 409 });
  });

  it('shows a person their sessions and waiting lists, and the catalogue its upcoming sessions', async () => {
    const ctx = testContext(database.db);
    const person = (await participants(1, 'Lina'))[0]!;
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 4 });
    await enrol(ctx, { actorId: person.id, actorRoles: ['trainee'], personId: person.id, sessionId });
    const mine = await enrolmentsOf(ctx, person.id);
    expect(mine.upcoming.map((e) => [e.session.id, e.status, e.canCancel])).toEqual([[sessionId, 'enrolled', true]]);
    const catalogue = await upcomingSessions(database.db, { now: ctx.now(), trainingId: training.id });
    expect(catalogue.map((s) => s.id)).toContain(sessionId);
    expect(catalogue.find((s) => s.id === sessionId)!.seatsLeft).toBe(3);
    ctx.clock.advance(30 * DAY);
    expect((await upcomingSessions(database.db, { now: ctx.now(), trainingId: training.id })).map((s) => s.id)).not.toContain(sessionId);
  });

  it('refuses malformed ids with a 404 rather than an error', async () => {
    const ctx = testContext(database.db);
    expect(await enrol(ctx, { actorId: world.professional.id, actorRoles: ['professional'], personId: world.professional.id, sessionId: 'pas-un-id' })).toMatchObject({ ok: false, status: 404 });
    expect(await sessionOverview(database.db, "'; DROP TABLE enrolment; --")).toBeUndefined();
  });
});

describe('many people enrolling at once into the last seats', () => {
  it('never overbooks: exactly the free seats are given, the others wait in a gap-free queue', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 5 });
    const crowd = await participants(40, 'Foule');
    // On PostgreSQL, separate connections really run at the same time.
    const handles = database.url ? [0, 1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 10 })) : [database.db];
    try {
      const results = await Promise.all(
        crowd.map((p, i) => enrol({ ...ctx, db: handles[i % handles.length]! }, { actorId: p.id, actorRoles: ['trainee'], personId: p.id, sessionId })),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      const roster = await sessionRoster(database.db, sessionId);
      expect(roster.enrolled).toHaveLength(5);
      expect(roster.waitlist).toHaveLength(35);
      expect(roster.waitlist.map((w) => w.position)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
      expect(results.filter((r) => r.ok && r.status === 'enrolled')).toHaveLength(5);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
  });

  it('many cancellations at once promote each waiting person once', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 6 });
    const people = await participants(12, 'Vague');
    for (const p of people) await enrol(ctx, { actorId: p.id, actorRoles: ['trainee'], personId: p.id, sessionId });
    const handles = database.url ? [0, 1, 2].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 10 })) : [database.db];
    try {
      const enrolled = (await sessionRoster(database.db, sessionId)).enrolled;
      await Promise.all(
        enrolled.slice(0, 4).map((e, i) =>
          cancelEnrolment({ ...ctx, db: handles[i % handles.length]! }, { actorId: e.personId, actorRoles: ['trainee'], personId: e.personId, sessionId, byCoordinator: false }),
        ),
      );
      const roster = await sessionRoster(database.db, sessionId);
      expect(roster.enrolled).toHaveLength(6);
      expect(roster.waitlist).toHaveLength(2);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
  });
});

describe('time', () => {
  it('the cancellation deadline is the notice before the first half-day', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, noticeHours: 72 });
    const session = (await sessionOverview(database.db, sessionId))!;
    expect(session.cancellationDeadline!.getTime()).toBe(session.startsAt!.getTime() - 72 * HOUR);
    expect(session.totalHours).toBe(14);
  });
});

describe('who may manage enrolments', () => {
  it('a trainee cannot enrol or remove someone else, nor promote from the waiting list; a trainer cannot change a session', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 1 });
    const [a, b] = await participants(2, 'Droit');
    await enrol(ctx, { actorId: a!.id, actorRoles: a!.roles, personId: a!.id, sessionId });
    await enrol(ctx, { actorId: b!.id, actorRoles: b!.roles, personId: b!.id, sessionId });
    const intruder = world.trainees[0]!;
    expect(await enrol(ctx, { actorId: intruder.id, actorRoles: intruder.roles, personId: a!.id, sessionId })).toMatchObject({ ok: false, status: 403 });
    expect(await cancelEnrolment(ctx, { actorId: intruder.id, actorRoles: intruder.roles, personId: a!.id, sessionId, byCoordinator: false })).toMatchObject({ ok: false, status: 403 });
    expect(await promoteByHand(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, personId: b!.id, sessionId })).toMatchObject({ ok: false, status: 403 });
    expect(
      await updateSession(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, sessionId, place: 'Ailleurs', capacity: 30, cancellationNoticeHours: 0, trainerIds: [world.trainer.id] }),
    ).toMatchObject({ ok: false, status: 403 });
    const roster = await sessionRoster(database.db, sessionId);
    expect([roster.enrolled.map((e) => e.personId), roster.waitlist.map((e) => e.personId)]).toEqual([[a!.id], [b!.id]]);
    expect((await sessionOverview(database.db, sessionId))!.place).toContain('Maison des associations');
  });
});

describe('a coordinator cancels a session', () => {
  it('everyone enrolled or waiting is told, with a calendar file removing the events, and nobody can enrol any more', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 1 });
    const [seated, waiting, late] = await participants(3, 'Annul');
    await enrol(ctx, { actorId: seated!.id, actorRoles: seated!.roles, personId: seated!.id, sessionId });
    await enrol(ctx, { actorId: waiting!.id, actorRoles: waiting!.roles, personId: waiting!.id, sessionId });
    expect(await cancelSession(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, sessionId, reason: 'Formatrice absente' })).toMatchObject({ ok: false, status: 403 });
    expect(await cancelSession(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], sessionId, reason: 'Formatrice absente' })).toEqual({ ok: true, told: 2 });
    for (const p of [seated!, waiting!]) {
      const email = await lastEmailTo(database.db, p.email);
      expect(email.subject).toBe('Séance annulée : Premiers secours en santé mentale');
      expect(email.body_text).toContain('Motif : Formatrice absente');
      const [ics] = await emailAttachments(database.db, email.id);
      expect(new ICAL.Component(ICAL.parse(new TextDecoder().decode(ics!.content))).getFirstPropertyValue('method')).toBe('CANCEL');
    }
    expect(await sessionRoster(database.db, sessionId)).toEqual({ enrolled: [], waitlist: [] });
    expect(await enrol(ctx, { actorId: late!.id, actorRoles: late!.roles, personId: late!.id, sessionId })).toMatchObject({ ok: false, status: 409 });
    expect((await upcomingSessions(database.db, { now: ctx.now(), trainingId: training.id })).map((s) => s.id)).not.toContain(sessionId);
    expect(await cancelSession(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], sessionId, reason: 'Encore' })).toMatchObject({ ok: false, status: 409 });
  });
});
