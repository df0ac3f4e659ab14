import { describe, expect, it } from 'vitest';
import { MISSION_KINDS, type Role } from '../../src/lib/db/schema.ts';
import {
  frenchDay,
  frenchDuration,
  isCalendarDay,
  isMissionKind,
  MISSION_KIND_LABELS,
  MISSION_STATUS_LABELS,
  missionProblems,
  missionsClosed,
  splitMinutes,
  type MissionFields,
} from '../../src/lib/pathway/missions.ts';
import type { PathwayMember } from '../../src/lib/pathway/members.ts';
import { navigationFor } from '../../src/lib/web/navigation.ts';

const good: MissionFields = { doneOn: '2026-11-18', minutes: 90, kind: 'workshop', partnerStructure: 'GEM Le Fil', pairName: 'Inès Garcia', pairEmail: 'ines@exemple.fr' };
const TODAY = '2026-11-23';

describe('durations', () => {
  it('are written the French way', () => {
    expect(frenchDuration(15)).toBe('15 min');
    expect(frenchDuration(60)).toBe('1 h');
    expect(frenchDuration(150)).toBe('2 h 30');
    expect(frenchDuration(125)).toBe('2 h 05');
    expect(frenchDuration(720)).toBe('12 h');
  });

  it('split back into the form’s hours and minutes', () => {
    expect(splitMinutes(150)).toEqual({ hours: 2, minutes: 30 });
    expect(splitMinutes(45)).toEqual({ hours: 0, minutes: 45 });
    for (const minutes of [15, 59, 60, 61, 719, 720]) {
      const parts = splitMinutes(minutes);
      expect(parts.hours * 60 + parts.minutes).toBe(minutes);
    }
  });
});

describe('days', () => {
  it('are read as real calendar days and written dd/mm/yyyy', () => {
    expect(isCalendarDay('2026-11-18')).toBe(true);
    expect(isCalendarDay('2028-02-29')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-13-01')).toBe(false);
    expect(isCalendarDay('18/11/2026')).toBe(false);
    expect(frenchDay('2026-11-03')).toBe('03/11/2026');
  });
});

describe('a mission as typed', () => {
  it('is accepted when complete, with or without the pair’s address', () => {
    expect(missionProblems(good, TODAY)).toEqual({});
    expect(missionProblems({ ...good, pairEmail: undefined }, TODAY)).toEqual({});
    expect(missionProblems({ ...good, doneOn: TODAY, minutes: 15 }, TODAY)).toEqual({});
    expect(missionProblems({ ...good, doneOn: '2010-01-01', minutes: 720 }, TODAY)).toEqual({});
  });

  it('names each field to fix, in French', () => {
    const problems = missionProblems({ doneOn: '2026-11-24', minutes: 5, kind: 'diagnostic', partnerStructure: ' ', pairName: 'x'.repeat(121), pairEmail: 'ines@' }, TODAY);
    expect(problems).toEqual({
      doneOn: expect.stringContaining('aujourd’hui au plus tard'),
      minutes: 'Durée : entre 15 minutes et 12 heures.',
      kind: 'Type de mission : choisissez une des options proposées.',
      partnerStructure: 'Structure partenaire : ce champ est obligatoire.',
      pairName: 'Nom de votre binôme : 120 caractères au plus.',
      pairEmail: 'Adresse e-mail de votre binôme : le format attendu est nom@exemple.fr.',
    });
    expect(missionProblems({ ...good, doneOn: '2009-12-31' }, TODAY).doneOn).toBe('Date de la mission : le 01/01/2010 au plus tôt.');
    expect(missionProblems({ ...good, minutes: 90.5 }, TODAY).minutes).toBeDefined();
    expect(missionProblems({ ...good, minutes: 721 }, TODAY).minutes).toBeDefined();
  });

  it('has no field that could describe a supported person', () => {
    expect(Object.keys(good).sort()).toEqual(['doneOn', 'kind', 'minutes', 'pairEmail', 'pairName', 'partnerStructure']);
  });
});

describe('labels', () => {
  it('give every kind and status a French label', () => {
    expect(Object.keys(MISSION_KIND_LABELS).sort()).toEqual([...MISSION_KINDS].sort());
    expect(MISSION_KIND_LABELS.helpline).toBe('Permanence téléphonique / ligne d’écoute');
    expect(MISSION_STATUS_LABELS).toEqual({ submitted: 'En attente de validation', validated: 'Validée', returned: 'À corriger' });
    expect(isMissionKind('team_mediation')).toBe(true);
    expect(isMissionKind('therapy')).toBe(false);
  });
});

describe('who may log missions', () => {
  const member = (stage: number): PathwayMember => ({
    personId: '00000000-0000-4000-8000-000000000000',
    givenName: 'Camille',
    familyName: 'Martin',
    stage,
    cohort: null,
    stageSince: new Date(),
    validationRequestedAt: null,
    professionalReferentId: null,
    peerReferentId: null,
  });
  it('is a trainee from the initiation au métier to the seventh stage', () => {
    expect(missionsClosed(undefined)).toMatchObject({ status: 403 });
    expect(missionsClosed(member(1))).toMatchObject({ status: 409, message: expect.stringContaining('initiation au métier') });
    for (const stage of [2, 3, 4, 5, 6, 7]) expect(missionsClosed(member(stage))).toBeNull();
    expect(missionsClosed(member(8))).toMatchObject({ status: 409, message: expect.stringContaining('bravo') });
  });
});

describe('navigation', () => {
  it('shows « Accompagnement » to the people who accompany trainees', () => {
    const has = (...roles: Role[]) => navigationFor({ roles }).some((item) => item.href === '/accompagnement');
    expect(has('professional')).toBe(true);
    expect(has('trainer')).toBe(true);
    expect(has('coordinator')).toBe(true);
    expect(has('trainee')).toBe(false);
  });
});
