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
  const items: NavItem[] = [
    { href: '/accueil', label: 'Mon espace' },
    ...(hasRole(person, 'trainee') ? [{ href: '/mon-parcours', label: 'Mon parcours' }] : []),
    { href: '/modules', label: 'Modules' },
    { href: '/formations', label: 'Formations' },
    { href: '/mes-seances', label: 'Mes séances' },
    { href: '/mes-attestations', label: 'Mes attestations' },
  ];
  // The pairs and referents of trainees; a trainee who becomes one reaches it from the emails.
  if (hasRole(person, 'professional', 'trainer', 'coordinator')) items.push({ href: '/accompagnement', label: 'Accompagnement' });
  if (hasRole(person, 'trainer', 'coordinator', 'admin')) items.push({ href: '/formation/seances', label: 'Séances à animer' });
  if (hasRole(person, 'trainer', 'coordinator', 'admin')) items.push({ href: '/formation/activites', label: 'Activités H5P' });
  if (hasRole(person, 'coordinator', 'admin')) {
    items.push({ href: '/coordination/parcours', label: 'Parcours' });
    items.push({ href: '/coordination/personnes', label: 'Personnes' });
    items.push({ href: '/coordination/invitations', label: 'Inviter' });
    items.push({ href: '/coordination/organisation', label: 'Organisme' });
  }
  if (hasRole(person, 'admin')) {
    items.push({ href: '/admin/personnes', label: 'Personnes et rôles' });
    items.push({ href: '/admin/courriels', label: 'Courriels envoyés' });
  }
  items.push({ href: '/mon-compte', label: 'Mon compte' });
  return items;
}
