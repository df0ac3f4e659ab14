import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { pdfAllText, pdfImagesPainted, pdfText } from '../support/pdf.ts';
import { logoPng } from '../support/organisation-images.ts';
import { organisationSettings, updateOrganisation } from '../../src/lib/attestations/organisation.ts';
import { unzip } from '../support/zip.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import { sessionAuditPack } from '../../src/lib/reporting/audit-pack.ts';
import { issueAttestation, issueForSession, revokeAttestation, sha256Hex } from '../../src/lib/attestations/issue.ts';
import { sendDueSurveyInvitations } from '../../src/lib/surveys/invitations.ts';
import { submitSurveyAnswer } from '../../src/lib/surveys/participation.ts';
import { attendanceSheet } from '../../src/lib/attendance/sheet.ts';
import { renderSheetPdf } from '../../src/lib/attendance/sheet-pdf.ts';
import { halfDayLabel, halfDayTimes } from '../../src/lib/attendance/sheet-labels.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { slugify } from '../../src/lib/sessions/trainings.ts';

let database: TestDatabase;
let world: World;
let training: Training;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  training = await addTraining(testContext(database.db), world.coordinator);
});
afterAll(() => database.drop());

const coordination = () => ({ actorId: world.coordinator.id, actorRoles: world.coordinator.roles });

/** Every progress report, in order. */
function progressLog() {
  const calls: [number, number][] = [];
  return { calls, report: async (done: number, total: number) => void calls.push([done, total]) };
}

/** The `sha256sum` lines of the sommaire, as a map from file name to hash. */
const checksums = (sommaire: string) => new Map([...sommaire.matchAll(/^([0-9a-f]{64}) {2}(\S+)$/gm)].map((m) => [m[2]!, m[1]!]));

/** Text folded the way file names are (« Łukasz » → « lukasz »), so a slugged name is caught too. */
const folded = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ł/g, 'l');

describe('the audit pack of a session that took place', () => {
  it('holds the programme, the sheet, each attestation, the survey results and a sommaire whose hashes match', async () => {
    const ctx = testContext(database.db);
    const [camille, zoe, lukasz] = world.trainees as [WorldPerson, WorldPerson, WorldPerson];
    const karim = world.professional;
    // The organisation's identity, as the coordination set it: the programme prints it like the attestations.
    const current = await organisationSettings(database.db);
    const updated = await updateOrganisation(ctx, {
      ...coordination(),
      name: current.name,
      address: current.address,
      representativeName: current.representativeName,
      representativeTitle: current.representativeTitle,
      registrationNumber: '93 13 12345 13',
      signature: { action: 'keep' },
      logo: { action: 'replace', bytes: logoPng() },
    });
    expect(updated.ok).toBe(true);
    const sessionId = await finishedSession(ctx, {
      coordinator: world.coordinator,
      trainer: world.trainer,
      training,
      participants: [
        { person: zoe, presence: [true, true, true, true], employer: 'Association Œuvre d’entraide' },
        { person: lukasz, presence: [true, true, true, false] },
        { person: camille, presence: [true, true, true, true] },
        { person: karim, presence: [false, false, false, false] },
      ],
    });
    // The coordination issues the certificates, and an attestation of attendance it then revokes.
    expect(await issueForSession(ctx, { ...coordination(), sessionId, kind: 'completion_certificate' })).toMatchObject({ ok: true, issued: 3 });
    const mistaken = await issueAttestation(ctx, { ...coordination(), sessionId, personId: camille.id, kind: 'attendance' });
    if (!mistaken.ok) throw new Error(mistaken.message);
    await revokeAttestation(ctx, { ...coordination(), attestationId: mistaken.id, reason: 'Délivrée par erreur' });
    const zoesAttendance = await issueAttestation(ctx, { ...coordination(), sessionId, personId: zoe.id, kind: 'attendance' });
    expect(zoesAttendance.ok).toBe(true);
    // The three who attended are invited, and answer « à chaud ».
    expect(await sendDueSurveyInvitations(ctx)).toEqual({ ok: true, sent: 3 });
    const scores: [WorldPerson, number, string][] = [
      [zoe, 5, 'Des mises en situation très concrètes.'],
      [lukasz, 4, ''],
      [camille, 4, 'Un peu court pour tout voir.'],
    ];
    for (const [person, overall, comment] of scores)
      expect(await submitSurveyAnswer(ctx, { personId: person.id, sessionId, answer: { phase: 'hot', overall, objectives: 4, trainers: 5, organisation: 3, comment } })).toMatchObject({ ok: true });

    const progress = progressLog();
    const pack = (await sessionAuditPack(ctx, sessionId, progress.report))!;
    const session = (await sessionOverview(database.db, sessionId))!;

    // The name says what and when; the entries are what the ZIP holds.
    expect(pack.filename).toMatch(/^dossier-audit-premiers-secours-en-sante-mentale-\d{4}-\d{2}-\d{2}\.zip$/);
    const files = await unzip(Buffer.from(pack.bytes));
    expect([...files.keys()].sort()).toEqual([...pack.entries].sort());
    const valid = await database.db
      .selectFrom('attestation')
      .select(['number', 'kind', 'person_id', 'pdf_sha256', 'revoked_at'])
      .where('session_id', '=', sessionId)
      .orderBy('number')
      .execute();
    const slugOf = new Map([zoe, lukasz, camille].map((p) => [p.id, slugify(`${p.givenName} ${p.familyName}`)]));
    const folder = { completion_certificate: 'certificat-de-realisation', attendance: 'attestation-d-assiduite', end_of_training: '', pathway_stage: '' };
    const attestationNames = valid.filter((a) => !a.revoked_at).map((a) => `3-attestations/${folder[a.kind]}/${a.number}-${slugOf.get(a.person_id)}.pdf`);
    expect(attestationNames).toHaveLength(4);
    expect(pack.entries).toEqual(['0-sommaire.txt', '1-programme.pdf', '2-feuille-emargement.pdf', ...attestationNames, '4-satisfaction.pdf']);

    // The programme: what the training is, and this session's half-days.
    const programme = await pdfAllText(files.get('1-programme.pdf')!);
    for (const expected of [
      'ESPER Pro',
      'Déclaration d’activité n° 93 13 12345 13',
      'Programme de formation',
      'Premiers secours en santé mentale',
      'Stagiaires et professionnel·les',
      '14 h',
      'Apprendre à repérer une personne en difficulté psychique',
      'Repérer les signes d’une crise',
      'Savoir engager la conversation',
      'Orienter vers l’aide adaptée',
      'http://parcours.test/modules/pssm',
      'Maison des associations, 93 La Canebière, Marseille',
      'Nadia Rossi',
      '4 places',
      ...session.slots.flatMap((s) => [halfDayLabel(s), halfDayTimes(s)]),
    ])
      expect(programme, `the programme shows « ${expected} »`).toContain(expected);

    expect(await pdfImagesPainted(files.get('1-programme.pdf')!), 'the programme shows the logo').toBe(1);

    // The sheet is the one its own download gives, with every participant.
    const sheetBytes = files.get('2-feuille-emargement.pdf')!;
    expect(Buffer.from(sheetBytes).equals(Buffer.from(await renderSheetPdf((await attendanceSheet(database.db, sessionId, ctx.now()))!)))).toBe(true);
    const sheet = await pdfAllText(sheetBytes);
    for (const name of ['LEFÈVRE Zoë', 'NOWAK Łukasz', 'MARTIN Camille', 'BENALI Karim']) expect(sheet).toContain(name);

    // One PDF per valid attestation, its bytes as issued; the revoked one is left out.
    for (const [i, a] of valid.filter((r) => !r.revoked_at).entries()) {
      const bytes = files.get(attestationNames[i]!)!;
      expect(sha256Hex(bytes), attestationNames[i]).toBe(a.pdf_sha256);
      expect(await pdfText(bytes)).toContain(a.number);
    }
    const revoked = valid.find((a) => a.revoked_at)!;
    expect(pack.entries.some((e) => e.includes(revoked.number))).toBe(false);

    // The survey results, as the session's page gives them.
    const satisfaction = await pdfAllText(files.get('4-satisfaction.pdf')!);
    for (const expected of [
      'Questionnaire à chaud',
      '3 réponses pour 3 personnes invitées : taux de réponse de 100 %.',
      'Satisfaction générale',
      '4,3 / 5',
      'Formateur·rice(s)',
      '5,0 / 5',
      'Organisation',
      '3,0 / 5',
      'Des mises en situation très concrètes.',
      'Un peu court pour tout voir.',
      'Questionnaire à froid',
      'Il s’ouvre aux participant·es le',
    ])
      expect(satisfaction, `the results show « ${expected} »`).toContain(expected);

    // The sommaire: the session, each file with what it proves, each step, and true hashes.
    const sommaire = Buffer.from(files.get('0-sommaire.txt')!).toString('utf8');
    const sums = checksums(sommaire);
    expect([...sums.keys()]).toEqual(pack.entries.slice(1));
    for (const [name, hash] of sums) expect(sha256Hex(files.get(name)!), name).toBe(hash);
    for (const expected of [
      'Formation : Premiers secours en santé mentale',
      `Identifiant de la séance : ${sessionId}`,
      'Prouve la réalisation de l’action et l’assiduité.',
      'par Julien Morel.',
      'Inscriptions : 4 personnes inscrites pour 4 places.',
      `${halfDayLabel(session.slots[3]!)}, ${halfDayTimes(session.slots[3]!)} : émargement ouvert le`,
      'par Nadia Rossi ; 2 présent·es sur 4.',
      'par Nadia Rossi ; 3 présent·es sur 4.',
      'Attestations : 4 attestations valides délivrées, toutes dans le dossier (Certificat de réalisation : 3, le',
      '1 attestation révoquée ou remplacée par une nouvelle version : hors du dossier.',
      'Questionnaire à chaud : 3 invitations envoyées par courriel le',
      '3 réponses pour 3 personnes invitées : taux de réponse de 100 %.',
      'Questionnaire à froid : pas encore ouvert ; il s’ouvre le',
    ])
      expect(sommaire, `the sommaire says « ${expected} »`).toContain(expected);
    for (const [i, a] of valid.filter((r) => !r.revoked_at).entries()) expect(sommaire).toContain(`${attestationNames[i]}\n    `.concat(a.kind === 'attendance' ? 'Attestation d’assiduité' : 'Certificat de réalisation', ` n° ${a.number}, délivré`));
    expect(sommaire).toContain('Empreinte identique à celle enregistrée à sa délivrance');

    // No participant is named outside the sheet and the attestations (their files' names aside).
    const outside = [programme, satisfaction, sommaire.split('\n').filter((line) => !attestationNames.some((name) => line.includes(name))).join('\n')].map(folded);
    for (const person of [zoe, lukasz, camille, karim])
      for (const word of [person.givenName, person.familyName].map(folded))
        for (const text of outside) expect(new RegExp(`\\b${word}\\b`).test(text), `« ${word} » appears outside the sheet and the attestations`).toBe(false);

    // Progress after each file, up to the total.
    const total = pack.entries.length;
    expect(progress.calls).toEqual(Array.from({ length: total }, (_, i) => [i + 1, total]));
  });
});

describe('a pack that cannot be, or whose steps have not all happened', () => {
  it('is undefined for an unknown session or an id that is not one, and reports nothing', async () => {
    const ctx = testContext(database.db);
    const progress = progressLog();
    expect(await sessionAuditPack(ctx, '00000000-0000-4000-8000-000000000000', progress.report)).toBeUndefined();
    expect(await sessionAuditPack(ctx, 'pas-un-id', progress.report)).toBeUndefined();
    expect(await sessionAuditPack(ctx, "'; drop table training_session; --", progress.report)).toBeUndefined();
    expect(progress.calls).toEqual([]);
  });

  it('still builds without attestations nor answers, and says so', async () => {
    const ctx = testContext(database.db);
    const [camille, zoe] = world.trainees as [WorldPerson, WorldPerson];
    const sessionId = await finishedSession(ctx, {
      coordinator: world.coordinator,
      trainer: world.trainer,
      training,
      participants: [
        { person: zoe, presence: [true, true, true, true] },
        { person: camille, presence: [true, false, true, true] },
      ],
    });
    const progress = progressLog();
    const pack = (await sessionAuditPack(ctx, sessionId, progress.report))!;
    expect(pack.entries).toEqual(['0-sommaire.txt', '1-programme.pdf', '2-feuille-emargement.pdf', '4-satisfaction.pdf']);
    expect(progress.calls).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    const files = await unzip(Buffer.from(pack.bytes));
    const sommaire = Buffer.from(files.get('0-sommaire.txt')!).toString('utf8');
    expect(sommaire).toContain('Attestations : aucune attestation délivrée pour cette séance à ce jour ; le dossier n’en contient donc pas.');
    expect(sommaire).toContain(
      'Questionnaire à chaud : aucune invitation envoyée par courriel à ce jour (le questionnaire est aussi proposé sur « Mes séances ») ; 0 réponse pour 2 personnes invitées : taux de réponse de 0 %. Aucune réponse à ce jour : 4-satisfaction.pdf le dit.',
    );
    for (const [name, hash] of checksums(sommaire)) expect(sha256Hex(files.get(name)!), name).toBe(hash);
    const satisfaction = await pdfAllText(files.get('4-satisfaction.pdf')!);
    expect(satisfaction).toContain('0 réponse pour 2 personnes invitées : taux de réponse de 0 %.');
    expect(satisfaction).toContain('Aucune réponse pour l’instant : les résultats s’affichent à partir de 3 réponses');
    expect(satisfaction).not.toContain('Moyenne');
  });

  it('for a session still to come: the programme and an empty sheet, nothing closed, surveys not open', async () => {
    const ctx = testContext(database.db);
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 12 });
    const pack = (await sessionAuditPack(ctx, sessionId, async () => {}))!;
    const files = await unzip(Buffer.from(pack.bytes));
    const sommaire = Buffer.from(files.get('0-sommaire.txt')!).toString('utf8');
    expect(sommaire).toContain('Inscriptions : 0 personne inscrite pour 12 places.');
    expect(sommaire).toContain('émargement jamais ouvert ; non clôturée, donc pas encore contre-signée par le formateur.');
    expect(sommaire).toContain('Questionnaires de satisfaction : pas encore ouverts');
    expect(await pdfAllText(files.get('4-satisfaction.pdf')!)).toContain('Le questionnaire « à chaud » s’ouvre aux participant·es quand toutes les demi-journées sont closes.');
    expect(await pdfAllText(files.get('1-programme.pdf')!)).toContain('12 places');
  });
});
