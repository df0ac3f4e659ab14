import type { Role } from '../db/schema.ts';

/**
 * Who may open each route: everyone, any signed-in person, or the people holding one of the
 * listed roles. This table is the one access rule: the middleware applies it to every request
 * before a page or endpoint runs, and a route missing from it is refused to everyone.
 * Ownership (a person sees only their own data) is checked by the domain queries themselves.
 */
export type Audience = 'public' | 'signed-in' | readonly Role[];

export const ROUTE_ACCESS: Readonly<Record<string, Audience>> = {
  '/': 'public',
  '/403': 'public',
  '/404': 'public',
  '/500': 'public',
  '/503': 'public',
  '/sante': 'public',
  '/connexion': 'public',
  '/deconnexion': 'public',
  '/inscription': 'public',
  '/inscription/confirmer': 'public',
  '/mot-de-passe-oublie': 'public',
  '/mot-de-passe/nouveau': 'public',
  '/invitation': 'public',
  '/accueil': 'signed-in',
  '/mon-compte': 'signed-in',
  '/mon-compte/adresse/confirmer': 'public',
  '/mon-compte/donnees': 'signed-in',
  '/mon-compte/suppression': 'signed-in',
  '/modules': 'signed-in',
  '/modules/[slug]': 'signed-in',
  '/modules/[slug]/[section]': 'signed-in',
  // The activity player and its files are fetched from a sandboxed frame, which sends no cookie.
  '/h5p/lecteur/[id]': 'public',
  '/h5p/contenus/[id]/[...path]': 'public',
  '/h5p/standalone/[...path]': 'public',
  '/api/xapi': 'signed-in',
  '/formations': 'public',
  '/formations/[slug]': 'public',
  '/formations/seances/[id]': 'public',
  '/formations/seances/[id]/calendrier': 'public',
  '/formations/seances/[id]/inscription': 'signed-in',
  '/mes-seances': 'signed-in',
  '/emargement': 'signed-in',
  // The satisfaction survey of a session: only its attendees get the form (checked by surveyFor);
  // anyone else is told there is no survey for them (404).
  '/mes-seances/[sessionId]/avis': 'signed-in',
  // A session's results: its own trainers too (checked by canRunSession), the coordination for all.
  '/formation/seances/[id]/satisfaction': ['trainer', 'coordinator', 'admin'],
  '/coordination/formations/[id]/satisfaction': ['coordinator', 'admin'],
  // Trainers reach only the sessions they run (checked by canRunSession); coordinators, all.
  '/formation/seances': ['trainer', 'coordinator', 'admin'],
  '/formation/seances/[id]': ['trainer', 'coordinator', 'admin'],
  '/formation/seances/[id]/feuille-pdf': ['trainer', 'coordinator', 'admin'],
  '/formation/seances/[id]/feuille-csv': ['trainer', 'coordinator', 'admin'],
  '/formation/demi-journees/[id]': ['trainer', 'coordinator', 'admin'],
  '/formation/demi-journees/[id]/tablette': ['trainer', 'coordinator', 'admin'],
  '/formation/demi-journees/[id]/participants/[personId]': ['trainer', 'coordinator', 'admin'],
  '/api/demi-journees/[id]': ['trainer', 'coordinator', 'admin'],
  '/api/demi-journees/[id]/signatures': ['trainer', 'coordinator', 'admin'],
  '/formation/seances/[id]/attestations': ['coordinator', 'admin'],
  // A participant's category for the yearly report, posted from the session's participant list.
  '/formation/seances/[id]/categorie': ['coordinator', 'admin'],
  '/formation/seances/[id]/attestations-zip': ['coordinator', 'admin'],
  '/api/seances/[id]/delivrances/[lot]': ['coordinator', 'admin'],
  '/coordination/attestations/[id]': ['coordinator', 'admin'],
  // The holder or the coordination (checked by attestationPdf); anyone else is told it does not exist.
  '/attestations/[id]/pdf': 'signed-in',
  // The same rule for the Open Badge (checked by openBadgeDownload through mayDownloadAttestation).
  '/attestations/[id]/open-badge': 'signed-in',
  '/mes-attestations': 'signed-in',
  // The carnet de bord: any signed-in person reaches the page, but its queries return the
  // author's own entries only, and a referent's shared entries only (checked by the domain,
  // journal.ts, with no role bypass: a coordinator or an admin sees their own journal).
  '/mon-parcours/carnet': 'signed-in',
  '/accompagnement/carnets': 'signed-in',
  '/verifier': 'public',
  '/verifier/[numero]': 'public',
  // Read by other sites' software that verifies badges (wallets, employers' tools): the issuer's
  // profile, its public keys and the revocation list. Nothing personal is in them.
  '/openbadges/emetteur': 'public',
  '/openbadges/cles': 'public',
  '/openbadges/statuts': 'public',
  // A trainee's own pathway; anyone else signed in is told the pathway is for trainees.
  '/mon-parcours': 'signed-in',
  // The coordination's dashboard: figures only, the same for every coordinator.
  '/coordination': ['coordinator', 'admin'],
  '/coordination/parcours': ['coordinator', 'admin'],
  '/coordination/parcours/conditions': ['coordinator', 'admin'],
  '/coordination/parcours/[personId]': ['coordinator', 'admin'],
  '/coordination/parcours/[personId]/referents': ['coordinator', 'admin'],
  // Missions in binôme: any signed-in person reaches these pages, and the domain (missions.ts)
  // decides what they hold: a trainee's own missions; to a reviewer, only the missions where they
  // are the pair or a referent of the trainee (isReferentOf). Anyone else reads an explanation.
  '/mon-parcours/missions': 'signed-in',
  '/accompagnement': 'signed-in',
  '/coordination/formations': ['coordinator', 'admin'],
  '/coordination/formations/[id]': ['coordinator', 'admin'],
  '/coordination/organisation': ['coordinator', 'admin'],
  // The yearly report (bilan annuel); its files are exports (below).
  '/coordination/bilan': ['coordinator', 'admin'],
  '/coordination/organisation/specimen': ['coordinator', 'admin'],
  '/coordination/organisation/image/[which]': ['coordinator', 'admin'],
  '/formation/activites': ['trainer', 'coordinator', 'admin'],
  '/coordination/invitations': ['coordinator', 'admin'],
  '/coordination/personnes': ['coordinator', 'admin'],
  '/coordination/personnes/[id]': ['coordinator', 'admin'],
  // The coordination's lists (src/lib/reporting/lists/); their exports post the same parameters.
  '/coordination/seances': ['coordinator', 'admin'],
  '/coordination/attestations': ['coordinator', 'admin'],
  '/coordination/missions': ['coordinator', 'admin'],
  // Exports run in the background (src/lib/reporting/exports/). Each is its requester's alone
  // (checked by the domain queries): another coordinator or an admin is told it does not exist.
  '/coordination/exports': ['coordinator', 'admin'],
  '/coordination/exports/[id]': ['coordinator', 'admin'],
  '/coordination/exports/[id]/fichier': ['coordinator', 'admin'],
  '/api/exports/[id]': ['coordinator', 'admin'],
  '/admin/personnes': ['admin'],
  '/admin/personnes/[id]': ['admin'],
  '/admin/courriels': ['admin'],
};

export type AccessDecision = 'allowed' | 'sign-in' | 'forbidden';

export function decideAccess(audience: Audience | undefined, person: { roles: readonly Role[] } | null): AccessDecision {
  if (audience === undefined) return 'forbidden';
  if (audience === 'public') return 'allowed';
  if (!person) return 'sign-in';
  if (audience === 'signed-in') return 'allowed';
  return audience.some((role) => person.roles.includes(role)) ? 'allowed' : 'forbidden';
}

export function hasRole(person: { roles: readonly Role[] } | null | undefined, ...roles: Role[]): boolean {
  return !!person && roles.some((role) => person.roles.includes(role));
}
