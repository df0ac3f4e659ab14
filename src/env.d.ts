/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in person, or null. Set by src/middleware.ts from the session cookie. */
    person: import('./lib/accounts/sessions.ts').SignedInPerson | null;
    session: import('./lib/accounts/sessions.ts').SessionInfo | null;
    /** The client's address, for rate limits. */
    clientIp: string;
    /** While a module section renders: which module and section, and the learner's activity scores (read by the MDX components). */
    moduleView?: {
      moduleId: string;
      sectionId: string;
      scores: Map<string, import('./lib/modules/progress.ts').ActivityScores>;
    };
  }
}
