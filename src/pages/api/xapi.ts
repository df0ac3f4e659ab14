import type { APIRoute } from 'astro';
import { appContext } from '../../lib/context.ts';
import { readJson } from '../../lib/forms.ts';
import { json, jsonRefusal } from '../../lib/web/json.ts';
import { findModule } from '../../lib/modules/collection.ts';
import { recordActivityResult, xapiSubmissionSchema } from '../../lib/modules/activity-results.ts';


/** Records an activity's xAPI statement for the signed-in learner (the actor is never taken from the statement). */
export const POST: APIRoute = async ({ request, locals }) => {
  const person = locals.person!;
  const input = await readJson(request, xapiSubmissionSchema);
  if (!input.ok) return jsonRefusal(input.status, input.message);
  const module = await findModule(input.data.moduleId, person);
  if (!module || !module.activities.some((a) => a.id === input.data.activityId))
    return jsonRefusal(404, 'Cette activité n’appartient à aucun module que vous pouvez suivre.');
  const ctx = appContext();
  const outcome = await recordActivityResult(ctx.db, {
    personId: person.id,
    module,
    activityId: input.data.activityId,
    statement: input.data.statement,
    rawStatement: (input.raw as { statement: unknown }).statement,
    now: ctx.now(),
  });
  if (outcome.duplicate) return json(200, { stored: false, message: 'Ce résultat était déjà enregistré.' });
  if (!outcome.stored) return json(202, { stored: false });
  const percent = outcome.scaled === null ? null : Math.round(outcome.scaled * 100);
  const passed = outcome.scaled !== null && outcome.scaled >= module.passingScore;
  const message =
    percent === null
      ? 'Résultat enregistré.'
      : `Résultat enregistré : ${percent} %. ${passed ? 'Activité réussie.' : `Il faut ${Math.round(module.passingScore * 100)} % pour la réussir : vous pouvez recommencer.`}` +
        (outcome.completedNow ? ' Bravo, le module est terminé !' : '');
  return json(201, { stored: true, scaled: outcome.scaled, passed, completed: outcome.completedNow, message });
};
