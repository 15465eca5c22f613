// edge.test.mjs: what nginx answers by itself, before any worker: its own
// refusals of malformed requests in JSON, the favicon, the security headers of
// the client's files and the API, and the nchan subscriber locations (code in
// either case, other methods, foreign origins).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, songIds, vote, sse, ws, until, subscriberCount, service, streamAwareRequest, JSON_TYPE, BASE, DATA, ROOT } from './lib.mjs';
import { newUser } from './catalog_lib.mjs';

const site = new URL(BASE);
const OWN_ORIGIN = site.origin;
const FOREIGN = 'https://evil.example';

/**
 * One raw exchange over TCP: writes bytes as they are (malformed on purpose)
 * and parses one HTTP/1.x answer. Resolves once the body (Content-Length) is
 * complete or the server closed; rejects if nothing complete came in `ms`.
 */
function raw(bytes, { ms = 4000, head = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(site.port || 80), site.hostname);
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err); else resolve(v);
    };
    const parse = (final) => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) { if (final) finish(new Error(`no complete answer: ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`)); return; }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) { finish(new Error(`not an HTTP answer: ${lines[0]}`)); return; }
      const headers = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        const k = l.slice(0, c).trim().toLowerCase();
        const v = l.slice(c + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
      }
      const len = head ? 0 : Number(headers['content-length'] ?? NaN);
      const body = buf.subarray(end + 4);
      if (Number.isFinite(len) ? body.length >= len : final) {
        const text = body.subarray(0, Number.isFinite(len) ? len : body.length).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        finish(null, { status: Number(m[1]), headers, text, json });
      }
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${ms} ms to ${JSON.stringify(bytes.toString('latin1').slice(0, 60))}`)), ms);
    sock.on('data', (c) => { buf = Buffer.concat([buf, c]); parse(false); });
    sock.on('end', () => parse(true));
    sock.on('close', () => parse(true));
    sock.on('error', (e) => { if (buf.length) parse(true); else finish(e); });
    sock.write(bytes);
  });
}

/** Asserts a raw answer is the API's error shape. */
function assertRawFail(res, status, what) {
  assert.equal(res.status, status, `${what}: expected ${status}, got ${res.status}: ${res.text}`);
  assert.equal(res.headers['content-type'], JSON_TYPE, what);
  assert.equal(res.json?.status, status >= 500 ? 'error' : 'fail', `${what}: ${res.text}`);
  assert.equal(typeof res.json.message, 'string', what);
  assert.ok(res.json.message.length > 0, what);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
}

const request = streamAwareRequest;

const crashes = () => (fs.readFileSync(`${DATA}/log/nginx-error.log`, 'utf8').match(/exited on signal/g) || []).length;

async function roomWithEntry() {
  const host = await newGuest();
  // A code of digits only has no lower case: take another room (rare).
  let room;
  do room = await newRoom(host); while (room.code.toLowerCase() === room.code);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, host, song);
  return { host, room, entry };
}

// ------------------------------------------------------------------ 1. nginx's own refusals

test("nginx's own refusals of malformed requests are JSON with the API's error shape", async () => {
  const cases = [
    ['a 9 KB header line', `GET / HTTP/1.1\r\nHost: ${site.host}\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`, 400, /header/],
    ['a 9 KB cookie', `GET /songs HTTP/1.1\r\nHost: ${site.host}\r\nCookie: c=${'a'.repeat(9000)}\r\n\r\n`, 400, /header|cookie/],
    ['a 10 KB URI', `GET /${'a'.repeat(10000)} HTTP/1.1\r\nHost: ${site.host}\r\n\r\n`, 414, /URI/],
    ['HTTP/3.0 in the request line', `GET / HTTP/3.0\r\nHost: ${site.host}\r\n\r\n`, 505, /version/],
    ['a garbage request line', 'garbage\r\n\r\n', 400, /./],
    ['a control character in the method', 'GE\x01T / HTTP/1.1\r\n\r\n', 400, /./],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\n\r\n', 400, /./],
    ['a malformed Host', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', 400, /./],
    ['an unknown Transfer-Encoding', `POST /songs HTTP/1.1\r\nHost: ${site.host}\r\nTransfer-Encoding: gzip\r\n\r\n`, 501, /does not support/],
  ];
  for (const [what, req, status, message] of cases) {
    const res = await raw(Buffer.from(req, 'latin1'));
    assertRawFail(res, status, what);
    assert.match(res.json.message, message, what);
  }
});

test('every error_page of the site names an error body of the right shape', () => {
  const conf = fs.readFileSync(`${ROOT}/nginx/queued.conf.in`, 'utf8');
  const pages = [...conf.matchAll(/error_page\s+(\d{3})\s+\/_errors\/(?:events\/)?(\d{3})\.json;/g)];
  const codes = new Set(pages.map((m) => Number(m[1])));
  for (const c of [400, 403, 404, 405, 408, 412, 413, 414, 494, 500, 501, 502, 503, 504, 505]) assert.ok(codes.has(c), `error_page ${c}`);
  for (const [, code, file] of pages) {
    assert.equal(code, file);
    const body = JSON.parse(fs.readFileSync(`${ROOT}/nginx/errors/${file}.json`, 'utf8'));
    assert.deepEqual(Object.keys(body), ['status', 'message'], file);
    assert.equal(body.status, Number(code) >= 500 ? 'error' : 'fail', file);
    assert.ok(body.message.length > 0, file);
  }
});

// ------------------------------------------------------------------ 2. the favicon

test('/favicon.ico is an icon (not a JSON 404), and the page links it', async () => {
  const res = await fetch(`${BASE}/favicon.ico`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/x-icon');
  const b = Buffer.from(await res.arrayBuffer());
  assert.equal(b.readUInt16LE(0), 0, 'ICONDIR reserved');
  assert.equal(b.readUInt16LE(2), 1, 'type 1: icon');
  const n = b.readUInt16LE(4);
  assert.ok(n >= 1);
  for (let i = 0; i < n; i++) {
    const size = b.readUInt32LE(6 + 16 * i + 8);
    const offset = b.readUInt32LE(6 + 16 * i + 12);
    assert.ok(offset + size <= b.length, `image ${i} inside the file`);
  }
  const svg = await fetch(`${BASE}/favicon.svg`);
  assert.equal(svg.status, 200);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.match(await svg.text(), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const html = await (await fetch(`${BASE}/`)).text();
  assert.match(html, /<link rel="icon" href="\/favicon\.ico"/);
  assert.match(html, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">/);
});

// ------------------------------------------------------------------ 3. security headers

/** The CSP as {directive: [sources]}. */
function csp(value) {
  assert.ok(value, 'a Content-Security-Policy header');
  const out = {};
  for (const part of value.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name, ...sources] = part.split(/\s+/);
    out[name] = sources;
  }
  return out;
}

test("the client's pages and files send a Content-Security-Policy, Referrer-Policy and nosniff", async () => {
  const want = {
    'default-src': ["'self'"],
    'script-src': ["'self'", 'https://www.youtube.com'],
    'frame-src': ['https://www.youtube.com', 'https://www.youtube-nocookie.com'],
    'img-src': ["'self'", 'data:', 'https://i.ytimg.com'],
    'connect-src': ["'self'"],
    'style-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  for (const path of ['/', '/index.html', '/js/app.js', '/js/player.js', '/css/app.css', '/favicon.ico']) {
    const res = await fetch(BASE + path);
    assert.equal(res.status, 200, path);
    const policy = csp(res.headers.get('content-security-policy'));
    for (const [name, sources] of Object.entries(want)) {
      assert.deepEqual([...(policy[name] || [])].sort(), [...sources].sort(), `${path}: ${name}`);
    }
    assert.doesNotMatch(res.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval|\*/, path);
    assert.match(res.headers.get('referrer-policy') || '', /^(strict-origin-when-cross-origin|no-referrer)$/, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
  }
});

test('the page itself has no inline script or style that the policy would block', () => {
  const html = fs.readFileSync(`${ROOT}/static/index.html`, 'utf8');
  for (const m of html.matchAll(/<script\b([^>]*)>/g)) assert.match(m[1], /\ssrc=/, `inline <script${m[1]}>`);
  assert.doesNotMatch(html, /<style\b/i);
  assert.doesNotMatch(html, /\sstyle\s*=/i);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'inline event handler');
  assert.doesNotMatch(html, /javascript:/i);
});

// The views pass style: to h(), which sets it through the CSSOM (allowed);
// a style attribute in markup or through setAttribute is refused by
// style-src 'self'. (browser/room.test.mjs runs the pages under the policy.)
test('the scripts set styles only through the CSSOM, never as a style attribute', () => {
  const ui = fs.readFileSync(`${ROOT}/static/js/ui.js`, 'utf8');
  assert.match(ui, /k === 'style'\)\s*el\.style\.cssText = v/, "h() sets style: through el.style");
  for (const f of fs.readdirSync(`${ROOT}/static/js`).filter((n) => n.endsWith('.js'))) {
    const src = fs.readFileSync(`${ROOT}/static/js/${f}`, 'utf8');
    assert.doesNotMatch(src, /setAttribute\(\s*['"`]style['"`]/i, `${f}: setAttribute('style')`);
    assert.doesNotMatch(src, /<[a-z][^>]*\sstyle\s*=/i, `${f}: style= in markup`);
    assert.doesNotMatch(src, /<style\b/i, `${f}: a <style> element in markup`);
  }
});

test('API answers, the snapshot file and nginx\'s own JSON errors send nosniff (once)', async () => {
  const { room } = await roomWithEntry();
  const checks = [
    ['a worker answer', await api('GET', '/songs'), 200],
    ['a worker 404', await api('GET', '/no/such/thing'), 404],
    ['the workers\' queue', await api('GET', `/rooms/${room.code}/queue`, { headers: { 'if-none-match': '"0"' } }), 200],
    ['an nginx 403', await api('GET', `/pub/rooms/${room.code}`), 403],
  ];
  // The snapshot file: a worker leaves it on a read; nginx serves the next.
  const snap = await until(async () => {
    const r = await api('GET', `/rooms/${room.code}/queue`);
    return r.headers.get('x-data-source') === 'snapshot' && r;
  }, 5000, 'the snapshot file');
  checks.push(['the snapshot file', snap, 200]);
  for (const [what, res, status] of checks) {
    assert.equal(res.status, status, `${what}: ${res.text}`);
    assert.equal(res.headers.get('content-type'), JSON_TYPE, what);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  }
});

// ------------------------------------------------------------------ 4. the subscriber locations

test('a lower-case room code subscribes to the room (EventSource and WebSocket)', async () => {
  const { host, room, entry } = await roomWithEntry();
  const lower = room.code.toLowerCase();
  const mixed = [...room.code].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
  const es = sse(`/rooms/${lower}/events`);
  const sock = ws(`/rooms/${mixed}/events`);
  try {
    await es.opened;
    await sock.opened;
    // Both are on the upper-case channel the workers publish to.
    await until(async () => (await subscriberCount(room.code)) === 2, 5000, 'two subscribers on the upper-case channel');
    const res = await vote(room.code, entry.id, host, 1);
    assert.equal(res.status, 200, res.text);
    const a = await es.waitFor((e) => e.data.type === 'vote' && e.data.entryId === entry.id);
    const b = await sock.waitFor((m) => m.type === 'vote' && m.entryId === entry.id);
    assert.equal(a.data.score, 1);
    assert.deepEqual(b, a.data);
  } finally {
    es.close();
    sock.close();
  }
  // Not a room code: still no subscriber location.
  assertFail(await api('GET', `/rooms/${lower.slice(0, 5)}/events`), 404);
});

test('other methods on the events URL get 405 at once, in JSON, with Allow: GET, OPTIONS', async () => {
  const before = crashes();
  assert.equal(before, 0, 'no nginx worker died before this test');
  const { room } = await roomWithEntry();
  for (const code of [room.code, room.code.toLowerCase()]) {
    for (const method of ['PROPFIND', 'LOCK', 'PURGE', 'POST', 'PUT', 'PATCH', 'DELETE', 'BREW', 'HEAD']) {
      const body = method === 'POST' || method === 'PUT' ? '{"type":"vote","revision":999}' : '';
      const req = `${method} /rooms/${code}/events HTTP/1.1\r\nHost: ${site.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const res = await raw(Buffer.from(req), { ms: 3000, head: method === 'HEAD' });
      assert.equal(res.status, 405, `${method}: ${res.text}`);
      assert.equal(res.headers.allow, 'GET, OPTIONS', method);
      assert.equal(res.headers['content-type'], JSON_TYPE, method);
      if (method !== 'HEAD') assertRawFail(res, 405, method);
    }
  }
  // GET and OPTIONS still reach nchan.
  const opts = await request(`/rooms/${room.code}/events`, { method: 'OPTIONS' });
  assert.equal(opts.status, 200);
  const get = await request(`/rooms/${room.code}/events`, { headers: { accept: 'text/event-stream' } });
  assert.equal(get.status, 200);
  assert.match(get.headers['content-type'], /^text\/event-stream/);
  assert.equal(crashes(), 0, 'no nginx worker died (nchan)');
});

test('a foreign Origin is refused in JSON and never reflected; the own origin works', async () => {
  const { room } = await roomWithEntry();
  const path = `/rooms/${room.code}/events`;
  for (const origin of [FOREIGN, 'null', `${OWN_ORIGIN}.evil.example`, OWN_ORIGIN.replace(/^http:/, 'https:')]) {
    for (const method of ['GET', 'OPTIONS']) {
      const res = await request(path, { method, headers: { origin, accept: 'text/event-stream' } });
      assertFail({ ...res, headers: new Headers(res.headers) }, 403);
      assert.equal(res.headers['access-control-allow-origin'], undefined, `${method} from ${origin}`);
      assert.equal(res.headers['access-control-allow-credentials'], undefined, `${method} from ${origin}`);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
    }
  }
  // A WebSocket from a foreign page is refused the same way.
  const status = await new Promise((resolve, reject) => {
    const s = new WebSocket(`${BASE.replace(/^http/, 'ws')}${path}`, { origin: FOREIGN });
    s.on('unexpected-response', (req, res) => { resolve(res.statusCode); s.terminate(); });
    s.on('open', () => { s.terminate(); reject(new Error('a foreign WebSocket opened')); });
    s.on('error', () => {});
  });
  assert.equal(status, 403);
  // The site's own origin and no Origin at all (a same-origin EventSource).
  for (const headers of [{ origin: OWN_ORIGIN }, {}]) {
    const res = await request(path, { headers: { ...headers, accept: 'text/event-stream' } });
    assert.equal(res.status, 200, JSON.stringify(headers));
    assert.equal(res.headers['access-control-allow-origin'], headers.origin, JSON.stringify(headers));
    assert.notEqual(res.headers['access-control-allow-credentials'], 'true');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  const own = new WebSocket(`${BASE.replace(/^http/, 'ws')}${path}`, { origin: OWN_ORIGIN });
  await new Promise((resolve, reject) => { own.once('open', resolve); own.once('error', reject); });
  own.terminate();
});

test('the personal queue stream (the internal /_sub/users location) refuses a foreign Origin in JSON', async () => {
  const u = await newUser();
  const ticketUrl = async () => assertOk(await api('GET', '/me/queue/subscription', { token: u.accessToken })).url;
  const refused = await request(await ticketUrl(), { headers: { origin: FOREIGN, accept: 'text/event-stream' } });
  assertFail({ ...refused, headers: new Headers(refused.headers) }, 403);
  assert.equal(refused.headers['access-control-allow-origin'], undefined);
  assert.equal(refused.headers['access-control-allow-credentials'], undefined);
  const ok = await request(await ticketUrl(), { headers: { origin: OWN_ORIGIN, accept: 'text/event-stream' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], OWN_ORIGIN);
  assert.notEqual(ok.headers['access-control-allow-credentials'], 'true');
  assert.equal(ok.headers['x-content-type-options'], 'nosniff');
  // Still SSE and WebSocket through the ticket, with the channel from the ticket.
  const es = sse(await ticketUrl());
  await es.opened;
  es.close();
  const sock = ws(await ticketUrl());
  await sock.opened;
  sock.close();
  // The internal location is not reachable from outside, whatever the method.
  for (const method of ['GET', 'PROPFIND']) {
    const res = await raw(Buffer.from(`${method} /_sub/users/${u.id} HTTP/1.1\r\nHost: ${site.host}\r\n\r\n`));
    assertRawFail(res, 404, method);
  }
  assert.equal(crashes(), 0, 'no nginx worker died (nchan)');
});

test("nginx's own 502 while the workers are down is JSON with Retry-After; its 404 has none", async () => {
  service('stop', 'workers');
  try {
    const r = await api('GET', '/songs');
    assertFail(r, 502);
    assert.equal(r.headers.get('retry-after'), '2');
  } finally {
    service('start', 'workers');
  }
  const missing = await api('GET', '/favicon-nope.png');
  assert.equal(missing.headers.get('retry-after'), null);
});

test('If-Match on a read: the queue is answered as without it (by a worker, even when there is a snapshot file), and nginx\'s own 412 on a file is JSON', async () => {
  const host = await newGuest('H');
  const room = await newRoom(host);
  const [song] = await songIds();
  await addEntry(room.code, host, song);
  assertOk(await api('GET', `/rooms/${room.code}/queue`)); // leaves the file
  assert.equal((await api('GET', `/rooms/${room.code}/queue`)).headers.get('x-data-source'), 'snapshot');
  const r = await api('GET', `/rooms/${room.code}/queue`, { headers: { 'if-match': '"no-such-version"' } });
  assert.equal(assertOk(r).code, room.code);
  assert.notEqual(r.headers.get('x-data-source'), 'snapshot');
  assertFail(await api('GET', '/index.html', { headers: { 'if-match': '"no-such-version"' } }), 412);
});
