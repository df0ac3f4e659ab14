import type { APIRoute } from 'astro';
import { z } from 'zod';
import { appContext } from '../../../../lib/context.ts';
import { readJson } from '../../../../lib/forms.ts';
import { signOnTablet } from '../../../../lib/attendance/signing.ts';
import { json, jsonRefusal } from '../../../../lib/web/json.ts';

const signature = z
  .object({
    key: z.uuid({ error: 'clé de signature invalide' }),
    personId: z.uuid({ error: 'participant invalide' }),
    signedAt: z.iso.datetime({ offset: true, error: 'heure de signature invalide' }).transform((v) => new Date(v)),
    png: z.base64({ error: 'image de signature invalide' }).max(300_000, { error: 'signature trop lourde' }).optional(),
    typedName: z.string().trim().min(2, { error: 'nom tapé trop court' }).max(120).optional(),
  })
  .refine((s) => s.png || s.typedName, { error: 'signature vide' });

/** A signature made on the trainer's tablet; sending it again (back online) records it once. */
export const POST: APIRoute = async ({ params, request, locals }) => {
  const input = await readJson(request, signature, 400 * 1024);
  if (!input.ok) return jsonRefusal(input.status, input.message);
  const outcome = await signOnTablet(appContext(), {
    actor: locals.person!,
    slotId: params.id ?? '',
    key: input.data.key,
    personId: input.data.personId,
    signedAt: input.data.signedAt,
    png: input.data.png ? new Uint8Array(Buffer.from(input.data.png, 'base64')) : undefined,
    typedName: input.data.typedName,
  });
  if (!outcome.ok) return jsonRefusal(outcome.status, outcome.message);
  return json(200, { ok: true, duplicate: outcome.duplicate });
};

export const GET: APIRoute = () => jsonRefusal(405, 'Les signatures s’envoient depuis la page de la tablette.');
