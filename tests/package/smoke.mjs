// smoke.mjs: the installed package's smoke test (./dev package-test): a user
// adds a song, a guest opens a room and follows it live, adds the song and
// votes, and the live stream carries the change. Only Node's own modules:
// it runs against any queued site, given its base URL.
//   node tests/package/smoke.mjs http://127.0.0.1:PORT
import http from 'node:http';
import assert from 'node:assert/strict';

const base = process.argv[2];
if (!base) throw new Error('usage: node smoke.mjs BASE_URL');

async function api(method, path, { body, token } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}
async function ok(promise, status, what) {
  const res = await promise;
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.json?.status, 'success', `${what}: ${res.text}`);
  console.log(`ok   ${what}`);
  return res.json.data;
}

// The first `data:` block of an EventSource stream after it opened.
function firstEvent(path, timeoutMs) {
  let req;
  const opened = new Promise((resolve, reject) => {
    req = http.get(base + path, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE status ${res.statusCode}`));
      // Wrapped: a promise resolved with a promise would wait for the message.
      resolve({ message: new Promise((got, fail) => {
        let buf = '';
        const timer = setTimeout(() => fail(new Error('no live message in time')), timeoutMs);
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buf += chunk;
          const m = buf.match(/(^|\n)data: ?([^\n]+)\n/);
          if (m) { clearTimeout(timer); got(m[2]); }
        });
      }) });
    });
    req.on('error', reject);
  });
  return { opened, close: () => req.destroy() };
}

const stamp = Date.now().toString(36);
const creds = { username: `smoke${stamp}`, password: 'smoke-test-password' };
await ok(api('POST', '/users', { body: { ...creds, fullname: 'Smoke Test' } }), 201, 'a user registers');
const { accessToken } = await ok(api('POST', '/authentications', { body: creds }), 201, 'the user signs in');
const { songId } = await ok(api('POST', '/songs', {
  token: accessToken, body: { title: 'Smoke Song', year: 2024, genre: 'Test', performer: 'Smoke', duration: 180 },
}), 201, 'the user adds a song to the catalog');
const guest = await ok(api('POST', '/guests', { body: { name: 'smoke guest' } }), 201, 'a guest is made');
const { room } = await ok(api('POST', '/rooms', { token: guest.token, body: { name: 'Smoke room' } }), 201, 'the guest opens a room');

const live = firstEvent(`/rooms/${room.code}/events`, 10000);
const { message } = await live.opened;
console.log('ok   the room\'s live stream opens (SSE, through nchan)');
const added = await ok(api('POST', `/rooms/${room.code}/queue`, { token: guest.token, body: { songId } }), 201, 'the guest adds the song');
await ok(api('PUT', `/rooms/${room.code}/queue/${added.entry.id}/vote`, { token: guest.token, body: { value: 1 } }), 200, 'the guest votes');
const data = await message;
live.close();
assert.ok(data.length > 0);
console.log(`ok   a live message arrives: ${data.slice(0, 80)}...`);
const queue = await ok(api('GET', `/rooms/${room.code}/queue`), 200, 'the queue reads back');
assert.equal(queue.entries.length, 1);
console.log('smoke test passed');
