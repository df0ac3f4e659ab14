/**
 * A process that migrates a database and reports each statement on stdout ("running <n> <its
 * first words>" as it starts, "statement <n>" once done), for the test that kills it mid-run. With `pauseAfter`, it stops
 * after that statement, its transaction open, and says "paused" (the kill then lands exactly there).
 * Argument: JSON { target, dir, pauseAfter? }.
 */
import { RawNode, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { openDatabase, type DatabaseTarget } from '../../src/lib/db/index.ts';
import { migrateToLatest } from '../../src/lib/db/migrate.ts';

const input = JSON.parse(process.argv[2]!) as { target: DatabaseTarget; dir: string; pauseAfter?: number };
let started = 0;
let done = 0;
const reporter: KyselyPlugin = {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const text = RawNode.is(args.node) ? args.node.sqlFragments.join('?').replace(/\s+/g, ' ').trim().slice(0, 60) : args.node.kind;
    process.stdout.write(`running ${++started} ${text}\n`);
    return args.node;
  },
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    process.stdout.write(`statement ${++done}\n`);
    if (done === input.pauseAfter) {
      process.stdout.write('paused\n');
      await new Promise(() => {});
    }
    return args.result;
  },
};
const db = openDatabase(input.target).withPlugin(reporter);
const applied = await migrateToLatest(db, input.dir);
process.stdout.write(`finished ${applied.length}\n`);
await db.destroy();
