import type { SurveyPhase } from '../db/schema.ts';

/**
 * The two satisfaction surveys, their questions, and when each is open. Nothing here asks about
 * health: the questions are about the training, never about the person.
 */

export const DAY_MS = 86_400_000;
/** « À froid » opens this long after the last half-day (three months); « à chaud » closes then. */
export const COLD_OPENS_AFTER_DAYS = 90;
/** « À froid » stays open this long after it opens. */
export const COLD_OPEN_FOR_DAYS = 90;
/** Below this many answers, a group's results show only their count (anonymity). */
export const MIN_ANSWERS_SHOWN = 3;
export const COMMENT_MAX = 2000;

export const PHASE_LABELS: Record<SurveyPhase, string> = { hot: 'À chaud', cold: 'À froid' };
export const PHASE_TITLES: Record<SurveyPhase, string> = {
  hot: 'Votre avis à la fin de la formation',
  cold: 'Votre avis trois mois après la formation',
};

/** The labels of a 1–5 scale, from 1 to 5. */
export const SATISFACTION_SCALE = ['Pas du tout satisfait·e', 'Peu satisfait·e', 'Moyennement satisfait·e', 'Satisfait·e', 'Très satisfait·e'] as const;
export const AGREEMENT_SCALE = ['Pas du tout', 'Un peu', 'En partie', 'Largement', 'Tout à fait'] as const;
export const USE_SCALE = ['Pas du tout', 'Rarement', 'De temps en temps', 'Souvent', 'Très souvent'] as const;

export type ScaleQuestionKey = 'overall' | 'objectives' | 'trainers' | 'organisation' | 'practice_use';
export interface ScaleQuestion {
  key: ScaleQuestionKey;
  /** The question as the form asks it (the fieldset's legend). */
  label: string;
  /** The short name in reports. */
  short: string;
  scale: readonly string[];
}

export const SCALE_QUESTIONS: Record<SurveyPhase, readonly ScaleQuestion[]> = {
  hot: [
    { key: 'overall', label: 'Dans l’ensemble, êtes-vous satisfait·e de cette formation ?', short: 'Satisfaction générale', scale: SATISFACTION_SCALE },
    { key: 'objectives', label: 'Les objectifs annoncés de la formation ont-ils été atteints ?', short: 'Objectifs atteints', scale: AGREEMENT_SCALE },
    { key: 'trainers', label: 'Êtes-vous satisfait·e de l’animation par le formateur ou la formatrice ?', short: 'Formateur·rice(s)', scale: SATISFACTION_SCALE },
    { key: 'organisation', label: 'Êtes-vous satisfait·e de l’organisation (accueil, lieu, horaires, informations reçues) ?', short: 'Organisation', scale: SATISFACTION_SCALE },
  ],
  cold: [{ key: 'practice_use', label: 'Ce que vous avez appris vous sert-il dans votre pratique ?', short: 'Utile dans la pratique', scale: USE_SCALE }],
};

export type UseKey = 'uses_posture' | 'uses_knowledge' | 'uses_tools' | 'uses_resources' | 'uses_exchanges';
/** What may serve in practice, ticked in the « à froid » survey. */
export const USE_ITEMS: readonly { key: UseKey; label: string }[] = [
  { key: 'uses_posture', label: 'La posture et l’écoute' },
  { key: 'uses_knowledge', label: 'Les connaissances apportées' },
  { key: 'uses_tools', label: 'Les outils et les méthodes' },
  { key: 'uses_resources', label: 'Les ressources et contacts pour orienter' },
  { key: 'uses_exchanges', label: 'Les échanges avec les autres participant·es' },
];

export const COMMENT_LABELS: Record<SurveyPhase, string> = {
  hot: 'Un commentaire, une suggestion ?',
  cold: 'Ce que vous utilisez, ou ce qui vous a manqué depuis',
};

export interface SurveyTimes {
  /** Every half-day is closed (the session has taken place). */
  finished: boolean;
  /** The end of the last half-day. */
  lastEndsAt: Date | null;
}

/** When the « à froid » survey opens and when it closes. */
export function coldWindow(lastEndsAt: Date): { opensAt: Date; closesAt: Date } {
  const opensAt = new Date(lastEndsAt.getTime() + COLD_OPENS_AFTER_DAYS * DAY_MS);
  return { opensAt, closesAt: new Date(opensAt.getTime() + COLD_OPEN_FOR_DAYS * DAY_MS) };
}

/**
 * The phase open now, if any: « à chaud » from the moment the session is finished until the
 * « à froid » opens, three months after the last half-day; « à froid » for three months more.
 */
export function openPhase(times: SurveyTimes, now: Date): SurveyPhase | null {
  if (!times.finished || !times.lastEndsAt) return null;
  const { opensAt, closesAt } = coldWindow(times.lastEndsAt);
  if (now < opensAt) return 'hot';
  if (now < closesAt) return 'cold';
  return null;
}
