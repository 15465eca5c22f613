// youtube.test.mjs: YouTube search through the workers against a stand-in for
// the Data API v3 (this machine has no internet), and adding a video to a room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api, assertOk, assertFail, newGuest, newRoom, service, DATA, ROOT } from './lib.mjs';

const KEY = 'test-key-with space&amp';
const RUN = Date.now().toString(36);
const randomVideoId = () => Array.from({ length: 11 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'[Math.floor(Math.random() * 64)]).join('');
const VIDEOS = {
  dQw4w9WgXcQ: { title: 'Never Gonna Give You Up', channel: 'Rick Astley', duration: 'PT3M33S' },
  '9bZkp7q19f0': { title: 'Gangnam Style', channel: 'officialpsy', duration: 'PT1H2M3S' },
  'kJQP7kiw5Fk': { title: 'Despacito', channel: 'Luis Fonsi', duration: null },
};
// Only videos.list knows these (search.list filters on the query): a live
// stream, one that may not be embedded, a private one.
const LIVE = randomVideoId(), NO_EMBED = randomVideoId(), PRIVATE = randomVideoId(), SONG = randomVideoId();
Object.assign(VIDEOS, {
  [LIVE]: { title: 'Lofi radio 24/7', channel: 'Lofi Girl', duration: 'P0D', live: 'live', hidden: true },
  [NO_EMBED]: { title: 'Label video', channel: 'Label VEVO', duration: 'PT4M', embeddable: false, hidden: true },
  [PRIVATE]: { title: 'Home video', channel: 'Someone', duration: 'PT1M', privacy: 'private', hidden: true },
  [SONG]: { title: `Real title ${RUN}`, channel: 'Real Channel', duration: 'PT3M33S', hidden: true },
});

/** One videos.list item as YouTube writes it for part=snippet,contentDetails,status (a missing duration left out). */
function videoItem(id, v) {
  return {
    kind: 'youtube#video', etag: 'x', id,
    snippet: { title: v.title, channelTitle: v.channel, liveBroadcastContent: v.live ?? 'none',
      thumbnails: { default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 } } },
    contentDetails: v.duration ? { duration: v.duration, dimension: '2d', definition: 'hd' } : { dimension: '2d' },
    status: { uploadStatus: 'processed', privacyStatus: v.privacy ?? 'public', embeddable: v.embeddable ?? true },
  };
}
let server;
let baseUrl;
const calls = [];
let failNext = false;
// How the stand-in fails every call while set: 'quota' (403 quotaExceeded), 'slow' (3 s), 'malformed', '503'.
let failMode = null;
// OAuth 2.0 at the stand-in: the one access token it accepts, and the refreshes it was asked for.
const CLIENT_SECRET = 'client-secret-xyz', REFRESH_TOKEN = 'refresh-token-xyz';
let accessToken = null;
let refreshes = 0;
let issued = 0; // never reset: each access token differs from every earlier one

/** Google's token endpoint for a refresh_token grant: a new access token each time. */
function tokenEndpoint(req, reply) {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== 'client-id' ||
        form.get('client_secret') !== CLIENT_SECRET || form.get('refresh_token') !== REFRESH_TOKEN) {
      return reply(400, { error: 'invalid_grant', error_description: 'Bad Request' });
    }
    refreshes += 1;
    issued += 1;
    accessToken = `ya29.token-${RUN}-${issued}`;
    reply(200, { access_token: accessToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/youtube.readonly', token_type: 'Bearer' });
  });
}

function restartWorkers(env) {
  service('stop', 'workers');
  execFileSync(`${ROOT}/dev`, ['service', 'start', 'workers', '--data', DATA],
    // A day of test runs spends more than a real day's quota: only the budget test sets one.
    { env: { ...process.env, YOUTUBE_DAILY_BUDGET: '1000000000', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    calls.push(url);
    const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (failNext) { failNext = false; return reply(500, { error: { message: 'backend error' } }); }
    if (failMode === 'quota') {
      return reply(403, { error: { code: 403, message: 'The request cannot be completed because you have exceeded your quota.', errors: [{ domain: 'youtube.quota', reason: 'quotaExceeded' }] } });
    }
    if (failMode === 'slow') return setTimeout(() => reply(200, { items: [] }), 3000);
    if (failMode === 'malformed') { res.writeHead(200, { 'content-type': 'application/json' }); return res.end('{"items": [{"id": '); }
    if (failMode === '503') return reply(503, { error: { code: 503, message: 'backend error' } });
    if (url.pathname === '/token') return tokenEndpoint(req, reply);
    const bearer = req.headers.authorization;
    if (bearer !== undefined) {
      if (url.searchParams.has('key') || bearer !== `Bearer ${accessToken}`) {
        return reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      }
    } else if (url.searchParams.get('key') !== KEY) return reply(403, { error: { message: 'bad key' } });
    if (url.pathname === '/v3/search') {
      const q = url.searchParams.get('q').toLowerCase();
      const items = Object.entries(VIDEOS)
        .filter(([, v]) => !v.hidden).filter(([, v]) => q.startsWith('everything') || v.title.toLowerCase().includes(q))
        .map(([id, v]) => ({ id: { kind: 'youtube#video', videoId: id }, snippet: { title: v.title, channelTitle: v.channel } }));
      return reply(200, { kind: 'youtube#searchListResponse', nextPageToken: 'CAoQAA', regionCode: 'NL', pageInfo: { totalResults: 1000000, resultsPerPage: 10 }, items });
    }
    if (url.pathname === '/v3/videos') {
      // Real shapes: an unknown (or someone else's private) id is simply not among the items.
      const items = url.searchParams.get('id').split(',').filter((id) => VIDEOS[id]).map((id) => videoItem(id, VIDEOS[id]));
      return reply(200, { kind: 'youtube#videoListResponse', pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items });
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

test('without a key YouTube search is 404 in JSON, so clients hide it; adding by youtubeId is 404 too', async () => {
  assertFail(await api('GET', '/youtube/search?q=never'), 404);
  // Without YouTube GET /search is the catalog's.
  assert.deepEqual(assertOk(await api('GET', '/search?q=zzz-no-such-song')), { results: [], youtube: 'off' });
  // Nothing the server has not read from YouTube itself enters the catalog.
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const res = await api('POST', `/rooms/${code}/queue`, { token: host.token, body: { youtubeId: randomVideoId(), title: 'Mine now', duration: 1 } });
  assertFail(res, 404);
  assert.match(res.json.message, /not configured/);
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

test('a found video joins a room with the metadata the server read; the same video again is one entry and a vote', async () => {
  const host = await newGuest('host');
  const friend = await newGuest('friend');
  const { code } = await newRoom(host);
  const body = { youtubeId: SONG, title: 'Client title', performer: 'Client', duration: 1 };
  const n = calls.length;
  const added = assertOk(await api('POST', `/rooms/${code}/queue`, { token: host.token, body }), 201);
  assert.deepEqual({ ...added.entry.song, id: undefined },
    { id: undefined, title: `Real title ${RUN}`, performer: 'Real Channel', duration: 213, youtubeId: SONG });
  const fetched = calls.slice(n);
  assert.equal(fetched.length, 1);
  assert.equal(fetched[0].pathname, '/v3/videos');
  assert.equal(fetched[0].searchParams.get('part'), 'snippet,contentDetails,status');
  const again = assertOk(await api('POST', `/rooms/${code}/queue`, { token: friend.token, body: { youtubeId: SONG } }), 200);
  assert.equal(again.result, 'voted');
  assert.equal(again.entry.id, added.entry.id);
  assert.equal(calls.length, n + 1, 'the video\'s metadata is cached: a second add costs no upstream call');
  // A catalog song like any other (GET /songs/{id} keeps OpenMusic's exact keys).
  assert.equal(assertOk(await api('GET', `/songs/${added.entry.song.id}`)).song.title, `Real title ${RUN}`);
  for (const bad of [{ youtubeId: '../../etc/p' }, { youtubeId: 'short' }, { youtubeId: 12 }]) {
    assertFail(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: bad }), 400);
  }
  assertFail(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: {} }), 400);
});

test('unknown, private and non-embeddable videos are 400 naming why; a live one has no length', async () => {
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const add = (youtubeId) => api('POST', `/rooms/${code}/queue`, { token: host.token, body: { youtubeId, title: 't', duration: 10 } });
  for (const [id, why] of [[randomVideoId(), /no public video/], [PRIVATE, /private/], [NO_EMBED, /outside YouTube/]]) {
    const res = await add(id);
    assertFail(res, 400);
    assert.match(res.json.message, why);
  }
  const live = assertOk(await add(LIVE), 201);
  assert.equal(live.entry.song.duration, null, 'a live broadcast has no length, not 0');
  assert.equal(live.entry.song.title, 'Lofi radio 24/7');

  // Under a maximum the real length counts, and an unknown one is refused.
  const other = await newRoom(host);
  assertOk(await api('PATCH', `/rooms/${other.code}`, { token: host.token, body: { maxSongDuration: 600 } }));
  const addTo = (youtubeId) => api('POST', `/rooms/${other.code}/queue`, { token: host.token, body: { youtubeId, duration: 1 } });
  let res = await addTo('9bZkp7q19f0');
  assertFail(res, 403);
  assert.match(res.json.message, /maximum song duration/);
  res = await addTo(LIVE);
  assertFail(res, 403);
  assert.match(res.json.message, /length is unknown/);
  assertOk(await addTo(SONG), 201);

  failNext = true;
  res = await add(randomVideoId());
  assert.equal(res.status, 502);
  assert.doesNotMatch(JSON.stringify(res.json), /test-key/);
});

test('GET /search: catalog matches and YouTube results, each with its source; near-repeats share one cached entry', async () => {
  // Searches are rate-limited per member: this test searches as one.
  const { token } = await newGuest('searcher');
  const search = (query) => api('GET', `/search${query}`, { token });
  // SONG entered the catalog above under YouTube's own title.
  let data = assertOk(await search(`?q=e+${RUN}`));
  const catalog = data.results.find((r) => r.source === 'catalog' && r.youtubeId === SONG);
  assert.ok(catalog?.songId, 'the catalog song made from the video is found, with its songId');
  // A video the catalog has (a room added it) is listed once, as the catalog's.
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  assertOk(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: { youtubeId: '9bZkp7q19f0' } }), 201);
  data = assertOk(await search('?q=Gangnam+Style'));
  assert.deepEqual(data.results.filter((r) => r.youtubeId === '9bZkp7q19f0').map((r) => r.source), ['catalog']);
  const q = `everything ${RUN}`;
  const n = calls.length;
  data = assertOk(await search(`?q=${encodeURIComponent(q)}&limit=2`));
  assert.equal(data.youtube, 'ok');
  const yt = data.results.filter((r) => r.source === 'youtube');
  assert.deepEqual(yt.map((r) => [r.youtubeId, r.duration]), [['dQw4w9WgXcQ', 213], ['9bZkp7q19f0', 3723]]);
  assert.equal(calls.length, n + 2, 'one search.list and one videos.list');
  for (const near of [`EVERYTHING  ${RUN}`, `  Everything, ${RUN}!`, `everything-${RUN}`]) {
    assert.equal(assertOk(await search(`?q=${encodeURIComponent(near)}`)).youtube, 'ok');
  }
  assert.equal(calls.length, n + 2, 'near-repeats (case, spacing, punctuation) cost no upstream call');
  for (const bad of ['', '?q=', `?q=${'x'.repeat(101)}`, '?q=%2C%2C', '?q=a&limit=0', '?q=a&limit=51', '?q=a&limit=x']) {
    assertFail(await search(bad), 400);
  }
});

test('YouTube failing never fails a search: catalog results plus "unavailable", logged once a minute, no key anywhere', async () => {
  const log = `${DATA}/log/queued.log`;
  const before = readFileSync(log, 'utf8').length;
  const { token } = await newGuest('searcher');
  // Redis outlives a run: new queries, each matching the catalog's song of this run.
  const queries = ['real title', 'eal title', 'al title', 'l title', 'title', 'itle', 'tle', ''].map((t) => `${t} ${RUN}`);
  for (const mode of ['quota', 'malformed', '503', 'slow']) {
    failMode = mode;
    const started = Date.now();
    for (let i = 0; i < (mode === 'slow' ? 1 : 8); i++) {
      const res = await api('GET', `/search?q=${encodeURIComponent(queries[i])}`, { token });
      const data = assertOk(res);
      assert.equal(data.youtube, 'unavailable', mode);
      assert.match(data.reason, /did not answer/);
      assert.ok(data.results.some((r) => r.source === 'catalog'), 'the catalog results stand');
      assert.doesNotMatch(res.text ?? JSON.stringify(data), /test-key/);
    }
    if (mode === 'slow') assert.ok(Date.now() - started < 2900, 'a slow YouTube is given up after 2 s');
  }
  failMode = null;
  const lines = readFileSync(log, 'utf8').slice(before).split('\n');
  const quotaLines = lines.filter((l) => l.includes('search.list: upstream answered 403'));
  assert.ok(quotaLines.length >= 1 && quotaLines.length < 8, `logged once per worker, not per search: ${quotaLines.length}`);
  assert.ok(!readFileSync(log, 'utf8').includes('test-key'), 'the key is never logged');
});

test('past YOUTUBE_DAILY_BUDGET no call is made: search says "skipped", a new video is 503, a cached one still adds', async () => {
  restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: baseUrl, YOUTUBE_DAILY_BUDGET: '1' }); // the suite has spent units today already
  try {
    const n = calls.length;
    const data = assertOk(await api('GET', `/search?q=${encodeURIComponent(`le ${RUN}`)}&limit=3`));
    assert.equal(data.youtube, 'skipped');
    assert.match(data.reason, /budget/);
    assert.ok(data.results.some((r) => r.source === 'catalog'));
    assert.equal((await api('GET', `/youtube/search?q=budget${RUN}`)).status, 503);
    const host = await newGuest('host');
    const { code } = await newRoom(host);
    const res = await api('POST', `/rooms/${code}/queue`, { token: host.token, body: { youtubeId: randomVideoId() } });
    assertFail(res, 503);
    assert.match(res.json.message, /budget/);
    assertOk(await api('POST', `/rooms/${code}/queue`, { token: host.token, body: { youtubeId: SONG } }), 201);
    assert.equal(calls.length, n, 'no upstream call past the budget');
  } finally {
    restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: baseUrl });
  }
});

test('OAuth 2.0 instead of a key: one refresh for 20 concurrent searches with an expired token; no secret anywhere', async () => {
  const log = `${DATA}/log/queued.log`;
  const before = readFileSync(log, 'utf8').length;
  restartWorkers({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: baseUrl, YOUTUBE_CLIENT_ID: 'client-id',
    YOUTUBE_CLIENT_SECRET: CLIENT_SECRET, YOUTUBE_REFRESH_TOKEN: REFRESH_TOKEN, YOUTUBE_TOKEN_URL: baseUrl.replace(/\/v3$/, '/token') });
  try {
    const { token } = await newGuest('searcher');
    // Whatever token Redis kept from an earlier run is refused here: the first search refreshes it.
    assert.equal(assertOk(await api('GET', `/search?q=${encodeURIComponent(`oauth first ${RUN}`)}`, { token })).youtube, 'ok');
    assert.ok(refreshes >= 1);
    const n = calls.length;
    accessToken = 'expired'; // the cached token now answers 401
    refreshes = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api('GET', `/search?q=${encodeURIComponent(`oauth ${i} ${RUN}`)}`, { token })));
    for (const res of answers) {
      assert.equal(assertOk(res).youtube, 'ok');
      assert.doesNotMatch(res.text, /ya29|client-secret|refresh-token/);
    }
    assert.equal(refreshes, 1, 'concurrent refreshes collapse to one');
    assert.ok(calls.slice(n).every((u) => u.pathname === '/token' || !u.searchParams.has('key')), 'no key in the URL with OAuth');
    const written = readFileSync(log, 'utf8').slice(before);
    assert.doesNotMatch(written, /ya29|client-secret-xyz|refresh-token-xyz/);
  } finally {
    restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: baseUrl });
  }
});
