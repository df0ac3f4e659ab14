import type { Role } from '../db/schema.ts';
import { hasRole } from '../accounts/access.ts';

export interface NavItem {
  href: string;
  label: string;
}

/** The links each person sees, from their roles. Every link leads to a page their roles open. */
export function navigationFor(person: { roles: readonly Role[] } | null): NavItem[] {
  if (!person) {
    return [
      { href: '/', label: 'Accueil' },
      { href: '/formations', label: 'Formations' },
      { href: '/verifier', label: 'Vérifier une attestation' },
      { href: '/connexion', label: 'Se connecter' },
      { href: '/inscription', label: 'Créer un compte' },
    ];
  }
  const coordination = hasRole(person, 'coordinator', 'admin');
  const items: NavItem[] = [
    { href: '/accueil', label: 'Mon espace' },
    ...(hasRole(person, 'trainee') ? [{ href: '/mon-parcours', label: 'Mon parcours' }] : []),
  ];
  // The coordination's everyday pages come first for them; the rest of their tools are one
  // click away on the dashboard (coordinationTools), so that the bar stays short on a phone.
  if (coordination) {
    items.push({ href: '/coordination', label: 'Tableau de bord' });
    items.push({ href: '/coordination/parcours', label: 'Parcours' });
    items.push({ href: '/coordination/personnes', label: 'Personnes' });
    items.push({ href: '/coordination/seances', label: 'Séances' });
    items.push({ href: '/coordination/attestations', label: 'Attestations' });
    items.push({ href: '/coordination/bilan', label: 'Bilan annuel' });
  }
  items.push({ href: '/modules', label: 'Modules' }, { href: '/formations', label: 'Formations' });
  // What a learner comes back for; a coordinator who also learns holds a learner's role too.
  if (!coordination || hasRole(person, 'trainee', 'professional')) items.push({ href: '/mes-seances', label: 'Mes séances' }, { href: '/mes-attestations', label: 'Mes attestations' });
  // The pairs and referents of trainees; a trainee who becomes one reaches it from the emails.
  if (hasRole(person, 'professional', 'trainer', 'coordinator')) items.push({ href: '/accompagnement', label: 'Accompagnement' });
  if (hasRole(person, 'trainer')) items.push({ href: '/formation/seances', label: 'Séances à animer' }, { href: '/formation/activites', label: 'Activités H5P' });
  if (hasRole(person, 'admin')) {
    items.push({ href: '/admin/personnes', label: 'Personnes et rôles' });
    items.push({ href: '/admin/courriels', label: 'Courriels envoyés' });
  }
  items.push({ href: '/mon-compte', label: 'Mon compte' });
  return items;
}

/** The coordination's other tools, listed on the dashboard and on its card of « Mon espace ». */
export const coordinationTools: readonly NavItem[] = [
  { href: '/coordination/formations', label: 'Formations et séances à gérer' },
  { href: '/coordination/missions', label: 'Missions en binôme' },
  { href: '/coordination/exports', label: 'Mes exports' },
  { href: '/coordination/invitations', label: 'Inviter' },
  { href: '/coordination/organisation', label: 'Organisme' },
  { href: '/formation/seances', label: 'Séances à animer' },
  { href: '/formation/activites', label: 'Activités H5P' },
  { href: '/mes-seances', label: 'Mes séances' },
  { href: '/mes-attestations', label: 'Mes attestations' },
];
