import { readdir, readFile, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { z } from 'zod';
import type { Database } from '../db/index.ts';

/**
 * Interactive activities are extracted H5P packages: `h5p.json`, `content/`, and the libraries
 * they need. The platform's own activities live in content/activities/<id>/, and the content-type
 * libraries written for the platform in content/h5p-libraries/ (shared by all its activities).
 */
export const CONTENT_ROOT = join(process.cwd(), 'content');
export const ACTIVITIES_DIR = join(CONTENT_ROOT, 'activities');
export const LIBRARIES_DIR = join(CONTENT_ROOT, 'h5p-libraries');

export const ACTIVITY_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export const h5pJsonSchema = z.object({
  title: z.string().min(1).max(255),
  mainLibrary: z.string().regex(/^[\w.-]+$/),
  language: z.string().optional(),
  embedTypes: z.array(z.string()).optional(),
  preloadedDependencies: z
    .array(z.object({ machineName: z.string().regex(/^[\w.-]+$/), majorVersion: z.coerce.number().int(), minorVersion: z.coerce.number().int() }))
    .min(1),
});
export type H5pJson = z.infer<typeof h5pJsonSchema>;

export interface ActivityInfo {
  id: string;
  title: string;
  mainLibrary: string;
}

/** The activities shipped in content/activities/ never change while the server runs: each is read once. */
const shippedActivities = new Map<string, Promise<ActivityInfo | undefined>>();

async function readShippedActivity(id: string): Promise<ActivityInfo | undefined> {
  try {
    const json = h5pJsonSchema.parse(JSON.parse(await readFile(join(ACTIVITIES_DIR, id, 'h5p.json'), 'utf8')));
    return { id, title: json.title, mainLibrary: json.mainLibrary };
  } catch {
    return undefined;
  }
}

function shippedActivity(id: string): Promise<ActivityInfo | undefined> {
  let found = shippedActivities.get(id);
  if (!found) {
    found = readShippedActivity(id);
    // Only a shipped activity is remembered: an unknown id may be uploaded later.
    void found.then((info) => info ?? shippedActivities.delete(id));
    shippedActivities.set(id, found);
  }
  return found;
}

/** An activity shipped in content/activities/, or uploaded by a trainer (kept in the database). */
export async function findActivity(db: Database, id: string): Promise<ActivityInfo | undefined> {
  if (!ACTIVITY_ID.test(id)) return undefined;
  const shipped = await shippedActivity(id);
  if (shipped) return shipped;
  const uploaded = await db.selectFrom('h5p_package').select(['id', 'title', 'main_library']).where('id', '=', id).executeTakeFirst();
  return uploaded ? { id, title: uploaded.title, mainLibrary: uploaded.main_library } : undefined;
}

async function readInside(base: string, relative: string): Promise<Buffer | undefined> {
  const full = join(base, relative);
  if (!full.startsWith(base + sep)) return undefined;
  const info = await stat(full).catch(() => null);
  return info?.isFile() ? readFile(full) : undefined;
}

/**
 * The file behind `/h5p/contenus/<id>/<path>`: from the activity itself (its folder, or its
 * uploaded package), else, for a library it does not carry, from the shared libraries.
 * Never from outside those places.
 */
export async function readActivityFile(db: Database, id: string, path: string): Promise<Buffer | undefined> {
  if (!ACTIVITY_ID.test(id) || path.includes('\0')) return undefined;
  const relative = normalize(path);
  if (relative.startsWith('..') || relative.startsWith(sep) || relative === '.') return undefined;
  const shipped = await readInside(join(ACTIVITIES_DIR, id), relative);
  if (shipped) return shipped;
  const uploaded = await db
    .selectFrom('h5p_package_file')
    .select('content')
    .where('package_id', '=', id)
    .where('path', '=', relative)
    .executeTakeFirst();
  if (uploaded) return Buffer.from(uploaded.content);
  return readInside(LIBRARIES_DIR, relative);
}

/** Whether a library folder (e.g. "H5P.EsperQuiz-1.0") is among the platform's shared libraries. */
export async function sharedLibraryExists(folder: string): Promise<boolean> {
  if (!/^[\w.-]+-\d+\.\d+$/.test(folder)) return false;
  return (await stat(join(LIBRARIES_DIR, folder, 'library.json')).catch(() => null))?.isFile() ?? false;
}

const TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  eot: 'application/vnd.ms-fontobject',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  ogg: 'audio/ogg',
  vtt: 'text/vtt; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return TYPES[path.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/**
 * What is wrong with an activity folder, in French: h5p.json, content/content.json, and each
 * library it depends on (in the folder itself, or among the shared libraries).
 */
export async function activityProblems(id: string): Promise<string[]> {
  const dir = join(ACTIVITIES_DIR, id);
  const problems: string[] = [];
  let h5p: H5pJson;
  try {
    const parsed = h5pJsonSchema.safeParse(JSON.parse(await readFile(join(dir, 'h5p.json'), 'utf8')));
    if (!parsed.success) return [`h5p.json incomplet (${parsed.error.issues[0]?.path.join('.') || 'format'}).`];
    h5p = parsed.data;
  } catch {
    return ['h5p.json absent ou illisible.'];
  }
  try {
    JSON.parse(await readFile(join(dir, 'content', 'content.json'), 'utf8'));
  } catch {
    problems.push('content/content.json absent ou illisible (JSON mal formé ?).');
  }
  for (const dependency of h5p.preloadedDependencies) {
    const folder = `${dependency.machineName}-${dependency.majorVersion}.${dependency.minorVersion}`;
    const found = await Promise.any(
      [join(dir, folder, 'library.json'), join(LIBRARIES_DIR, folder, 'library.json')].map((path) => stat(path)),
    ).catch(() => null);
    if (!found) problems.push(`la bibliothèque ${folder} est introuvable (ni dans le dossier de l’activité, ni dans content/h5p-libraries/).`);
  }
  return problems;
}

export async function knownActivityIds(): Promise<string[]> {
  const entries = await readdir(ACTIVITIES_DIR, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && ACTIVITY_ID.test(e.name)).map((e) => e.name);
}
