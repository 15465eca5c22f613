// cors.test.mjs: a browser app on another origin (a tiny page served by a node
// server on another port) uses the API in a real Chromium: fetch with a bearer
// token (a preflighted request), reading ETag and X-Server-Time from the
// answer, and an EventSource on the room's live endpoint that receives a
// vote. nginx is restarted with that origin in CORS_ORIGINS, and without it at
// the end. The same page on an origin that is not listed is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchChromium } from './browser_lib.mjs';
import { newGuest, newRoom, addEntry, songIds, service, BASE } from '../integration/lib.mjs';

const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>other origin</title></head><body><p>An app on another origin.</p></body></html>';

let browser;
let server;
let listed;   // http://127.0.0.1:PORT: in CORS_ORIGINS
let unlisted; // http://localhost:PORT: the same page, another origin

function restartNginx(env) {
  service('stop', 'nginx');
  service('start', 'nginx', env);
}

before(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  listed = `http://127.0.0.1:${port}`;
  unlisted = `http://localhost:${port}`;
  restartNginx({ CORS_ORIGINS: listed });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
  restartNginx({ CORS_ORIGINS: '' });
});

/** A page of the app at origin, with its console errors kept. */
async function appPage(origin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${origin}/`);
  return { context, page, errors };
}

test('a page on a listed origin calls the API with a token, reads ETag and X-Server-Time, and follows the room live', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const entry = await addEntry(room.code, host, (await songIds())[0]);
  const { context, page } = await appPage(listed);
  try {
    const result = await page.evaluate(async ({ api, code, token, entryId }) => {
      const auth = { authorization: `Bearer ${token}` };
      // Authorization makes it a preflighted request.
      const me = await fetch(`${api}/rooms/${code}/me`, { headers: auth });
      const q = await fetch(`${api}/rooms/${code}/queue`, { headers: auth });
      const etag = q.headers.get('etag');
      const serverTime = q.headers.get('x-server-time');
      const again = await fetch(`${api}/rooms/${code}/queue`, { headers: { ...auth, 'if-none-match': etag } });
      // The live endpoint: the EventSource opens, then a vote comes through it.
      const es = new EventSource(`${api}/rooms/${code}/events`);
      await new Promise((resolve, reject) => {
        es.onopen = resolve;
        setTimeout(() => reject(new Error('the EventSource did not open')), 5000);
      });
      const message = new Promise((resolve, reject) => {
        es.onmessage = (e) => { const m = JSON.parse(e.data); if (m.type === 'vote') resolve(m); };
        setTimeout(() => reject(new Error('no vote message')), 5000);
      });
      const voted = await fetch(`${api}/rooms/${code}/queue/${entryId}/vote`, {
        method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ value: 1 }),
      });
      const m = await message;
      es.close();
      return {
        me: me.status, meBody: await me.json(), queue: q.status, etag, serverTime,
        again: again.status, voted: voted.status, message: m,
      };
    }, { api: BASE, code: room.code, token: host.token, entryId: entry.entry.id });
    assert.equal(result.me, 200);
    assert.equal(result.meBody.status, 'success');
    assert.equal(result.queue, 200);
    assert.match(result.etag || '', /^(W\/)?"[^"]+"$/, 'ETag readable cross-origin');
    assert.match(result.serverTime || '', /^\d{13}$/, 'X-Server-Time readable cross-origin');
    assert.equal(result.again, 304);
    assert.equal(result.voted, 200);
    assert.equal(result.message.type, 'vote');
  } finally {
    await context.close();
  }
});

test('the same page on an origin that is not listed is refused by the browser', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const { context, page, errors } = await appPage(unlisted);
  try {
    const result = await page.evaluate(async ({ api, code, token }) => {
      const outcome = async (p) => { try { return (await p).status; } catch (e) { return e.name; } };
      const plain = await outcome(fetch(`${api}/rooms/${code}`));
      const withToken = await outcome(fetch(`${api}/rooms/${code}/me`, { headers: { authorization: `Bearer ${token}` } }));
      const live = await new Promise((resolve) => {
        const es = new EventSource(`${api}/rooms/${code}/events`);
        es.onopen = () => { es.close(); resolve('open'); };
        es.onerror = () => { es.close(); resolve('error'); };
      });
      return { plain, withToken, live };
    }, { api: BASE, code: room.code, token: host.token });
    assert.deepEqual(result, { plain: 'TypeError', withToken: 'TypeError', live: 'error' });
    assert.ok(errors.some((e) => /CORS/.test(e)), `the browser names CORS: ${errors.join(' | ')}`);
  } finally {
    await context.close();
  }
});
