import { extname } from 'node:path';
import yauzl from 'yauzl';
import type { Database } from '../db/index.ts';
import { recordAudit } from '../audit/index.ts';
import { h5pJsonSchema, type H5pJson } from './activities.ts';

/**
 * Checking and keeping an H5P package (a zip) that a trainer uploads. An H5P package is someone
 * else's code and files: nothing is written unless every check passes.
 */
export const PACKAGE_LIMITS = {
  archiveBytes: 50 * 1024 * 1024,
  files: 2000,
  /** Every entry of the archive, folders and skipped files included: each costs a read. */
  entries: 5000,
  totalBytes: 150 * 1024 * 1024,
};

/** The file types H5P itself accepts in a package, plus the libraries' scripts and styles. */
const ALLOWED_EXTENSIONS = new Set(
  'json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf rtf doc docx xls xlsx ppt pptx odt ods odp xml csv diff patch md textile vtt webvtt gltf glb js css'.split(' '),
);
const CODE_EXTENSIONS = new Set(['js', 'css']);
const SYMLINK = 0o120000;
const FILE_TYPE_MASK = 0o170000;

export type PackageInspection =
  | { ok: true; h5p: H5pJson; files: Map<string, Buffer>; totalBytes: number }
  | { ok: false; reason: string };

const refuse = (reason: string): PackageInspection => ({ ok: false, reason });

export async function inspectH5pPackage(
  archive: Buffer,
  sharedLibraryExists: (folder: string) => Promise<boolean>,
): Promise<PackageInspection> {
  if (archive.length > PACKAGE_LIMITS.archiveBytes) return refuse('Le fichier dépasse 50 Mo.');
  let zip: yauzl.ZipFile;
  try {
    // yauzl refuses absolute paths and "..", and checks each file's real size against the declared one.
    zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true });
  } catch {
    return refuse('Ce fichier n’est pas un paquet H5P : l’archive zip est illisible.');
  }
  // Read from the archive's end record, before any entry: folders and skipped files are not
  // counted as files, so without this an archive of 60,000 folders costs a second of reading.
  if (zip.entryCount > PACKAGE_LIMITS.entries) {
    zip.close();
    return refuse(`Le paquet contient plus de ${PACKAGE_LIMITS.entries} entrées (fichiers et dossiers).`);
  }
  const files = new Map<string, Buffer>();
  let totalBytes = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/') || name.startsWith('__MACOSX/')) continue;
      if (files.size >= PACKAGE_LIMITS.files) return refuse(`Le paquet contient plus de ${PACKAGE_LIMITS.files} fichiers.`);
      if (((entry.externalFileAttributes >>> 16) & FILE_TYPE_MASK) === SYMLINK) return refuse(`Lien symbolique interdit dans le paquet : ${name}`);
      if (entry.isEncrypted()) return refuse(`Fichier chiffré interdit dans le paquet : ${name}`);
      const parts = name.split('/');
      // A hidden file (.DS_Store…) is left out, as H5P does; a hidden folder is refused.
      if (parts.at(-1)!.startsWith('.')) continue;
      if (parts.some((part) => part.startsWith('.'))) return refuse(`Chemin interdit dans le paquet : ${name}`);
      const extension = extname(name).slice(1).toLowerCase();
      if (!ALLOWED_EXTENSIONS.has(extension)) return refuse(`Type de fichier interdit dans le paquet : ${name}`);
      if (CODE_EXTENSIONS.has(extension) && name.startsWith('content/')) return refuse(`Un script ou une feuille de style n’a pas sa place dans content/ : ${name}`);
      totalBytes += entry.uncompressedSize;
      if (totalBytes > PACKAGE_LIMITS.totalBytes) return refuse('Le paquet décompressé dépasse 150 Mo.');
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      files.set(name, Buffer.concat(chunks));
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/invalid relative path|absolute path|invalid characters/.test(message)) return refuse(`Chemin interdit dans le paquet (hors de son dossier) : ${message.split(': ').pop()}`);
    if (/bytes|size/i.test(message)) return refuse('Le paquet est abîmé ou trompeur : la taille d’un fichier ne correspond pas à celle annoncée.');
    return refuse('Ce fichier n’est pas un paquet H5P : l’archive zip est illisible.');
  } finally {
    zip.close();
  }

  const h5pText = files.get('h5p.json');
  if (!h5pText) return refuse('Le fichier h5p.json manque à la racine du paquet.');
  let h5p: H5pJson;
  try {
    const parsed = h5pJsonSchema.safeParse(JSON.parse(h5pText.toString('utf8')));
    if (!parsed.success) return refuse(`Le fichier h5p.json est incomplet (${parsed.error.issues[0]?.path.join('.') || 'format'}).`);
    h5p = parsed.data;
  } catch {
    return refuse('Le fichier h5p.json n’est pas un JSON valide.');
  }
  const content = files.get('content/content.json');
  if (!content) return refuse('Le fichier content/content.json manque.');
  try {
    JSON.parse(content.toString('utf8'));
  } catch {
    return refuse('Le fichier content/content.json n’est pas un JSON valide.');
  }
  if (!h5p.preloadedDependencies.some((d) => d.machineName === h5p.mainLibrary))
    return refuse(`La bibliothèque principale ${h5p.mainLibrary} n’est pas dans les dépendances de h5p.json.`);

  // Every library needed, by h5p.json and by the libraries themselves, is in the package or shared.
  const needed = h5p.preloadedDependencies.map((d) => `${d.machineName}-${d.majorVersion}.${d.minorVersion}`);
  for (const [path, data] of files) {
    if (!/^[^/]+\/library\.json$/.test(path)) continue;
    try {
      const library = JSON.parse(data.toString('utf8')) as { preloadedDependencies?: Array<{ machineName: string; majorVersion: number; minorVersion: number }> };
      for (const d of library.preloadedDependencies ?? []) needed.push(`${d.machineName}-${d.majorVersion}.${d.minorVersion}`);
    } catch {
      return refuse(`Le fichier ${path} n’est pas un JSON valide.`);
    }
  }
  for (const folder of new Set(needed)) {
    if (!files.has(`${folder}/library.json`) && !(await sharedLibraryExists(folder)))
      return refuse(`La bibliothèque ${folder} manque : elle n’est ni dans le paquet ni sur la plateforme.`);
  }
  return { ok: true, h5p, files, totalBytes };
}

/** Turns a title into an activity id: lowercase, no accents, hyphens. */
export function activityIdFrom(title: string): string {
  return (
    title
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'activite'
  );
}

/** Keeps a checked package: its description and every file, in one transaction. */
export async function storeH5pPackage(
  db: Database,
  input: { id: string; uploadedBy: string; inspection: Extract<PackageInspection, { ok: true }> },
): Promise<void> {
  const { h5p, files, totalBytes } = input.inspection;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('h5p_package')
      .values({ id: input.id, title: h5p.title, main_library: h5p.mainLibrary, uploaded_by: input.uploadedBy, size_bytes: totalBytes, file_count: files.size })
      .execute();
    const rows = [...files].map(([path, content]) => ({ package_id: input.id, path, content }));
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('h5p_package_file').values(rows.slice(i, i + 200)).execute();
    await recordAudit(trx, { actorId: input.uploadedBy, action: 'h5p.uploaded', details: { id: input.id, title: h5p.title, files: files.size } });
  });
}

export function uploadedPackages(db: Database) {
  return db
    .selectFrom('h5p_package as p')
    .leftJoin('person as u', 'u.id', 'p.uploaded_by')
    .select(['p.id', 'p.title', 'p.main_library', 'p.uploaded_at', 'p.size_bytes', 'p.file_count', 'u.given_name', 'u.family_name'])
    .orderBy('p.uploaded_at', 'desc')
    .execute();
}
