// youtube.test.mjs: YouTube search through the workers against a stand-in for
// the Data API v3 (this machine has no internet), and adding a video to a room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { api, assertOk, assertFail, newGuest, newRoom, service, DATA, ROOT } from './lib.mjs';

const KEY = 'test-key-with space&amp';
const RUN = Date.now().toString(36);
const randomVideoId = () => Array.from({ length: 11 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'[Math.floor(Math.random() * 64)]).join('');
const VIDEOS = {
  dQw4w9WgXcQ: { title: 'Never Gonna Give You Up', channel: 'Rick Astley', duration: 'PT3M33S' },
  '9bZkp7q19f0': { title: 'Gangnam Style', channel: 'officialpsy', duration: 'PT1H2M3S' },
  'kJQP7kiw5Fk': { title: 'Despacito', channel: 'Luis Fonsi', duration: null },
};
let server;
let baseUrl;
const calls = [];
let failNext = false;

function restartWorkers(env) {
  service('stop', 'workers');
  execFileSync(`${ROOT}/dev`, ['service', 'start', 'workers', '--data', DATA],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    calls.push(url);
    const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (failNext) { failNext = false; return reply(500, { error: { message: 'backend error' } }); }
    if (url.searchParams.get('key') !== KEY) return reply(403, { error: { message: 'bad key' } });
    if (url.pathname === '/v3/search') {
      const q = url.searchParams.get('q').toLowerCase();
      const items = Object.entries(VIDEOS)
        .filter(([, v]) => q.startsWith('everything') || v.title.toLowerCase().includes(q))
        .map(([id, v]) => ({ id: { kind: 'youtube#video', videoId: id }, snippet: { title: v.title, channelTitle: v.channel } }));
      return reply(200, { items });
    }
    if (url.pathname === '/v3/videos') {
      const items = url.searchParams.get('id').split(',').filter((id) => VIDEOS[id]?.duration)
        .map((id) => ({ id, contentDetails: { duration: VIDEOS[id].duration } }));
      return reply(200, { items });
    }
    reply(404, {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${server.address().port}/v3`;
});

after(async () => {
  restartWorkers({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: '' });
  server.close();
});

test('without a key YouTube search is 404 in JSON, so clients hide it', async () => {
  assertFail(await api('GET', '/youtube/search?q=never'), 404);
});

test('search: ids, titles, channel as performer, durations in seconds; cached; upstream failure is 502', async () => {
  restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: baseUrl });
  assertFail(await api('GET', '/youtube/search'), 400);
  assertFail(await api('GET', `/youtube/search?q=${'x'.repeat(101)}`), 400);

  const q = `everything-${RUN}`; // Redis outlives one run of the suite on a dev stack
  let res = await api('GET', `/youtube/search?q=${q}`);
  assert.deepEqual(assertOk(res).results, [
    { youtubeId: 'dQw4w9WgXcQ', title: 'Never Gonna Give You Up', performer: 'Rick Astley', duration: 213 },
    { youtubeId: '9bZkp7q19f0', title: 'Gangnam Style', performer: 'officialpsy', duration: 3723 },
    { youtubeId: 'kJQP7kiw5Fk', title: 'Despacito', performer: 'Luis Fonsi', duration: null },
  ]);
  const search = calls.find((u) => u.pathname === '/v3/search');
  assert.equal(search.searchParams.get('type'), 'video');
  assert.equal(search.searchParams.get('key'), KEY, 'the key is escaped on the way');
  const n = calls.length;
  res = await api('GET', `/youtube/search?q=${q.toUpperCase()}`);
  assert.equal(res.headers.get('x-data-source'), 'cache');
  assert.equal(assertOk(res).results.length, 3);
  assert.equal(calls.length, n, 'a repeated query costs no upstream call');

  res = await api('GET', `/youtube/search?q=${encodeURIComponent(`gangnam & co/ü ${RUN}`)}`);
  assert.equal(assertOk(res).results.length, 0);
  assert.equal(calls.at(-1).searchParams.get('q'), `gangnam & co/ü ${RUN}`);

  failNext = true;
  res = await api('GET', `/youtube/search?q=despacito${RUN}`);
  assert.equal(res.status, 502);
  assert.equal(res.json.status, 'error');
  assert.equal(assertOk(await api('GET', `/youtube/search?q=everything${RUN}x`)).results[2].youtubeId, 'kJQP7kiw5Fk');
});

test('a found video joins a room as a song; the same video again is one entry and a vote', async () => {
  const host = await newGuest('host');
  const friend = await newGuest('friend');
  const { code } = await newRoom(host);
  const body = { youtubeId: randomVideoId(), title: 'Never Gonna Give You Up', performer: 'Rick Astley', duration: 213 };
  const added = assertOk(await api('POST', `/rooms/${code}/queue`, { token: host.token, body }), 201);
  assert.deepEqual({ ...added.entry.song, id: undefined },
    { id: undefined, title: body.title, performer: body.performer, duration: 213, youtubeId: body.youtubeId });
  const again = assertOk(await api('POST', `/rooms/${code}/queue`, { token: friend.token, body }), 200);
  assert.equal(again.result, 'voted');
  assert.equal(again.entry.id, added.entry.id);
  // A catalog song like any other (GET /songs/{id} keeps OpenMusic's exact keys).
  assert.equal(assertOk(await api('GET', `/songs/${added.entry.song.id}`)).song.title, body.title);
  for (const bad of [{ ...body, youtubeId: '../../etc/p' }, { ...body, youtubeId: 'short' }, { ...body, title: '' },
    { ...body, duration: -1 }, { youtubeId: body.youtubeId }]) {
    assertFail(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: bad }), 400);
  }
  assertFail(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: {} }), 400);
});
