// The production server under test, run as a child process exactly as `npm start` runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningServer {
  url: string;
  pid: number;
  alive(): boolean;
  /** The last lines the server printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if the server is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The first port of the range nobody listens on (the dev server uses 4321, tests other ports). */
export async function findFreePort(host: string, from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, host, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free port between ${from} and ${to} on ${host}.`);
}

/**
 * The Node flags `npm start` gives the server (its heap limits), read from package.json so that
 * the bench measures the server as it runs in production.
 */
function startFlags(root: string): string[] {
  const start: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.start;
  const match = typeof start === 'string' ? /^node\s+(.*?)\s*scripts\/start\.ts$/.exec(start) : null;
  if (!match) throw new Error(`package.json's start script is not "node [flags] scripts/start.ts" (got ${JSON.stringify(start)}).`);
  return match[1] ? match[1].split(/\s+/) : [];
}

export function startServer(options: { root: string; host: string; port: number; env: Record<string, string> }): RunningServer {
  const url = `http://${options.host}:${options.port}`;
  // The project's Node 24 binary itself (not a wrapper), and start.ts imports the server in-process:
  // the child's pid is the server's, which the RSS sampler reads.
  const lines: string[] = [];
  const child: ChildProcess = spawn(join(options.root, 'node_modules/.bin/node'), [...startFlags(options.root), 'scripts/start.ts'], {
    cwd: options.root,
    env: {
      // The developer's own database settings must not leak in: the bench database is given below.
      ...withoutKeys(process.env, ['DATABASE_URL', 'PGLITE_DIR', 'SESSION_DAYS']),
      SKIP_BUILD: '1',
      PORT: String(options.port),
      HOST: options.host,
      PUBLIC_URL: url,
      DEMO_ACCOUNTS: 'off',
      NODE_ENV: 'production',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Without a listener, a spawn failure (e.g. no binary) would crash the benchmark before cleanup.
  child.on('error', (error) => lines.push(`spawn error: ${error.message}`));
  if (child.pid === undefined) throw new Error('The server process could not be started.');
  const pid = child.pid;

  // Keep the pipes drained (a full pipe would block the server) and the tail for diagnostics.
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim()));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const alive = () => child.exitCode === null && child.signalCode === null;

  return {
    url,
    pid,
    alive,
    output: () => lines.join('\n'),
    async stop(graceMs = 5000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function withoutKeys(env: NodeJS.ProcessEnv, keys: string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !keys.includes(key)));
}

/** Polls GET /sante until it answers 200; throws after `timeoutMs` or if the server exits first. */
export async function waitUntilHealthy(server: RunningServer, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last = 'no answer';
  while (Date.now() - started < timeoutMs) {
    if (!server.alive()) break;
    try {
      const response = await fetch(`${server.url}/sante`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return Date.now() - started;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(250);
  }
  const why = server.alive() ? `did not answer 200 on /sante within ${timeoutMs / 1000} s (last: ${last})` : 'exited';
  throw new Error(`The server ${why}. Its last output:\n${server.output() || '(nothing)'}`);
}

function readProcStatus(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
}

/** The resident memory of a process in kB (VmRSS), or null where /proc is not available. */
export function residentKb(pid: number): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readProcStatus(pid) ?? '');
  return match ? Number(match[1]) : null;
}

/** Samples a process's resident memory at a fixed interval and keeps the peak. */
export function sampleRss(pid: number, everyMs = 200) {
  let peakKb: number | null = null;
  // The peak of each phase (an endpoint under load, the PDF, the bulk issue): where the memory goes.
  let phase = 'start';
  const phasePeaks = new Map<string, number>();
  const sample = () => {
    const kb = residentKb(pid);
    if (kb === null) return;
    peakKb = Math.max(peakKb ?? 0, kb);
    phasePeaks.set(phase, Math.max(phasePeaks.get(phase) ?? 0, kb));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  // The sampler must not keep the benchmark alive on its own.
  timer.unref();
  return {
    peakMb: (): number | null => (peakKb === null ? null : peakKb / 1024),
    /** Each phase's peak, in MB, in the order the phases ran. */
    phasePeaksMb: (): { phase: string; mb: number }[] => [...phasePeaks].map(([name, kb]) => ({ phase: name, mb: kb / 1024 })),
    phase: (name: string) => {
      sample();
      phase = name;
    },
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}
