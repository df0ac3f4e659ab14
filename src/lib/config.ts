import { z } from 'zod';

/**
 * Runtime settings, read from process.env once and validated.
 * Astro inlines import.meta.env at build time, so the server reads process.env only, here.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  PUBLIC_URL: z.url({ message: 'must be a full address such as https://parcours.example.org' }).default('http://localhost:4321'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('ESPER Parcours <ne-pas-repondre@esper-parcours.local>'),
  DEMO_ACCOUNTS: z.enum(['auto', 'on', 'off']).default('auto'),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

/** Parses an environment; throws a ConfigError listing every wrong setting in plain words. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "not set" (a common slip in .env files).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `- ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid settings in the environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Config | undefined;

export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Cookies get the Secure flag whenever the platform is served over HTTPS. */
export function isSecureOrigin(cfg: Config = config()): boolean {
  return cfg.PUBLIC_URL.startsWith('https://');
}
