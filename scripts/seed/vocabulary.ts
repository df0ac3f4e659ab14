// The words of the large seeded world: French names, the region's towns and structures, the
// catalogue of trainings, and the few sentences people write (comments, reasons). Plain data;
// large-world.ts picks from these lists with a hash of the seed, never at random.
import type { EmployerType, MissionKind, PracticeKind, TrainingAudience } from '../../src/lib/db/schema.ts';

export const GIVEN_NAMES = [
  'Camille', 'Léa', 'Manon', 'Chloé', 'Emma', 'Inès', 'Sarah', 'Julie', 'Laura', 'Marie', 'Anaïs', 'Clara', 'Zoé', 'Jade', 'Lucie',
  'Nadia', 'Aïcha', 'Fatima', 'Yasmine', 'Samira', 'Sophie', 'Nathalie', 'Isabelle', 'Sandrine', 'Valérie', 'Céline', 'Hélène', 'Agnès',
  'Thomas', 'Lucas', 'Hugo', 'Louis', 'Nicolas', 'Julien', 'Maxime', 'Antoine', 'Alexandre', 'Pierre', 'Mathieu', 'Romain', 'Benoît',
  'Karim', 'Mohamed', 'Yacine', 'Mehdi', 'Rachid', 'Sofiane', 'Omar', 'Stéphane', 'Laurent', 'Olivier', 'François', 'Jérôme', 'Éric',
  'Noël', 'Gaëlle', 'Maëlle', 'Loïc', 'Joël', 'Jean-Baptiste', 'Marie-Claire', 'Anne-Sophie', 'Ngoc', 'Mamadou', 'Aminata', 'Łukasz',
];

export const FAMILY_NAMES = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent', 'Simon', 'Michel', 'Lefèvre',
  'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent',
  'Muller', 'Faure', 'André', 'Mercier', 'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia',
  'Perrin', 'Robin', 'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson', 'Marchand', 'Duval', 'Denis',
  'Benali', 'Haddad', 'Mansouri', 'Belkacem', 'Bouzid', 'Diallo', 'Traoré', 'Ndiaye', 'Nguyen', 'Tran', 'Rossi', 'Esposito', 'Fernandez',
  'Lopez', 'Martinez', 'Da Silva', 'Pereira', 'Kowalski', 'Ben Saïd', 'Ould Ahmed', 'Le Gall', 'Le Bihan', 'Giraud', 'Arnaud', 'Olivier',
  'Barbier', 'Aubert', 'Roche', 'Colin', 'Vidal', 'Caron', 'Picard', 'Roger', 'Brunet', 'Schmitt', 'Meunier', 'Jean', 'Rey', 'Marty',
];

/** The region's towns, and how a name says « of » them (« de Marseille », « d’Avignon »). */
export const TOWNS: ReadonlyArray<{ name: string; of: string }> = [
  { name: 'Marseille', of: 'de Marseille' }, { name: 'Nice', of: 'de Nice' }, { name: 'Toulon', of: 'de Toulon' },
  { name: 'Aix-en-Provence', of: 'd’Aix-en-Provence' }, { name: 'Avignon', of: 'd’Avignon' }, { name: 'Arles', of: 'd’Arles' },
  { name: 'Cannes', of: 'de Cannes' }, { name: 'Antibes', of: 'd’Antibes' }, { name: 'Hyères', of: 'd’Hyères' },
  { name: 'Martigues', of: 'de Martigues' }, { name: 'Aubagne', of: 'd’Aubagne' }, { name: 'Salon-de-Provence', of: 'de Salon-de-Provence' },
  { name: 'Fréjus', of: 'de Fréjus' }, { name: 'Draguignan', of: 'de Draguignan' }, { name: 'Gap', of: 'de Gap' },
  { name: 'Digne-les-Bains', of: 'de Digne-les-Bains' }, { name: 'Manosque', of: 'de Manosque' }, { name: 'Carpentras', of: 'de Carpentras' },
  { name: 'Orange', of: 'd’Orange' }, { name: 'Menton', of: 'de Menton' }, { name: 'La Seyne-sur-Mer', of: 'de La Seyne-sur-Mer' },
  { name: 'Istres', of: 'd’Istres' }, { name: 'Briançon', of: 'de Briançon' }, { name: 'Cavaillon', of: 'de Cavaillon' },
];

/**
 * The kinds of structure professionals work in, with the category their employer falls under
 * for the bilan pédagogique et financier. `{of}` is replaced by the town's « de … » form.
 */
export const STRUCTURE_KINDS: ReadonlyArray<{ pattern: string; employerType: EmployerType }> = [
  { pattern: 'Centre hospitalier {of}', employerType: 'public_employer' },
  { pattern: 'CMP adultes {of}', employerType: 'public_employer' },
  { pattern: 'Équipe mobile psychiatrie précarité {of}', employerType: 'public_employer' },
  { pattern: 'CCAS {of}', employerType: 'public_employer' },
  { pattern: 'Maison départementale des solidarités {of}', employerType: 'public_employer' },
  { pattern: 'Hôpital de jour {of}', employerType: 'public_employer' },
  { pattern: 'GEM {of}', employerType: 'private_employer' },
  { pattern: 'Association Solidarité Réhabilitation {of}', employerType: 'private_employer' },
  { pattern: 'Clubhouse {of}', employerType: 'private_employer' },
  { pattern: 'CSAPA {of}', employerType: 'private_employer' },
  { pattern: 'Résidence accueil {of}', employerType: 'private_employer' },
  { pattern: 'SAMSAH {of}', employerType: 'private_employer' },
  { pattern: 'Un chez-soi d’abord {of}', employerType: 'private_employer' },
  { pattern: 'Entreprise adaptée {of}', employerType: 'private_employer' },
  { pattern: 'Mission locale {of}', employerType: 'other' },
];

/** The places sessions are held in; `{town}` is the town's name. */
export const PLACES = [
  'Maison des associations, {town}',
  'Salle de formation ESPER Pro, {town}',
  'Centre hospitalier, salle du conseil, {town}',
  'Cité des associations, {town}',
  'Espace culturel, {town}',
  'Médiathèque, auditorium, {town}',
];

/** Where the large events are held. */
export const EVENT_PLACES = ['Palais des congrès, {town}', 'Auditorium de la faculté de médecine, {town}', 'Hôtel de région, hémicycle, {town}'];

export interface SeedTraining {
  slug: string;
  title: string;
  topic: string;
  audience: TrainingAudience;
  /** Seven hours a day, two half-days of 3 h 30. */
  days: 1 | 2 | 3;
  moduleId: string | null;
  practiceKind: PracticeKind | null;
  attendanceThreshold: number;
  /** Share of the sessions (the weights add up to 1). */
  weight: number;
  /** Places offered, and how full it gets (share of the capacity that asks). */
  capacity: [number, number];
  /** A large event (a regional day, a symposium): signed by code, few tablets. */
  event: boolean;
  summary: string;
  objectives: string[];
}

/** The catalogue: face-to-face trainings of the association over ten years. */
export const TRAININGS: readonly SeedTraining[] = [
  {
    slug: 'premiers-secours-en-sante-mentale', title: 'Premiers secours en santé mentale', topic: 'pssm', audience: 'everyone', days: 2,
    moduleId: 'pssm', practiceKind: null, attendanceThreshold: 1, weight: 0.1, capacity: [12, 16], event: false,
    summary: 'Le standard PSSM France : repérer, aborder et orienter une personne qui traverse une difficulté psychique.',
    objectives: ['Repérer les signes d’une difficulté psychique', 'Aborder la personne et l’écouter sans jugement', 'Orienter vers les aides adaptées'],
  },
  {
    slug: 'retablissement-et-pair-aidance', title: 'Rétablissement et pair-aidance', topic: 'retablissement', audience: 'everyone', days: 1,
    moduleId: 'retablissement', practiceKind: null, attendanceThreshold: 0.8, weight: 0.08, capacity: [15, 25], event: false,
    summary: 'Ce que le rétablissement change dans l’accompagnement, et la place des pairs.',
    objectives: ['Connaître les principes du rétablissement', 'Situer la pair-aidance dans une équipe'],
  },
  {
    slug: 'decouvrir-la-pair-aidance', title: 'Découvrir la pair-aidance', topic: 'pair-aidance', audience: 'everyone', days: 1,
    moduleId: 'decouvrir-la-pair-aidance', practiceKind: null, attendanceThreshold: 0.8, weight: 0.07, capacity: [15, 25], event: false,
    summary: 'Une journée pour découvrir le métier de médiateur de santé pair et l’association.',
    objectives: ['Découvrir le métier de médiateur de santé pair', 'Rencontrer des pairs en poste'],
  },
  {
    slug: 'integrer-un-travailleur-pair', title: 'Intégrer un travailleur pair dans une équipe', topic: 'integration', audience: 'professionals', days: 2,
    moduleId: 'integration-travailleur-pair', practiceKind: null, attendanceThreshold: 0.8, weight: 0.06, capacity: [12, 20], event: false,
    summary: 'Pour les équipes et leurs cadres : préparer l’arrivée d’un pair et le faire travailler avec tous.',
    objectives: ['Préparer l’équipe à l’arrivée d’un pair', 'Définir la fiche de poste', 'Organiser la supervision'],
  },
  {
    slug: 'droits-des-usagers-en-psychiatrie', title: 'Droits des usagers en psychiatrie', topic: 'droits', audience: 'everyone', days: 1,
    moduleId: 'droits-des-usagers', practiceKind: null, attendanceThreshold: 0.8, weight: 0.06, capacity: [15, 25], event: false,
    summary: 'Soins sans consentement, directives anticipées, recours : ce que chacun doit savoir.',
    objectives: ['Connaître les droits des personnes hospitalisées', 'Accompagner un recours'],
  },
  {
    slug: 'plan-d-action-wrap', title: 'Plan d’action pour le rétablissement (WRAP)', topic: 'wrap', audience: 'trainees', days: 3,
    moduleId: 'wrap', practiceKind: null, attendanceThreshold: 0.8, weight: 0.05, capacity: [10, 14], event: false,
    summary: 'Animer un atelier WRAP : la boîte à outils du bien-être et le plan de crise.',
    objectives: ['Construire son propre plan WRAP', 'Animer un atelier en binôme'],
  },
  {
    slug: 'emploi-accompagne-ips', title: 'Emploi accompagné : IPS et job coaching', topic: 'emploi', audience: 'professionals', days: 2,
    moduleId: 'ips-job-coaching', practiceKind: null, attendanceThreshold: 0.8, weight: 0.05, capacity: [12, 18], event: false,
    summary: 'La méthode IPS et le job coaching pour accompagner vers l’emploi en milieu ordinaire.',
    objectives: ['Connaître les huit principes de l’IPS', 'Conduire un entretien de job coaching'],
  },
  {
    slug: 'un-chez-soi-d-abord', title: 'Un chez-soi d’abord', topic: 'logement', audience: 'professionals', days: 1,
    moduleId: 'un-chez-soi-d-abord', practiceKind: null, attendanceThreshold: 0.8, weight: 0.04, capacity: [15, 25], event: false,
    summary: 'Le logement d’abord : principes, équipes et place des pairs.',
    objectives: ['Comprendre le modèle Housing First', 'Travailler en équipe pluridisciplinaire'],
  },
  {
    slug: 'analyse-de-la-pratique', title: 'Analyse de la pratique entre pairs', topic: 'pratique', audience: 'trainees', days: 1,
    moduleId: null, practiceKind: 'practice_analysis', attendanceThreshold: 0.8, weight: 0.06, capacity: [8, 12], event: false,
    summary: 'Un groupe d’analyse de la pratique pour les médiateurs et médiatrices en formation.',
    objectives: ['Prendre du recul sur une situation vécue', 'Partager les ressources du groupe'],
  },
  {
    slug: 'supervision-des-mediateurs', title: 'Supervision des médiateurs de santé pairs', topic: 'pratique', audience: 'trainees', days: 1,
    moduleId: null, practiceKind: 'supervision', attendanceThreshold: 0.8, weight: 0.04, capacity: [6, 10], event: false,
    summary: 'La supervision d’un groupe de pairs en poste par un superviseur extérieur.',
    objectives: ['Analyser sa posture professionnelle', 'Prévenir l’épuisement'],
  },
  {
    slug: 'formation-de-formateurs-pairs', title: 'Formation de formateurs pairs', topic: 'pedagogie', audience: 'trainees', days: 3,
    moduleId: null, practiceKind: null, attendanceThreshold: 0.9, weight: 0.03, capacity: [8, 12], event: false,
    summary: 'Concevoir et co-animer une séquence de formation à partir de son savoir expérientiel.',
    objectives: ['Construire une séquence pédagogique', 'Co-animer avec un formateur'],
  },
  {
    slug: 'sensibilisation-des-equipes', title: 'Sensibilisation des équipes à la pair-aidance', topic: 'pair-aidance', audience: 'professionals', days: 1,
    moduleId: null, practiceKind: null, attendanceThreshold: 0.8, weight: 0.14, capacity: [100, 250], event: false,
    summary: 'Une journée pour toute une équipe, sur son lieu de travail.',
    objectives: ['Comprendre ce qu’apporte un pair', 'Lever les idées reçues'],
  },
  {
    slug: 'journee-regionale-pair-aidance', title: 'Journée régionale de la pair-aidance', topic: 'evenement', audience: 'everyone', days: 1,
    moduleId: null, practiceKind: null, attendanceThreshold: 0.8, weight: 0.12, capacity: [300, 500], event: true,
    summary: 'La journée annuelle des pairs, des équipes et des partenaires de la région.',
    objectives: ['Partager les expériences de la région', 'Rencontrer les partenaires'],
  },
  {
    slug: 'colloque-sante-mentale-et-retablissement', title: 'Colloque santé mentale et rétablissement', topic: 'evenement', audience: 'everyone', days: 3,
    moduleId: null, practiceKind: null, attendanceThreshold: 0.8, weight: 0.1, capacity: [350, 500], event: true,
    summary: 'Trois jours de conférences et d’ateliers avec les chercheurs, les équipes et les personnes concernées.',
    objectives: ['Actualiser ses connaissances', 'Découvrir des pratiques orientées rétablissement'],
  },
];

export const ABSENCE_REASONS = [
  'Empêchement professionnel signalé la veille',
  'Contrainte familiale',
  'Grève des transports',
  'Réunion de service imposée par l’employeur',
  'Intempéries : route coupée',
];

export const HOT_COMMENTS = [
  'Très concret, des outils que je vais utiliser dès lundi.',
  'Le témoignage des pairs était le moment fort de la journée.',
  'Un peu dense l’après-midi, mais des échanges riches.',
  'La salle était trop petite pour le groupe.',
  'Merci aux formatrices pour leur écoute.',
  'J’aurais aimé plus de mises en situation.',
  'Bonne organisation, documents clairs.',
];

export const COLD_COMMENTS = [
  'J’ai changé ma façon d’aborder les personnes en crise.',
  'Nous avons monté un groupe de parole dans le service.',
  'Les fiches ressources me servent chaque semaine.',
  'Difficile de convaincre mon équipe, mais j’avance.',
];

export const RETURN_COMMENTS = [
  'Il manque encore quelques heures de mission : revenez vers nous après la prochaine.',
  'Le module n’est pas terminé : le quiz reste à réussir.',
  'Merci de compléter le bilan de l’étape avec votre référente avant de redemander.',
];

export const VALIDATION_COMMENTS = ['Étape validée, bravo.', 'Validée en commission pédagogique.', 'Bravo pour votre implication.', 'Étape validée : bonne continuation.'];

export const MISSION_KINDS: readonly MissionKind[] = ['individual_support', 'group', 'helpline', 'team_mediation', 'workshop', 'other'];

export const PARTNER_STRUCTURES = [
  'GEM Le Fil d’Ariane', 'CMP Saint-Just', 'Équipe mobile psychiatrie précarité', 'Clubhouse Marseille', 'Maison des usagers',
  'Association Isatis', 'Résidence accueil Les Oliviers', 'CSAPA Bus 31/32', 'Accueil de jour Forbin', 'Centre hospitalier Montperrin',
];

export const JOURNAL_NOTES = [
  'Ce que j’ai appris cette semaine : écouter sans chercher à réparer.',
  'Première mission en binôme : j’avais le trac, puis tout s’est bien passé.',
  'Je note les questions à poser à ma référente lors du prochain point.',
  'Relu mes notes du module : le rétablissement n’est pas une ligne droite.',
];

export const RETURNED_MISSION_COMMENTS = ['Précisez la structure partenaire.', 'La durée semble élevée pour une permanence : vérifiez-la.'];
