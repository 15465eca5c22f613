// cors.test.mjs: CORS for browser apps on other origins (CORS_ORIGINS). nginx
// is restarted with two listed origins: it answers preflights itself, and
// every kind of answer (the workers', its own JSON errors, the snapshot file,
// uploads, the live endpoints) carries Access-Control-Allow-Origin for a
// listed origin and nothing for any other. At the end nginx is restarted
// without CORS_ORIGINS, as the rest of the suite expects it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import WebSocket from 'ws';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, songIds, until, service, streamAwareRequest, BASE, DATA } from './lib.mjs';

const request = streamAwareRequest;
import { newUser } from './catalog_lib.mjs';

const LISTED = 'https://app.example';
const OTHER_LISTED = 'http://localhost:5173';
const UNLISTED = 'https://evil.example';
const OWN_ORIGIN = new URL(BASE).origin;
const EXPOSED = 'ETag, Retry-After, X-Data-Source, X-Server-Time, X-Request-Id';
const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers',
  'access-control-max-age', 'access-control-expose-headers', 'access-control-allow-credentials'];

function restartNginx(env) {
  service('stop', 'nginx');
  service('start', 'nginx', env);
}

before(() => restartNginx({ CORS_ORIGINS: `${LISTED},${OTHER_LISTED}` }));
after(() => restartNginx({ CORS_ORIGINS: '' }));


/** A listed origin's answer: Allow-Origin is that origin, the headers exposed, Vary: Origin. */
function assertAllowed(res, origin, what) {
  assert.equal(res.headers['access-control-allow-origin'], origin, what);
  assert.equal(res.headers['access-control-expose-headers'], EXPOSED, what);
  assert.equal(res.headers['access-control-allow-credentials'], undefined, what);
  assert.match(res.headers.vary || '', /\bOrigin\b/, what);
}

/** An unlisted origin's answer: no CORS header at all. */
function assertNone(res, what) {
  for (const h of CORS_HEADERS) assert.equal(res.headers[h], undefined, `${what}: ${h}`);
}

test('a preflight from a listed origin is answered by nginx: 204 with the methods, headers and max-age', async () => {
  const guest = await newGuest();
  const room = await newRoom(guest);
  for (const [path, method] of [['/rooms', 'POST'], [`/rooms/${room.code}/queue/1/vote`, 'PUT'], ['/me/queue', 'PATCH'],
    [`/rooms/${room.code}/events`, 'GET'], ['/no/such/route', 'DELETE']]) {
    for (const origin of [LISTED, OTHER_LISTED]) {
      const res = await request(path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, if-match' } });
      const what = `${method} ${path} from ${origin}`;
      assert.equal(res.status, 204, what);
      assert.equal(res.text, '', what);
      assert.equal(res.headers['access-control-allow-origin'], origin, what);
      assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, PUT, PATCH, DELETE', what);
      assert.equal(res.headers['access-control-allow-headers'], 'Authorization, Content-Type, If-Match, If-None-Match, Prefer, Last-Event-ID', what);
      assert.equal(res.headers['access-control-max-age'], '86400', what);
      assert.equal(res.headers['access-control-allow-credentials'], undefined, what);
      assert.match(res.headers.vary || '', /\bOrigin\b/, what);
    }
  }
});

test('a preflight from an unlisted origin gets 204 and no CORS header; a plain OPTIONS is no preflight', async () => {
  for (const origin of [UNLISTED, 'null', `${LISTED}.evil.example`, LISTED.replace('https:', 'http:'), `${LISTED}:443`]) {
    const res = await request('/rooms', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    assert.equal(res.status, 204, origin);
    assertNone(res, origin);
  }
  // An OPTIONS without Access-Control-Request-Method is the API's (or nchan's) to answer.
  const guest = await newGuest();
  const room = await newRoom(guest);
  const live = await request(`/rooms/${room.code}/events`, { method: 'OPTIONS', headers: { origin: UNLISTED } });
  assertFail({ ...live, headers: new Headers(live.headers) }, 403);
  assertNone(live, 'a foreign OPTIONS on the live endpoint');
});

test('the workers\' answers carry Allow-Origin and the exposed headers for a listed origin only', async () => {
  const guest = await newGuest();
  // A POST with a JSON body and a bearer token, as a browser app sends it.
  const created = await request('/rooms', {
    method: 'POST',
    headers: { origin: LISTED, authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'CORS room' }),
  });
  assert.equal(created.status, 201, created.text);
  assertAllowed(created, LISTED, 'POST /rooms');
  const code = created.json.data.room.code;
  const got = await request(`/rooms/${code}`, { headers: { origin: OTHER_LISTED } });
  assert.equal(got.status, 200);
  assertAllowed(got, OTHER_LISTED, 'GET /rooms/:code');
  const other = await request(`/rooms/${code}`, { headers: { origin: UNLISTED } });
  assert.equal(other.status, 200, 'an unlisted origin is not refused: the browser is what keeps the answer from it');
  assertNone(other, 'GET from an unlisted origin');
  // Vary: Origin on every answer, with or without an Origin.
  const plain = await request(`/rooms/${code}`);
  assertNone(plain, 'GET without Origin');
  assert.match(plain.headers.vary || '', /\bOrigin\b/);
});

test('errors carry them too: the workers\' 4xx, nginx\'s own JSON errors, its 405 of the live endpoint', async () => {
  const guest = await newGuest();
  const room = await newRoom(guest);
  const cases = [
    ['GET', '/rooms/ZZZZZZ', 404],                          // the workers' 404
    ['POST', '/rooms', 401],                                // no token
    ['GET', '/pub/rooms/ABCDEF', 403],                      // nginx's deny, its JSON page
    ['POST', `/rooms/${room.code}/events`, 405],            // the live endpoint's 405 page
    ['GET', '/uploads/covers/none.jpg', 404],               // nginx's 404 under /uploads/
  ];
  for (const [method, path, status] of cases) {
    const res = await request(path, { method, headers: { origin: LISTED } });
    assertFail({ ...res, headers: new Headers(res.headers) }, status);
    assertAllowed(res, LISTED, `${method} ${path}`);
    const other = await request(path, { method, headers: { origin: UNLISTED } });
    assert.equal(other.status, status);
    assertNone(other, `${method} ${path} from an unlisted origin`);
  }
  // A header too large: refused before any location is chosen.
  const big = await request('/rooms', { headers: { origin: LISTED, 'x-big': 'x'.repeat(20000) } });
  assertFail({ ...big, headers: new Headers(big.headers) }, 400);
  assertAllowed(big, LISTED, 'a 400 of nginx before any location');
});

test('the snapshot file, uploads and the client\'s files carry them', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  await addEntry(room.code, host, (await songIds())[0]);
  const snap = await until(async () => {
    const r = await request(`/rooms/${room.code}/queue`, { headers: { origin: LISTED } });
    return r.headers['x-data-source'] === 'snapshot' && r;
  }, 5000, 'the snapshot file');
  assert.equal(snap.status, 200);
  assert.ok(snap.headers.etag);
  assert.ok(snap.headers['x-server-time']);
  assertAllowed(snap, LISTED, 'the snapshot');
  assertNone(await request(`/rooms/${room.code}/queue`, { headers: { origin: UNLISTED } }), 'the snapshot, unlisted');

  fs.writeFileSync(`${DATA}/uploads/cors-test.txt`, 'hello');
  fs.chmodSync(`${DATA}/uploads/cors-test.txt`, 0o644);
  try {
    const up = await request('/uploads/cors-test.txt', { headers: { origin: LISTED } });
    assert.equal(up.status, 200);
    assert.equal(up.text, 'hello');
    assertAllowed(up, LISTED, 'an upload');
  } finally {
    fs.rmSync(`${DATA}/uploads/cors-test.txt`, { force: true });
  }
  const page = await request('/', { headers: { origin: LISTED } });
  assert.equal(page.status, 200);
  assertAllowed(page, LISTED, 'the client page');
  assert.match(page.headers['content-security-policy'] || '', /default-src 'self'/, 'the page keeps its policy');
});

test('the live endpoint works from a listed origin (EventSource and WebSocket); an unlisted one is still refused', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  const path = `/rooms/${room.code}/events`;
  for (const origin of [LISTED, OTHER_LISTED]) {
    const res = await request(path, { headers: { origin, accept: 'text/event-stream' } });
    assert.equal(res.status, 200, origin);
    assert.match(res.headers['content-type'], /^text\/event-stream/);
    assert.equal(res.headers['access-control-allow-origin'], origin);
    assert.notEqual(res.headers['access-control-allow-credentials'], 'true');
    assert.match(res.headers['access-control-expose-headers'] || '', /X-Request-Id/);
  }
  // The site itself and no Origin still work.
  const own = await request(path, { headers: { origin: OWN_ORIGIN, accept: 'text/event-stream' } });
  assert.equal(own.status, 200);
  assert.equal(own.headers['access-control-allow-origin'], OWN_ORIGIN);
  assert.equal((await request(path, { headers: { accept: 'text/event-stream' } })).status, 200);
  const refused = await request(path, { headers: { origin: UNLISTED, accept: 'text/event-stream' } });
  assertFail({ ...refused, headers: new Headers(refused.headers) }, 403);
  assertNone(refused, 'the live endpoint, unlisted');

  const wsStatus = (origin) => new Promise((resolve) => {
    const s = new WebSocket(`${BASE.replace(/^http/, 'ws')}${path}`, { origin });
    s.on('unexpected-response', (req, res) => { resolve(res.statusCode); s.terminate(); });
    s.on('open', () => { resolve(101); s.terminate(); });
    s.on('error', () => {});
  });
  assert.equal(await wsStatus(LISTED), 101);
  assert.equal(await wsStatus(UNLISTED), 403);
});

test('the personal queue stream takes a listed origin too', async () => {
  const u = await newUser();
  const ticketUrl = async () => assertOk(await api('GET', '/me/queue/subscription', { token: u.accessToken })).url;
  const ok = await request(await ticketUrl(), { headers: { origin: LISTED, accept: 'text/event-stream' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], LISTED);
  const refused = await request(await ticketUrl(), { headers: { origin: UNLISTED, accept: 'text/event-stream' } });
  assertFail({ ...refused, headers: new Headers(refused.headers) }, 403);
  assertNone(refused, 'the personal stream, unlisted');
});

test('without CORS_ORIGINS no CORS header is sent and no preflight answered', async () => {
  restartNginx({ CORS_ORIGINS: '' });
  try {
    const pre = await request('/rooms', { method: 'OPTIONS', headers: { origin: LISTED, 'access-control-request-method': 'POST' } });
    assert.notEqual(pre.status, 204);
    assertNone(pre, 'a preflight');
    const got = await request('/songs', { headers: { origin: LISTED } });
    assert.equal(got.status, 200);
    assertNone(got, 'a GET');
    assert.doesNotMatch(got.headers.vary || '', /\bOrigin\b/);
  } finally {
    restartNginx({ CORS_ORIGINS: `${LISTED},${OTHER_LISTED}` });
  }
});
