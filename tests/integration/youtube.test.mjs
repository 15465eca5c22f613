// youtube.test.mjs: YouTube search through the workers against a stand-in for
// the Data API v3 (this machine has no internet), and adding a video to a room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, assertOk, assertFail, newGuest, newRoom, DATA } from './lib.mjs';
import { KEY, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, randomVideoId, startYouTubeStandIn, restartWorkersWithYouTube as restartWorkers } from './youtube_standin.mjs';
import { newPlaylist, newUser } from './catalog_lib.mjs';

const RUN = Date.now().toString(36);
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

let yt;

before(async () => {
  yt = await startYouTubeStandIn(VIDEOS);
});

after(async () => {
  restartWorkers({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: '' });
  await yt.close();
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
  restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl });
  assertFail(await api('GET', '/youtube/search'), 400);
  assertFail(await api('GET', `/youtube/search?q=${'x'.repeat(101)}`), 400);

  const q = `everything-${RUN}`; // Redis outlives one run of the suite on a dev stack
  let res = await api('GET', `/youtube/search?q=${q}`);
  assert.deepEqual(assertOk(res).results, [
    { youtubeId: 'dQw4w9WgXcQ', title: 'Never Gonna Give You Up', performer: 'Rick Astley', duration: 213 },
    { youtubeId: '9bZkp7q19f0', title: 'Gangnam Style', performer: 'officialpsy', duration: 3723 },
    { youtubeId: 'kJQP7kiw5Fk', title: 'Despacito', performer: 'Luis Fonsi', duration: null },
  ]);
  const search = yt.calls.find((u) => u.pathname === '/v3/search');
  assert.equal(search.searchParams.get('type'), 'video');
  assert.equal(search.searchParams.get('key'), KEY, 'the key is escaped on the way');
  const n = yt.calls.length;
  res = await api('GET', `/youtube/search?q=${q.toUpperCase()}`);
  assert.equal(res.headers.get('x-data-source'), 'cache');
  assert.equal(assertOk(res).results.length, 3);
  assert.equal(yt.calls.length, n, 'a repeated query costs no upstream call');

  res = await api('GET', `/youtube/search?q=${encodeURIComponent(`gangnam & co/ü ${RUN}`)}`);
  assert.equal(assertOk(res).results.length, 0);
  assert.equal(yt.calls.at(-1).searchParams.get('q'), `gangnam & co/ü ${RUN}`);

  yt.failNext = true;
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
  const n = yt.calls.length;
  const added = assertOk(await api('POST', `/rooms/${code}/queue`, { token: host.token, body }), 201);
  assert.deepEqual({ ...added.entry.song, id: undefined },
    { id: undefined, title: `Real title ${RUN}`, performer: 'Real Channel', duration: 213, youtubeId: SONG });
  const fetched = yt.calls.slice(n);
  assert.equal(fetched.length, 1);
  assert.equal(fetched[0].pathname, '/v3/videos');
  assert.equal(fetched[0].searchParams.get('part'), 'snippet,contentDetails,status');
  const again = assertOk(await api('POST', `/rooms/${code}/queue`, { token: friend.token, body: { youtubeId: SONG } }), 200);
  assert.equal(again.result, 'voted');
  assert.equal(again.entry.id, added.entry.id);
  assert.equal(yt.calls.length, n + 1, 'the video\'s metadata is cached: a second add costs no upstream call');
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

  yt.failNext = true;
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
  const n = yt.calls.length;
  data = assertOk(await search(`?q=${encodeURIComponent(q)}&limit=2`));
  assert.equal(data.youtube, 'ok');
  const videos = data.results.filter((r) => r.source === 'youtube');
  assert.deepEqual(videos.map((r) => [r.youtubeId, r.duration]), [['dQw4w9WgXcQ', 213], ['9bZkp7q19f0', 3723]]);
  assert.equal(yt.calls.length, n + 2, 'one search.list and one videos.list');
  for (const near of [`EVERYTHING  ${RUN}`, `  Everything, ${RUN}!`, `everything-${RUN}`]) {
    assert.equal(assertOk(await search(`?q=${encodeURIComponent(near)}`)).youtube, 'ok');
  }
  assert.equal(yt.calls.length, n + 2, 'near-repeats (case, spacing, punctuation) cost no upstream call');
  for (const bad of ['', '?q=', `?q=${'x'.repeat(101)}`, '?q=%2C%2C', '?q=a&limit=0', '?q=a&limit=51', '?q=a&limit=x']) {
    assertFail(await search(bad), 400);
  }
});

test('a YouTube result is added by its id alone to a playlist and to the personal queue, with the metadata the server read', async () => {
  const user = await newUser();
  const other = await newUser();
  const auth = { token: user.token };
  const playlistId = await newPlaylist(user);
  const PLAYLIST_VIDEO = randomVideoId(), QUEUE_VIDEO = randomVideoId(), NOW_VIDEO = randomVideoId();
  VIDEOS[PLAYLIST_VIDEO] = { title: `Playlist video ${RUN}`, channel: 'Channel P', duration: 'PT2M5S', hidden: true };
  VIDEOS[QUEUE_VIDEO] = { title: `Queue video ${RUN}`, channel: 'Channel Q', duration: 'PT1M', hidden: true };
  VIDEOS[NOW_VIDEO] = { title: `Now video ${RUN}`, channel: 'Channel N', duration: 'PT10S', hidden: true };

  // Someone who may not add to the playlist makes no upstream call and leaves no song behind.
  let n = yt.calls.length;
  assertFail(await api('POST', `/playlists/${playlistId}/songs`, { token: other.token, body: { youtubeId: PLAYLIST_VIDEO } }), 403);
  assertFail(await api('POST', '/playlists/playlist-none/songs', { ...auth, body: { youtubeId: PLAYLIST_VIDEO } }), 404);
  assert.equal(yt.calls.length, n, 'a refused add asks YouTube nothing');
  assert.equal(assertOk(await api('GET', `/search?q=${encodeURIComponent(`Playlist video ${RUN}`)}`, auth)).results.length, 0);

  // The playlist: 201, and the song is the video as YouTube described it, whatever the client said.
  assertOk(await api('POST', `/playlists/${playlistId}/songs`, { ...auth, body: { youtubeId: PLAYLIST_VIDEO, title: 'Client title' } }), 201);
  const songs = assertOk(await api('GET', `/playlists/${playlistId}/songs`, auth)).playlist.songs;
  assert.deepEqual(songs.map((s) => [s.title, s.performer]), [[`Playlist video ${RUN}`, 'Channel P']]);
  const dup = await api('POST', `/playlists/${playlistId}/songs`, { ...auth, body: { youtubeId: PLAYLIST_VIDEO } });
  assertFail(dup, 400);
  assert.match(dup.json.message, /already in the playlist/);
  for (const [bad, why] of [[{ youtubeId: 'short' }, /11-character/], [{ youtubeId: randomVideoId() }, /no public video/], [{ youtubeId: NO_EMBED }, /outside YouTube/]]) {
    const res = await api('POST', `/playlists/${playlistId}/songs`, { ...auth, body: bad });
    assertFail(res, 400);
    assert.match(res.json.message, why);
  }

  // The personal queue: add (at the end or next) and play now, by the video id.
  n = yt.calls.length;
  const badPosition = await api('POST', '/me/queue/tracks', { ...auth, body: { youtubeId: QUEUE_VIDEO, position: 'first' } });
  assertFail(badPosition, 400);
  assert.equal(yt.calls.length, n, 'a bad position is refused before YouTube is asked');
  assertOk(await api('POST', '/me/queue/tracks', { ...auth, body: { youtubeId: QUEUE_VIDEO, position: 'end' } }));
  assertOk(await api('POST', '/me/queue/play-now', { ...auth, body: { youtubeId: NOW_VIDEO } }));
  const q = assertOk(await api('GET', '/me/queue', auth));
  const tracks = q.tracks.map((s) => [s.title, s.performer, s.duration, s.youtubeId]);
  assert.deepEqual(tracks, [[`Queue video ${RUN}`, 'Channel Q', 60, QUEUE_VIDEO], [`Now video ${RUN}`, 'Channel N', 10, NOW_VIDEO]]);
  assert.equal(q.tracks[q.state.currentIndex].youtubeId, NOW_VIDEO, 'play now plays the video');
  for (const path of ['/me/queue/tracks', '/me/queue/play-now']) {
    const res = await api('POST', path, { ...auth, body: { youtubeId: PRIVATE } });
    assertFail(res, 400);
    assert.match(res.json.message, /private/);
  }
});

test('YouTube failing never fails a search: catalog results plus "unavailable", logged once a minute, no key anywhere', async () => {
  const log = `${DATA}/log/queued.log`;
  const before = readFileSync(log, 'utf8').length;
  const { token } = await newGuest('searcher');
  // Redis outlives a run: new queries, each matching the catalog's song of this run.
  const queries = ['real title', 'eal title', 'al title', 'l title', 'title', 'itle', 'tle', ''].map((t) => `${t} ${RUN}`);
  for (const mode of ['quota', 'malformed', '503', 'slow']) {
    yt.failMode = mode;
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
  yt.failMode = null;
  const lines = readFileSync(log, 'utf8').slice(before).split('\n');
  const quotaLines = lines.filter((l) => l.includes('search.list: upstream answered 403'));
  assert.ok(quotaLines.length >= 1 && quotaLines.length < 8, `logged once per worker, not per search: ${quotaLines.length}`);
  assert.ok(!readFileSync(log, 'utf8').includes('test-key'), 'the key is never logged');
});

test('past YOUTUBE_DAILY_BUDGET no call is made: search says "skipped", a new video is 503, a cached one still adds', async () => {
  restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl, YOUTUBE_DAILY_BUDGET: '1' }); // the suite has spent units today already
  try {
    const n = yt.calls.length;
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
    assert.equal(yt.calls.length, n, 'no upstream call past the budget');
  } finally {
    restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl });
  }
});

test('OAuth 2.0 instead of a key: one refresh for 20 concurrent searches with an expired token; no secret anywhere', async () => {
  const log = `${DATA}/log/queued.log`;
  const before = readFileSync(log, 'utf8').length;
  restartWorkers({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: yt.baseUrl, YOUTUBE_CLIENT_ID: CLIENT_ID,
    YOUTUBE_CLIENT_SECRET: CLIENT_SECRET, YOUTUBE_REFRESH_TOKEN: REFRESH_TOKEN, YOUTUBE_TOKEN_URL: yt.tokenUrl });
  try {
    const { token } = await newGuest('searcher');
    // Whatever token Redis kept from an earlier run is refused here: the first search yt.refreshes it.
    assert.equal(assertOk(await api('GET', `/search?q=${encodeURIComponent(`oauth first ${RUN}`)}`, { token })).youtube, 'ok');
    assert.ok(yt.refreshes >= 1);
    const n = yt.calls.length;
    yt.accessToken = 'expired'; // the cached token now answers 401
    yt.refreshes = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api('GET', `/search?q=${encodeURIComponent(`oauth ${i} ${RUN}`)}`, { token })));
    for (const res of answers) {
      assert.equal(assertOk(res).youtube, 'ok');
      assert.doesNotMatch(res.text, /ya29|client-secret|refresh-token/);
    }
    assert.equal(yt.refreshes, 1, 'concurrent yt.refreshes collapse to one');
    assert.ok(yt.calls.slice(n).every((u) => u.pathname === '/token' || !u.searchParams.has('key')), 'no key in the URL with OAuth');
    const written = readFileSync(log, 'utf8').slice(before);
    assert.doesNotMatch(written, /ya29|client-secret-xyz|refresh-token-xyz/);
  } finally {
    restartWorkers({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl });
  }
});
