import type { KyselyPlugin } from 'kysely';
import type { Database } from '../../src/lib/db/index.ts';

/** The same database, counting the queries sent through it (to show a page's count is bounded). */
export function countingQueries(db: Database): { db: Database; count: () => number; reset: () => void } {
  let queries = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      queries++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: db.withPlugin(plugin), count: () => queries, reset: () => void (queries = 0) };
}
