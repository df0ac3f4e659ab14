import { describe, expect, it } from 'vitest';
import { SessionCache } from '../../src/lib/accounts/session-cache.ts';
import type { SignedInPerson } from '../../src/lib/accounts/sessions.ts';

const camille: SignedInPerson = { id: 'p1', email: 'camille@exemple.fr', givenName: 'Camille', familyName: 'Martin', roles: ['trainee'], emailVerified: true };
const now = new Date('2026-11-23T10:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);

function listeningCache() {
  const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 3 });
  cache.setListening(true);
  return cache;
}

describe('the cache of validated sessions', () => {
  it('holds nothing while the database’s announcements cannot be heard', () => {
    const cache = new SessionCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.set(camille, { id: 's1', expiresAt: inDays(30) }, now, cache.generation);
    expect(cache.get('s1', now)).toBeUndefined();
    cache.setListening(true);
    cache.set(camille, { id: 's1', expiresAt: inDays(30) }, now, cache.generation);
    expect(cache.get('s1', now)?.person).toEqual(camille);
    cache.setListening(false);
    cache.setListening(true);
    expect(cache.get('s1', now)).toBeUndefined();
  });

  it('forgets a session when it ends, and every session of a person who changed', () => {
    const cache = listeningCache();
    cache.set(camille, { id: 's1', expiresAt: inDays(30) }, now, cache.generation);
    cache.set(camille, { id: 's2', expiresAt: inDays(30) }, now, cache.generation);
    cache.apply('s:s1');
    expect(cache.get('s1', now)).toBeUndefined();
    expect(cache.get('s2', now)).toBeDefined();
    cache.apply('p:p1');
    expect(cache.get('s2', now)).toBeUndefined();
  });

  it('does not store a lookup that raced with an announcement', () => {
    const cache = listeningCache();
    const before = cache.generation;
    cache.apply('p:p1');
    cache.set(camille, { id: 's1', expiresAt: inDays(30) }, now, before);
    expect(cache.get('s1', now)).toBeUndefined();
  });

  it('lets copies age out, never outlives the session, and keeps a bounded size', () => {
    const cache = listeningCache();
    cache.set(camille, { id: 's1', expiresAt: inDays(30) }, now, cache.generation);
    expect(cache.get('s1', new Date(now.getTime() + 61_000))).toBeUndefined();
    cache.set(camille, { id: 's2', expiresAt: new Date(now.getTime() + 1000) }, now, cache.generation);
    expect(cache.get('s2', new Date(now.getTime() + 2000))).toBeUndefined();
    for (const id of ['a', 'b', 'c', 'd']) cache.set(camille, { id, expiresAt: inDays(30) }, now, cache.generation);
    expect(cache.size).toBe(3);
    expect(cache.get('a', now)).toBeUndefined();
    expect(cache.get('d', now)).toBeDefined();
  });
});
