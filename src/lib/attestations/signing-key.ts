import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Database } from '../db/index.ts';

/**
 * The Ed25519 key that signs the Open Badges credentials and the revocation list. It lives in
 * the database (table credential_signing_key), so that every instance signs with the same key;
 * the first instance that needs one makes it. Its public half is published as a JSON Web Key Set
 * (publishedKeys), with every key ever used, so that what an older key signed still verifies.
 */

/** An Ed25519 public key as a JSON Web Key (RFC 8037): never with its private part `d`. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

export interface SigningKey {
  /** The key's RFC 7638 thumbprint: also its id in the database and the fragment of its URL. */
  id: string;
  publicJwk: PublicJwk;
  privateKey: KeyObject;
}

/** Where the key set is published; a key's `kid` is this address with the key's id as fragment. */
export const KEY_SET_PATH = '/openbadges/cles';
export const keyUrl = (publicUrl: string, id: string): string => `${publicUrl}${KEY_SET_PATH}#${id}`;

/** RFC 7638: SHA-256 of the required members in lexical order, so any party computes the same name. */
export function jwkThumbprint(jwk: PublicJwk): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

function publicJwkOf(value: Record<string, unknown>): PublicJwk {
  if (value.kty !== 'OKP' || value.crv !== 'Ed25519' || typeof value.x !== 'string') throw new Error('credential_signing_key: public_jwk is not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: value.x };
}

async function activeRow(db: Database) {
  return db
    .selectFrom('credential_signing_key')
    .select(['id', 'public_jwk', 'private_pkcs8'])
    .where('retired_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The key in use, made if there is none. Two instances making it at once both insert; the
 * database keeps one active key (migration 0008), the other insert does nothing, and both read
 * back the stored one. Not cached: see signingKey.
 */
export async function loadOrCreateSigningKey(db: Database): Promise<SigningKey> {
  let row = await activeRow(db);
  if (!row) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicJwk = publicJwkOf(publicKey.export({ format: 'jwk' }));
    await db
      .insertInto('credential_signing_key')
      .values({ id: jwkThumbprint(publicJwk), public_jwk: JSON.stringify(publicJwk), private_pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }) })
      .onConflict((oc) => oc.doNothing())
      .execute();
    row = await activeRow(db);
    if (!row) throw new Error('credential_signing_key: no active key after creating one');
  }
  return {
    id: row.id,
    publicJwk: publicJwkOf(row.public_jwk),
    privateKey: createPrivateKey({ key: Buffer.from(row.private_pkcs8), format: 'der', type: 'pkcs8' }),
  };
}

const cache = new WeakMap<Database, Promise<SigningKey>>();

/**
 * The key in use, read once per database handle: signing a badge costs no query. A key retired
 * meanwhile by another instance keeps signing here until restart, which is harmless: retired keys
 * stay published, so what they signed still verifies.
 */
export function signingKey(db: Database): Promise<SigningKey> {
  const cached = cache.get(db);
  if (cached) return cached;
  const loading = loadOrCreateSigningKey(db);
  cache.set(db, loading);
  // A failure (the database was unreachable) is not remembered: the next call tries again.
  loading.catch(() => {
    if (cache.get(db) === loading) cache.delete(db);
  });
  return loading;
}

/**
 * The JSON Web Key Set that verifiers fetch: every key, retired ones included, oldest first. The
 * key in use is made first if nothing has been signed yet, so the set is never empty.
 */
export async function publishedKeys(db: Database, publicUrl: string): Promise<{ keys: (PublicJwk & { kid: string; alg: 'EdDSA'; use: 'sig' })[] }> {
  await signingKey(db);
  const rows = await db.selectFrom('credential_signing_key').select(['id', 'public_jwk']).orderBy('created_at').orderBy('id').execute();
  return { keys: rows.map((row) => ({ ...publicJwkOf(row.public_jwk), kid: keyUrl(publicUrl, row.id), alg: 'EdDSA', use: 'sig' })) };
}

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * A compact JWS (RFC 7515) of the payload, signed with the key in use (EdDSA, RFC 8037). The
 * header names the key twice, as Open Badges 3.0 §8.2 allows: `kid`, a URL into the published key
 * set, and `jwk`, the public key itself, for verifiers that do not fetch. No other header.
 */
export async function signCompactJws(db: Database, publicUrl: string, typ: 'JWT' | 'vc+jwt', payload: object): Promise<string> {
  const key = await signingKey(db);
  const header = { alg: 'EdDSA', kid: keyUrl(publicUrl, key.id), jwk: key.publicJwk, typ };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  // Ed25519 takes no separate hash: the algorithm argument is null.
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), key.privateKey).toString('base64url')}`;
}
