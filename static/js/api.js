// api.js: the one way the web client talks to the API, and who "I" am.
// A signed-in user carries an access token (refreshed on 401); anyone else
// gets a guest token on first need. Both are kept in localStorage.

const KEY = 'queued.session';

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data; // some refusals carry what the caller needs next (409: the current queue)
  }
}

function load() {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; }
}

export const session = {
  ...load(),
  save() {
    const { save, clear, ...data } = this;
    void save; void clear;
    localStorage.setItem(KEY, JSON.stringify(data));
    window.dispatchEvent(new CustomEvent('session'));
  },
  clear() {
    for (const k of Object.keys(this)) if (typeof this[k] !== 'function') delete this[k];
    this.save();
  },
};

/** The claims of a JWT (no verification: the server does that). */
export function claims(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

export const isUser = () => !!session.accessToken;
export const myId = () => (session.accessToken ? claims(session.accessToken).id : session.guestId) || null;
export const myName = () => (session.accessToken ? session.fullname : session.guestName) || '';

/** Server clock minus ours, from X-Server-Time, so progress bars agree across screens. */
export let clockSkew = 0;

async function raw(method, path, { body, token, form, headers: extra, keepalive } = {}) {
  const headers = { ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, keepalive: !!keepalive });
  const t = Number(res.headers.get('x-server-time'));
  if (t) clockSkew = t - Date.now();
  let json = null;
  try { json = await res.json(); } catch { /* empty or not JSON */ }
  return { res, json };
}

async function refresh() {
  if (!session.refreshToken) return false;
  const { res, json } = await raw('PUT', '/authentications', { body: { refreshToken: session.refreshToken } });
  if (res.status !== 200) { session.clear(); return false; }
  session.accessToken = json.data.accessToken;
  session.save();
  return true;
}

/**
 * One API call; resolves to `data` (or the whole body when there is none).
 * auth: 'user' (access token, refreshed once on 401), 'member' (user or guest
 * token, a guest is made when needed), or undefined (no token).
 * headers: extra request headers (If-Match, If-None-Match); keepalive: the
 * request outlives the page (sent while it is being closed).
 */
export async function api(method, path, { body, auth, form, headers, keepalive } = {}) {
  let token;
  if (auth === 'member') token = session.accessToken || await guestToken();
  else if (auth === 'user') token = session.accessToken;
  let { res, json } = await raw(method, path, { body, token, form, headers, keepalive });
  if (res.status === 401 && auth && session.accessToken && await refresh()) {
    ({ res, json } = await raw(method, path, { body, token: session.accessToken, form, headers, keepalive }));
  }
  if (!res.ok) throw new ApiError(res.status, json?.message || `${res.status} ${res.statusText}`, json?.data);
  return json?.data ?? json;
}

/** The guest token, made on first need with the name the person gave (or a friendly default). */
export async function guestToken(name) {
  if (session.guestToken && !name) return session.guestToken;
  const wanted = (name || session.guestName || '').trim() || `Guest ${Math.floor(100 + Math.random() * 900)}`;
  const { res, json } = await raw('POST', '/guests', { body: { name: wanted } });
  if (!res.ok) throw new ApiError(res.status, json?.message || 'could not join as a guest');
  Object.assign(session, { guestToken: json.data.token, guestId: json.data.guestId, guestName: json.data.name });
  session.save();
  return session.guestToken;
}

export async function login(username, password) {
  const t = await api('POST', '/authentications', { body: { username, password } });
  Object.assign(session, { accessToken: t.accessToken, refreshToken: t.refreshToken });
  const me = await api('GET', '/users/me', { auth: 'user' });
  Object.assign(session, { username: me.user.username, fullname: me.user.fullname });
  session.save();
}

export async function logout() {
  if (session.refreshToken) {
    try { await api('DELETE', '/authentications', { body: { refreshToken: session.refreshToken } }); } catch { /* gone already */ }
  }
  for (const k of ['accessToken', 'refreshToken', 'username', 'fullname']) delete session[k];
  session.save();
}

/**
 * One search (GET /search) for every view that adds songs: catalog songs and
 * YouTube videos, each with where it comes from and what names it in an add
 * ({songId} or {youtubeId}: the server reads a video's title and length
 * itself). note says why YouTube was left out, when it was.
 */
export async function searchSongs(q, limit = 15) {
  const found = await api('GET', `/search?q=${encodeURIComponent(q)}&limit=${limit}`, { auth: 'member' })
    .catch(() => ({ results: [], youtube: 'unavailable' }));
  const results = found.results.map((r) => ({
    title: r.title,
    performer: r.performer,
    source: r.source,
    sourceLabel: r.source === 'youtube' ? 'YouTube' : 'Catalog',
    ref: r.source === 'youtube' ? { youtubeId: r.youtubeId } : { songId: r.songId },
  }));
  const note = {
    skipped: 'YouTube was not searched: this server has used its YouTube allowance for today. These are catalog songs.',
    unavailable: 'YouTube is not answering right now: these are catalog songs only.',
  }[found.youtube];
  return { results, note };
}
