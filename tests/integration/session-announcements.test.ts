import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { addPerson } from '../support/world.ts';
import { createSession, invalidateSession, resolveSession } from '../../src/lib/accounts/sessions.ts';
import { SessionCache } from '../../src/lib/accounts/session-cache.ts';
import { grantRole } from '../../src/lib/accounts/roles.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

describe('the database announces what makes a cached session wrong', () => {
  it('a session that ends, a role given, a changed email: each is announced, and the cache follows', async () => {
    const ctx = testContext(database.db);
    const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 100 });
    const received = await database.listen('esper_auth');
    cache.setListening(true);
    const person = await addPerson(database.db, { givenName: 'Nadia', familyName: 'Rossi', roles: ['trainee'] });
    const { token, session } = await createSession(database.db, person.id, { days: 30, now: ctx.now() });

    const first = await resolveSession(database.db, token, { days: 30, cache, now: ctx.now() });
    expect(first?.person.roles).toEqual(['trainee']);
    expect(cache.get(session.id, ctx.now())).toBeDefined();

    await grantRole(ctx, { actorId: person.id, personId: person.id, role: 'trainer' });
    await settle();
    expect(received).toContain(`p:${person.id}`);
    for (const payload of received) cache.apply(payload);
    expect((await resolveSession(database.db, token, { days: 30, cache, now: ctx.now() }))?.person.roles).toEqual(['trainee', 'trainer']);

    received.length = 0;
    await database.db.updateTable('person').set({ email: 'nadia.nouvelle@exemple.fr' }).where('id', '=', person.id).execute();
    await invalidateSession(database.db, session.id);
    await settle();
    expect(received).toEqual([`p:${person.id}`, `s:${session.id}`]);
    for (const payload of received) cache.apply(payload);
    expect(await resolveSession(database.db, token, { days: 30, cache, now: ctx.now() })).toBeNull();
  });

  it('a change rolled back is never announced', async () => {
    const received = await database.listen('esper_auth');
    const person = await addPerson(database.db, { givenName: 'Hugo', familyName: 'Blanc', roles: ['professional'] });
    await settle();
    received.length = 0;
    await database.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('person_role').values({ person_id: person.id, role: 'admin' }).execute();
        throw new Error('annulé');
      })
      .catch(() => {});
    await settle();
    expect(received).toEqual([]);
  });
});

describe('until the announcement arrives', () => {
  it('a cached copy may still answer a read, but a write looks the session up in the database', async () => {
    const ctx = testContext(database.db);
    const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 100 });
    cache.setListening(true);
    const person = await addPerson(database.db, { givenName: 'Inès', familyName: 'Petit', roles: ['trainee'] });
    const { token, session } = await createSession(database.db, person.id, { days: 30, now: ctx.now() });
    expect(await resolveSession(database.db, token, { days: 30, cache, now: ctx.now() })).not.toBeNull();

    // Logged out on another instance: the row is gone, its announcement not yet applied here.
    await invalidateSession(database.db, session.id);
    expect((await resolveSession(database.db, token, { days: 30, cache, now: ctx.now() }))?.person.id).toBe(person.id);
    expect(await resolveSession(database.db, token, { days: 30, cache, now: ctx.now(), fresh: true })).toBeNull();
  });
});
