import { randomInt } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Database } from '../db/index.ts';
import { signCompactJws } from './signing-key.ts';

/**
 * The revocation list of the Open Badges credentials: a W3C Bitstring Status List v1.0
 * (https://www.w3.org/TR/vc-bitstring-status-list/), published as a credential signed like the
 * badges. Each badge names one bit of the list (its statusListIndex); the bit is 1 when its
 * attestation is revoked. A superseded (re-issued) attestation stays 0: it was true when issued,
 * and the verification page says which one replaces it; only a revocation turns a badge invalid.
 */

export const STATUS_LIST_PATH = '/openbadges/statuts';
/** The specification's minimum: 131,072 entries (16 KB), so one list hides who is checked among many. */
export const MIN_STATUS_LIST_LENGTH = 131_072;
/** How long verifiers may keep the list before fetching it again, in seconds (and its `ttl`). */
export const STATUS_LIST_MAX_AGE = 300;

/** The list's length for this highest index: whole blocks of the minimum length. */
export function statusListLength(highestIndex: number): number {
  return MIN_STATUS_LIST_LENGTH * Math.max(1, Math.ceil((highestIndex + 1) / MIN_STATUS_LIST_LENGTH));
}

/**
 * The `encodedList` of a list where the given indexes are set: index 0 is the left-most (most
 * significant) bit of the first byte; GZIP, then base64url without padding, with the multibase
 * prefix `u`.
 */
export function encodeStatusList(setIndexes: Iterable<number>, length: number): string {
  if (length % 8 !== 0 || length < MIN_STATUS_LIST_LENGTH) throw new RangeError(`status list length ${length}`);
  const bits = new Uint8Array(length / 8);
  for (const index of setIndexes) {
    if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`status list index ${index}`);
    bits[index >> 3]! |= 0x80 >> (index & 7);
  }
  return `u${gzipSync(bits).toString('base64url')}`;
}

/** The uncompressed bitstring of an `encodedList` (the specification's expansion algorithm). */
export function decodeStatusList(encodedList: string): Uint8Array {
  if (!encodedList.startsWith('u')) throw new Error('encodedList: expected multibase base64url (prefix u)');
  return new Uint8Array(gunzipSync(Buffer.from(encodedList.slice(1), 'base64url')));
}

export function statusBit(bitstring: Uint8Array, index: number): boolean {
  if (index < 0 || index >= bitstring.length * 8) throw new RangeError(`status list index ${index}`);
  return ((bitstring[index >> 3]! >> (7 - (index & 7))) & 1) === 1;
}

/**
 * The attestation's bit in the list, drawn the first time its badge is made and kept forever.
 * Drawn at random (the specification asks that indexes reveal neither order nor count) among at
 * least twice as many places as are taken, so a draw rarely hits a taken one; a taken one, or
 * another request drawing for the same attestation at the same moment, makes the insert do
 * nothing, and the loop reads or draws again. No error is raised, so this can run inside a
 * caller's transaction.
 */
export async function statusListIndex(db: Database, attestationId: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const existing = await db.selectFrom('open_badge_status').select('status_list_index').where('attestation_id', '=', attestationId).executeTakeFirst();
    if (existing) return existing.status_list_index;
    const { taken } = await db
      .selectFrom('open_badge_status')
      .select((eb) => eb.fn.countAll<number>().as('taken'))
      .executeTakeFirstOrThrow();
    const candidate = randomInt(0, statusListLength(2 * Number(taken)));
    const inserted = await db
      .insertInto('open_badge_status')
      .values({ attestation_id: attestationId, status_list_index: candidate })
      .onConflict((oc) => oc.doNothing())
      .returning('status_list_index')
      .executeTakeFirst();
    if (inserted) return inserted.status_list_index;
  }
  throw new Error('open_badge_status: no free index found');
}

export interface StatusListCredential {
  '@context': ['https://www.w3.org/ns/credentials/v2'];
  id: string;
  type: ['VerifiableCredential', 'BitstringStatusListCredential'];
  issuer: string;
  validFrom: string;
  credentialSubject: {
    id: string;
    type: 'BitstringStatusList';
    statusPurpose: 'revocation';
    encodedList: string;
    ttl: number;
  };
}

/** An instant as an XML Schema dateTime in whole seconds, so that it equals its JWT NumericDate. */
export const wholeSecondsIso = (at: Date): string => new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
export const numericDate = (at: Date): number => Math.floor(at.getTime() / 1000);

/**
 * The revocation list as published: the credential and its signed form (what the route serves).
 * Its validFrom is the latest revocation of a badge in the list (or, before any, its first entry),
 * so the same state always gives the same document, never dated in the future.
 */
export async function revocationStatusList(db: Database, input: { publicUrl: string; issuerId: string; now: Date }): Promise<{ credential: StatusListCredential; jwt: string }> {
  const rows = await db
    .selectFrom('open_badge_status as s')
    .innerJoin('attestation as a', 'a.id', 's.attestation_id')
    .select(['s.status_list_index', 's.assigned_at', 'a.revoked_at'])
    .execute();
  const revoked = rows.filter((r) => r.revoked_at !== null);
  const highest = rows.reduce((max, r) => Math.max(max, r.status_list_index), 0);
  const extreme = (pick: typeof Math.max, dates: Date[]) => (dates.length ? new Date(pick(...dates.map((d) => d.getTime()))) : null);
  // No revocation yet: the list has been all zeros since its first entry. An entry's time is the
  // database's clock, which may run ahead of this instance's: the list is never dated after now.
  const changed = extreme(Math.max, revoked.map((r) => r.revoked_at!)) ?? extreme(Math.min, rows.map((r) => r.assigned_at)) ?? input.now;
  const validFrom = changed > input.now ? input.now : changed;
  const id = `${input.publicUrl}${STATUS_LIST_PATH}`;
  const credential: StatusListCredential = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuerId,
    validFrom: wholeSecondsIso(validFrom),
    credentialSubject: {
      id: `${id}#liste`,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: encodeStatusList(
        revoked.map((r) => r.status_list_index),
        statusListLength(highest),
      ),
      ttl: STATUS_LIST_MAX_AGE * 1000,
    },
  };
  // Secured like the badges (VC-JWT): the credential's members plus the registered claims.
  const jwt = await signCompactJws(db, input.publicUrl, 'vc+jwt', {
    ...credential,
    iss: credential.issuer,
    jti: credential.id,
    sub: credential.credentialSubject.id,
    nbf: numericDate(validFrom),
  });
  return { credential, jwt };
}
