import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { buildWorld, type World } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { packageEntries, renameInArchive, underDeclareSize, zip, type PackageEntry } from '../support/h5p-packages.ts';
import { logoPng } from '../support/organisation-images.ts';
import { concatBytes, pngChunk, signaturePng } from '../support/signature-png.ts';
import { inspectH5pPackage, PACKAGE_LIMITS, storeH5pPackage } from '../../src/lib/modules/h5p-packages.ts';
import { sharedLibraryExists } from '../../src/lib/modules/activities.ts';
import { updateOrganisation, type ImageChange } from '../../src/lib/attestations/organisation.ts';
import { signOnTablet } from '../../src/lib/attendance/signing.ts';
import { openSlot } from '../../src/lib/attendance/slots.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { verifyByPdf } from '../../src/lib/attestations/verification.ts';

/**
 * The attacks on every upload of the platform that the uploads' own tests do not already make
 * (tests/unit/h5p-packages.test.ts, tests/integration/h5p-packages.test.ts and
 * organisation-settings.test.ts, attendance.test.ts, tests/e2e/h5p-upload.spec.ts): each is
 * refused with a French reason, and nothing is written, neither in the database nor on disk.
 */

let database: TestDatabase;
let world: World;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
});
afterAll(() => database.drop());

/** Every file under content/ with its size and time: the platform never writes there. */
async function contentFolder(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const s = await stat(path);
        out.push(`${path} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  await walk('content');
  return out.sort();
}

const count = async (table: 'h5p_package' | 'h5p_package_file' | 'audit_event' | 'attendance_record' | 'attestation') =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** As /formation/activites does it: inspected whole, kept only when every check passes. */
async function upload(archive: Buffer, id: string): Promise<string> {
  const inspection = await inspectH5pPackage(archive, sharedLibraryExists);
  if (!inspection.ok) return inspection.reason;
  await storeH5pPackage(database.db, { id, uploadedBy: world.trainer.id, inspection });
  return 'accepted';
}

/** A package with one more entry whose name zip tools refuse to write, smuggled in the archive's bytes. */
async function withEntryNamed(name: string): Promise<Buffer> {
  const placeholder = 'q'.repeat(name.length);
  return renameInArchive(await zip([...packageEntries(), { path: placeholder, content: '{}' }]), placeholder, name);
}

/**
 * The archive with entries added by hand (their local headers and central records): empty folders,
 * or files deflated quickly (yazl computes its checksums in JavaScript: seconds for 150 MB).
 */
function withEntries(archive: Buffer, added: { name: string; data?: Buffer }[]): Buffer {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const centralSize = archive.readUInt32LE(end + 12);
  const centralOffset = archive.readUInt32LE(end + 16);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = centralOffset;
  for (const { name, data } of added) {
    const bytes = Buffer.from(name);
    const deflated = data ? deflateRawSync(data, { level: 1 }) : Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(offset, 42);
    // Method (8: deflate), CRC-32, compressed and real sizes, name length: at 8/14/18/22/26 in a
    // local header, 10/16/20/24/28 in a central record.
    for (const [header, at] of [[local, 8], [central, 10]] as const) {
      header.writeUInt16LE(data ? 8 : 0, at);
      header.writeUInt32LE(data ? crc32(data) : 0, at + 6);
      header.writeUInt32LE(deflated.length, at + 10);
      header.writeUInt32LE(data?.length ?? 0, at + 14);
      header.writeUInt16LE(bytes.length, at + 18);
    }
    locals.push(local, bytes, deflated);
    centrals.push(central, bytes);
    offset += 30 + bytes.length + deflated.length;
  }
  const record = Buffer.from(archive.subarray(end, end + 22));
  const entries = record.readUInt16LE(10) + added.length;
  record.writeUInt16LE(entries, 8);
  record.writeUInt16LE(entries, 10);
  const central = Buffer.concat([archive.subarray(centralOffset, centralOffset + centralSize), ...centrals]);
  record.writeUInt32LE(central.length, 12);
  record.writeUInt32LE(offset, 16);
  return Buffer.concat([archive.subarray(0, centralOffset), ...locals, central, record]);
}

/** Marks an entry as encrypted (general purpose bit 0, in its local header and its central record). */
function markEncrypted(archive: Buffer, name: string): Buffer {
  const result = Buffer.from(archive);
  for (const [signature, flags, nameLength, nameAt] of [
    [0x04034b50, 6, 26, 30],
    [0x02014b50, 8, 28, 46],
  ] as const) {
    const marker = Buffer.alloc(4);
    marker.writeUInt32LE(signature);
    for (let at = result.indexOf(marker); at !== -1; at = result.indexOf(marker, at + 4)) {
      const length = result.readUInt16LE(at + nameLength);
      if (result.toString('utf8', at + nameAt, at + nameAt + length) === name) result.writeUInt16LE(result.readUInt16LE(at + flags) | 1, at + flags);
    }
  }
  return result;
}

describe('an H5P package upload', () => {
  it('refuses every path leaving the package: absolute, drive letter, Windows separators, nested ..', async () => {
    const before = { packages: await count('h5p_package'), files: await count('h5p_package_file'), content: await contentFolder() };
    for (const name of ['/etc/cron.d/evil.json', 'C:/Windows/evil.json', '..\\..\\evil.json', 'content\\..\\..\\evil.json', 'content/../../evil.json', 'content/./../../../evil.json'])
      expect(await upload(await withEntryNamed(name), 'chemin'), name).toMatch(/^Chemin interdit dans le paquet/);
    expect({ packages: await count('h5p_package'), files: await count('h5p_package_file'), content: await contentFolder() }).toEqual(before);
  });

  it('refuses a zip bomb, whether it declares its real size or lies about it, before inflating it', async () => {
    const before = await count('h5p_package_file');
    // Honest: 151 MB of zeros compress to about 150 KB.
    const honest = withEntries(await zip(packageEntries()), [{ name: 'content/zeros.txt', data: Buffer.alloc(PACKAGE_LIMITS.totalBytes + 1024 * 1024) }]);
    expect(honest.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    expect(await upload(honest, 'bombe')).toBe('Le paquet décompressé dépasse 150 Mo.');
    // Refused on the size the archive declares, without inflating the 151 MB.
    expect(performance.now() - started).toBeLessThan(500);
    // Lying upwards (4 GB declared): refused on the declaration alone.
    const declared = underDeclareSize(await zip([...packageEntries(), { path: 'content/petit.txt', content: 'peu de chose' }]), 'content/petit.txt', 0xffffffff);
    expect(await upload(declared, 'bombe')).toBe('Le paquet décompressé dépasse 150 Mo.');
    // A zip inside the zip is not a file type H5P knows.
    expect(await upload(await zip([...packageEntries(), { path: 'content/encore.zip', content: honest }]), 'bombe')).toBe('Type de fichier interdit dans le paquet : content/encore.zip');
    expect(await count('h5p_package_file')).toBe(before);
  });

  it('refuses a package of tens of thousands of entries that are not files (directories), without reading them all', async () => {
    const packages = await count('h5p_package');
    const many = withEntries(await zip(packageEntries()), Array.from({ length: 60_000 }, (_, i) => ({ name: `content/d${i}/` })));
    const started = performance.now();
    expect(await upload(many, 'dossiers')).toBe(`Le paquet contient plus de ${PACKAGE_LIMITS.entries} entrées (fichiers et dossiers).`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(await count('h5p_package')).toBe(packages);
  });

  it('refuses a symbolic link among the libraries too, and an encrypted entry', async () => {
    const packages = await count('h5p_package');
    const entries: PackageEntry[] = packageEntries().map((e) => (e.path.endsWith('quiz.js') ? { ...e, content: '../../../../etc/passwd', mode: 0o120755 } : e));
    expect(await upload(await zip(entries), 'lien')).toBe('Lien symbolique interdit dans le paquet : H5P.QuizImporte-1.2/quiz.js');
    expect(await upload(markEncrypted(await zip(packageEntries()), 'content/content.json'), 'chiffre')).toBe('Fichier chiffré interdit dans le paquet : content/content.json');
    expect(await count('h5p_package')).toBe(packages);
  });

  it('refuses what is not a zip under a .h5p name (a program, a PDF), and pages or scripts disguised by their name', async () => {
    const packages = await count('h5p_package');
    const program = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.'), Buffer.alloc(4096)]);
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    for (const archive of [program, pdf]) expect(await upload(archive, 'faux')).toBe('Ce fichier n’est pas un paquet H5P : l’archive zip est illisible.');
    for (const path of ['content/page.htm', 'content/page.xhtml', 'content/outil.php', 'content/script.sh', 'content/image.svg.html', 'content/note.js.', 'H5P.QuizImporte-1.2/installer.exe'])
      expect(await upload(await zip([...packageEntries(), { path, content: '<script>parent.location="https://exemple.invalid"</script>' }]), 'faux'), path).toBe(`Type de fichier interdit dans le paquet : ${path}`);
    expect(await upload(await zip([...packageEntries(), { path: 'content/EVIL.JS', content: 'alert(1)' }]), 'faux')).toMatch(/n’a pas sa place dans content\/ : content\/EVIL\.JS$/);
    expect(await count('h5p_package')).toBe(packages);
  });

  it('over 50 MB is refused before it is opened', async () => {
    const packages = await count('h5p_package');
    // Bytes past the archive's end: the file weighs over 50 MB whatever it holds.
    const heavy = Buffer.concat([await zip(packageEntries()), Buffer.alloc(PACKAGE_LIMITS.archiveBytes, 1)]);
    expect(await upload(heavy, 'lourd')).toBe('Le fichier dépasse 50 Mo.');
    expect(await count('h5p_package')).toBe(packages);
  });
});

describe('the organisation’s logo and signature', () => {
  const as = () => ({ actorId: world.coordinator.id, actorRoles: world.coordinator.roles });
  const details = { name: 'ESPER Pro', address: 'Marseille', registrationNumber: '', representativeName: 'La présidence', representativeTitle: 'Présidente' };
  const settingsRow = () => database.db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();

  it('refuses an SVG with a script, a PDF, a program or a web page named .png, and images too large in pixels', async () => {
    const ctx = testContext(database.db);
    const row = await settingsRow();
    const audits = await count('audit_event');
    const text = (s: string) => new TextEncoder().encode(s);
    const svg = text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><script>fetch("/mon-compte/donnees")</script></svg>');
    const pdf = text('%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n');
    const program = text(`MZ\u0090\u0000This program cannot be run in DOS mode.${' '.repeat(200)}`);
    const html = text('<!doctype html><script>alert(1)</script>');
    // A header announcing 3000 × 3000 pixels (9 megapixels: over the 6 allowed), 0 × 0, and a JPEG of 65535 × 65535.
    const tooMany = logoPng(64, 32);
    new DataView(tooMany.buffer).setUint32(16, 3000);
    new DataView(tooMany.buffer).setUint32(20, 3000);
    const empty = logoPng(64, 32);
    new DataView(empty.buffer).setUint32(16, 0);
    new DataView(empty.buffer).setUint32(20, 0);
    const hugeJpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0xff, 0xff, 0xff, 0xff, 1, 1, 0x11, 0, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
    const cases: [ImageChange & { action: 'replace' }, 'logo' | 'signature', string | RegExp][] = [
      [{ action: 'replace', bytes: svg }, 'logo', 'Logo : le fichier envoyé n’est pas une image PNG ou JPEG.'],
      [{ action: 'replace', bytes: svg }, 'signature', 'Signature : le fichier envoyé n’est pas une image PNG.'],
      [{ action: 'replace', bytes: pdf }, 'logo', 'Logo : le fichier envoyé n’est pas une image PNG ou JPEG.'],
      [{ action: 'replace', bytes: program }, 'logo', 'Logo : le fichier envoyé n’est pas une image PNG ou JPEG.'],
      [{ action: 'replace', bytes: html }, 'signature', 'Signature : le fichier envoyé n’est pas une image PNG.'],
      [{ action: 'replace', bytes: tooMany }, 'logo', /^Logo : l’image fait 3000 × 3000 pixels ; 3000 pixels de côté au plus/],
      [{ action: 'replace', bytes: empty }, 'signature', 'Signature : l’image fait 0 × 0 pixels ; il en faut au moins 16 de chaque côté.'],
      [{ action: 'replace', bytes: hugeJpeg }, 'logo', /^Logo : l’image fait 65535 × 65535 pixels/],
    ];
    for (const [change, which, message] of cases) {
      const outcome = await updateOrganisation(ctx, { ...as(), ...details, signature: { action: 'keep' }, logo: { action: 'keep' }, [which]: change });
      expect(outcome, `${which} ${message}`).toMatchObject({ ok: false, status: 400, field: which, message });
    }
    expect(await settingsRow()).toEqual(row);
    expect(await count('audit_event')).toBe(audits);
  });

  it('keeps a PNG without what was hidden after its end (a web page, an archive)', async () => {
    const ctx = testContext(database.db);
    const logo = logoPng(300, 100);
    const hidden = concatBytes([logo, new TextEncoder().encode('<html><script>alert(document.cookie)</script></html>'), await zip(packageEntries())]);
    expect(await updateOrganisation(ctx, { ...as(), ...details, signature: { action: 'replace', bytes: concatBytes([signaturePng(3), new TextEncoder().encode('<script>alert(1)</script>')]) }, logo: { action: 'replace', bytes: hidden } })).toMatchObject({ ok: true });
    const row = await settingsRow();
    expect(Buffer.from(row.logo_image!).equals(Buffer.from(logo))).toBe(true);
    expect(Buffer.from(row.signature_png!).equals(Buffer.from(signaturePng(3)))).toBe(true);
  });
});

describe('a signature sent from the tablet', () => {
  it('refuses what is not a small PNG, and records nothing', async () => {
    const ctx = testContext(database.db);
    const training = await addTraining(ctx, world.coordinator);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training });
    const trainee = world.trainees[0]!;
    await enrol(ctx, { actorId: trainee.id, actorRoles: trainee.roles, personId: trainee.id, sessionId });
    const slot = (await sessionOverview(database.db, sessionId))!.slots[0]!;
    ctx.clock.advance(slot.startsAt.getTime() - ctx.now().getTime() + 60_000);
    const actor = { id: world.trainer.id, roles: world.trainer.roles };
    expect(await openSlot(ctx, { actor, slotId: slot.id })).toMatchObject({ ok: true });
    const records = await count('attendance_record');
    const sign = (png: Uint8Array) => signOnTablet(ctx, { actor, slotId: slot.id, key: crypto.randomUUID(), personId: trainee.id, signedAt: ctx.now(), png });

    const wide = signaturePng(1);
    new DataView(wide.buffer).setUint32(16, 100_000);
    // A PNG whose pixel data inflates far beyond what its header announces (a decompression bomb).
    const bomb = concatBytes([
      signaturePng(1).subarray(0, 33),
      pngChunk('IDAT', new Uint8Array(deflateSync(Buffer.alloc(50 * 1024 * 1024)))),
      pngChunk('IEND', new Uint8Array(0)),
    ]);
    const cases: [Uint8Array, string | RegExp][] = [
      [new TextEncoder().encode('%PDF-1.7\n%%EOF\n'), 'Signature : le fichier envoyé n’est pas une image PNG.'],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 2, 0xff, 0xd9]), 'Signature : le fichier envoyé n’est pas une image PNG.'],
      [wide, /^Signature : l’image fait 100000 × 120 pixels/],
      [bomb, /^Signature : cette image n’a pas pu être lue/],
      [concatBytes([signaturePng(1), new Uint8Array(201 * 1024)]), 'Cette signature est trop lourde (200 Ko au plus).'],
    ];
    for (const [png, message] of cases) expect(await sign(png)).toMatchObject({ ok: false, status: 400, message });
    expect(await count('attendance_record')).toBe(records);

    // Accepted, it keeps the picture only: what followed its end is gone.
    expect(await sign(concatBytes([signaturePng(2), new TextEncoder().encode('<script>alert(1)</script>')]))).toMatchObject({ ok: true });
    const kept = await database.db.selectFrom('attendance_record').select('signature_png').where('slot_id', '=', slot.id).executeTakeFirstOrThrow();
    expect(Buffer.from(kept.signature_png!).equals(Buffer.from(signaturePng(2)))).toBe(true);
  });
});

describe('a PDF sent to the public check', () => {
  it('is compared, never kept: a program or a forged file finds nothing and leaves nothing', async () => {
    const ctx = testContext(database.db);
    const attestations = await count('attestation');
    for (const bytes of [new TextEncoder().encode('MZ\u0090 not a pdf'), new TextEncoder().encode('%PDF-1.7\n<script>alert(1)</script>\n%%EOF')])
      expect(await verifyByPdf(ctx, { bytes, ip: '192.0.2.1' })).toEqual({ ok: true, attestation: null });
    expect(await count('attestation')).toBe(attestations);
  });
});
