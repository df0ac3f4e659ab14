import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { moduleFrontmatter } from './lib/modules/schema.ts';

/** Course modules: one MDX file each in content/modules/ (see content/AUTHORING.md). */
export const collections = {
  modules: defineCollection({
    loader: glob({ pattern: '*.mdx', base: './content/modules' }),
    schema: moduleFrontmatter,
  }),
};
