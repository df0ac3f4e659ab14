import { getCollection } from 'astro:content';
import { stageFrontmatter } from './stage-frontmatter.ts';

/**
 * What each stage is for, in the association's words: one Markdown file per stage in
 * content/parcours/, edited like the modules. This file is the only one that reads that
 * collection; the rest of the pathway works on stage numbers.
 */
export interface StageText extends ReturnType<typeof stageFrontmatter.parse> {
  /** The text under the frontmatter (Markdown, short paragraphs). */
  body: string;
}

let cache: StageText[] | undefined;

export async function stageTexts(): Promise<StageText[]> {
  if (cache && import.meta.env.PROD) return cache;
  cache = (await getCollection('stages')).map((entry) => ({ ...entry.data, body: (entry.body ?? '').trim() })).sort((a, b) => a.stage - b.stage);
  return cache;
}
