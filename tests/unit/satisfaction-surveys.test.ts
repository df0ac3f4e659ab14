import { describe, expect, it } from 'vitest';
import { average, distribution, frenchAverage, responseRate, summariseAnswers, tooFewAnswers, type AnswerFigures } from '../../src/lib/surveys/aggregate.ts';
import { COLD_OPENS_AFTER_DAYS, DAY_MS, MIN_ANSWERS_SHOWN, SCALE_QUESTIONS, USE_ITEMS, openPhase } from '../../src/lib/surveys/questions.ts';
import { answerFromForm, surveyForm } from '../../src/lib/surveys/form.ts';

const hot = (overall: number, objectives: number, trainers: number, organisation: number, comment: string | null = null): AnswerFigures => ({ overall, objectives, trainers, organisation, comment });

describe('the figures of a survey', () => {
  it('shows only the count below three answers, so that nobody can be recognised', () => {
    expect(MIN_ANSWERS_SHOWN).toBe(3);
    const two = summariseAnswers('hot', [hot(5, 5, 5, 5, 'Très bien'), hot(1, 1, 1, 1, 'Trop long')], { answers: 2, invited: 4 });
    expect(two).toMatchObject({ answers: 2, invited: 4, responseRate: 0.5, shown: false, counted: 0, questions: [], uses: [], comments: [] });
    expect(tooFewAnswers(2)).toBe('2 réponses pour l’instant : les résultats s’affichent à partir de 3 réponses, pour que personne ne puisse être reconnu.');
    expect(tooFewAnswers(0)).toMatch(/^Aucune réponse pour l’instant/);
  });

  it('gives from three answers the average and distribution of each question, and the comments in alphabetical order', () => {
    const result = summariseAnswers('hot', [hot(5, 4, 5, 3, 'Merci'), hot(4, 4, 5, 2), hot(3, 5, 4, 2, '  Des pauses plus longues  ')], { answers: 3, invited: 5 });
    expect(result.shown).toBe(true);
    expect(result.responseRate).toBe(0.6);
    expect(result.questions.map((q) => [q.key, q.average, q.distribution])).toEqual([
      ['overall', 4, [0, 0, 1, 1, 1]],
      ['objectives', 13 / 3, [0, 0, 0, 2, 1]],
      ['trainers', 14 / 3, [0, 0, 0, 1, 2]],
      ['organisation', 7 / 3, [0, 2, 1, 0, 0]],
    ]);
    expect(result.comments).toEqual(['Des pauses plus longues', 'Merci']);
    expect(result.uses).toEqual([]);
  });

  it('counts what serves in practice, « à froid »', () => {
    const cold = (practice_use: number, ticks: string[]): AnswerFigures => ({
      practice_use,
      ...Object.fromEntries(USE_ITEMS.map((i) => [i.key, ticks.includes(i.key)])),
      comment: null,
    });
    const result = summariseAnswers('cold', [cold(5, ['uses_posture', 'uses_tools']), cold(4, ['uses_posture']), cold(2, [])], { answers: 3, invited: 3 });
    expect(result.questions).toHaveLength(1);
    expect(result.questions[0]).toMatchObject({ key: 'practice_use', average: 11 / 3, distribution: [0, 1, 0, 1, 1] });
    expect(Object.fromEntries(result.uses.map((u) => [u.key, u.count]))).toEqual({ uses_posture: 2, uses_knowledge: 0, uses_tools: 1, uses_resources: 0, uses_exchanges: 0 });
  });

  it('keeps its small rules: rates capped at 100 %, none without invitations, scores outside 1–5 ignored, French averages', () => {
    expect(responseRate(3, 0)).toBeNull();
    expect(responseRate(5, 4)).toBe(1);
    expect(average([])).toBeNull();
    expect(distribution([1, 5, 5, 0, 6, 2.5])).toEqual([1, 0, 0, 0, 2]);
    expect(frenchAverage(13 / 3)).toBe('4,3 / 5');
    expect(frenchAverage(4)).toBe('4,0 / 5');
    expect(frenchAverage(null)).toBe('–');
  });
});

describe('when each survey is open', () => {
  const lastEndsAt = new Date('2026-12-04T16:00:00Z');
  it('opens « à chaud » when the session is finished, and « à froid » three months after its last half-day, for three months', () => {
    expect(openPhase({ finished: false, lastEndsAt }, new Date('2026-12-05T00:00:00Z'))).toBeNull();
    expect(openPhase({ finished: true, lastEndsAt }, new Date('2026-12-05T00:00:00Z'))).toBe('hot');
    const cold = new Date(lastEndsAt.getTime() + COLD_OPENS_AFTER_DAYS * DAY_MS);
    expect(openPhase({ finished: true, lastEndsAt }, new Date(cold.getTime() - 1))).toBe('hot');
    expect(openPhase({ finished: true, lastEndsAt }, cold)).toBe('cold');
    expect(openPhase({ finished: true, lastEndsAt }, new Date(cold.getTime() + 90 * DAY_MS))).toBeNull();
    expect(openPhase({ finished: true, lastEndsAt: null }, cold)).toBeNull();
  });
});

describe('the survey form', () => {
  it('asks in French for every 1–5 question, never about health', () => {
    const parsed = surveyForm.safeParse({ phase: 'hot', overall: '5', objectives: '4' });
    expect(parsed.success).toBe(false);
    const messages = parsed.error!.issues.map((i) => i.message);
    expect(messages).toContain('Formateur·rice(s) : choisissez une réponse.');
    expect(messages).toContain('Organisation : choisissez une réponse.');
    expect(surveyForm.safeParse({ phase: 'hot', overall: '6', objectives: '4', trainers: '4', organisation: '4' }).error!.issues[0]!.message).toBe(
      'Satisfaction générale : choisissez une des options proposées.',
    );
    const labels = Object.values(SCALE_QUESTIONS).flat().map((q) => q.label).join(' ') + USE_ITEMS.map((i) => i.label).join(' ');
    expect(labels).not.toMatch(/santé|traitement|diagnostic|patholog/i);
  });

  it('reads an answer, counts a line break as one character, and refuses a comment over 2,000', () => {
    const ok = surveyForm.safeParse({ phase: 'cold', practice_use: '4', 'uses[]': ['uses_tools', 'uses_posture'], comment: 'Deux\r\nlignes' });
    expect(ok.success).toBe(true);
    expect(answerFromForm(ok.data!)).toEqual({ phase: 'cold', practiceUse: 4, uses: ['uses_tools', 'uses_posture'], comment: 'Deux\nlignes' });
    expect(surveyForm.safeParse({ phase: 'hot', overall: '5', objectives: '4', trainers: '4', organisation: '4', comment: 'a\r\n'.repeat(1000) }).success).toBe(true);
    const tooLong = surveyForm.safeParse({ phase: 'hot', overall: '5', objectives: '4', trainers: '4', organisation: '4', comment: 'x'.repeat(2001) });
    expect(tooLong.error!.issues[0]!.message).toBe('Commentaire : 2000 caractères au plus.');
    expect(surveyForm.safeParse({ phase: 'cold', practice_use: '3', 'uses[]': ['uses_health'] }).success).toBe(false);
  });
});
