import type { SessionInfo, SignedInPerson } from './sessions.ts';

interface Entry {
  person: SignedInPerson;
  session: SessionInfo;
  storedAt: number;
}

/**
 * Sessions validated recently, kept in memory so that a signed-in page does not query the
 * database each time. The database announces every change that makes a copy wrong (migration
 * 0002: a session ended, a person or their roles changed); `apply` drops the copies concerned.
 * While those announcements cannot be heard, the cache holds nothing.
 */
export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  #listening = false;
  // Bumped by every invalidation: a lookup that raced with one does not store its result.
  #generation = 0;

  constructor(options: { ttlMs: number; maxEntries: number }) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
  }

  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether invalidations are heard; a cache that cannot hear them must not be used. */
  setListening(listening: boolean): void {
    this.#listening = listening;
    if (!listening) this.clear();
  }

  get(sessionId: string, now: Date): Entry | undefined {
    if (!this.#listening) return undefined;
    const entry = this.#entries.get(sessionId);
    if (!entry) return undefined;
    if (now.getTime() - entry.storedAt > this.#ttlMs || entry.session.expiresAt.getTime() <= now.getTime()) {
      this.#entries.delete(sessionId);
      return undefined;
    }
    return entry;
  }

  set(person: SignedInPerson, session: SessionInfo, now: Date, generationAtLookup: number): void {
    if (!this.#listening || generationAtLookup !== this.#generation) return;
    if (this.#entries.size >= this.#maxEntries) {
      // Maps keep insertion order: drop the oldest copy.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(session.id, { person, session, storedAt: now.getTime() });
  }

  /** Applies one announcement from the database: "s:<session id>" or "p:<person id>". */
  apply(payload: string): void {
    this.#generation++;
    const [kind, id] = [payload.slice(0, 2), payload.slice(2)];
    if (kind === 's:') this.#entries.delete(id);
    else if (kind === 'p:') {
      for (const [key, entry] of this.#entries) if (entry.person.id === id) this.#entries.delete(key);
    } else this.clear();
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
