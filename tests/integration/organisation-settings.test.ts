import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { pdfText } from '../support/pdf.ts';
import { PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream } from 'pdf-lib';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { signaturePng } from '../support/signature-png.ts';
import { LOGO_JPEG, logoPng, noisePng, withChunk } from '../support/organisation-images.ts';
import { issueAttestation, sha256Hex } from '../../src/lib/attestations/issue.ts';
import { attestationPdf } from '../../src/lib/attestations/records.ts';
import { organisation, organisationSettings, renderSpecimenPdf, updateOrganisation, type ImageChange } from '../../src/lib/attestations/organisation.ts';
import { attendanceSheet } from '../../src/lib/attendance/sheet.ts';
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

const KEEP: ImageChange = { action: 'keep' };
const as = (p: WorldPerson) => ({ actorId: p.id, actorRoles: p.roles });
const NEW_DETAILS = {
  name: 'ESPER Pro – Association des médiateurs de santé pairs',
  address: '8 avenue des Lices\n13400 Aubagne',
  registrationNumber: '93 13 12345 13',
  representativeName: 'Hélène Dupré-Ångström',
  representativeTitle: 'Co-présidente',
};

/** How many images the first page paints, as pdf.js draws it. */
async function imagesPainted(bytes: Uint8Array): Promise<number> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false }).promise;
  const operators = await (await pdf.getPage(1)).getOperatorList();
  return operators.fnArray.filter((fn) => fn === OPS.paintImageXObject).length;
}

/** The images of the first page's resources, as pdf-lib reads them: pixel size and filter. */
async function pageImages(bytes: Uint8Array): Promise<{ width: number; height: number; filter: string }[]> {
  const doc = await PDFDocument.load(bytes);
  const xObjects = doc.getPage(0).node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  if (!xObjects) return [];
  return xObjects.values().flatMap((ref) => {
    const stream = doc.context.lookup(ref);
    if (!(stream instanceof PDFRawStream) || stream.dict.get(PDFName.of('Subtype')) !== PDFName.of('Image')) return [];
    const number = (key: string) => (stream.dict.get(PDFName.of(key)) as PDFNumber).asNumber();
    return [{ width: number('Width'), height: number('Height'), filter: String(stream.dict.get(PDFName.of('Filter'))) }];
  });
}

const settingsRow = () => database.db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();
const auditCount = async () => Number((await database.db.selectFrom('audit_event').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'organisation.updated').executeTakeFirstOrThrow()).n);

/** Puts the settings back as the migration left them, so each test starts from the same row. */
async function resetSettings() {
  await database.db
    .updateTable('organisation_settings')
    .set({ name: 'ESPER Pro', address: 'Marseille (Provence-Alpes-Côte d’Azur)', registration_number: null, representative_name: 'La présidence de l’association', representative_title: 'Présidente', signature_png: null, logo_image: null, logo_media_type: null })
    .where('id', '=', true)
    .execute();
}

describe('the organisation’s settings', () => {
  it('a coordinator changes every field: the next attestation carries them, the one issued before keeps its bytes and hash', async () => {
    await resetSettings();
    const ctx = testContext(database.db);
    const [, zoe] = world.trainees as [WorldPerson, WorldPerson];
    const sessionId = await finishedSession(ctx, { coordinator: world.coordinator, trainer: world.trainer, training, participants: [{ person: zoe, presence: [true, true, true, true] }] });
    const before = await issueAttestation(ctx, { ...as(world.coordinator), sessionId, personId: zoe.id, kind: 'attendance' });
    if (!before.ok) throw new Error(before.message);
    const stored = await database.db.selectFrom('attestation').select(['pdf', 'pdf_sha256']).where('id', '=', before.id).executeTakeFirstOrThrow();

    const signature = signaturePng(7);
    const logo = logoPng();
    const outcome = await updateOrganisation(ctx, { ...as(world.coordinator), ...NEW_DETAILS, signature: { action: 'replace', bytes: signature }, logo: { action: 'replace', bytes: logo } });
    expect(outcome).toEqual({ ok: true, changed: ['name', 'address', 'registrationNumber', 'representativeName', 'representativeTitle', 'signature', 'logo'] });

    const row = await settingsRow();
    expect(row).toMatchObject({
      name: NEW_DETAILS.name,
      address: NEW_DETAILS.address,
      registration_number: NEW_DETAILS.registrationNumber,
      representative_name: NEW_DETAILS.representativeName,
      representative_title: NEW_DETAILS.representativeTitle,
      logo_media_type: 'image/png',
      updated_by: world.coordinator.id,
    });
    expect(Buffer.from(row.signature_png!).equals(Buffer.from(signature))).toBe(true);
    expect(Buffer.from(row.logo_image!).equals(Buffer.from(logo))).toBe(true);
    expect(row.updated_at).toEqual(ctx.now());
    expect(await organisationSettings(database.db)).toMatchObject({ signingPlace: 'Aubagne', updatedBy: 'Julien Morel', logo: { width: 480, height: 160, mediaType: 'image/png' } });

    // The audit names what changed, with the text before and after, never the images' bytes.
    const audit = await database.db.selectFrom('audit_event').selectAll().where('action', '=', 'organisation.updated').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.actor_id).toBe(world.coordinator.id);
    const details = audit.details as { changed: string[]; changes: Record<string, Record<string, unknown>> };
    expect(details.changed).toEqual(outcome.ok ? outcome.changed : []);
    expect(details.changes.representativeName).toEqual({ from: 'La présidence de l’association', to: NEW_DETAILS.representativeName });
    expect(details.changes.logo).toMatchObject({ action: 'added', type: 'image/png', width: 480, height: 160, bytes: logo.length, sha256: sha256Hex(logo) });
    expect(JSON.stringify(audit.details).length).toBeLessThan(2_000);

    // The attestation issued now says the new names and shows the logo and the signature.
    const after = await issueAttestation(ctx, { ...as(world.coordinator), sessionId, personId: zoe.id, kind: 'completion_certificate' });
    if (!after.ok) throw new Error(after.message);
    const pdf = (await attestationPdf(database.db, after.id, world.coordinator))!.pdf;
    const text = await pdfText(pdf);
    for (const expected of [NEW_DETAILS.name, '13400 Aubagne', 'Déclaration d’activité n° 93 13 12345 13', 'Je soussigné·e, Hélène Dupré-Ångström, co-présidente', 'Fait à Aubagne', 'Hélène Dupré-Ångström, co-présidente'])
      expect(text, `the new attestation shows « ${expected} »`).toContain(expected);
    expect(await pageImages(pdf)).toEqual(expect.arrayContaining([{ width: 480, height: 160, filter: '/FlateDecode' }, { width: 300, height: 120, filter: '/FlateDecode' }]));
    expect(await imagesPainted(pdf)).toBe(2);
    expect(pdf.length).toBeLessThan(150 * 1024);

    // The one issued before is untouched: same bytes, same hash, the old names.
    const again = await database.db.selectFrom('attestation').select(['pdf', 'pdf_sha256']).where('id', '=', before.id).executeTakeFirstOrThrow();
    expect(Buffer.from(again.pdf).equals(Buffer.from(stored.pdf))).toBe(true);
    expect(again.pdf_sha256).toBe(stored.pdf_sha256);
    expect(sha256Hex(again.pdf)).toBe(stored.pdf_sha256);
    const oldText = await pdfText(again.pdf);
    expect(oldText).toContain('La présidence de l’association');
    expect(oldText).not.toContain('Hélène');
    expect(await imagesPainted(again.pdf)).toBe(0);

    // The attendance sheet's header takes the name from the settings too.
    expect((await attendanceSheet(database.db, sessionId, ctx.now()))!.organisation).toBe(NEW_DETAILS.name);
  });

  it('takes a JPEG logo as it is, removes images on request, and records nothing when nothing changes', async () => {
    await resetSettings();
    const ctx = testContext(database.db);
    const details = { ...NEW_DETAILS, registrationNumber: '' };
    expect(await updateOrganisation(ctx, { ...as(world.admin), ...details, signature: { action: 'replace', bytes: signaturePng(2) }, logo: { action: 'replace', bytes: LOGO_JPEG } })).toMatchObject({ ok: true });
    const row = await settingsRow();
    expect(row.logo_media_type).toBe('image/jpeg');
    expect(row.registration_number).toBeNull();
    const specimen = await renderSpecimenPdf(await organisation(database.db), { now: ctx.now(), publicUrl: ctx.publicUrl });
    // A JPEG goes into the PDF byte for byte.
    expect(await pageImages(specimen)).toEqual(expect.arrayContaining([{ width: 64, height: 32, filter: '/DCTDecode' }]));
    expect(await imagesPainted(specimen)).toBe(2);

    const audits = await auditCount();
    expect(await updateOrganisation(ctx, { ...as(world.coordinator), ...details, signature: KEEP, logo: { action: 'replace', bytes: LOGO_JPEG } })).toEqual({ ok: true, changed: [] });
    expect(await auditCount()).toBe(audits);

    // A PNG keeps only the chunks that make the picture: a text chunk (metadata, here a name
    // and a phone number) is dropped.
    const logo = logoPng(300, 100);
    const tagged = withChunk(logo, 'tEXt', new TextEncoder().encode('Auteur Jean Dupont, 06 12 34 56 78'));
    expect(await updateOrganisation(ctx, { ...as(world.coordinator), ...details, signature: KEEP, logo: { action: 'replace', bytes: tagged } })).toEqual({ ok: true, changed: ['logo'] });
    expect(Buffer.from((await settingsRow()).logo_image!).equals(Buffer.from(logo))).toBe(true);
    // A JPEG loses its EXIF segment (a camera, a place) and keeps its picture.
    const payload = new TextEncoder().encode('Exif\0\0GPS 43.2965 N 5.3698 E');
    const exif = new Uint8Array([0xff, 0xe1, 0, payload.length + 2, ...payload]);
    const photo = new Uint8Array([...LOGO_JPEG.subarray(0, 2), ...exif, ...LOGO_JPEG.subarray(2)]);
    expect(await updateOrganisation(ctx, { ...as(world.coordinator), ...details, signature: KEEP, logo: { action: 'replace', bytes: photo } })).toEqual({ ok: true, changed: ['logo'] });
    expect(Buffer.from((await settingsRow()).logo_image!).equals(Buffer.from(LOGO_JPEG))).toBe(true);

    expect(await updateOrganisation(ctx, { ...as(world.coordinator), ...details, signature: { action: 'remove' }, logo: { action: 'remove' } })).toEqual({ ok: true, changed: ['signature', 'logo'] });
    expect(await settingsRow()).toMatchObject({ signature_png: null, logo_image: null, logo_media_type: null });
    expect(await imagesPainted(await renderSpecimenPdf(await organisation(database.db), { now: ctx.now(), publicUrl: ctx.publicUrl }))).toBe(0);
  });

  it('refuses a trainer, a trainee and a professional, and changes nothing', async () => {
    await resetSettings();
    const ctx = testContext(database.db);
    const row = await settingsRow();
    const audits = await auditCount();
    for (const who of [world.trainer, world.trainees[0]!, world.professional]) {
      const outcome = await updateOrganisation(ctx, { ...as(who), ...NEW_DETAILS, signature: { action: 'remove' }, logo: { action: 'replace', bytes: logoPng() } });
      expect(outcome, who.roles.join()).toEqual({ ok: false, status: 403, message: 'Seule l’équipe de coordination modifie les coordonnées de l’organisme.' });
    }
    expect(await settingsRow()).toEqual(row);
    expect(await auditCount()).toBe(audits);
  });

  it('refuses bad input with a French message, and leaves what was recorded as it was', async () => {
    await resetSettings();
    const ctx = testContext(database.db);
    // Something worth keeping is recorded first.
    expect(await updateOrganisation(ctx, { ...as(world.coordinator), ...NEW_DETAILS, signature: { action: 'replace', bytes: signaturePng(5) }, logo: { action: 'replace', bytes: logoPng() } })).toMatchObject({ ok: true });
    const row = await settingsRow();
    const audits = await auditCount();

    const textFile = new TextEncoder().encode('Bonjour, ceci est un fichier texte renommé logo.png.\n'.repeat(20));
    const corrupted = signaturePng(4);
    corrupted[corrupted.length - 20] = corrupted[corrupted.length - 20]! ^ 0xff;
    const huge = logoPng();
    new DataView(huge.buffer).setUint32(16, 20_000);
    new DataView(huge.buffer).setUint32(20, 20_000);
    const cases: { input: Partial<typeof NEW_DETAILS> & { signature?: ImageChange; logo?: ImageChange }; field: string; message: string | RegExp }[] = [
      { input: { name: '   ' }, field: 'name', message: 'Nom de l’organisme : ce champ est obligatoire.' },
      { input: { representativeName: '' }, field: 'representativeName', message: 'Nom du ou de la représentant·e légal·e : ce champ est obligatoire.' },
      { input: { address: 'x'.repeat(301) }, field: 'address', message: 'Adresse : 300 caractères au plus.' },
      { input: { address: 'a\nb\nc\nd\ne' }, field: 'address', message: 'Adresse : 4 lignes au plus.' },
      { input: { logo: { action: 'replace', bytes: textFile } }, field: 'logo', message: 'Logo : le fichier envoyé n’est pas une image PNG ou JPEG.' },
      { input: { signature: { action: 'replace', bytes: textFile } }, field: 'signature', message: 'Signature : le fichier envoyé n’est pas une image PNG.' },
      { input: { logo: { action: 'replace', bytes: noisePng(800, 600) } }, field: 'logo', message: /^Logo : l’image pèse 1,4 Mo ; 1 Mo au plus\.$/ },
      { input: { signature: { action: 'replace', bytes: LOGO_JPEG } }, field: 'signature', message: /^Signature : le fichier est une image JPEG ; il faut une image PNG/ },
      { input: { logo: { action: 'replace', bytes: huge } }, field: 'logo', message: /^Logo : l’image fait 20000 × 20000 pixels ; 3000 pixels de côté au plus/ },
      { input: { logo: { action: 'replace', bytes: logoPng().subarray(0, 60) } }, field: 'logo', message: /^Logo : cette image n’a pas pu être lue/ },
      { input: { signature: { action: 'replace', bytes: corrupted } }, field: 'signature', message: /^Signature : cette image n’a pas pu être lue/ },
      { input: { logo: { action: 'replace', bytes: noisePng(300, 300) } }, field: 'logo', message: /^Avec cette image, chaque attestation pèserait \d+ Ko \(150 Ko au plus\)/ },
    ];
    for (const { input, field, message } of cases) {
      const outcome = await updateOrganisation(ctx, { ...as(world.coordinator), ...NEW_DETAILS, name: 'Un autre nom', signature: { action: 'remove' }, logo: { action: 'remove' }, ...input });
      expect(outcome.ok, field).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.status).toBe(400);
      expect(outcome.field).toBe(field);
      if (typeof message === 'string') expect(outcome.message).toBe(message);
      else expect(outcome.message).toMatch(message);
    }
    expect(await settingsRow()).toEqual(row);
    expect(await auditCount()).toBe(audits);
  });

  it('a specimen shows the settings, is marked « SPÉCIMEN – sans valeur », and is neither numbered nor stored', async () => {
    await resetSettings();
    const ctx = testContext(database.db);
    await updateOrganisation(ctx, { ...as(world.coordinator), ...NEW_DETAILS, signature: { action: 'replace', bytes: signaturePng(3) }, logo: { action: 'replace', bytes: logoPng() } });
    const count = async (table: 'attestation' | 'outbox_email') => Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const [attestations, emails, counter] = [await count('attestation'), await count('outbox_email'), await database.db.selectFrom('attestation_counter').selectAll().execute()];
    const specimen = await renderSpecimenPdf(await organisation(database.db), { now: ctx.now(), publicUrl: ctx.publicUrl });
    const text = await pdfText(specimen);
    for (const expected of ['SPÉCIMEN – sans valeur', 'N° SPÉCIMEN', 'Dominique Exemple', NEW_DETAILS.name, 'Hélène Dupré-Ångström, co-présidente', 'Fait à Aubagne'])
      expect(text, `the specimen shows « ${expected} »`).toContain(expected);
    expect(text).not.toMatch(/EP-\d{4}-\d{6}/);
    expect(await imagesPainted(specimen)).toBe(2);
    expect(await count('attestation')).toBe(attestations);
    expect(await count('outbox_email')).toBe(emails);
    expect(await database.db.selectFrom('attestation_counter').selectAll().execute()).toEqual(counter);
  });
});
