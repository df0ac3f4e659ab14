import { load as parseYaml } from 'js-yaml';
import { activitiesPlaced, moduleFrontmatter, sectionsOf } from './schema.ts';

/**
 * What `npm run content:check` finds wrong in the modules, in plain French for the trainers
 * who write them. Works on the files' text, so that it is tested without a build.
 */
export interface ModuleSource {
  /** File name, e.g. "retablissement.mdx". */
  file: string;
  text: string;
}

export interface ContentProblem {
  file: string;
  line?: number;
  message: string;
}

export interface KnownActivities {
  /** Activity ids that exist, with the library their package needs and whether it is available. */
  has(id: string): boolean;
  problemsOf(id: string): string[];
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

export function checkModules(sources: ModuleSource[], activities: KnownActivities): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const slugs = new Map<string, string[]>();
  const parsed: Array<{ source: ModuleSource; body: string; bodyStart: number }> = [];

  for (const source of sources) {
    const slug = source.file.replace(/\.mdx$/, '');
    const report = (message: string, line?: number) => problems.push({ file: source.file, message, ...(line ? { line } : {}) });
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug))
      report('Nom de fichier : en minuscules, sans accents, avec des tirets (par exemple « mon-module.mdx »).');
    const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(source.text);
    if (!match) {
      report('L’en-tête (frontmatter) manque : le fichier doit commencer par une ligne « --- », les réglages, puis « --- ».', 1);
      continue;
    }
    let data: unknown;
    try {
      data = parseYaml(match[1]!);
    } catch (error) {
      const mark = (error as { mark?: { line?: number } }).mark;
      report(`L’en-tête n’est pas lisible (YAML) : vérifiez les deux-points et les guillemets.`, mark?.line !== undefined ? mark.line + 2 : undefined);
      continue;
    }
    const frontmatter = moduleFrontmatter.safeParse(data);
    if (!frontmatter.success) {
      for (const issue of frontmatter.error.issues) {
        const field = issue.path.join('.');
        const message = issue.message.includes(':') ? issue.message : `${field} : ${frenchIssue(issue.code, issue.message)}`;
        report(`En-tête, ${message}`);
      }
    }
    const body = source.text.slice(match[0].length);
    const bodyStart = match[0].length;
    parsed.push({ source, body, bodyStart });

    const sections = sectionsOf(body);
    const opening = (body.match(/<Section\b/g) ?? []).length;
    const closing = (body.match(/<\/Section>/g) ?? []).length;
    if (sections.length === 0) report('Aucune section : le texte doit être découpé en blocs <Section id="…" title="…">…</Section>.');
    if (opening !== sections.length) report('Une balise <Section> n’a pas d’attribut id="…" ou title="…".');
    if (opening !== closing) report(`Les balises de section ne sont pas équilibrées : ${opening} ouverture(s) pour ${closing} fermeture(s) </Section>.`);
    const seen = new Set<string>();
    for (const section of sections) {
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(section.id))
        report(`Section « ${section.title} » : l’id « ${section.id} » doit être en minuscules, avec des tirets.`);
      if (seen.has(section.id)) report(`Deux sections portent le même id « ${section.id} ».`);
      seen.add(section.id);
    }
    slugs.set(slug, sections.map((s) => s.id));

    const listed = frontmatter.success ? frontmatter.data.activities.map((a) => a.id) : [];
    const placed = activitiesPlaced(body);
    for (const id of placed) {
      const at = lineOf(source.text, bodyStart + body.indexOf(`id="${id}"`));
      if (!activities.has(id)) report(`L’activité « ${id} » n’existe pas (aucun dossier content/activities/${id}/ avec un h5p.json).`, at);
      else for (const problem of activities.problemsOf(id)) report(`Activité « ${id} » : ${problem}`, at);
      if (frontmatter.success && !listed.includes(id)) report(`L’activité « ${id} » est placée dans le texte mais n’est pas listée dans « activities » de l’en-tête.`, at);
    }
    for (const id of listed) if (!placed.includes(id)) report(`L’activité « ${id} » est listée dans l’en-tête mais placée nulle part : ajoutez <Activity id="${id}" />.`);

    for (const image of body.matchAll(/!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g)) {
      if (!image[1]!.trim())
        report(`Image « ${image[2]} » sans texte alternatif : décrivez-la entre les crochets, ![description](…).`, lineOf(source.text, bodyStart + image.index!));
    }
    for (const image of body.matchAll(/<img\b[^>]*>/g)) {
      if (!/\balt="[^"]+"/.test(image[0])) report('Image <img> sans attribut alt="…" décrivant l’image.', lineOf(source.text, bodyStart + image.index!));
    }
  }

  for (const { source, body, bodyStart } of parsed) {
    for (const link of body.matchAll(/\]\((\/modules\/[^)\s#?]*)(?:#[^)\s]*)?\)/g)) {
      const [, moduleSlug, sectionId] = /^\/modules\/([^/]*)(?:\/([^/]*))?\/?$/.exec(link[1]!) ?? [];
      const line = lineOf(source.text, bodyStart + link.index!);
      if (!moduleSlug) continue;
      const sections = slugs.get(moduleSlug);
      if (!sections) problems.push({ file: source.file, line, message: `Lien cassé : le module « ${moduleSlug} » n’existe pas.` });
      else if (sectionId && !sections.includes(sectionId))
        problems.push({ file: source.file, line, message: `Lien cassé : le module « ${moduleSlug} » n’a pas de section « ${sectionId} ».` });
    }
  }
  return problems;
}

function frenchIssue(code: string, fallback: string): string {
  if (code === 'invalid_type') return 'valeur manquante ou du mauvais type.';
  if (code === 'too_small') return 'valeur trop courte ou liste vide.';
  if (code === 'too_big') return 'valeur trop longue ou trop grande.';
  if (code === 'unrecognized_keys') return 'réglage inconnu.';
  return fallback;
}
