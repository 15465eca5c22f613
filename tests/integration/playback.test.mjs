// playback.test.mjs: pause, resume and seek as room state (PUT /rooms/{code}/playback):
// who may, the 409s and 400s (each naming its problem, nothing changed), an
// unchanged state, positions as X-Server-Time − startedAt or the frozen
// positionMs, a new song unpaused, and one "playback" message per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, vote, queue, sse, until, sleep, subscriberCount } from './lib.mjs';
import { newSong } from './catalog_lib.mjs';

const playback = (code, who, body) => api('PUT', `/rooms/${code}/playback`, { token: who?.token, body });
const advance = (code, who, currentEntryId) => api('POST', `/rooms/${code}/advance`, { token: who.token, body: { currentEntryId } });
const snapshot = async (code) => {
  const res = await queue(code);
  return { ...assertOk(res), serverTime: Number(res.headers.get('x-server-time')) };
};
/** Where the snapshot says the song is: the frozen position, or X-Server-Time − startedAt. */
const positionOf = (s) => (s.nowPlaying.paused ? s.nowPlaying.positionMs : s.serverTime - Date.parse(s.nowPlaying.startedAt));
// Requests on one machine: a second covers a slow, sanitized worker on a busy machine.
const SLACK = 1000;

/** A room with a host and two 180 s songs queued, the first one playing. */
async function playingRoom() {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Playback');
  const songs = [await newSong({ duration: 180 }), await newSong({ duration: 180 })];
  const entries = [];
  for (const s of songs) entries.push((await addEntry(code, host, s)).entry);
  const playing = assertOk(await advance(code, host, null)).nowPlaying;
  return { host, code, entries, playing };
}

/** A refusal of status whose message matches what, and the room's revision unchanged. */
async function refused(code, res, status, what) {
  const before = (await snapshot(code)).revision;
  assertFail(res, status);
  assert.match(res.json.message, what);
  assert.equal((await snapshot(code)).revision, before, `nothing changed after ${res.json.message}`);
}

test('a new song plays unpaused: paused false, positionMs null, position from X-Server-Time', async () => {
  const { code, playing } = await playingRoom();
  assert.equal(playing.paused, false);
  assert.equal(playing.positionMs, null);
  const s = await snapshot(code);
  assert.equal(s.nowPlaying.paused, false);
  assert.equal(s.nowPlaying.positionMs, null);
  const pos = positionOf(s);
  assert.ok(pos >= -50 && pos < SLACK * 2, `just started: ${pos} ms`);
  const room = assertOk(await api('GET', `/rooms/${code}`)).room;
  assert.equal(room.nowPlaying.paused, false);
  assert.equal(room.nowPlaying.positionMs, null);
});

test('pause freezes the position, resume moves startedAt so the position goes on from there', async () => {
  const { code, host, playing } = await playingRoom();
  await sleep(300);
  const before = await snapshot(code);
  const paused = assertOk(await playback(code, host, { entryId: playing.id, paused: true }));
  assert.equal(paused.entryId, playing.id);
  assert.equal(paused.paused, true);
  assert.equal(paused.changed, true);
  assert.equal(paused.revision, before.revision + 1);
  assert.ok(paused.positionMs >= 300 && paused.positionMs < 300 + SLACK * 2, `paused at ${paused.positionMs}`);
  assert.equal(paused.startedAt, playing.startedAt, 'a pause leaves startedAt');

  const s1 = await snapshot(code);
  assert.equal(s1.revision, paused.revision);
  assert.equal(s1.nowPlaying.paused, true);
  assert.equal(s1.nowPlaying.positionMs, paused.positionMs);
  await sleep(400);
  const s2 = await snapshot(code);
  assert.equal(s2.nowPlaying.positionMs, paused.positionMs, 'a paused position does not move');
  assert.equal(assertOk(await api('GET', `/rooms/${code}`)).room.nowPlaying.positionMs, paused.positionMs);

  const resumed = assertOk(await playback(code, host, { entryId: playing.id, paused: false }));
  assert.equal(resumed.paused, false);
  assert.equal(resumed.positionMs, paused.positionMs, 'resumes where it stopped');
  assert.equal(resumed.revision, paused.revision + 1);
  const s3 = await snapshot(code);
  assert.equal(s3.nowPlaying.paused, false);
  assert.equal(s3.nowPlaying.positionMs, null);
  assert.equal(s3.nowPlaying.startedAt, resumed.startedAt);
  const pos = positionOf(s3);
  assert.ok(pos >= paused.positionMs && pos < paused.positionMs + SLACK, `resumed at ${pos}, paused at ${paused.positionMs}`);
  assert.ok(Date.parse(resumed.startedAt) > Date.parse(playing.startedAt) + 350, 'startedAt moved by the pause');
});

test('seek while playing moves startedAt; while paused sets the frozen position; both at once', async () => {
  const { code, host, playing } = await playingRoom();
  const seek = assertOk(await playback(code, host, { entryId: playing.id, positionMs: 60000 }));
  assert.deepEqual([seek.paused, seek.positionMs, seek.changed], [false, 60000, true]);
  let s = await snapshot(code);
  let pos = positionOf(s);
  assert.ok(pos >= 60000 && pos < 60000 + SLACK, `after a seek to 60 s: ${pos}`);

  assertOk(await playback(code, host, { entryId: playing.id, paused: true }));
  const seekPaused = assertOk(await playback(code, host, { entryId: playing.id, positionMs: 90000 }));
  assert.deepEqual([seekPaused.paused, seekPaused.positionMs], [true, 90000]);
  s = await snapshot(code);
  assert.deepEqual([s.nowPlaying.paused, s.nowPlaying.positionMs], [true, 90000]);

  const both = assertOk(await playback(code, host, { entryId: playing.id, paused: false, positionMs: 5000 }));
  assert.deepEqual([both.paused, both.positionMs], [false, 5000]);
  s = await snapshot(code);
  pos = positionOf(s);
  assert.ok(pos >= 5000 && pos < 5000 + SLACK, `resumed at 5 s: ${pos}`);

  const pauseAt = assertOk(await playback(code, host, { entryId: playing.id, paused: true, positionMs: 0 }));
  assert.deepEqual([pauseAt.paused, pauseAt.positionMs], [true, 0]);
  // The song's very end is a position; a millisecond past it is not.
  assertOk(await playback(code, host, { entryId: playing.id, positionMs: 180000 }));
  await refused(code, await playback(code, host, { entryId: playing.id, positionMs: 180001 }), 400, /positionMs.*past the end/);
});

test('an unchanged state answers 200 without a new revision or message', async () => {
  const { code, host, playing } = await playingRoom();
  const sub = sse(`/rooms/${code}/events`);
  await sub.opened;
  await until(async () => (await subscriberCount(code)) >= 1, 2000, 'the subscriber');
  const rev = (await snapshot(code)).revision;
  const resume = assertOk(await playback(code, host, { entryId: playing.id, paused: false }));
  assert.deepEqual([resume.changed, resume.revision, resume.paused], [false, rev, false]);
  const p = assertOk(await playback(code, host, { entryId: playing.id, paused: true, positionMs: 1000 }));
  assert.equal(p.revision, rev + 1);
  for (const body of [{ paused: true }, { positionMs: 1000 }, { paused: true, positionMs: 1000 }]) {
    const again = assertOk(await playback(code, host, { entryId: playing.id, ...body }));
    assert.deepEqual([again.changed, again.revision, again.paused, again.positionMs], [false, rev + 1, true, 1000], JSON.stringify(body));
  }
  await sleep(300);
  sub.close();
  assert.deepEqual(sub.events.map((e) => [e.data.type, e.data.revision]), [['playback', rev + 1]]);
  assert.equal((await snapshot(code)).revision, rev + 1);
});

test('each change is one revision and one "playback" message with the answer\'s state', async () => {
  const { code, host, playing } = await playingRoom();
  const sub = sse(`/rooms/${code}/events`);
  await sub.opened;
  await until(async () => (await subscriberCount(code)) >= 1, 2000, 'the subscriber');
  const rev = (await snapshot(code)).revision;
  const bodies = [{ paused: true }, { positionMs: 42000 }, { paused: false }, { positionMs: 1000 }];
  const answers = [];
  for (const b of bodies) answers.push(assertOk(await playback(code, host, { entryId: playing.id, ...b })));
  await sub.waitFor((e) => e.data.revision === rev + bodies.length, 3000);
  await sleep(150);
  sub.close();
  assert.equal(sub.events.length, bodies.length, JSON.stringify(sub.events.map((e) => e.data)));
  sub.events.forEach((e, i) => {
    const a = answers[i];
    assert.deepEqual(e.data, { type: 'playback', revision: rev + 1 + i, entryId: playing.id, paused: a.paused, positionMs: a.positionMs, startedAt: a.startedAt });
  });
  assert.deepEqual(sub.events.map((e) => [e.data.paused, e.data.positionMs]).slice(1, 2), [[true, 42000]]);
  assert.equal((await snapshot(code)).revision, rev + bodies.length);
});

test('host and co-hosts may; members, banned co-hosts, strangers 403; no token 401', async () => {
  const { code, host, entries, playing } = await playingRoom();
  const [co, mia, ban] = await Promise.all(['Co', 'Mia', 'Ban'].map((n) => newGuest(n)));
  for (const g of [co, mia, ban]) assertOk(await vote(code, entries[1].id, g, 1));
  assertOk(await api('POST', `/rooms/${code}/cohosts`, { token: host.token, body: { memberId: co.id } }));
  assertOk(await api('POST', `/rooms/${code}/cohosts`, { token: host.token, body: { memberId: ban.id } }));
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: ban.id } }));
  assert.equal(assertOk(await playback(code, co, { entryId: playing.id, paused: true })).paused, true);
  const stranger = await newGuest('Stranger');
  for (const who of [mia, ban, stranger]) {
    await refused(code, await playback(code, who, { entryId: playing.id, paused: false }), 403, /host or a co-host/);
  }
  assertFail(await playback(code, null, { entryId: playing.id, paused: false }), 401);
  assert.equal((await snapshot(code)).nowPlaying.paused, true);
  assert.equal(assertOk(await playback(code, host, { entryId: playing.id, paused: false })).paused, false);
  await refused(code, await playback('ZZZZZZ', host, { entryId: playing.id, paused: true }), 404, /room not found/);
});

test('409 when entryId is not what plays or nothing plays; a new song starts unpaused', async () => {
  const { code, host, entries, playing } = await playingRoom();
  assertOk(await playback(code, host, { entryId: playing.id, paused: true, positionMs: 30000 }));
  await refused(code, await playback(code, host, { entryId: entries[1].id, paused: false }), 409, /entryId is not what is playing/);
  await refused(code, await playback(code, host, { entryId: 999999999, positionMs: 0 }), 409, /entryId/);

  const next = assertOk(await advance(code, host, playing.id)).nowPlaying;
  assert.equal(next.id, entries[1].id);
  assert.deepEqual([next.paused, next.positionMs], [false, null], 'the next song starts unpaused');
  const s = await snapshot(code);
  assert.deepEqual([s.nowPlaying.paused, s.nowPlaying.positionMs], [false, null]);
  assert.ok(positionOf(s) < SLACK * 2, 'from its start');
  await refused(code, await playback(code, host, { entryId: playing.id, paused: false }), 409, /not what is playing/);

  // the queue's end: nothing plays; then a song added later starts unpaused
  assertOk(await playback(code, host, { entryId: next.id, paused: true }));
  assert.equal(assertOk(await advance(code, host, next.id)).nowPlaying, null);
  await refused(code, await playback(code, host, { entryId: next.id, paused: false }), 409, /nothing is playing/);
  const third = (await addEntry(code, host, await newSong({ duration: 100 }))).entry;
  const p = assertOk(await advance(code, host, null)).nowPlaying;
  assert.deepEqual([p.id, p.paused, p.positionMs], [third.id, false, null]);
});

test('bad input: 400 naming the field, nothing changed', async () => {
  const { code, host, playing } = await playingRoom();
  const bad = [
    [{ entryId: playing.id }, /"paused" or "positionMs"/],
    [{ entryId: playing.id, paused: null, positionMs: null }, /"paused" or "positionMs"/],
    [{ paused: true }, /"entryId" is required/],
    [{ entryId: String(playing.id), paused: true }, /"entryId" must be an integer/],
    [{ entryId: 0, paused: true }, /"entryId" must be an integer from 1/],
    [{ entryId: playing.id, paused: 'yes' }, /"paused" must be true or false/],
    [{ entryId: playing.id, paused: 1 }, /"paused" must be true or false/],
    [{ entryId: playing.id, positionMs: -1 }, /"positionMs" must be an integer from 0/],
    [{ entryId: playing.id, positionMs: '100' }, /"positionMs" must be an integer/],
    [{ entryId: playing.id, positionMs: 1.5 }, /"positionMs" must be an integer/],
    [{ entryId: playing.id, positionMs: 180001 }, /"positionMs" is past the end of the song/],
    [{ entryId: playing.id, paused: true, positionMs: 9e15 }, /"positionMs" must be an integer/],
  ];
  for (const [body, what] of bad) await refused(code, await playback(code, host, body), 400, what);
  for (const raw of ['[]', '"x"', '{"entryId":1,']) {
    const res = await api('PUT', `/rooms/${code}/playback`, { token: host.token, body: raw });
    assertFail(res, 400);
  }
  const s = await snapshot(code);
  assert.deepEqual([s.nowPlaying.paused, s.nowPlaying.positionMs, s.nowPlaying.startedAt], [false, null, playing.startedAt]);
});

test('a song of unknown length may be sought anywhere', async () => {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Live');
  await addEntry(code, host, await newSong({}));
  const playing = assertOk(await advance(code, host, null)).nowPlaying;
  assert.equal(playing.song.duration, null);
  assert.equal(assertOk(await playback(code, host, { entryId: playing.id, paused: true, positionMs: 36000000 })).positionMs, 36000000);
});

test('a song skipped by votes while paused: the next one starts unpaused', async () => {
  const { code, host, entries, playing } = await playingRoom();
  assertOk(await playback(code, host, { entryId: playing.id, paused: true }));
  const [a, b] = await Promise.all([newGuest('A'), newGuest('B')]);
  assertOk(await api('POST', `/rooms/${code}/skip`, { token: a.token, body: { entryId: playing.id } }));
  assert.equal(assertOk(await api('POST', `/rooms/${code}/skip`, { token: b.token, body: { entryId: playing.id } })).skipped, true);
  const s = await snapshot(code);
  assert.deepEqual([s.nowPlaying.id, s.nowPlaying.paused, s.nowPlaying.positionMs], [entries[1].id, false, null]);
});
