import { z } from 'zod';
import { field } from '../forms.ts';
import type { SurveyAnswerInput } from './participation.ts';
import { COMMENT_MAX, SCALE_QUESTIONS, USE_ITEMS, type UseKey } from './questions.ts';

/** The survey's form, read by `readForm`: each 1–5 question is a group of radio buttons. */

const score = (label: string) =>
  field
    .choice(label, ['1', '2', '3', '4', '5'])
    .optional()
    .refine((v) => v !== undefined, { error: `${label} : choisissez une réponse.` })
    .transform(Number);

// A form sends line breaks as CRLF: counted as one character, as the textarea showed them.
const comment = z
  .string()
  .optional()
  .transform((v) => v?.replace(/\r\n?/g, '\n'))
  .pipe(field.optionalText('Commentaire', COMMENT_MAX));

const short = (key: string) => Object.values(SCALE_QUESTIONS).flat().find((q) => q.key === key)!.short;
const USE_KEYS = USE_ITEMS.map((i) => i.key) as [UseKey, ...UseKey[]];

export const surveyForm = z.discriminatedUnion(
  'phase',
  [
    z.object({
      phase: z.literal('hot'),
      overall: score(short('overall')),
      objectives: score(short('objectives')),
      trainers: score(short('trainers')),
      organisation: score(short('organisation')),
      comment,
    }),
    z.object({
      phase: z.literal('cold'),
      practice_use: score(short('practice_use')),
      'uses[]': z
        .array(z.enum(USE_KEYS, { error: 'Ce que vous utilisez : choix invalide.' }))
        .max(USE_KEYS.length)
        .optional()
        .transform((v) => v ?? []),
      comment,
    }),
  ],
  { error: 'Ce questionnaire n’a pas pu être lu : rechargez la page.' },
);

export function answerFromForm(data: z.output<typeof surveyForm>): SurveyAnswerInput {
  return data.phase === 'hot'
    ? { phase: 'hot', overall: data.overall, objectives: data.objectives, trainers: data.trainers, organisation: data.organisation, comment: data.comment }
    : { phase: 'cold', practiceUse: data.practice_use, uses: data['uses[]'], comment: data.comment };
}
