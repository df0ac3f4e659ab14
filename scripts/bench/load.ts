// One measured endpoint: a check that it answers 200, a warm-up, then the measured autocannon run.
import autocannon, { type Result } from 'autocannon';

export interface BenchTarget {
  name: string;
  path: string;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  /** A form body; a function is called just before the measurement (a sign-in code lives 30 to 60 s). */
  body?: string | (() => string);
  /** Requests take these headers in turn (many people signing in), on top of `headers`. */
  rotateHeaders?: Record<string, string>[];
  /** The reference the others are compared to (the static file: what the machine can do at best). */
  baseline?: boolean;
  /** Goals printed as PASS/FAIL; they never change the exit code. */
  goals?: { minRatioToBaseline?: number; maxP99Ms?: number };
}

export interface LoadSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface Measurement {
  target: BenchTarget;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  /** Connection errors, timeouts included: autocannon does not count them as non-2xx. */
  errors: number;
  statusCodes: Record<string, number>;
}

export class EndpointError extends Error {}

/** Fails unless the endpoint answers 200 itself: a redirect (e.g. to /connexion) would measure the wrong page. */
export async function checkAnswers200(baseUrl: string, target: BenchTarget): Promise<void> {
  const response = await fetch(baseUrl + target.path, {
    method: target.method ?? 'GET',
    headers: { ...target.headers, ...target.rotateHeaders?.[0] },
    body: typeof target.body === 'function' ? target.body() : target.body,
    redirect: 'manual',
    // Generous: the requests the previous endpoint's run left queued are served first (PGlite serves one at a time).
    signal: AbortSignal.timeout(60_000),
  });
  await response.body?.cancel();
  if (response.status !== 200) {
    const where = response.headers.get('location');
    throw new EndpointError(
      `${target.name} (${target.method ?? 'GET'} ${target.path}) answered ${response.status}${where ? ` → ${where}` : ''} instead of 200.`,
    );
  }
}

function run(baseUrl: string, target: BenchTarget, connections: number, seconds: number): PromiseLike<Result> {
  const body = typeof target.body === 'function' ? target.body() : target.body;
  let turn = 0;
  const rotate = target.rotateHeaders;
  return autocannon({
    url: baseUrl + target.path,
    connections,
    duration: seconds,
    method: target.method ?? 'GET',
    headers: target.headers,
    body,
    timeout: 10,
    requests: rotate?.length
      ? [{ setupRequest: (request) => ({ ...request, body, headers: { ...target.headers, ...rotate[turn++ % rotate.length] } }) }]
      : undefined,
  });
}

export async function measure(baseUrl: string, target: BenchTarget, settings: LoadSettings): Promise<Measurement> {
  await checkAnswers200(baseUrl, target);
  // The warm-up lets the JIT compile the hot paths and the pools fill; its figures are discarded.
  if (settings.warmupSeconds > 0) await run(baseUrl, target, settings.connections, settings.warmupSeconds);
  const result = await run(baseUrl, target, settings.connections, settings.seconds);
  return {
    target,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.latency.totalCount,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
  };
}
