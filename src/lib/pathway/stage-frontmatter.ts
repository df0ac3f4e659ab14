import { z } from 'zod';

/** The frontmatter of a stage's text in content/parcours/ (read by the content collection). */
export const stageFrontmatter = z.object({
  stage: z.number().int().min(1).max(7),
  title: z.string().min(3),
  summary: z.string().min(10).max(200),
});
