import type { SurveyPhase } from '../db/schema.ts';
import { frenchPercent } from '../time.ts';
import { MIN_ANSWERS_SHOWN, SCALE_QUESTIONS, USE_ITEMS, type ScaleQuestionKey, type UseKey } from './questions.ts';

/**
 * How answers become figures, with no database: averages, the distribution of each 1–5 question,
 * what serves in practice, and the comments. A group of fewer than MIN_ANSWERS_SHOWN answers
 * shows its count only. Nothing here knows who answered: the rows carry no person.
 */

/** What an answer holds, as the reports read it. */
export type AnswerFigures = Partial<Record<ScaleQuestionKey, number | null>> & Partial<Record<UseKey, boolean | null>> & { comment: string | null };

export interface QuestionResult {
  key: ScaleQuestionKey;
  short: string;
  label: string;
  scale: readonly string[];
  /** Mean from 1 to 5, or null without any answer. */
  average: number | null;
  /** How many answered 1, 2, 3, 4, 5 (index 0 is « 1 »). */
  distribution: [number, number, number, number, number];
}

export interface GroupResult {
  phase: SurveyPhase;
  /** Every answer received (including those too few to show, at a training's level). */
  answers: number;
  /** People to whom the survey was open: those who attended at least one half-day. */
  invited: number;
  /** answers / invited, from 0 to 1; null when nobody was invited. */
  responseRate: number | null;
  /** False below the threshold: only the count may be shown. */
  shown: boolean;
  /** Answers that the figures count (a training leaves out its sessions with too few). */
  counted: number;
  questions: QuestionResult[];
  uses: { key: UseKey; label: string; count: number }[];
  /** The free comments, in alphabetical order (an order that says nothing about who wrote them). */
  comments: string[];
}

export function responseRate(answers: number, invited: number): number | null {
  if (invited <= 0) return null;
  return Math.min(1, answers / invited);
}

export function average(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function distribution(values: readonly number[]): [number, number, number, number, number] {
  const counts: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const v of values) if (Number.isInteger(v) && v >= 1 && v <= 5) counts[v - 1]! += 1;
  return counts;
}

/**
 * The figures of a group of answers. `counted` are the answers the figures may use; `total` is
 * every answer received, shown as a count whatever happens.
 */
export function summariseAnswers(phase: SurveyPhase, counted: readonly AnswerFigures[], totals: { answers: number; invited: number }): GroupResult {
  const shown = counted.length >= MIN_ANSWERS_SHOWN;
  const base = { phase, answers: totals.answers, invited: totals.invited, responseRate: responseRate(totals.answers, totals.invited), shown };
  if (!shown) return { ...base, counted: 0, questions: [], uses: [], comments: [] };
  return {
    ...base,
    counted: counted.length,
    questions: SCALE_QUESTIONS[phase].map((q) => {
      const values = counted.map((a) => a[q.key]).filter((v): v is number => typeof v === 'number');
      return { key: q.key, short: q.short, label: q.label, scale: q.scale, average: average(values), distribution: distribution(values) };
    }),
    uses: phase === 'cold' ? USE_ITEMS.map((item) => ({ key: item.key, label: item.label, count: counted.filter((a) => a[item.key] === true).length })) : [],
    comments: counted
      .map((a) => a.comment?.trim())
      .filter((c): c is string => !!c)
      .sort((a, b) => a.localeCompare(b, 'fr')),
  };
}

// Made once: toLocaleString with options builds a formatter at each call (20 µs).
const AVERAGE_FORMAT = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** « 4,2 / 5 » */
export function frenchAverage(value: number | null): string {
  if (value === null) return '–';
  return `${AVERAGE_FORMAT.format(Math.round(value * 10) / 10)} / 5`;
}

/** « 3 réponses pour 4 personnes invitées : taux de réponse de 75 %. », on the results page and in the audit pack's PDF. */
export function responseSentence(result: Pick<GroupResult, 'answers' | 'invited' | 'responseRate'>): string {
  const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? 's' : ''}`;
  const rate = result.responseRate !== null ? ` : taux de réponse de ${frenchPercent(result.responseRate)}` : '';
  return `${plural(result.answers, 'réponse')} pour ${plural(result.invited, 'personne')} ${result.invited > 1 ? 'invitées' : 'invitée'}${rate}.`;
}

/** The French sentence shown instead of the figures of a group with too few answers. */
export function tooFewAnswers(answers: number): string {
  const count = answers === 0 ? 'Aucune réponse' : `${answers} réponse${answers > 1 ? 's' : ''}`;
  return `${count} pour l’instant : les résultats s’affichent à partir de ${MIN_ANSWERS_SHOWN} réponses, pour que personne ne puisse être reconnu.`;
}
