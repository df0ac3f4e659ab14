import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { issueAttestation, reissueAttestation, revokeAttestation } from '../../src/lib/attestations/issue.ts';
import { findAttestation, type AttestationSummary } from '../../src/lib/attestations/records.ts';
import { issuerProfile, openBadgeDownload, openBadgeStatusList, signedOpenBadge, type OpenBadgeCredential } from '../../src/lib/attestations/open-badge.ts';
import { loadOrCreateSigningKey, publishedKeys, signingKey } from '../../src/lib/attestations/signing-key.ts';
import type { SessionKind } from '../../src/lib/attestations/kinds.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';

/**
 * The Open Badges 3.0 credentials, checked as an outside verifier would: with `jose` (not the
 * platform's code), against the key set and the revocation list the platform publishes.
 */

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

/** Zoë came to every half-day, Łukasz to three of four. */
async function pssmSession() {
  const ctx = testContext(database.db);
  const [, zoe, lukasz] = world.trainees as [WorldPerson, WorldPerson, WorldPerson];
  const sessionId = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training,
    participants: [
      { person: zoe, presence: [true, true, true, true], employer: 'Association Œuvre d’entraide' },
      { person: lukasz, presence: [true, true, true, false] },
    ],
  });
  const issue = async (person: WorldPerson, kind: SessionKind): Promise<AttestationSummary> => {
    const issued = await issueAttestation(ctx, { ...coordination(), sessionId, personId: person.id, kind });
    if (!issued.ok) throw new Error(issued.message);
    return (await findAttestation(database.db, issued.id))!;
  };
  return { ctx, sessionId, zoe, lukasz, issue };
}

/** What a verifier does: the published key set, EdDSA only, and the time of the test's clock. */
async function verify(jwt: string, now: Date) {
  const keys = createLocalJWKSet(await publishedKeys(database.db, 'http://parcours.test'));
  return jwtVerify(jwt, keys, { algorithms: ['EdDSA'], currentDate: now });
}

/** The revocation list's bit for a badge, read per the Bitstring Status List specification. */
async function revokedInList(listPayload: JWTPayload, credential: OpenBadgeCredential): Promise<boolean> {
  const subject = listPayload.credentialSubject as { type: string; statusPurpose: string; encodedList: string };
  expect(subject).toMatchObject({ type: 'BitstringStatusList', statusPurpose: credential.credentialStatus.statusPurpose });
  expect(subject.encodedList.startsWith('u')).toBe(true);
  const bits = gunzipSync(Buffer.from(subject.encodedList.slice(1), 'base64url'));
  expect(bits.length).toBeGreaterThanOrEqual(16 * 1024);
  const index = Number(credential.credentialStatus.statusListIndex);
  expect(index).toBeLessThan(bits.length * 8);
  return ((bits[Math.floor(index / 8)]! >> (7 - (index % 8))) & 1) === 1;
}

const payloadOf = (jwt: string): OpenBadgeCredential & JWTPayload => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

describe('an attestation as an Open Badges 3.0 credential', () => {
  it('is a VC-JWT signed with a published key, saying what the attestation says, and nothing more', async () => {
    const { ctx, zoe, issue } = await pssmSession();
    const attestation = await issue(zoe, 'end_of_training');
    const jwt = await signedOpenBadge(database.db, attestation, ctx.publicUrl);

    const header = decodeProtectedHeader(jwt);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    expect(header.kid).toMatch(/^http:\/\/parcours\.test\/openbadges\/cles#[A-Za-z0-9_-]{43}$/);
    expect(header.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(header.jwk).not.toHaveProperty('d');

    const { payload } = await verify(jwt, ctx.now());
    const credential = payload as OpenBadgeCredential & JWTPayload;
    expect(credential['@context']).toEqual(['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json']);
    expect(credential.type).toEqual(expect.arrayContaining(['VerifiableCredential', 'OpenBadgeCredential']));
    // The registered claims mirror the credential (OB 3.0 §8.2).
    const profile = await issuerProfile(database.db, ctx.publicUrl);
    expect(credential.issuer).toMatchObject({ id: profile.id, type: ['Profile'], name: 'ESPER Pro' });
    expect(profile.id).toBe('http://parcours.test/openbadges/emetteur');
    expect(payload.iss).toBe(profile.id);
    expect(payload.jti).toBe(`urn:uuid:${attestation.id}`);
    expect(credential.id).toBe(payload.jti);
    expect(payload.sub).toBe(credential.credentialSubject.id);
    expect(payload.nbf).toBe(Math.floor(attestation.issuedAt.getTime() / 1000));
    expect(new Date(credential.validFrom).getTime()).toBe(payload.nbf! * 1000);
    expect(credential.validFrom).toBe(attestation.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(payload.exp).toBeUndefined();

    const subject = credential.credentialSubject;
    expect(subject.type).toEqual(['AchievementSubject']);
    expect(subject.identifier).toEqual([{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'Zoë Lefèvre' }]);
    expect(subject.achievement).toMatchObject({
      id: `http://parcours.test/formations/${training.slug}#badge-fin-de-formation`,
      type: ['Achievement'],
      achievementType: 'CertificateOfCompletion',
      name: `Attestation de fin de formation : ${training.title}`,
    });
    expect(subject.achievement.description).toContain(training.title);
    expect(subject.achievement.criteria.narrative).toContain('au moins 80 %');
    expect(subject.achievement.criteria.narrative).toContain(`« ${training.title} »`);
    expect(credential.description).toContain(attestation.number);
    expect(credential.description).toContain('14 h suivies sur 14 h prévues');
    expect(credential.credentialStatus).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListCredential: 'http://parcours.test/openbadges/statuts',
    });
    expect(credential.credentialStatus.statusListIndex).toMatch(/^\d+$/);

    // No email, no internal id: only what the PDF shows.
    const text = JSON.stringify(payload);
    expect(text).not.toContain(zoe.email);
    expect(text).not.toContain(zoe.id);
    expect(text).not.toContain('Œuvre');

    // The same attestation gives the same badge (same status bit; Ed25519 is deterministic).
    expect(await signedOpenBadge(database.db, attestation, ctx.publicUrl)).toBe(jwt);
  });

  it('refuses a badge altered by one character, in its content or its signature', async () => {
    const { ctx, zoe, issue } = await pssmSession();
    const jwt = await signedOpenBadge(database.db, await issue(zoe, 'completion_certificate'), ctx.publicUrl);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const flip = (part: string, at: number) => part.slice(0, at) + (part[at] === 'A' ? 'B' : 'A') + part.slice(at + 1);
    await expect(verify(`${header}.${flip(payload, 40)}.${signature}`, ctx.now())).rejects.toThrow();
    await expect(verify(`${header}.${payload}.${flip(signature, 10)}`, ctx.now())).rejects.toThrow();
    await expect(verify(jwt, ctx.now())).resolves.toBeTruthy();
  });

  it('reads as revoked in the published list once revoked; a valid or superseded one does not', async () => {
    const { ctx, zoe, lukasz, issue } = await pssmSession();
    const [zoes, lukaszs] = [await issue(zoe, 'attendance'), await issue(lukasz, 'attendance')];
    const zoeBadge = payloadOf(await signedOpenBadge(database.db, zoes, ctx.publicUrl));
    const lukaszBadge = payloadOf(await signedOpenBadge(database.db, lukaszs, ctx.publicUrl));
    expect(zoeBadge.credentialStatus.statusListIndex).not.toBe(lukaszBadge.credentialStatus.statusListIndex);

    const before = await verify((await openBadgeStatusList(ctx)).jwt, ctx.now());
    expect(await revokedInList(before.payload, zoeBadge)).toBe(false);

    expect(await revokeAttestation(ctx, { ...coordination(), attestationId: zoes.id, reason: 'Émise par erreur' })).toEqual({ ok: true });
    const again = await reissueAttestation(ctx, { ...coordination(), attestationId: lukaszs.id });
    if (!again.ok) throw new Error(again.message);

    const { jwt, credential } = await openBadgeStatusList(ctx);
    const { payload, protectedHeader } = await verify(jwt, ctx.now());
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload.type).toEqual(expect.arrayContaining(['VerifiableCredential', 'BitstringStatusListCredential']));
    expect(payload.jti).toBe(zoeBadge.credentialStatus.statusListCredential);
    expect(payload.iss).toBe(zoeBadge.iss);
    expect(payload.credentialSubject).toEqual(credential.credentialSubject);
    expect(await revokedInList(payload, zoeBadge)).toBe(true);
    // Re-issued: the old one was true when issued, the verification page names its successor.
    expect(await revokedInList(payload, lukaszBadge)).toBe(false);
    // A revoked badge's signature still verifies: its status is what says it no longer holds.
    const stillSigned = await signedOpenBadge(database.db, (await findAttestation(database.db, zoes.id))!, ctx.publicUrl);
    await expect(verify(stillSigned, ctx.now())).resolves.toBeTruthy();
  });

  it('is its holder’s and the coordination’s to download; anyone else is told it does not exist', async () => {
    const { ctx, zoe, lukasz, issue } = await pssmSession();
    const attestation = await issue(zoe, 'completion_certificate');
    const mine = await openBadgeDownload(ctx, attestation.id, zoe);
    expect(mine?.number).toBe(attestation.number);
    await expect(verify(mine!.jwt, ctx.now())).resolves.toBeTruthy();
    expect((await openBadgeDownload(ctx, attestation.id, world.coordinator))?.number).toBe(attestation.number);
    expect(await openBadgeDownload(ctx, attestation.id, lukasz)).toBeUndefined();
    expect(await openBadgeDownload(ctx, attestation.id, world.trainer)).toBeUndefined();
    expect(await openBadgeDownload(ctx, attestation.id, world.professional)).toBeUndefined();
    expect(await openBadgeDownload(ctx, 'pas-un-identifiant', world.coordinator)).toBeUndefined();
  });
});

describe('the signing key', () => {
  it('is published before anything is signed: a verifier never finds an empty key set', async () => {
    const fresh = await freshDatabase();
    try {
      const published = await publishedKeys(fresh.db, 'http://parcours.test');
      expect(published.keys).toHaveLength(1);
      expect(published.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    } finally {
      await fresh.drop();
    }
  });

  it('is made once, even when several instances ask at the same moment; retired keys stay published', async () => {
    const fresh = await freshDatabase();
    // On PostgreSQL, separate connection pools stand for separate server instances.
    const handles = fresh.url ? [fresh.db, openDatabase({ kind: 'postgres', url: fresh.url }), openDatabase({ kind: 'postgres', url: fresh.url })] : [fresh.db];
    try {
      const keys = await Promise.all(handles.flatMap((db) => [loadOrCreateSigningKey(db), loadOrCreateSigningKey(db), signingKey(db), signingKey(db)]));
      expect(new Set(keys.map((k) => k.id)).size).toBe(1);
      expect(await fresh.db.selectFrom('credential_signing_key').select('id').execute()).toHaveLength(1);
      expect(signingKey(fresh.db)).toBe(signingKey(fresh.db));

      // A retired key still verifies what it signed; the next signature uses a new key.
      const ctx = testContext(fresh.db);
      const before = (await openBadgeStatusList(ctx)).jwt;
      await fresh.db.updateTable('credential_signing_key').set({ retired_at: new Date() }).execute();
      const next = await loadOrCreateSigningKey(fresh.db);
      expect(next.id).not.toBe(keys[0]!.id);
      const published = await publishedKeys(fresh.db, ctx.publicUrl);
      expect(published.keys.map((k) => k.kid)).toEqual([keys[0]!.id, next.id].map((id) => `http://parcours.test/openbadges/cles#${id}`));
      expect(published.keys.every((k) => !('d' in k))).toBe(true);
      await expect(jwtVerify(before, createLocalJWKSet(published), { algorithms: ['EdDSA'], currentDate: ctx.now() })).resolves.toBeTruthy();
    } finally {
      await Promise.all(handles.slice(1).map((db) => db.destroy()));
      await fresh.drop();
    }
  });
});
