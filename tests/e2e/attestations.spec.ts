import { readFile } from 'node:fs/promises';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { testContext } from '../support/context.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';

async function pdfText(bytes: Uint8Array): Promise<string> {
  // A copy: pdf.js takes over (detaches) the buffer it is given.
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false }).promise;
  return (await (await pdf.getPage(1)).getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' ').replace(/\s+/g, ' ');
}

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
  await page.getByRole('link', { name: 'Attestations', exact: true }).click();
  await page.waitForURL(/\/attestations$/);
  await expect(page.getByText('Assiduité de 25 % : la formation demande 80 %.')).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Certificat de réalisation', exact: true }).click();
  await expect(page.getByText(/Certificat de réalisation : 3 délivrées, 0 déjà en main/)).toBeVisible();
  await page.getByRole('button', { name: 'Certificat de réalisation', exact: true }).click();
  await expect(page.getByText(/Certificat de réalisation : 0 délivrée, 3 déjà en main/)).toBeVisible();

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
