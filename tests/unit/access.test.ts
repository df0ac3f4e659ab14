import { describe, expect, it } from 'vitest';
import { decideAccess, hasRole, ROUTE_ACCESS } from '../../src/lib/accounts/access.ts';
import { ROLES, type Role } from '../../src/lib/db/schema.ts';
import { coordinationTools, navigationFor } from '../../src/lib/web/navigation.ts';
import { invitableRoles } from '../../src/lib/accounts/roles.ts';

const as = (...roles: Role[]) => ({ roles });

describe('the access rule', () => {
  it('opens public routes to everyone', () => {
    expect(decideAccess('public', null)).toBe('allowed');
    expect(decideAccess('public', as('trainee'))).toBe('allowed');
  });

  it('sends signed-out people to the login page, and lets any signed-in person in', () => {
    expect(decideAccess('signed-in', null)).toBe('sign-in');
    expect(decideAccess('signed-in', as())).toBe('allowed');
  });

  it('opens a role-restricted route to each listed role and refuses the others', () => {
    const audience = ['coordinator', 'admin'] as const;
    for (const role of ROLES) {
      const expected = audience.includes(role as (typeof audience)[number]) ? 'allowed' : 'forbidden';
      expect(decideAccess(audience, as(role)), role).toBe(expected);
    }
    expect(decideAccess(audience, null)).toBe('sign-in');
  });

  it('lets a person holding several roles in through any of them', () => {
    expect(decideAccess(['admin'], as('trainee', 'admin'))).toBe('allowed');
    expect(hasRole(as('trainer', 'coordinator'), 'coordinator')).toBe(true);
    expect(hasRole(null, 'trainee')).toBe(false);
  });

  it('refuses a route that is missing from the table, to everyone', () => {
    expect(decideAccess(ROUTE_ACCESS['/route-oubliee'], as(...ROLES))).toBe('forbidden');
  });

  it('shows each person only links their roles open', () => {
    for (const role of ROLES) {
      for (const item of navigationFor(as(role))) {
        expect(decideAccess(ROUTE_ACCESS[item.href], as(role)), `${role} → ${item.href}`).toBe('allowed');
      }
    }
    for (const item of navigationFor(null)) expect(decideAccess(ROUTE_ACCESS[item.href], null)).toBe('allowed');
  });

  it('keeps the coordination’s bar short, its other tools on the dashboard all open to it', () => {
    for (const role of ['coordinator', 'admin'] as const) {
      const links = navigationFor(as(role)).map((item) => item.href);
      expect(links.length, role).toBeLessThanOrEqual(13);
      for (const tool of coordinationTools) expect(decideAccess(ROUTE_ACCESS[tool.href], as(role)), `${role} → ${tool.href}`).toBe('allowed');
    }
    // A coordinator who also learns keeps their own sessions and attestations in the bar.
    expect(navigationFor(as('coordinator', 'professional')).map((item) => item.href)).toContain('/mes-attestations');
    expect(navigationFor(as('coordinator')).map((item) => item.href)).not.toContain('/mes-attestations');
  });

  it('lets coordinators invite learners and trainers, and only admins give staff roles', () => {
    expect(invitableRoles(['coordinator'])).toEqual(['trainee', 'professional', 'trainer']);
    expect(invitableRoles(['admin'])).toEqual([...ROLES]);
    expect(invitableRoles(['trainer'])).toEqual([]);
  });
});
