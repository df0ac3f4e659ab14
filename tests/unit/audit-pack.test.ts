import { describe, expect, it } from 'vitest';
import { attestationPurpose, auditSummaryText, auditTimeline, dayList, type AuditFacts } from '../../src/lib/reporting/audit-summary.ts';
import { responseSentence, summariseAnswers, type AnswerFigures } from '../../src/lib/surveys/aggregate.ts';
import { satisfactionBlocks } from '../../src/lib/surveys/results-pdf.ts';
import type { SessionSatisfaction } from '../../src/lib/surveys/results.ts';
import { programmeBlocks, sessionDates, type ProgrammeData } from '../../src/lib/sessions/programme-pdf.ts';
import { parisInstant } from '../../src/lib/time.ts';
import { renderFlowPdf } from '../../src/lib/pdf/flow.ts';
import { pdfAllText } from '../support/pdf.ts';

const at = (day: string, time: string) => parisInstant(day, time)!;
const halfDay = (day: string, morning: boolean) => (morning ? { startsAt: at(day, '09:00'), endsAt: at(day, '12:30') } : { startsAt: at(day, '13:30'), endsAt: at(day, '17:00') });
const HASH = 'a'.repeat(64);

/** A session of two half-days, the first closed, no attestation, no survey yet. */
function facts(overrides: Partial<AuditFacts> = {}): AuditFacts {
  return {
    organisation: { name: 'ESPER Pro', registrationNumber: '93 13 12345 13' },
    sessionId: '6133cfc2-da7d-4f04-8222-34f424777b10',
    title: 'Premiers secours en santé mentale',
    place: 'Marseille',
    generatedAt: at('2026-12-10', '10:00'),
    createdAt: at('2026-11-02', '14:15'),
    createdBy: 'Julien Morel',
    cancelledAt: null,
    capacity: 12,
    enrolments: { enrolled: 1, waitlisted: 0, cancelled: 2 },
    halfDays: [
      { ...halfDay('2026-12-03', true), openedAt: at('2026-12-03', '09:02'), closedAt: at('2026-12-03', '12:40'), closedBy: 'Nadia Rossi', attended: 1, listed: 1 },
      { ...halfDay('2026-12-03', false), openedAt: null, closedAt: null, closedBy: null, attended: 0, listed: 1 },
    ],
    finished: false,
    attestations: [],
    attestationsLeftOut: 0,
    surveys: [],
    files: [
      { name: '1-programme.pdf', purpose: 'Le programme.', sha256: HASH },
      { name: '3-attestations/certificat-de-realisation/EP-2026-000001-zoe-lefevre.pdf', purpose: 'Un certificat.', sha256: 'b'.repeat(64) },
    ],
    ...overrides,
  };
}

describe('the sommaire of an audit pack', () => {
  it('lists each file with what it proves, and ends with lines `sha256sum -c` reads', () => {
    const text = auditSummaryText(facts());
    expect(text).toContain('Organisme : ESPER Pro (déclaration d’activité n° 93 13 12345 13)');
    expect(text).toContain('Séance : le jeudi 3 décembre 2026, Marseille');
    expect(text).toContain('Dossier généré le 10/12/2026 à 10:00 (heure de Paris)');
    expect(text).toContain('0-sommaire.txt\n    Ce sommaire');
    expect(text).toContain('1-programme.pdf\n    Le programme.\n');
    expect(text.endsWith(`${HASH}  1-programme.pdf\n${'b'.repeat(64)}  3-attestations/certificat-de-realisation/EP-2026-000001-zoe-lefevre.pdf\n`)).toBe(true);
    // The sommaire cannot hold its own hash.
    expect(text).not.toMatch(/^[0-9a-f]{64} {2}0-sommaire\.txt$/m);
  });

  it('tells each step, and what has not happened yet', () => {
    expect(auditTimeline(facts())).toEqual([
      'Séance créée le 02/11/2026 à 14:15 par Julien Morel.',
      'Inscriptions : 1 personne inscrite pour 12 places ; 2 inscriptions annulées ou retirées.',
      'jeudi 03/12/2026 matin, 09:00 – 12:30 : émargement ouvert le 03/12/2026 à 09:02 ; clôturée et contre-signée le 03/12/2026 à 12:40 par Nadia Rossi ; 1 présent·e sur 1.',
      'jeudi 03/12/2026 après-midi, 13:30 – 17:00 : émargement jamais ouvert ; non clôturée, donc pas encore contre-signée par le formateur.',
      'Attestations : aucune attestation délivrée pour cette séance à ce jour ; le dossier n’en contient donc pas.',
      'Questionnaires de satisfaction : pas encore ouverts (ils s’ouvrent quand toutes les demi-journées sont closes).',
    ]);
  });

  it('counts the attestations per kind with their days, and each survey’s invitations and answers', () => {
    const steps = auditTimeline(
      facts({
        finished: true,
        attestations: [
          { kind: 'completion_certificate', count: 3, issuedOn: [at('2026-12-05', '10:00'), at('2026-12-04', '18:00'), at('2026-12-05', '11:00')] },
          { kind: 'attendance', count: 1, issuedOn: [at('2026-12-04', '18:00')] },
        ],
        attestationsLeftOut: 2,
        surveys: [
          { phase: 'hot', opened: true, opensAt: null, answers: 2, invited: 4, responseRate: 0.5, emailed: 4, firstEmailedAt: at('2026-12-04', '09:00'), lastEmailedAt: at('2026-12-04', '10:00') },
          { phase: 'cold', opened: false, opensAt: at('2027-03-03', '17:00'), answers: 0, invited: 0, responseRate: null, emailed: 0, firstEmailedAt: null, lastEmailedAt: null },
        ],
      }),
    );
    expect(steps.slice(4)).toEqual([
      'Attestations : 4 attestations valides délivrées, toutes dans le dossier (Certificat de réalisation : 3, le 04/12/2026 et le 05/12/2026 ; Attestation d’assiduité : 1, le 04/12/2026).',
      '2 attestations révoquées ou remplacées par une nouvelle version : hors du dossier.',
      'Questionnaire à chaud : 4 invitations envoyées par courriel le 04/12/2026 ; 2 réponses pour 4 personnes invitées : taux de réponse de 50 %.',
      'Questionnaire à froid : pas encore ouvert ; il s’ouvre le mercredi 3 mars 2027, trois mois après la séance.',
    ]);
  });

  it('writes days the short way, and flags an attestation whose bytes are not those issued', () => {
    expect(dayList([])).toBe('');
    expect(dayList([at('2026-12-04', '23:30'), at('2026-12-04', '08:00')])).toBe('le 04/12/2026');
    expect(dayList([at('2026-12-06', '08:00'), at('2026-12-04', '08:00'), at('2026-12-05', '08:00')])).toBe('du 04/12/2026 au 06/12/2026 (3 jours différents)');
    const issued = { kind: 'attendance' as const, number: 'EP-2026-000004', issuedAt: at('2026-12-04', '18:00'), recordedSha256: HASH };
    expect(attestationPurpose({ ...issued, sha256: HASH })).toBe(
      'Attestation d’assiduité n° EP-2026-000004, délivrée le 04/12/2026 à 18:00. Prouve la remise de l’attestation. Empreinte identique à celle enregistrée à sa délivrance ; vérifiable en ligne par son QR code.',
    );
    expect(attestationPurpose({ ...issued, sha256: 'c'.repeat(64) })).toContain(`ATTENTION : son empreinte diffère de celle enregistrée à sa délivrance (${HASH}).`);
  });
});

describe('the survey results in the pack', () => {
  const hot = (overall: number): AnswerFigures => ({ overall, objectives: 4, trainers: 5, organisation: 3, comment: null });
  const results = (answers: AnswerFigures[], invited: number): SessionSatisfaction => ({
    sessionId: 's',
    trainingId: 't',
    title: 'PSSM',
    place: 'Marseille',
    firstStartsAt: at('2026-12-03', '09:00'),
    finished: true,
    phases: [
      { phase: 'hot', opened: true, opensAt: null, result: summariseAnswers('hot', answers, { answers: answers.length, invited }) },
      { phase: 'cold', opened: false, opensAt: at('2027-03-03', '17:00'), result: summariseAnswers('cold', [], { answers: 0, invited: 0 }) },
    ],
  });
  const texts = (r: SessionSatisfaction) => JSON.stringify(satisfactionBlocks(r));

  it('below three answers, says the count only', () => {
    const two = texts(results([hot(5), hot(1)], 4));
    expect(two).toContain('2 réponses pour 4 personnes invitées : taux de réponse de 50 %.');
    expect(two).toContain('2 réponses pour l’instant : les résultats s’affichent à partir de 3 réponses');
    expect(two).not.toContain('Moyenne');
    expect(two).not.toContain('/ 5');
  });

  it('from three answers, gives each question’s average and distribution, and says when « à froid » opens', () => {
    const blocks = satisfactionBlocks(results([hot(5), hot(4), hot(4)], 3));
    const table = blocks.find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.rows[0]).toEqual(['Satisfaction générale', '4,3 / 5', '0', '0', '0', '2', '1']);
    expect(JSON.stringify(blocks)).toContain('Il s’ouvre aux participant·es le mercredi 3 mars 2027, trois mois après la séance.');
    expect(responseSentence({ answers: 1, invited: 1, responseRate: 1 })).toBe('1 réponse pour 1 personne invitée : taux de réponse de 100 %.');
    expect(responseSentence({ answers: 0, invited: 0, responseRate: null })).toBe('0 réponse pour 0 personne invitée.');
  });
});

describe('the programme of a session', () => {
  const programme = (overrides: Partial<ProgrammeData> = {}): ProgrammeData => ({
    organisation: { name: 'ESPER Pro', address: 'Marseille', registrationNumber: null, representativeName: 'R', representativeTitle: 'Présidente', signaturePng: null, logo: null },
    training: {
      id: 't',
      slug: 'pssm',
      title: 'PSSM',
      topic: 'pssm',
      audience: 'professionals',
      durationHours: 7,
      summary: 'Une première aide.',
      objectives: ['Repérer', 'Orienter'],
      moduleId: null,
      attendanceThreshold: 0.8,
      practiceKind: null,
    },
    module: null,
    place: 'Marseille',
    capacity: 1,
    cancelledAt: null,
    slots: [halfDay('2026-12-03', true), halfDay('2026-12-03', false)],
    trainers: ['Nadia Rossi', 'Karim Benali'],
    generatedAt: at('2026-12-10', '10:00'),
    ...overrides,
  });

  it('says what the training is and how the session runs it', () => {
    const blocks = programmeBlocks(programme());
    expect(blocks[0]).toEqual({
      kind: 'fields',
      rows: [
        ['Public', 'Professionnel·les'],
        ['Thème', 'Premiers secours en santé mentale'],
        ['Durée', '7 h, en 2 demi-journées (7 h planifiées)'],
        ['Dates', 'le jeudi 3 décembre 2026'],
        ['Lieu', 'Marseille'],
        ['Formateur·rices', 'Nadia Rossi, Karim Benali'],
        ['Capacité', '1 place'],
        ['Assiduité attendue', '80 % des heures, pour l’attestation de fin de formation'],
      ],
    });
    expect(blocks).toContainEqual({ kind: 'list', items: ['Repérer', 'Orienter'] });
    expect(blocks.some((b) => b.kind === 'heading' && b.text === 'Module en ligne associé')).toBe(false);
    expect(blocks).toContainEqual(expect.objectContaining({ kind: 'table', rows: [['jeudi 03/12/2026 matin', '09:00 – 12:30', '3,5 h'], ['jeudi 03/12/2026 après-midi', '13:30 – 17:00', '3,5 h']] }));
  });

  it('says when nothing is planned, and when the session was cancelled', () => {
    const blocks = programmeBlocks(programme({ slots: [], cancelledAt: at('2026-11-20', '16:00') }));
    expect(blocks[0]).toEqual({ kind: 'paragraph', text: 'Séance annulée le 20/11/2026 à 16:00.', bold: true });
    expect(blocks).toContainEqual({ kind: 'paragraph', text: 'Aucune demi-journée n’est encore planifiée.', muted: true });
    expect(sessionDates([])).toBe('à planifier');
    expect(sessionDates([halfDay('2026-11-30', true), halfDay('2026-12-01', false)])).toBe('du lundi 30 novembre 2026 au mardi 1 décembre 2026');
  });
});

describe('the A4 documents of the pack', () => {
  it('carry long tables over pages, and draw any text a person typed', async () => {
    const address = `https://exemple.fr/${'ressource'.repeat(30)}`;
    const bytes = await renderFlowPdf({
      organisation: { name: 'ESPER Pro', address: 'Marseille', registrationNumber: null, logo: null },
      title: 'Résultats',
      subject: 'Essai',
      footer: 'Pied de page',
      createdAt: at('2026-12-10', '10:00'),
      blocks: [
        { kind: 'list', items: ['Très bien 👍\tmerci\r\nà bientôt', address] },
        { kind: 'table', columns: [{ title: 'Ligne', share: 1 }], rows: Array.from({ length: 80 }, (_, i) => [`ligne ${i + 1}`]) },
      ],
    });
    const text = await pdfAllText(bytes);
    expect(text).toContain('ligne 80');
    expect(text).toContain('Page 3 / 3');
    // The address too long for a line is cut, never lost past the margin.
    expect(text.replace(/ /g, '')).toContain(address);
  });
});
