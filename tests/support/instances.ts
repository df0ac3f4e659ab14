import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;

export interface Instance {
  name: string;
  port: number;
  process: ChildProcess;
  /** What the server wrote on stderr, to explain a failure. */
  errors: () => string;
}

/**
 * One more production server on the end-to-end database, started as playwright.config.ts starts
 * the first one (`node scripts/start.ts` on the built files), behind a proxy at `publicUrl`.
 */
export function startInstance(input: { name: string; port: number; publicUrl: string; databaseUrl: string; trustProxy: boolean }): Instance {
  let errors = '';
  const child = spawn(process.execPath, ['scripts/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      SKIP_BUILD: '1',
      PORT: String(input.port),
      HOST: '127.0.0.1',
      PUBLIC_URL: input.publicUrl,
      DATABASE_URL: input.databaseUrl,
      DEMO_ACCOUNTS: 'off',
      TRUST_PROXY: input.trustProxy ? '1' : '0',
      ASTRO_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return { name: input.name, port: input.port, process: child, errors: () => errors };
}

/** Waits until the instance answers its health check (/sante), or fails with what it printed. */
export async function waitUntilHealthy(instance: Instance, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (instance.process.exitCode !== null) throw new Error(`${instance.name} stopped (code ${instance.process.exitCode}):\n${instance.errors()}`);
    try {
      if ((await fetch(`http://127.0.0.1:${instance.port}/sante`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${instance.name} did not answer /sante within ${timeoutMs / 1000} s:\n${instance.errors()}`);
}

export async function stopInstance(instance: Instance): Promise<void> {
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.process.once('exit', resolve));
  instance.process.kill('SIGTERM');
  await exited;
}
