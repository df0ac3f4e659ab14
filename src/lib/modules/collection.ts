import { getCollection, render, type CollectionEntry } from 'astro:content';
import type { Role } from '../db/schema.ts';
import { hasRole } from '../accounts/access.ts';
import { sectionsOf, type ModuleFrontmatter, type ModuleSection } from './schema.ts';

/**
 * The course modules of content/modules/, as the pages use them. This file is the only one that
 * reads Astro's content collection; everything else works on CourseModule values.
 */
export interface CourseModule extends ModuleFrontmatter {
  slug: string;
  sections: ModuleSection[];
  entry: CollectionEntry<'modules'>;
}

let cache: CourseModule[] | undefined;

export async function allModules(): Promise<CourseModule[]> {
  // In production, content is fixed at build time: read once per process. In `npm run dev`, read
  // each time so that a trainer sees their edits at once.
  if (cache && import.meta.env.PROD) return cache;
  cache = (await getCollection('modules'))
    .map((entry) => ({ ...entry.data, slug: entry.id, sections: sectionsOf(entry.body ?? ''), entry }))
    .sort((a, b) => Math.min(...a.stages) - Math.min(...b.stages) || a.title.localeCompare(b.title, 'fr'));
  return cache;
}

/** Drafts are shown to the people who write and manage content only. */
export function canSeeDrafts(person: { roles: readonly Role[] } | null): boolean {
  return hasRole(person, 'trainer', 'coordinator', 'admin');
}

export async function visibleModules(person: { roles: readonly Role[] } | null): Promise<CourseModule[]> {
  const modules = await allModules();
  return canSeeDrafts(person) ? modules : modules.filter((m) => m.status === 'published');
}

export async function findModule(slug: string, person: { roles: readonly Role[] } | null): Promise<CourseModule | undefined> {
  return (await visibleModules(person)).find((m) => m.slug === slug);
}

type RenderedModule = Awaited<ReturnType<typeof render>>;
const rendered = new Map<string, Promise<RenderedModule>>();

/**
 * A module's MDX as a component, loaded once per process in production: Astro's `render` imports
 * the compiled module and builds an error object, stack trace included, on every call (a few
 * percent of each module page). The component itself renders per request, for its reader.
 */
export function renderedModule(module: CourseModule): Promise<RenderedModule> {
  if (!import.meta.env.PROD) return render(module.entry);
  let entry = rendered.get(module.slug);
  if (!entry) {
    entry = render(module.entry);
    rendered.set(module.slug, entry);
    // A failed load is tried again on the next view rather than kept.
    entry.catch(() => rendered.delete(module.slug));
  }
  return entry;
}
