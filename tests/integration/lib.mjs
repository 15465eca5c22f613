// lib.mjs: helpers for the black-box tests: HTTP, EventSource, WebSocket and
// the stack's own services, all against the private stack `./dev test` started.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import assert from 'node:assert/strict';

export const BASE = process.env.QUEUED_URL;
export const DATA = process.env.QUEUED_DATA;
export const ROOT = process.env.QUEUED_ROOT;
if (!BASE || !DATA || !ROOT) throw new Error('run through ./dev test (QUEUED_URL, QUEUED_DATA, QUEUED_ROOT)');

export const JSON_TYPE = 'application/json; charset=utf-8';

// Every answer api()/apiAt() gets is checked against docs/openapi.json (the
// operation of its method and path, the schema of its status): one that does
// not validate fails the test that asked for it, so the whole suite keeps
// the document true. Paths and methods the document does not have (the
// suite's probes of unknown routes) are not checked. QUEUED_OPENAPI_VALIDATE=0
// turns it off.
const openapi = process.env.QUEUED_OPENAPI_VALIDATE !== '0'
  ? await import('./openapi_lib.mjs').then((m) => m.openapiValidator(m.loadDocument(ROOT)))
  : undefined;

function checkAnswer(method, path, res) {
  const t = openapi.template(path);
  if (!t || !openapi.at(`#/paths/${t.replace(/~/g, '~0').replace(/\//g, '~1')}/${method.toLowerCase()}`)[0]) return;
  const problems = openapi.check(method, path, res);
  if (problems.length) throw new Error(`the answer does not validate against docs/openapi.json:\n${problems.join('\n')}\n${res.text.slice(0, 500)}`);
}

/** One HTTP request; body objects are sent as JSON, strings as they are. */
export function api(method, path, options) { return apiAt(BASE, method, path, options); }

/** api() against another stack or node (base: its http://host:port). */
export async function apiAt(base, method, path, { body, token, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (!('content-type' in h)) h['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const answer = { status: res.status, headers: res.headers, text, json };
  if (openapi) checkAnswer(method, path, answer);
  return answer;
}

/** Asserts the one error shape of the API. */
export function assertFail(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), JSON_TYPE);
  assert.equal(res.json?.status, status >= 500 ? 'error' : 'fail', res.text);
  assert.equal(typeof res.json.message, 'string');
  assert.ok(res.json.message.length > 0);
}

export function assertOk(res, status = 200) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), JSON_TYPE);
  assert.equal(res.json?.status, 'success', res.text);
  return res.json.data;
}

/**
 * An access token of the catalog admin `./dev test` names in CATALOG_ADMINS
 * (the catalog's writes need a registered user, its edits the creator or an
 * admin). Registered on first use by whichever test file asks first.
 */
export const CATALOG_ADMIN = process.env.CATALOG_ADMINS?.split(',')[0] || 'catalog-admin';
let adminToken;
export async function catalogAdminToken() {
  if (adminToken) return adminToken;
  const creds = { username: CATALOG_ADMIN, password: 'catalog-admin-password' };
  await api('POST', '/users', { body: { ...creds, fullname: 'Catalog Admin' } }); // 400 when it exists
  const r = await api('POST', '/authentications', { body: creds });
  assert.equal(r.status, 201, `catalog admin login: ${r.text}`);
  adminToken = r.json.data.accessToken;
  return adminToken;
}

let guestCounter = 0;
export async function newGuest(name = `guest${++guestCounter}`) {
  const data = assertOk(await api('POST', '/guests', { body: { name } }), 201);
  return { id: data.guestId, name: data.name, token: data.token };
}

export async function newRoom(host, name = 'Test room') {
  return assertOk(await api('POST', '/rooms', { token: host.token, body: { name } }), 201).room;
}

export async function songIds() {
  const data = assertOk(await api('GET', '/songs'));
  return data.songs.map((s) => s.id);
}

export async function addEntry(code, who, songId) {
  return assertOk(await api('POST', `/rooms/${code}/queue`, { token: who.token, body: { songId } }), 201);
}

export async function vote(code, entryId, who, value) {
  return api('PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: who.token, body: { value } });
}

export async function queue(code, headers = {}) {
  const res = await api('GET', `/rooms/${code}/queue`, { headers });
  return res;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or the time is up. */
export async function until(fn, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** An EventSource client: collects {id, data} events; Last-Event-ID optional. */
export function sse(path, options) { return sseAt(BASE, path, options); }

export function sseAt(base, path, { lastEventId } = {}) {
  const events = [];
  const headers = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  let buf = '';
  let ready;
  const opened = new Promise((resolve, reject) => { ready = { resolve, reject }; });
  const req = http.get(base + path, { headers }, (res) => {
    if (res.statusCode !== 200) { ready.reject(new Error(`SSE status ${res.statusCode}`)); return; }
    ready.resolve(res);
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = { id: undefined, data: [] };
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'id') ev.id = value;
          else if (field === 'data') ev.data.push(value);
        }
        if (ev.data.length) events.push({ id: ev.id, data: JSON.parse(ev.data.join('\n')) });
      }
    });
  });
  req.on('error', (e) => ready.reject(e));
  return {
    events,
    opened,
    close() { req.destroy(); },
    async waitFor(pred, ms = 5000) { return until(() => events.find(pred), ms, 'an SSE message'); },
  };
}

/** A WebSocket subscriber on the same URL. */
export function ws(path, options) { return wsAt(BASE, path, options); }

export function wsAt(base, path, { lastEventId } = {}) {
  const url = base.replace(/^http/, 'ws') + path + (lastEventId ? `?last_event_id=${encodeURIComponent(lastEventId)}` : '');
  const sock = new WebSocket(url);
  const messages = [];
  sock.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const opened = new Promise((resolve, reject) => { sock.once('open', resolve); sock.once('error', reject); });
  return {
    messages,
    opened,
    close() { sock.terminate(); },
    async waitFor(pred, ms = 5000) { return until(() => messages.find(pred), ms, 'a WebSocket message'); },
  };
}

/**
 * Start or stop one service of the test stack (postgres, redis, workers, nginx);
 * env: extra settings for a start (CORS_ORIGINS for nginx, ...).
 */
export function service(action, name, env = {}) {
  execFileSync(`${ROOT}/dev`, ['service', action, name, '--data', DATA],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Restart the stack's workers with extra settings (none: the suite's own). */
export function restartWorkers(env = {}) {
  service('stop', 'workers');
  execFileSync(`${ROOT}/dev`, ['service', 'start', 'workers', '--data', DATA],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** nchan's subscriber count for a room channel, asked on the publisher socket. */
export function subscriberCount(code) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: process.env.QUEUED_PUB_SOCKET, path: `/pub/rooms/${code}`, method: 'GET', headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        if (res.statusCode === 404) resolve(0);
        else { try { resolve(JSON.parse(body).subscribers); } catch (e) { reject(e); } }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * One request with node's http, headers as given (Origin included); resolves at
 * the answer's headers for an event stream (cut off), with the body otherwise.
 */
export function streamAwareRequest(path, { method = 'GET', headers = {}, body, ms = 4000 } = {}) {
  return new Promise((resolve, reject) => {
    // agent: false: a kept-alive socket would not survive the restarts of nginx.
    const req = http.request(BASE + path, { method, headers, agent: false }, (res) => {
      if (/event-stream/.test(res.headers['content-type'] || '')) {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, text: '' });
        req.destroy();
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        clearTimeout(timer);
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`${method} ${path}: no answer within ${ms} ms`)); }, ms);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(body);
  });
}
