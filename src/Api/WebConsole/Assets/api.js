// Calls the MySqlHa API as the signed-in caller. The key lives in the tab's session storage: closing the tab signs out.
const keyName = 'mysqlha.apiKey';
const roles = ['viewer', 'operator', 'admin'];
let caller = null;

export const signedIn = () => caller;

export function signOut() {
  sessionStorage.removeItem(keyName);
  caller = null;
}

// Checks the key against /api/me; answers null when it signs in, else the API's reason.
export async function signIn(key) {
  sessionStorage.setItem(keyName, key);
  const answer = await call('GET', '/api/me');
  if (answer.ok) {
    caller = answer.body;
    return null;
  }
  signOut();
  return problemText(answer);
}

// Signs in again with the key kept in this tab, if any (after a reload).
export async function resume() {
  const key = sessionStorage.getItem(keyName);
  return key !== null && (await signIn(key)) === null;
}

// Whether the caller's role holds `role` (each role holds the ones below it).
export const may = role => caller !== null && roles.indexOf(caller.role) >= roles.indexOf(role);

// { ok, status, body }: the body parsed when it is JSON.
export async function call(method, path, body) {
  const headers = { 'X-Api-Key': sessionStorage.getItem(keyName) ?? '', Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON: kept as text */ }
  return { ok: response.ok, status: response.status, body: parsed };
}

// A problem+json answer as one sentence: title, detail and each field's errors.
export function problemText(answer) {
  const problem = answer.body ?? {};
  if (typeof problem !== 'object') return `${answer.status}: ${problem}`;
  const errors = Object.entries(problem.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
  return [`${answer.status} ${problem.title ?? ''}`.trim(), problem.detail, ...errors].filter(Boolean).join(' — ');
}

// Follows a Server-Sent Events stream until `signal` aborts. EventSource cannot send the key header, so the stream
// is read through fetch. onEvent(name, data) gets each event with its data parsed.
export async function follow(path, onEvent, signal) {
  const response = await fetch(path, { headers: { 'X-Api-Key': sessionStorage.getItem(keyName) ?? '', Accept: 'text/event-stream' }, signal });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
      const lines = buffered.slice(0, end).split('\n');
      buffered = buffered.slice(end + 2);
      const name = lines.find(line => line.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter(line => line.startsWith('data: ')).map(line => line.slice(6)).join('\n');
      onEvent(name, data ? JSON.parse(data) : null);
    }
  }
}
