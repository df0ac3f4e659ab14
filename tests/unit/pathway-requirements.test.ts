import { describe, expect, it } from 'vitest';
import { evaluateRequirements, type PathwayFacts, type Requirement } from '../../src/lib/pathway/requirements.ts';

/** The rules of a stage as a coordinator would set them, and what a trainee has done. */
const rule = (r: Partial<Requirement> & Pick<Requirement, 'kind'>): Requirement => ({
  id: r.id ?? crypto.randomUUID(),
  stage: r.stage ?? 2,
  moduleSlug: null,
  trainingId: null,
  minAttendance: null,
  quantity: null,
  label: null,
  position: 1,
  ...r,
});
const nothingDone: PathwayFacts = { completedModules: new Set(), bestAttendance: new Map(), practiceAnalysisSessions: 0, supervisionSessions: 0, missionMinutes: new Map(), checked: new Set() };
const names = {
  moduleTitle: (slug: string) => ({ retablissement: 'Le rétablissement' })[slug],
  training: (id: string) => (id === 'pssm' ? { title: 'Premiers secours en santé mentale', slug: 'pssm' } : undefined),
};
const verdicts = (rules: Requirement[], facts: Partial<PathwayFacts>) => evaluateRequirements(rules, { ...nothingDone, ...facts }, names).map((s) => [s.met, s.title, s.progress, s.link?.href ?? null]);

describe('a stage’s checklist', () => {
  it('a module counts once completed, and links to it while it is not', () => {
    const rules = [rule({ kind: 'module_completed', moduleSlug: 'retablissement' })];
    expect(verdicts(rules, {})).toEqual([[false, 'Terminer le module « Le rétablissement »', null, '/modules/retablissement']]);
    expect(verdicts(rules, { completedModules: new Set(['retablissement']) })[0]![0]).toBe(true);
  });

  it('a training counts when a finished session reached the attendance asked', () => {
    const rules = [rule({ kind: 'training_attended', trainingId: 'pssm', minAttendance: 0.8 })];
    expect(verdicts(rules, { bestAttendance: new Map([['pssm', 0.75]]) })).toEqual([
      [false, 'Suivre la formation « Premiers secours en santé mentale » (assiduité d’au moins 80 %)', 'Meilleure assiduité : 75 %', '/formations/pssm'],
    ]);
    expect(verdicts(rules, { bestAttendance: new Map([['pssm', 0.8]]) })[0]![0]).toBe(true);
  });

  it('mission hours count the validated minutes logged on the stage itself', () => {
    const rules = [rule({ kind: 'mission_hours', stage: 2, quantity: 20 })];
    expect(verdicts(rules, { missionMinutes: new Map([[2, 12 * 60], [1, 30 * 60]]) })).toEqual([
      [false, 'Réaliser 20 h de missions bénévoles en binôme, validées', '12 h validées sur 20 h', '/mon-parcours/missions'],
    ]);
    expect(verdicts(rules, { missionMinutes: new Map([[2, 20 * 60]]) })[0]![0]).toBe(true);
  });

  it('practice analysis and supervision sessions are counted separately', () => {
    const rules = [rule({ kind: 'practice_analysis_sessions', stage: 6, quantity: 3 }), rule({ kind: 'supervision_sessions', stage: 7, quantity: 1 })];
    expect(verdicts(rules, { practiceAnalysisSessions: 3, supervisionSessions: 0 }).map((v) => [v[0], v[2]])).toEqual([
      [true, '3 sur 3'],
      [false, '0 sur 1'],
    ]);
  });

  it('a condition the coordination judges is met only when they tick it, and offers no link', () => {
    const rules = [rule({ id: 'c1', kind: 'coordinator_check', label: 'A participé à un groupe de travail' })];
    expect(verdicts(rules, {})).toEqual([[false, 'A participé à un groupe de travail', null, null]]);
    expect(verdicts(rules, { checked: new Set(['c1']) })[0]![0]).toBe(true);
  });

  it('a training taken out of the catalogue still reads, without a link', () => {
    expect(verdicts([rule({ kind: 'training_attended', trainingId: 'gone', minAttendance: 0 })], {})).toEqual([[false, 'Suivre la formation « formation retirée »', null, null]]);
  });
});
