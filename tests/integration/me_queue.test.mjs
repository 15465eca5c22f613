// me_queue.test.mjs: the personal queue (docs/personal-queue.md) on the real
// stack: state rules, preconditions, actions, live messages to a second
// device, subscription tickets, catalog changes, and two worker pools on one
// database and one Redis that never answer older than the last write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { api, assertFail, assertOk, newGuest, songIds, sse, ws, until, sleep, catalogAdminToken, BASE, DATA } from './lib.mjs';
import { newUser, newSong, forgePayload, badSignature } from './catalog_lib.mjs';
import { fcgiRequest } from './fcgi_client.mjs';

const env = Object.fromEntries(fs.readFileSync(`${DATA}/queued.env`, 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const now = () => Math.floor(Date.now() / 1000);
function sign(claims, key) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

const EMPTY = { trackIds: [], currentIndex: -1, currentTrackId: null, shuffle: false, originalOrderIds: [], repeatMode: 'none' };
const get = (u, headers) => api('GET', '/me/queue', { token: u.accessToken, headers });
const act = (u, method, path, body, headers) => api(method, `/me/queue${path}`, { token: u.accessToken, body, headers });
const put = (u, state, rev) => api('PUT', '/me/queue', { token: u.accessToken, body: state, headers: rev === undefined ? {} : { 'if-match': `"${rev}"` } });
const state = (ids, current = ids.length ? 0 : -1, extra = {}) =>
  ({ trackIds: ids, currentIndex: current, currentTrackId: current >= 0 ? ids[current] : null, ...extra });

/** Checks the {state, revision, tracks} answer: tracks one per position, hydrated. */
function assertQueue(data, songsById) {
  assert.deepEqual(Object.keys(data), ['state', 'revision', 'tracks']);
  assert.equal(data.tracks.length, data.state.trackIds.length);
  data.state.trackIds.forEach((id, i) => {
    assert.equal(data.tracks[i].id, id);
    if (songsById) assert.equal(data.tracks[i].title, songsById[id].title);
  });
  const s = data.state;
  assert.equal(s.currentTrackId, s.currentIndex >= 0 ? s.trackIds[s.currentIndex] : null);
  return data;
}

let songs, catalog;
test.before(async () => {
  songs = (await songIds()).slice(0, 8);
  catalog = Object.fromEntries(assertOk(await api('GET', '/songs')).songs.map((s) => [s.id, s]));
});

test('no token, a guest token or a bad token: 401 on every personal queue route', async () => {
  const guest = await newGuest('Guesty');
  const u = await newUser();
  const routes = [['GET', '/me/queue'], ['PUT', '/me/queue', EMPTY], ['PATCH', '/me/queue', { repeatMode: 'all' }],
    ['POST', '/me/queue/tracks', { songIds: [songs[0]] }], ['POST', '/me/queue/play-now', { songId: songs[0] }],
    ['POST', '/me/queue/shuffle'], ['POST', '/me/queue/unshuffle'], ['POST', '/me/queue/next'],
    ['POST', '/me/queue/previous'], ['DELETE', '/me/queue/upcoming'], ['DELETE', '/me/queue/tracks/0'],
    ['POST', '/me/queue/move', { from: 1, to: 2 }], ['GET', '/me/queue/subscription'],
    ['GET', '/me/preferences'], ['PUT', '/me/preferences', { autoPlay: false }]];
  for (const [method, path, body] of routes) {
    assertFail(await api(method, path, { body }), 401);
    assertFail(await api(method, path, { body, token: guest.token }), 401);
    assertFail(await api(method, path, { body, token: badSignature(u.accessToken) }), 401);
    assertFail(await api(method, path, { body, token: u.refreshToken }), 401);
  }
  // and nothing was created for the user on the way
  assert.equal(assertOk(await get(u)).revision, 0);
});

test('a new user has the empty queue at revision 0; ETag and If-None-Match', async () => {
  const u = await newUser();
  const res = await get(u);
  const data = assertOk(res);
  assert.deepEqual(data, { state: EMPTY, revision: 0, tracks: [] });
  assert.equal(res.headers.get('etag'), '"0"');
  assert.equal((await get(u, { 'if-none-match': '"0"' })).status, 304);
  const added = assertOk(await act(u, 'POST', '/tracks', { songIds: [songs[0]] }));
  assert.equal(added.revision, 1);
  const after = await get(u, { 'if-none-match': '"0"' });
  assert.equal(after.status, 200);
  assert.equal(after.headers.get('etag'), '"1"');
  assert.equal((await get(u, { 'if-none-match': '"1"' })).status, 304);
  // the second read comes from Redis and says the same
  const again = await get(u);
  assert.equal(again.headers.get('x-data-source'), 'cache');
  assert.deepEqual(assertOk(again), added);
});

test('PUT needs If-Match: 428 without, 409 with the current queue when stale, stored at revision + 1 when current', async () => {
  const u = await newUser();
  const s1 = state([songs[0], songs[1], songs[0]], 1);
  assertFail(await put(u, s1), 428);
  assert.equal(assertOk(await get(u)).revision, 0);
  const stored = assertOk(await put(u, s1, 0));
  assert.equal(stored.revision, 1);
  assertQueue(stored, catalog);
  assert.deepEqual(stored.state, { ...EMPTY, ...s1 });
  assert.deepEqual(assertOk(await get(u)), stored); // the answer mirrors GET
  // stale If-Match: 409 with {state, revision, tracks} as they are now
  const stale = await put(u, state([songs[2]]), 0);
  assertFail(stale, 409);
  assertQueue(stale.json.data, catalog);
  assert.equal(stale.json.data.revision, 1);
  assert.deepEqual(stale.json.data.state, stored.state);
  assert.equal(stale.headers.get('etag'), '"1"');
  const weak = assertOk(await api('PUT', '/me/queue', { token: u.accessToken, body: state([songs[3]]), headers: { 'if-match': 'W/"1"' } }));
  assert.equal(weak.revision, 2);
  assertFail(await api('PUT', '/me/queue', { token: u.accessToken, body: state([songs[3]]), headers: { 'if-match': 'soon' } }), 400);
});

test('Prefer: return=minimal answers a write with {state, revision} only; GET still has the tracks', async () => {
  const u = await newUser();
  const minimal = { prefer: 'return=minimal' };
  const r = await api('PUT', '/me/queue', { token: u.accessToken, body: state([songs[0], songs[1]]), headers: { 'if-match': '"0"', ...minimal } });
  const data = assertOk(r);
  assert.deepEqual(Object.keys(data), ['state', 'revision']);
  assert.equal(data.revision, 1);
  assert.equal(r.headers.get('preference-applied'), 'return=minimal');
  assert.equal(r.headers.get('etag'), '"1"');
  const next = await act(u, 'POST', '/next', undefined, minimal);
  assert.deepEqual(assertOk(next), { state: { ...EMPTY, ...state([songs[0], songs[1]], 1) }, revision: 2 });
  const full = assertQueue(assertOk(await get(u)), catalog);
  assert.equal(full.revision, 2);
  assert.deepEqual(full.state, next.json.data.state);
  // a conflict always carries the whole queue
  const stale = await api('PUT', '/me/queue', { token: u.accessToken, body: state([songs[2]]), headers: { 'if-match': '"1"', ...minimal } });
  assertFail(stale, 409);
  assertQueue(stale.json.data, catalog);
  // without the preference, the answer is the whole queue
  assert.deepEqual(Object.keys(assertOk(await act(u, 'POST', '/previous'))), ['state', 'revision', 'tracks']);
});

test('duplicates survive PUT, GET, shuffle and unshuffle: one track per position', async () => {
  const u = await newUser();
  const ids = [songs[0], songs[0], songs[1], songs[0], songs[2], songs[1], songs[0]];
  assertQueue(assertOk(await put(u, state(ids, 0), 0)), catalog);
  const got = assertQueue(assertOk(await get(u)), catalog);
  assert.deepEqual(got.state.trackIds, ids);
  const shuffled = assertQueue(assertOk(await act(u, 'POST', '/shuffle')), catalog);
  assert.deepEqual([...shuffled.state.trackIds].sort(), [...ids].sort());
  assert.deepEqual(shuffled.state.originalOrderIds, ids);
  const back = assertQueue(assertOk(await act(u, 'POST', '/unshuffle')), catalog);
  assert.deepEqual(back.state.trackIds, ids);
});

test('two PUTs with the same If-Match at once: exactly one wins', async () => {
  for (let round = 0; round < 5; round++) {
    const u = await newUser();
    const rev = assertOk(await put(u, state([songs[0]]), 0)).revision;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => put(u, state([songs[i % songs.length], songs[1]]), rev)));
    const won = answers.filter((r) => r.status === 200);
    assert.equal(won.length, 1, answers.map((r) => r.status).join(','));
    for (const r of answers) if (r.status !== 200) assertFail(r, 409);
    const now2 = assertOk(await get(u));
    assert.equal(now2.revision, rev + 1);
    assert.deepEqual(now2.state, won[0].json.data.state);
  }
});

test('actions without If-Match from two devices at once all land, one revision each', async () => {
  const u = await newUser();
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => act(u, 'POST', '/tracks', { songIds: [songs[i % 4]] })));
  for (const r of answers) assertOk(r);
  const q = assertOk(await get(u));
  assert.equal(q.revision, 12);
  assert.equal(q.state.trackIds.length, 12);
  assert.deepEqual(answers.map((r) => r.json.data.revision).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
  // an action with a stale If-Match is refused with the current queue
  const stale = await act(u, 'POST', '/next', undefined, { 'if-match': '"3"' });
  assertFail(stale, 409);
  assert.equal(stale.json.data.revision, 12);
  assert.equal(assertOk(await act(u, 'POST', '/next', undefined, { 'if-match': '"12"' })).revision, 13);
});

test('add at the end or next, play now, move, remove, clear up next', async () => {
  const u = await newUser();
  const [a, b, c, d, e] = songs;
  let q = assertOk(await act(u, 'POST', '/tracks', { songIds: [a, b] }));
  assert.deepEqual(q.state.trackIds, [a, b]);
  assert.equal(q.state.currentIndex, 0); // the first added to an empty queue plays
  q = assertOk(await act(u, 'POST', '/tracks', { songIds: [c], position: 'next' }));
  assert.deepEqual(q.state.trackIds, [a, c, b]);
  q = assertOk(await act(u, 'POST', '/tracks', { songIds: [d, d], position: 'end' }));
  assert.deepEqual(q.state.trackIds, [a, c, b, d, d]);
  q = assertOk(await act(u, 'POST', '/play-now', { songId: e }));
  assert.deepEqual(q.state.trackIds, [a, e, c, b, d, d]);
  assert.equal(q.state.currentIndex, 1);
  assert.equal(q.state.currentTrackId, e);
  q = assertOk(await act(u, 'POST', '/move', { from: 5, to: 2 }));
  assert.deepEqual(q.state.trackIds, [a, e, d, c, b, d]);
  const bad = await act(u, 'POST', '/move', { from: 0, to: 3 });
  assertFail(bad, 400);
  assert.match(bad.json.message, /from/);
  assertFail(await act(u, 'POST', '/move', { from: 3, to: 1 }), 400);
  assertFail(await act(u, 'POST', '/move', { from: 3 }), 400);
  // the current entry cannot be removed; others can
  const cur = await act(u, 'DELETE', '/tracks/1');
  assertFail(cur, 400);
  assert.match(cur.json.message, /current/);
  assertFail(await act(u, 'DELETE', '/tracks/6'), 400);
  assertFail(await act(u, 'DELETE', '/tracks/x'), 400);
  assertFail(await act(u, 'DELETE', '/tracks/-1'), 400);
  q = assertOk(await act(u, 'DELETE', '/tracks/0'));
  assert.deepEqual(q.state.trackIds, [e, d, c, b, d]);
  assert.equal(q.state.currentIndex, 0);
  assert.equal(q.state.currentTrackId, e);
  const before = q.revision;
  q = assertOk(await act(u, 'DELETE', '/upcoming'));
  assert.deepEqual(q.state.trackIds, [e]);
  assert.equal(q.revision, before + 1);
  assertQueue(assertOk(await get(u)), catalog);
});

test('shuffle keeps history and the current entry and changes up next; unshuffle restores it', async () => {
  const u = await newUser();
  const ids = [songs[0], songs[1], songs[2], songs[3], songs[4], songs[5]];
  assertOk(await put(u, state(ids, 1), 0));
  for (let i = 0; i < 15; i++) {
    const q = assertOk(await act(u, 'POST', '/shuffle'));
    assert.deepEqual(q.state.trackIds.slice(0, 2), ids.slice(0, 2));
    assert.equal(q.state.currentIndex, 1);
    assert.notDeepEqual(q.state.trackIds.slice(2), ids.slice(2));
    assert.deepEqual([...q.state.trackIds].sort(), [...ids].sort());
    assert.equal(q.state.shuffle, true);
    assert.deepEqual(q.state.originalOrderIds, ids); // the first order, kept across reshuffles
    const back = assertOk(await act(u, 'POST', '/unshuffle'));
    assert.deepEqual(back.state.trackIds, ids);
    assert.equal(back.state.currentIndex, 1);
    assert.equal(back.state.shuffle, false);
    assert.deepEqual(back.state.originalOrderIds, []);
  }
  // two entries that differ are always swapped; a single one or equal ones cannot change
  const v = await newUser();
  assertOk(await put(v, state([songs[0], songs[1], songs[2]], 0), 0));
  for (let i = 0; i < 10; i++) {
    const q = assertOk(await act(v, 'POST', '/shuffle'));
    assert.deepEqual(q.state.trackIds, [songs[0], songs[2], songs[1]]);
    assertOk(await act(v, 'POST', '/unshuffle'));
  }
  // after moving on, unshuffle keeps the new current entry current
  const q = assertOk(await act(u, 'POST', '/shuffle'));
  const moved = assertOk(await act(u, 'POST', '/next'));
  const playing = moved.state.currentTrackId;
  assert.equal(playing, q.state.trackIds[2]);
  const back = assertOk(await act(u, 'POST', '/unshuffle'));
  assert.equal(back.state.currentTrackId, playing);
  assert.equal(back.state.currentIndex, 2);
});

test('next and previous honour the repeat mode', async () => {
  const u = await newUser();
  const [a, b, c] = songs;
  assertOk(await put(u, state([a, b, c], 1), 0));
  const step = async (path) => assertOk(await act(u, 'POST', path)).state;
  assertFail(await act(u, 'PATCH', '', { repeatMode: 'twice' }), 400);
  assertFail(await act(u, 'PATCH', '', { repeatMode: 'one', shuffle: true }), 400);
  assert.equal(assertOk(await act(u, 'PATCH', '', { repeatMode: 'one' })).state.repeatMode, 'one');
  assert.equal((await step('/next')).currentIndex, 1);
  assert.equal((await step('/previous')).currentIndex, 1);
  assertOk(await act(u, 'PATCH', '', { repeatMode: 'all' }));
  assert.equal((await step('/next')).currentIndex, 2);
  assert.equal((await step('/next')).currentIndex, 0); // wraps
  assert.equal((await step('/previous')).currentIndex, 2); // wraps back
  assertOk(await act(u, 'PATCH', '', { repeatMode: 'none' }));
  const end = await step('/next');
  assert.equal(end.currentIndex, -1); // past the end: nothing is playing
  assert.equal(end.currentTrackId, null);
  assert.equal((await step('/previous')).currentIndex, 2);
  assert.equal((await step('/previous')).currentIndex, 1);
  assert.equal((await step('/previous')).currentIndex, 0);
  assert.equal((await step('/previous')).currentIndex, 0); // stays on the first
});

test('limits and bad states: 400 naming the field, nothing changes', async () => {
  const u = await newUser();
  assertOk(await put(u, state([songs[0], songs[1]], 0), 0));
  const before = assertOk(await get(u));
  const cases = [
    [state([songs[0], 'song-does-not-exist']), /trackIds.*song-does-not-exist|song-does-not-exist/],
    [{ ...state([songs[0]]), originalOrderIds: ['song-nope'] }, /song-nope/],
    [state([songs[0]], 1), /currentIndex/],
    [{ ...state([songs[0], songs[1]], 0), currentTrackId: songs[1] }, /currentTrackId/],
    [{ ...state([songs[0]]), repeatMode: 'forever' }, /repeatMode/],
    [{ ...state([songs[0]]), shuffle: 'yes' }, /shuffle/],
    [{ ...state([songs[0]]), extra: 1 }, /extra/],
    [{ trackIds: 'x', currentIndex: 0, currentTrackId: 'x' }, /trackIds/],
    [state(Array.from({ length: 1001 }, () => songs[0])), /trackIds/],
  ];
  for (const [body, why] of cases) {
    const r = await put(u, body, before.revision);
    assertFail(r, 400);
    assert.match(r.json.message, why);
  }
  const full = assertOk(await put(u, state(Array.from({ length: 1000 }, (_, i) => songs[i % songs.length]), 0), before.revision));
  assert.equal(full.tracks.length, 1000);
  const over = await act(u, 'POST', '/tracks', { songIds: [songs[0]] });
  assertFail(over, 400);
  assert.match(over.json.message, /songIds/);
  assertFail(await act(u, 'POST', '/play-now', { songId: songs[0] }), 400);
  const unknown = await act(u, 'DELETE', '/upcoming');
  assertOk(unknown);
  const r = await act(u, 'POST', '/tracks', { songIds: [songs[0], 'song-missing-xyz'] });
  assertFail(r, 400);
  assert.match(r.json.message, /songIds.*song-missing-xyz/);
  assertFail(await act(u, 'POST', '/tracks', { songIds: [] }), 400);
  assertFail(await act(u, 'POST', '/tracks', { songIds: [songs[0]], position: 'first' }), 400);
  assertFail(await act(u, 'POST', '/play-now', { songId: 'song-missing-xyz' }), 400);
  assertFail(await act(u, 'POST', '/play-now', {}), 400);
  // the refusals changed nothing
  const after = assertOk(await get(u));
  assert.equal(after.revision, full.revision + 1);
  assert.deepEqual(after.state.trackIds, [songs[0]]);
});

test('preferences are stored per user and validated', async () => {
  const u = await newUser();
  assert.deepEqual(assertOk(await api('GET', '/me/preferences', { token: u.accessToken })), { autoPlay: true, showRemoteChanges: true });
  assert.deepEqual(assertOk(await api('PUT', '/me/preferences', { token: u.accessToken, body: { autoPlay: false } })),
    { autoPlay: false, showRemoteChanges: true });
  assert.deepEqual(assertOk(await api('GET', '/me/preferences', { token: u.accessToken })), { autoPlay: false, showRemoteChanges: true });
  for (const body of [{ autoPlay: 'no' }, { volume: 3 }, { autoPlay: null }]) {
    const r = await api('PUT', '/me/preferences', { token: u.accessToken, body });
    assertFail(r, 400);
    assert.match(r.json.message, new RegExp(Object.keys(body)[0]));
  }
  assert.deepEqual(assertOk(await api('GET', '/me/preferences', { token: u.accessToken })), { autoPlay: false, showRemoteChanges: true });
  const other = await newUser();
  assert.equal(assertOk(await api('GET', '/me/preferences', { token: other.accessToken })).autoPlay, true);
});

async function subscription(u) {
  const res = await api('GET', '/me/queue/subscription', { token: u.accessToken });
  const data = assertOk(res);
  assert.match(data.url, /^\/me\/queue\/events\?ticket=[A-Za-z0-9_.-]+$/);
  const left = Date.parse(data.expiresAt) - Date.now();
  assert.ok(left > 0 && left <= 61000, data.expiresAt);
  return data.url;
}

test('a second device hears every change in order, over EventSource and WebSocket', async () => {
  const u = await newUser();
  const url = await subscription(u);
  const es = sse(url);
  await es.opened;
  const sock = ws(await subscription(u));
  await sock.opened;
  await sleep(100);
  const ops = [
    ['POST', '/tracks', { songIds: [songs[0], songs[1], songs[2], songs[4]] }, 'tracks_added'],
    ['POST', '/play-now', { songId: songs[3] }, 'play_now'],
    ['POST', '/shuffle', undefined, 'shuffle'],
    ['POST', '/unshuffle', undefined, 'unshuffle'],
    ['POST', '/next', undefined, 'next'],
    ['POST', '/previous', undefined, 'previous'],
    ['PATCH', '', { repeatMode: 'all' }, 'repeat'],
    ['POST', '/move', { from: 3, to: 4 }, 'moved'],
    ['DELETE', '/tracks/0', undefined, 'track_removed'],
    ['DELETE', '/upcoming', undefined, 'upcoming_cleared'],
  ];
  const states = [];
  for (const [method, path, body] of ops) states.push(assertOk(await act(u, method, path, body)));
  const last = states.length;
  states.push(assertOk(await put(u, state([songs[5], songs[5]], 1), last)));
  await es.waitFor((m) => m.data.revision === last + 1, 3000);
  await sock.waitFor((m) => m.revision === last + 1, 3000);
  const types = [...ops.map((o) => o[3]), 'put'];
  assert.deepEqual(es.events.map((e) => e.data.revision), types.map((_, i) => i + 1));
  assert.deepEqual(es.events.map((e) => e.data.type), types);
  assert.deepEqual(sock.messages.map((m) => m.revision), types.map((_, i) => i + 1));
  es.events.forEach((e, i) => assert.deepEqual(e.data.state, states[i].state));
  sock.messages.forEach((m, i) => assert.deepEqual(m.state, states[i].state));
  es.close();
  sock.close();
});

test('subscribing: a stranger, a guest, a forged, expired or wrong-purpose ticket, or none cannot', async () => {
  const owner = await newUser();
  const stranger = await newUser();
  const guest = await newGuest('Peeker');
  assertFail(await api('GET', '/me/queue/subscription', { token: guest.token }), 401);
  const mine = (await subscription(owner)).split('ticket=')[1];
  const theirs = (await subscription(stranger)).split('ticket=')[1];
  const open = async (ticket) => {
    const res = await fetch(`${BASE}/me/queue/events${ticket === undefined ? '' : `?ticket=${ticket}`}`, { headers: { accept: 'text/event-stream' } });
    const text = res.status === 200 ? '' : await res.text();
    if (res.status === 200) res.body.cancel();
    return { status: res.status, text };
  };
  const refused = [
    ['no ticket', undefined],
    ['empty', ''],
    ['garbage', 'abc'],
    ["the stranger's ticket rewritten to the owner", forgePayload(theirs, (c) => ({ ...c, id: owner.id }))],
    ['bad signature', badSignature(mine)],
    ['expired', sign({ id: owner.id, typ: 'subscribe', ch: 'me-queue', iat: now() - 120, exp: now() - 60 }, env.ACCESS_TOKEN_KEY)],
    ['no expiry', sign({ id: owner.id, typ: 'subscribe', ch: 'me-queue', iat: now() }, env.ACCESS_TOKEN_KEY)],
    ['another purpose', sign({ id: owner.id, typ: 'subscribe', ch: 'rooms', exp: now() + 60 }, env.ACCESS_TOKEN_KEY)],
    ['an access token', owner.accessToken],
    ['a refresh token', owner.refreshToken],
    ['a guest token', guest.token],
  ];
  for (const [what, ticket] of refused) {
    const r = await open(ticket);
    assert.equal(r.status, 403, `${what}: ${r.status}`);
    assert.equal(JSON.parse(r.text).status, 'fail', what);
  }
  // the internal location is not reachable from outside
  assert.equal((await fetch(`${BASE}/_sub/users/${owner.id}`)).status, 404);
  // a ticket is no credential for anything else
  assertFail(await api('GET', '/me/queue', { token: mine }), 401);
  assertFail(await api('POST', '/rooms', { token: mine, body: { name: 'x' } }), 401);
  // the stranger's own ticket opens only the stranger's channel
  const es = sse(`/me/queue/events?ticket=${theirs}`);
  await es.opened;
  await sleep(100);
  assertOk(await act(owner, 'POST', '/tracks', { songIds: [songs[0]] }));
  assertOk(await act(stranger, 'POST', '/tracks', { songIds: [songs[1]] }));
  await es.waitFor((m) => m.data.revision === 1);
  await sleep(200);
  assert.equal(es.events.length, 1);
  assert.deepEqual(es.events[0].data.state.trackIds, [songs[1]]);
  es.close();
});

test('a catalog edit or deletion of a queued song moves the queue and tells the devices', async () => {
  const u = await newUser();
  const song = await newSong({ title: 'Before edit', duration: 100 });
  const gone = await newSong({ title: 'Soon gone', duration: 100 });
  assertOk(await put(u, state([songs[0], gone, song, gone, songs[1]], 2), 0));
  const cached = assertOk(await get(u));
  assert.equal(cached.tracks[2].title, 'Before edit');
  assert.equal((await get(u)).headers.get('x-data-source'), 'cache');
  const es = sse(await subscription(u));
  await es.opened;
  await sleep(100);
  const token = await catalogAdminToken();
  assertOk(await api('PUT', `/songs/${song}`, { token, body: { title: 'After edit', year: 2021, genre: 'Pop', performer: 'P', duration: 100 } }));
  const edited = assertOk(await get(u));
  assert.equal(edited.revision, 2);
  assert.equal(edited.tracks[2].title, 'After edit');
  await es.waitFor((m) => m.data.type === 'catalog' && m.data.revision === 2);
  assertOk(await api('DELETE', `/songs/${gone}`, { token }));
  const after = assertQueue(assertOk(await get(u)));
  assert.equal(after.revision, 3);
  assert.deepEqual(after.state.trackIds, [songs[0], song, songs[1]]);
  assert.equal(after.state.currentIndex, 1);
  assert.equal(after.state.currentTrackId, song);
  await es.waitFor((m) => m.data.type === 'catalog' && m.data.revision === 3);
  es.close();
});

test('two worker pools on one database and one Redis: a read through either is never older than a write through the other', async (t) => {
  const conf = Object.fromEntries(fs.readFileSync(`${DATA}/stack.conf`, 'utf8').split('\n')
    .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const socket = `${DATA}/run/second-pool.sock`;
  const pool = spawn(conf.BIN, ['--env-file', `${DATA}/queued.env`, '--workers', '2'], {
    env: { ...process.env, QUEUED_SOCKET: socket, UPLOADS_DIR: `${DATA}/uploads` },
    stdio: ['ignore', 'ignore', fs.openSync(`${DATA}/log/second-pool.log`, 'a')],
  });
  t.after(() => pool.kill('SIGTERM'));
  await until(() => fs.existsSync(socket), 5000, 'the second pool');
  const u = await newUser();
  const viaB = (method, path, body, headers) => fcgiRequest(socket, method, path, { token: u.accessToken, body, headers });
  // the second pool is a real one: same answers, same rules
  assert.equal((await viaB('GET', '/me/queue')).json.data.revision, 0);
  assert.equal((await viaB('GET', '/me/queue', undefined, { 'if-none-match': '"0"' })).status, 304);
  let rev = 0;
  for (let i = 0; i < 100; i++) {
    const throughA = i % 2 === 0;
    const ids = Array.from({ length: 1 + (i % 5) }, (_, k) => songs[(i + k) % songs.length]);
    const body = state(ids, 0);
    const w = throughA ? await put(u, body, rev) : await viaB('PUT', '/me/queue', body, { 'if-match': `"${rev}"` });
    assert.equal(w.status, 200, w.text);
    rev = w.json.data.revision;
    assert.equal(rev, i + 1);
    // read through the other pool: never older than the write just acknowledged
    const r = throughA ? await viaB('GET', '/me/queue') : await get(u);
    assert.equal(r.status, 200);
    assert.equal(r.json.data.revision, rev, `read ${i} through ${throughA ? 'B' : 'A'}`);
    assert.deepEqual(r.json.data.state.trackIds, ids);
    // and a conditional read of the old revision is never a 304
    const c = throughA ? await viaB('GET', '/me/queue', undefined, { 'if-none-match': `"${rev - 1}"` })
      : await get(u, { 'if-none-match': `"${rev - 1}"` });
    assert.equal(c.status, 200);
  }
  // actions too, alternating pools, with a read through the other after each
  for (let i = 0; i < 20; i++) {
    const throughA = i % 2 === 1;
    const w = throughA ? await act(u, 'POST', '/tracks', { songIds: [songs[i % 3]] })
      : await viaB('POST', '/me/queue/tracks', { songIds: [songs[i % 3]] });
    assert.equal(w.status, 200, w.text);
    const r = throughA ? await viaB('GET', '/me/queue') : await get(u);
    assert.equal(r.json.data.revision, w.json.data.revision);
    assert.deepEqual(r.json.data.state, w.json.data.state);
  }
});
