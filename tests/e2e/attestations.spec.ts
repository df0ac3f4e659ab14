import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { pdfText } from '../support/pdf.ts';
import { unzip } from '../support/zip.ts';
import { sha256Hex } from '../../src/lib/attestations/issue.ts';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { testContext } from '../support/context.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { issueAttestation, revokeAttestation } from '../../src/lib/attestations/issue.ts';

test('the coordinator issues the certificates of a session; a participant downloads theirs; anyone verifies it', async ({ page, browser, person, signIn, db, baseURL }) => {
  test.setTimeout(120_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
  const zoe = await person({ givenName: 'Zoë', familyName: `Lefèvre${suffix}`, roles: ['professional'] });
  const lukasz = await person({ givenName: 'Łukasz', familyName: `Nowak${suffix}`, roles: ['trainee'] });
  const partial = await person({ givenName: 'Inès', familyName: `Petit${suffix}`, roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator, { title: `PSSM ${suffix}` });
  const sessionId = await finishedSession(ctx, {
    coordinator,
    trainer,
    training,
    participants: [
      { person: zoe, presence: [true, true, true, true], employer: 'CMP Belle de Mai' },
      { person: lukasz, presence: [true, true, true, true] },
      { person: partial, presence: [true, false, false, false] },
    ],
  });

  // The coordinator sees who may receive what, and issues the certificates to everyone eligible.
  await signIn(coordinator);
  await page.goto(`/formation/seances/${sessionId}`);
  await page.getByRole('main').getByRole('link', { name: 'Attestations', exact: true }).click();
  await page.waitForURL(/\/attestations$/);
  await expect(page.getByText('Assiduité de 25 % : la formation demande 80 %.')).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Certificat de réalisation', exact: true }).click();
  await expect(page.getByText(/Certificat de réalisation : 3 délivrées, 0 déjà en main/)).toBeVisible();
  await page.getByRole('button', { name: 'Certificat de réalisation', exact: true }).click();
  await expect(page.getByText(/Certificat de réalisation : 0 délivrée, 3 déjà en main/)).toBeVisible();

  // All of them at once, as a ZIP: one PDF per person, byte for byte the ones on record.
  const [zipDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Télécharger toutes les attestations \(ZIP, 3 PDF\)/ }).click()]);
  expect(zipDownload.suggestedFilename()).toMatch(/^attestations-pssm-.*\.zip$/);
  const zipped = await unzip(await readFile((await zipDownload.path())!));
  const onRecord = await db.selectFrom('attestation').select(['number', 'pdf_sha256']).where('session_id', '=', sessionId).execute();
  expect([...zipped.keys()].map((name) => name.split('/')[0])).toEqual(['certificat-de-realisation', 'certificat-de-realisation', 'certificat-de-realisation']);
  for (const a of onRecord) expect(sha256Hex([...zipped].find(([name]) => name.includes(a.number))![1])).toBe(a.pdf_sha256);

  // Zoë finds hers under « Mes attestations » and downloads it.
  const zoeContext = await browser.newContext({ baseURL, viewport: { width: 375, height: 800 } });
  await signIn(zoe, zoeContext);
  const phone = await zoeContext.newPage();
  await phone.goto('/mes-attestations');
  await expect(phone.getByRole('heading', { name: 'Certificat de réalisation' })).toBeVisible();
  await expectNoAxeViolations(phone);
  await expectNoHorizontalScroll(phone);
  const [download] = await Promise.all([phone.waitForEvent('download'), phone.getByRole('link', { name: /Télécharger le PDF/ }).click()]);
  const bytes = new Uint8Array(await readFile((await download.path())!));
  const text = await pdfText(bytes);
  expect(text).toContain(`Zoë Lefèvre${suffix}`);
  expect(text).toContain('CMP Belle de Mai');
  expect(text).toContain('14 h sur 14 h');
  const number = /EP-\d{4}-\d{6}/.exec(text)![0];
  const link = new RegExp(`(http\\S*/verifier/${number}\\?c=[a-z2-7]+)`).exec(text)![1]!;

  // An employer, signed out, follows the QR code's link, then checks the file itself.
  const employer = await browser.newContext({ baseURL });
  const visitor = await employer.newPage();
  await visitor.goto(new URL(link).pathname + new URL(link).search);
  await expect(visitor.getByText('Attestation authentique')).toBeVisible();
  await expect(visitor.getByText(`Zoë Lefèvre${suffix}`)).toBeVisible();
  await expectNoAxeViolations(visitor);
  await visitor.goto('/verifier');
  await visitor.getByLabel('Fichier PDF reçu').setInputFiles({ name: 'attestation.pdf', mimeType: 'application/pdf', buffer: Buffer.from(bytes) });
  await visitor.getByRole('button', { name: 'Vérifier le fichier' }).click();
  await expect(visitor.getByText('Attestation authentique')).toBeVisible();
  const altered = Buffer.from(bytes);
  altered[altered.length - 20] = altered[altered.length - 20]! ^ 1;
  await visitor.getByLabel('Fichier PDF reçu').setInputFiles({ name: 'attestation.pdf', mimeType: 'application/pdf', buffer: altered });
  await visitor.getByRole('button', { name: 'Vérifier le fichier' }).click();
  await expect(visitor.getByText('Aucune attestation ne correspond.')).toBeVisible();
  await expectNoAxeViolations(visitor);

  // The coordinator revokes it; the verification page says so.
  await page.getByRole('link', { name: `n° ${number}` }).click();
  await page.getByLabel('Motif').fill('Émise par erreur');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Révoquer l’attestation' }).click();
  await page.waitForURL(/info=revoquee/);
  await visitor.goto(`/verifier/${number}`);
  await expect(visitor.getByText(/Attestation révoquée le/)).toBeVisible();
  await expect(visitor.getByText('Motif : Émise par erreur.')).toBeVisible();

  // Someone else cannot download Zoë's PDF: it does not exist for them.
  const other = await browser.newContext({ baseURL });
  await signIn(lukasz, other);
  const attestationId = new URL(page.url()).pathname.split('/').at(-1)!;
  expect((await (await other.newPage()).request.get(`/attestations/${attestationId}/pdf`)).status()).toBe(404);
  for (const c of [zoeContext, employer, other]) await c.close();
});

test('a bulk issue under way shows its progress, which moves by itself until the summary', async ({ page, person, signIn, db }) => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
  const people = await Promise.all(['Anaïs', 'Bruno', 'Chloé'].map((givenName) => person({ givenName, familyName: `Progrès${suffix}`, roles: ['trainee'] })));
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator, { title: `Rétablissement ${suffix}` });
  const sessionId = await finishedSession(ctx, { coordinator, trainer, training, participants: people.map((p) => ({ person: p, presence: [true, true, true, true] })) });
  // A batch as a running server records it, one person done of three (this test moves it on).
  const batch = await db
    .insertInto('attestation_batch')
    .values({ session_id: sessionId, kind: 'attendance', started_by: coordinator.id, started_at: new Date(), heartbeat_at: new Date(), total: 3, done: 1, issued: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();

  await signIn(coordinator);
  await page.goto(`/formation/seances/${sessionId}/attestations?lot=${batch.id}`);
  const progress = page.getByRole('progressbar', { name: 'Délivrance en cours : Attestation d’assiduité' });
  await expect(progress).toHaveAttribute('value', '1');
  await expect(page.getByRole('status')).toHaveText(/1 personne traitée sur 3/);
  await expectNoAxeViolations(page);
  await db.updateTable('attestation_batch').set({ done: 2, issued: 2, heartbeat_at: new Date() }).where('id', '=', batch.id).execute();
  await expect(page.getByRole('status')).toHaveText(/2 personnes traitées sur 3/);
  await expect(progress).toHaveJSProperty('value', 2);
  await db.updateTable('attestation_batch').set({ done: 3, issued: 3, finished_at: new Date(), heartbeat_at: new Date() }).where('id', '=', batch.id).execute();
  await expect(page.getByText('Attestation d’assiduité : 3 délivrées, 0 déjà en main, 0 personne non éligible.')).toBeVisible();
  await expect(progress).toHaveCount(0);
});

test('a participant downloads their Open Badge; a verifier checks it with the published key and revocation list', async ({ page, playwright, person, signIn, db, baseURL }) => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
  const ines = await person({ givenName: 'Inès', familyName: `Petit${suffix}`, roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator, { title: `Rétablissement ${suffix}` });
  const sessionId = await finishedSession(ctx, { coordinator, trainer, training, participants: [{ person: ines, presence: [true, true, true, true] }] });
  const issued = await issueAttestation(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, personId: ines.id, kind: 'completion_certificate' });
  if (!issued.ok) throw new Error(issued.message);

  // Inès downloads her badge from « Mes attestations ».
  await signIn(ines);
  await page.goto('/mes-attestations');
  await expectNoAxeViolations(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Badge numérique \(Open Badges 3\.0\)/ }).click()]);
  expect(download.suggestedFilename()).toBe(`${issued.number}.jwt`);
  const jwt = (await readFile((await download.path())!, 'utf8')).trim();

  // A verifier elsewhere, signed out, fetches the key set, the issuer and the list over HTTP.
  const verifier = await playwright.request.newContext({ baseURL });
  const keysResponse = await verifier.get('/openbadges/cles');
  expect(keysResponse.headers()['access-control-allow-origin']).toBe('*');
  const keys = createLocalJWKSet(await keysResponse.json());
  // The test's clock has moved past the session, later than the real one: verify as of then.
  const { payload } = await jwtVerify(jwt, keys, { algorithms: ['EdDSA'], currentDate: ctx.now() });
  expect(payload.type).toEqual(expect.arrayContaining(['VerifiableCredential', 'OpenBadgeCredential']));
  expect(payload.jti).toBe(`urn:uuid:${issued.id}`);
  const issuer = await verifier.get(new URL(payload.iss!).pathname);
  expect(issuer.headers()['content-type']).toContain('application/ld+json');
  expect(await issuer.json()).toMatchObject({ id: payload.iss, type: ['Profile'] });
  const status = payload.credentialStatus as { type: string; statusListIndex: string; statusListCredential: string };
  expect(status.type).toBe('BitstringStatusListEntry');
  const revoked = async (): Promise<boolean> => {
    const list = await verifier.get(new URL(status.statusListCredential).pathname);
    expect(list.headers()['content-type']).toContain('application/vc+jwt');
    const listed = (await jwtVerify((await list.text()).trim(), keys, { algorithms: ['EdDSA'], currentDate: ctx.now() })).payload as JWTPayload & { credentialSubject: { encodedList: string } };
    const bits = gunzipSync(Buffer.from(listed.credentialSubject.encodedList.slice(1), 'base64url'));
    const index = Number(status.statusListIndex);
    return ((bits[index >> 3]! >> (7 - (index & 7))) & 1) === 1;
  };
  expect(await revoked()).toBe(false);

  // The coordination revokes the attestation: the list now says so.
  expect(await revokeAttestation(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, attestationId: issued.id, reason: 'Émise par erreur' })).toEqual({ ok: true });
  expect(await revoked()).toBe(true);
  await verifier.dispose();
});
