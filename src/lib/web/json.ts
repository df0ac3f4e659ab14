/** The one way an endpoint answers in JSON. Refusals carry a French `message`, which clients show as is. */
export function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function jsonRefusal(status: number, message: string): Response {
  return json(status, { ok: false, message });
}
