import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load as parseYaml } from 'js-yaml';
import { checkModules, type KnownActivities } from '../../src/lib/modules/content-check.ts';
import { activitiesPlaced, moduleFrontmatter, sectionsOf, TOPICS } from '../../src/lib/modules/schema.ts';
import { isComplete, whatRemains, type ModuleRules } from '../../src/lib/modules/progress.ts';

const dir = 'content/modules';
const shipped = readdirSync(dir)
  .filter((f) => f.endsWith('.mdx'))
  .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
const frontmatterOf = (text: string) => moduleFrontmatter.parse(parseYaml(/^---\n([\s\S]*?)\n---/.exec(text)![1]!));

describe('the modules shipped with the platform', () => {
  const published = shipped.filter(({ text }) => frontmatterOf(text).status === 'published');

  it('cover every training topic', () => {
    expect(new Set(published.map(({ text }) => frontmatterOf(text).topic))).toEqual(new Set(Object.keys(TOPICS)));
    expect(published.length).toBeGreaterThanOrEqual(8);
  });

  it('each have objectives, a duration, stages, 4 sections or more, key points and an activity', () => {
    for (const { file, text } of published) {
      const data = frontmatterOf(text);
      expect(data.objectives.length, file).toBeGreaterThanOrEqual(3);
      expect(data.keyPoints.length, file).toBeGreaterThanOrEqual(3);
      expect(data.durationMinutes, file).toBeGreaterThan(0);
      expect(data.stages.length, file).toBeGreaterThan(0);
      expect(sectionsOf(text).length, file).toBeGreaterThanOrEqual(4);
      expect(activitiesPlaced(text).length, file).toBeGreaterThanOrEqual(1);
    }
  });

  it('never ask the reader about their own diagnosis, treatment or health history', () => {
    const asking = /\b(votre|ton|ta|vos|tes)\s+(diagnostic|pathologie|traitement|maladie|antécédents?)[^.?!]*\?/i;
    for (const { file, text } of shipped) expect(text, file).not.toMatch(asking);
  });

  it('use no stigmatising words', () => {
    for (const { file, text } of shipped) expect(text, file).not.toMatch(/\b(malades? mentaux|fous?|aliénés?|déments?)\b/i);
  });

  it('pass the content check', () => {
    const known: KnownActivities = {
      has: (id) => readdirSync('content/activities').includes(id),
      problemsOf: () => [],
    };
    expect(checkModules(shipped, known)).toEqual([]);
  });
});

const valid = `---
title: "Un module"
summary: "Un résumé assez long pour être accepté."
topic: wrap
stages: [3]
audiences: [trainee]
durationMinutes: 20
objectives: ["Comprendre"]
keyPoints: ["Retenir"]
activities:
  - id: quiz-a
status: published
---

<Section id="un" title="Un">

Voir [le rétablissement](/modules/autre/debut).

</Section>

<Section id="deux" title="Deux">

<Activity id="quiz-a" />

</Section>
`;
const other = { file: 'autre.mdx', text: valid.replace('quiz-a', 'quiz-b').replace('quiz-a', 'quiz-b').replace('id="un"', 'id="debut"').replace('(/modules/autre/debut)', '(/modules/un-module)') };
const activities: KnownActivities = { has: (id) => ['quiz-a', 'quiz-b'].includes(id), problemsOf: () => [] };
const check = (text: string) => checkModules([{ file: 'un-module.mdx', text }, other], activities).filter((p) => p.file === 'un-module.mdx').map((p) => p.message);

describe('npm run content:check tells a trainer in French what is wrong', () => {
  it('finds nothing in a correct module', () => {
    expect(check(valid)).toEqual([]);
  });

  it('a missing or unreadable header', () => {
    expect(check('<Section id="a" title="A">\n\nTexte\n\n</Section>')[0]).toContain('L’en-tête (frontmatter) manque');
    expect(check(valid.replace('title: "Un module"', 'title: "Un: module" "x"'))[0]).toContain('n’est pas lisible (YAML)');
  });

  it('an invalid setting', () => {
    expect(check(valid.replace('topic: wrap', 'topic: cuisine')).join()).toContain('topic : choisissez parmi');
    expect(check(valid.replace('stages: [3]', 'stages: []')).join()).toContain('stages : au moins une étape');
    expect(check(valid.replace('summary: "Un résumé assez long pour être accepté."\n', '')).join()).toContain('summary');
  });

  it('an activity that does not exist, or is not listed, or listed but not placed', () => {
    expect(check(valid.replaceAll('quiz-a', 'quiz-z'))).toEqual(['L’activité « quiz-z » n’existe pas (aucun dossier content/activities/quiz-z/ avec un h5p.json).']);
    expect(check(valid.replace('<Activity id="quiz-a" />', '<Activity id="quiz-b" />'))).toEqual([
      'L’activité « quiz-b » est placée dans le texte mais n’est pas listée dans « activities » de l’en-tête.',
      'L’activité « quiz-a » est listée dans l’en-tête mais placée nulle part : ajoutez <Activity id="quiz-a" />.',
    ]);
  });

  it('a broken link, to a module or to a section', () => {
    expect(check(valid.replace('/modules/autre/debut', '/modules/inconnu'))).toEqual(['Lien cassé : le module « inconnu » n’existe pas.']);
    expect(check(valid.replace('/modules/autre/debut', '/modules/autre/fin'))).toEqual(['Lien cassé : le module « autre » n’a pas de section « fin ».']);
  });

  it('an image without alternative text', () => {
    expect(check(valid.replace('Voir [', '![](/images/schema.png)\n\nVoir ['))[0]).toContain('sans texte alternatif');
  });

  it('sections without id, with the same id, or not closed', () => {
    expect(check(valid.replace('id="deux"', 'id="un"'))).toContain('Deux sections portent le même id « un ».');
    expect(check(valid.replace('</Section>\n\n<Section id="deux"', '\n\n<Section id="deux"')).join()).toContain('ne sont pas équilibrées');
    expect(check(valid.replace('<Section id="deux" title="Deux">', '<Section title="Deux">')).join()).toContain('n’a pas d’attribut id');
  });
});

describe('the completion rule', () => {
  const rules: ModuleRules = {
    slug: 'wrap',
    sections: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }],
    activities: [{ id: 'quiz', required: true }, { id: 'bonus', required: false }],
    passingScore: 0.8,
  };
  const scores = (best: number | null) => new Map(best === null ? [] : [['quiz', { best, last: best, attempts: 1, lastAt: new Date() }]]);

  it('needs every section read and every required activity passed at the threshold', () => {
    expect(isComplete(rules, { readSections: new Set(['a', 'b']), activities: scores(0.8) })).toBe(true);
    expect(isComplete(rules, { readSections: new Set(['a']), activities: scores(1) })).toBe(false);
    expect(isComplete(rules, { readSections: new Set(['a', 'b']), activities: scores(0.79) })).toBe(false);
    expect(isComplete(rules, { readSections: new Set(['a', 'b']), activities: scores(null) })).toBe(false);
  });

  it('says what remains', () => {
    expect(whatRemains(rules, { readSections: new Set(['a']), activities: scores(0.5) })).toEqual([
      '1 section à lire',
      'l’activité à réussir (80 % de bonnes réponses)',
    ]);
  });
});
