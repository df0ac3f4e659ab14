import { readFile, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { z } from 'zod';

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

export async function findActivity(id: string): Promise<ActivityInfo | undefined> {
  if (!ACTIVITY_ID.test(id)) return undefined;
  try {
    const json = h5pJsonSchema.parse(JSON.parse(await readFile(join(ACTIVITIES_DIR, id, 'h5p.json'), 'utf8')));
    return { id, title: json.title, mainLibrary: json.mainLibrary };
  } catch {
    return undefined;
  }
}

/**
 * The file behind `/h5p/contenus/<id>/<path>`: from the activity's folder, or, for a library
 * folder the activity does not carry, from the shared libraries. Never outside those folders.
 */
export async function activityFile(id: string, path: string): Promise<{ path: string; size: number } | undefined> {
  if (!ACTIVITY_ID.test(id) || path.includes('\0')) return undefined;
  const relative = normalize(path);
  if (relative.startsWith('..') || relative.startsWith(sep)) return undefined;
  for (const base of [join(ACTIVITIES_DIR, id), LIBRARIES_DIR]) {
    const full = join(base, relative);
    if (!full.startsWith(base + sep)) continue;
    try {
      const info = await stat(full);
      if (info.isFile()) return { path: full, size: info.size };
    } catch {
      // not in this folder
    }
  }
  return undefined;
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
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(ACTIVITIES_DIR, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && ACTIVITY_ID.test(e.name)).map((e) => e.name);
}
