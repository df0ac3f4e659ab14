import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, DAY } from '../support/context.ts';
import { lastEmailTo, tokenFromLink } from '../support/mailbox.ts';
import { addPerson, buildWorld, type World } from '../support/world.ts';
import { acceptInvitation, invite } from '../../src/lib/accounts/invitations.ts';
import { grantRole, listPeople, removeRole } from '../../src/lib/accounts/roles.ts';
import { rolesOf } from '../../src/lib/accounts/people.ts';
import { createSession, validateSessionToken } from '../../src/lib/accounts/sessions.ts';
import { eraseAccount, exportPersonalData } from '../../src/lib/accounts/personal-data.ts';
import { logIn } from '../../src/lib/accounts/login.ts';
import { markSectionRead } from '../../src/lib/modules/progress.ts';
import { recordActivityResult } from '../../src/lib/modules/activity-results.ts';
import { randomUUID } from 'node:crypto';

let database: TestDatabase;
let world: World;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
});
afterAll(() => database.drop());

describe('a coordinator invites a new trainer', () => {
  it('sends a 7-day link; the trainer sets a password and arrives signed in with the role', async () => {
    const ctx = testContext(database.db);
    const outcome = await invite(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], email: 'Amina.Diallo@Exemple.fr', role: 'trainer' });
    expect(outcome).toEqual({ ok: true, alreadyRegistered: false });
    const token = tokenFromLink((await lastEmailTo(database.db, 'amina.diallo@exemple.fr')).body_text, '/invitation');

    const accepted = await acceptInvitation(ctx, { token, givenName: 'Amina', familyName: 'Diallo', password: 'mon atelier du jeudi' });
    expect(accepted.ok).toBe(true);
    if (!accepted.ok) return;
    expect(await rolesOf(database.db, accepted.personId)).toEqual(['trainer']);
    const session = await validateSessionToken(database.db, accepted.sessionToken, { days: 30, now: ctx.now() });
    expect(session?.person).toMatchObject({ email: 'amina.diallo@exemple.fr', emailVerified: true, roles: ['trainer'] });
    expect(await acceptInvitation(ctx, { token, givenName: 'X', familyName: 'Y', password: 'mon atelier du jeudi' })).toMatchObject({ ok: false });
  });

  it('keeps the link usable when the chosen password is refused', async () => {
    const ctx = testContext(database.db);
    await invite(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], email: 'tom@exemple.fr', role: 'trainee' });
    const token = tokenFromLink((await lastEmailTo(database.db, 'tom@exemple.fr')).body_text, '/invitation');
    expect(await acceptInvitation(ctx, { token, givenName: 'Tom', familyName: 'Vidal', password: 'motdepasse' })).toMatchObject({ ok: false, status: 400 });
    expect((await acceptInvitation(ctx, { token, givenName: 'Tom', familyName: 'Vidal', password: 'le sentier des calanques' })).ok).toBe(true);
  });

  it('gives the role straight away to someone who already has an account', async () => {
    const ctx = testContext(database.db);
    const outcome = await invite(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], email: world.professional.email, role: 'trainer' });
    expect(outcome).toEqual({ ok: true, alreadyRegistered: true });
    expect(await rolesOf(database.db, world.professional.id)).toEqual(['professional', 'trainer']);
    expect((await lastEmailTo(database.db, world.professional.email)).subject).toBe('Un nouveau rôle sur ESPER Parcours');
  });

  it('refuses to let a coordinator hand out the admin role, and an expired link', async () => {
    const ctx = testContext(database.db);
    expect(await invite(ctx, { actorId: world.coordinator.id, actorRoles: ['coordinator'], email: 'x@exemple.fr', role: 'admin' })).toMatchObject({
      ok: false,
      status: 403,
    });
    await invite(ctx, { actorId: world.admin.id, actorRoles: ['admin'], email: 'tard@exemple.fr', role: 'coordinator' });
    const token = tokenFromLink((await lastEmailTo(database.db, 'tard@exemple.fr')).body_text, '/invitation');
    ctx.clock.advance(8 * DAY);
    expect(await acceptInvitation(ctx, { token, givenName: 'T', familyName: 'Ard', password: 'bien trop tard hélas' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('expiré'),
    });
  });
});

describe('an admin manages roles', () => {
  it('grants and removes roles, a person may hold several, and each change is in the audit log', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Lucie', familyName: 'Girard', roles: ['trainee'] });
    expect(await grantRole(ctx, { actorId: world.admin.id, personId: person.id, role: 'trainer' })).toEqual({ ok: true });
    expect(await grantRole(ctx, { actorId: world.admin.id, personId: person.id, role: 'trainer' })).toEqual({ ok: true });
    expect(await rolesOf(database.db, person.id)).toEqual(['trainee', 'trainer']);
    expect(await removeRole(ctx, { actorId: world.admin.id, personId: person.id, role: 'trainee' })).toEqual({ ok: true });
    expect(await rolesOf(database.db, person.id)).toEqual(['trainer']);
    const events = await database.db.selectFrom('audit_event').select(['action', 'actor_id', 'details']).where('subject_person_id', '=', person.id).orderBy('id').execute();
    expect(events).toEqual([
      { action: 'role.granted', actor_id: world.admin.id, details: { role: 'trainer' } },
      { action: 'role.removed', actor_id: world.admin.id, details: { role: 'trainee' } },
    ]);
  });

  it('never removes the last admin', async () => {
    const ctx = testContext(database.db);
    expect(await removeRole(ctx, { actorId: world.admin.id, personId: world.admin.id, role: 'admin' })).toMatchObject({ ok: false, status: 409 });
    expect(await rolesOf(database.db, world.admin.id)).toEqual(['admin']);
  });

  it('finds people by name or email, with metacharacters taken literally', async () => {
    const found = await listPeople(database.db, { search: 'lefèvre' });
    expect(found.people.map((p) => p.givenName)).toEqual(['Zoë']);
    expect((await listPeople(database.db, { search: '%' })).total).toBe(0);
    expect((await listPeople(database.db, { search: "'; select 1; --" })).total).toBe(0);
    const trainers = await listPeople(database.db, { role: 'trainer' });
    expect(trainers.people.every((p) => p.roles.includes('trainer'))).toBe(true);
  });
});

describe('a person takes their data and leaves', () => {
  it('downloads everything the platform holds about them, and nothing about anyone else', async () => {
    const ctx = testContext(database.db);
    const person = world.trainees[1]!;
    await createSession(database.db, person.id, { days: 30, now: ctx.now(), userAgent: 'Safari sur iPhone' });
    await ctx.mail({ to: person.email, personId: person.id, subject: 'Bienvenue', text: 'Bonjour Zoë' });
    const wrap = { slug: 'wrap', sections: [{ id: 'un-plan', title: 'Un plan' }, { id: 'verifier', title: 'Vérifier' }], activities: [{ id: 'wrap-quiz', required: true }], passingScore: 0.8 };
    await markSectionRead(database.db, person.id, wrap, 'un-plan', ctx.now());
    const statement = { id: randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 4, max: 6, scaled: 4 / 6 } } };
    await recordActivityResult(database.db, { personId: person.id, module: wrap, activityId: 'wrap-quiz', statement, rawStatement: statement, now: ctx.now() });
    const data = await exportPersonalData(database.db, person.id);
    expect(data.learning.modules).toEqual([expect.objectContaining({ module: 'wrap', lastSection: 'un-plan', completedAt: null })]);
    expect(data.learning.sectionsRead).toEqual([expect.objectContaining({ module: 'wrap', section: 'un-plan' })]);
    expect(data.learning.activityResults).toEqual([expect.objectContaining({ module: 'wrap', activity: 'wrap-quiz', score: { raw: 4, max: 6, scaled: 4 / 6 } })]);
    expect(data.person).toMatchObject({ email: person.email, givenName: 'Zoë', familyName: 'Lefèvre' });
    expect(data.roles).toEqual([expect.objectContaining({ role: 'trainee', label: 'Stagiaire du parcours' })]);
    expect(data.sessions).toEqual([expect.objectContaining({ device: 'Safari sur iPhone' })]);
    expect(data.emails.map((e) => e.subject)).toEqual(['Bienvenue']);
    const text = JSON.stringify(data);
    for (const other of [world.admin, world.coordinator, world.trainees[0]!]) expect(text).not.toContain(other.email);
    expect(text).not.toContain('password');
    expect(text).not.toContain('argon2');
  });

  it('erases the account: name, email, password, sessions and emails are gone, and nobody can log in with it', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Théo', familyName: 'Carpentier', roles: ['trainee'] });
    const session = await createSession(database.db, person.id, { days: 30, now: ctx.now() });
    await ctx.mail({ to: person.email, personId: person.id, subject: 'Un message', text: 'Bonjour Théo' });

    expect(await eraseAccount(ctx, { personId: person.id, password: 'pas le bon' })).toMatchObject({ ok: false, status: 400 });
    expect(await eraseAccount(ctx, { personId: person.id, password: person.password })).toEqual({ ok: true });

    const row = await database.db.selectFrom('person').selectAll().where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ given_name: 'Personne', family_name: 'effacée', password_hash: null, structure: null });
    expect(row.email).not.toContain('carpentier');
    expect(row.erased_at).not.toBeNull();
    expect(await rolesOf(database.db, person.id)).toEqual([]);
    expect(await validateSessionToken(database.db, session.token, { days: 30, now: ctx.now() })).toBeNull();
    expect(await database.db.selectFrom('outbox_email').select('id').where('body_text', 'like', '%Théo%').execute()).toEqual([]);
    expect((await logIn(ctx, { email: person.email, password: person.password }, { ip: '203.0.113.50' })).ok).toBe(false);
    expect((await listPeople(database.db, { search: 'Carpentier' })).total).toBe(0);
  });

  it('the last admin cannot erase their account before handing over the role', async () => {
    const ctx = testContext(database.db);
    expect(await eraseAccount(ctx, { personId: world.admin.id, password: world.admin.password })).toMatchObject({ ok: false, status: 409 });
  });
});
