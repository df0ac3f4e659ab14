import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { moduleFrontmatter } from './lib/modules/schema.ts';
import { stageFrontmatter } from './lib/pathway/stage-frontmatter.ts';

/** Course modules: one MDX file each in content/modules/ (see content/AUTHORING.md). */
export const collections = {
  modules: defineCollection({
    loader: glob({ pattern: '*.mdx', base: './content/modules' }),
    schema: moduleFrontmatter,
  }),
  /** What each stage of the pathway is for: one Markdown file per stage in content/parcours/. */
  stages: defineCollection({
    loader: glob({ pattern: '*.md', base: './content/parcours' }),
    schema: stageFrontmatter,
  }),
};
