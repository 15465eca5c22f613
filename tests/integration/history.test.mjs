// history.test.mjs: a room's history (who added each played entry, when it
// ended) and POST /rooms/{code}/history/playlist: what played saved as one of
// a signed-in member's playlists, all of it or the last N plays, each song
// once, oldest first; the refusals leave no playlist; the export by email
// works on the saved playlist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertFail, assertOk, newGuest, newRoom, addEntry, until } from './lib.mjs';
import { newUser, newSong, uid } from './catalog_lib.mjs';
import { mailsFor, attachment } from './mail_lib.mjs';

const save = (code, who, body) => api('POST', `/rooms/${code}/history/playlist`, { token: who?.token, body });
/** assertFail, and the error's message. */
function refused(res, status) {
  assertFail(res, status);
  return res.json.message;
}
const playlistsOf = async (user) => assertOk(await api('GET', '/playlists', { token: user.accessToken })).playlists;

/** The songs of a playlist as its owner reads them: [{id, title, performer}]. */
async function playlistSongs(user, playlistId) {
  return assertOk(await api('GET', `/playlists/${playlistId}/songs`, { token: user.accessToken })).playlist.songs;
}

/**
 * Plays songs in the room one after another: each [adder, songId] is added
 * and the host advances to it, ending the one before. With finish the last
 * one ends too; otherwise it is left playing. Returns the entries in order.
 */
async function play(room, host, plays, { finish = true } = {}) {
  const entries = [];
  let current = assertOk(await api('GET', `/rooms/${room}`)).room.nowPlaying?.id ?? null;
  for (const [adder, songId] of plays) {
    const { entry } = await addEntry(room, adder, songId);
    const a = assertOk(await api('POST', `/rooms/${room}/advance`, { token: host.token, body: { currentEntryId: current } }));
    assert.equal(a.nowPlaying.id, entry.id);
    current = entry.id;
    entries.push(entry);
  }
  if (finish && current !== null) {
    assertOk(await api('POST', `/rooms/${room}/advance`, { token: host.token, body: { currentEntryId: current } }));
  }
  return entries;
}

async function songs(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const title = `History ${uid()}`;
    const performer = `Band ${uid()}`;
    out.push({ id: await newSong({ title, performer, duration: 200 }), title, performer });
  }
  return out;
}

/** A room hosted by a guest, with a registered user who has added (a member) and another guest. */
async function world() {
  const host = await newGuest('History host');
  const { code } = await newRoom(host, `History ${uid()}`);
  const user = await newUser();
  const ann = await newGuest('Ann');
  return { code, host, user, ann };
}

test('history: each played entry says who added it, when it started and ended, newest first', async () => {
  const { code, host, user, ann } = await world();
  const [a, b, c] = await songs(3);
  const entries = await play(code, host, [[ann, a.id], [user, b.id], [host, c.id]], { finish: false });
  const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
  assert.deepEqual(history.map((e) => e.id), [entries[1].id, entries[0].id], 'the playing entry is not history yet');
  assert.deepEqual(history.map((e) => e.addedBy), [{ id: user.id, name: user.fullname }, { id: ann.id, name: 'Ann' }]);
  assert.deepEqual(history.map((e) => [e.song.id, e.song.title, e.song.performer]), [[b.id, b.title, b.performer], [a.id, a.title, a.performer]]);
  for (const e of history) {
    assert.equal(e.endReason, 'finished');
    assert.ok(Date.parse(e.endedAt) >= Date.parse(e.startedAt), `${e.endedAt} after ${e.startedAt}`);
  }
  assert.ok(Date.parse(history[0].endedAt) >= Date.parse(history[1].endedAt));
});

test('save all: each song once where it first played, oldest first; the song playing now is left out', async () => {
  const { code, host, user, ann } = await world();
  const [a, b, c, d] = await songs(4);
  // A plays twice; D is playing when the history is saved.
  await play(code, host, [[ann, a.id], [user, b.id], [ann, a.id], [host, c.id], [ann, d.id]], { finish: false });
  const roomBefore = assertOk(await api('GET', `/rooms/${code}`)).room.revision;
  const r = await save(code, user, { name: 'Last night' });
  const data = assertOk(r, 201);
  assert.ok(r.json.message);
  assert.match(data.playlistId, /^playlist-/);
  assert.equal(data.songs, 3);
  const list = await playlistSongs(user, data.playlistId);
  assert.deepEqual(list, [a, b, c]);
  const mine = (await playlistsOf(user)).find((p) => p.id === data.playlistId);
  assert.equal(mine.name, 'Last night');
  // Like any playlist's songs, each add is in its activity log.
  const log = assertOk(await api('GET', `/playlists/${data.playlistId}/activities`, { token: user.accessToken })).activities;
  assert.deepEqual(log.map((x) => [x.title, x.action, x.username]), [a, b, c].map((s) => [s.title, 'add', user.username]));
  // The room did not change.
  assert.equal(assertOk(await api('GET', `/rooms/${code}`)).room.revision, roomBefore);
  // A skipped entry played too.
  const playing = assertOk(await api('GET', `/rooms/${code}`)).room.nowPlaying;
  assert.equal(playing.song.id, d.id);
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: playing.id } }));
  const again = assertOk(await save(code, user, { name: 'Last night, all of it' }), 201);
  assert.equal(again.songs, 4);
  assert.deepEqual(await playlistSongs(user, again.playlistId), [a, b, c, d]);
});

test('save the last N plays: only those, a song repeated among them once, oldest first', async () => {
  const { code, host, user, ann } = await world();
  const [a, b, c] = await songs(3);
  await play(code, host, [[ann, a.id], [user, b.id], [ann, a.id], [host, c.id]]);
  const cases = [[1, [c]], [2, [a, c]], [3, [b, a, c]], [4, [a, b, c]], [1000, [a, b, c]]];
  for (const [last, want] of cases) {
    const data = assertOk(await save(code, user, { name: `Last ${last}`, last }), 201);
    assert.equal(data.songs, want.length, `last ${last}`);
    assert.deepEqual(await playlistSongs(user, data.playlistId), want, `last ${last}`);
  }
  // last: null is no limit
  assert.equal(assertOk(await save(code, user, { name: 'All', last: null }), 201).songs, 3);
});

test('refusals: a guest 401, a registered non-member 403, a banned member 403, nothing played 409, unknown room 404; no playlist made', async () => {
  const { code, host, user, ann } = await world();
  const [a, b] = await songs(2);
  // Nothing played yet, though something plays: 409, no playlist.
  await play(code, host, [[user, a.id]], { finish: false });
  assert.match(refused(await save(code, user, { name: 'Too soon' }), 409), /nothing has played/);
  assert.equal((await playlistsOf(user)).length, 0);
  await play(code, host, [[ann, b.id]]);
  // Guests (even the host and a member) hold no user token: the refusal every ROUTE_USER route gives.
  for (const guest of [ann, host]) assertFail(await save(code, guest, { name: 'Guest' }), 401);
  assertFail(await save(code, null, { name: 'Nobody' }), 401);
  // A registered user who never joined the room.
  const stranger = await newUser();
  assert.match(refused(await save(code, stranger, { name: 'Not mine' }), 403), /member/);
  assert.equal((await playlistsOf(stranger)).length, 0);
  // Watching the room does not make one a member; acting does.
  assertOk(await api('GET', `/rooms/${code}/me`, { token: stranger.token }));
  assertFail(await save(code, stranger, { name: 'Not mine' }), 403);
  // A banned member.
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: user.id } }));
  assert.match(refused(await save(code, user, { name: 'Banned' }), 403), /banned/);
  assert.equal((await playlistsOf(user)).length, 0);
  assertOk(await api('DELETE', `/rooms/${code}/bans/${user.id}`, { token: host.token }));
  assertOk(await save(code, user, { name: 'Unbanned' }), 201);
  // Unknown room.
  assertFail(await save('ZZZZZZ', user, { name: 'Nowhere' }), 404);
  assertFail(await save('nope!', user, { name: 'Nowhere' }), 404);
});

test('bad input: 400 naming the field, nothing created', async () => {
  const { code, host, user } = await world();
  const [a] = await songs(1);
  await play(code, host, [[user, a.id]]);
  const bodies = [
    {}, { name: '' }, { name: 'x'.repeat(201) }, { name: 5 }, { name: null }, { name: ['a'] },
    { name: 'ok', last: 0 }, { name: 'ok', last: 1001 }, { name: 'ok', last: -3 }, { name: 'ok', last: 1.5 },
    { name: 'ok', last: '3' }, { name: 'ok', last: true }, { name: 'ok', last: {} },
  ];
  for (const body of bodies) {
    assert.match(refused(await save(code, user, body), 400), 'last' in body ? /last/ : /name/, JSON.stringify(body));
  }
  // Not JSON, or not an object.
  for (const raw of ['{"name":', '[]', '"name"']) {
    const res = await fetch(`${process.env.QUEUED_URL}/rooms/${code}/history/playlist`,
      { method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: raw });
    assert.equal(res.status, 400, raw);
  }
  assert.equal((await playlistsOf(user)).length, 0);
  // The longest name is fine.
  assertOk(await save(code, user, { name: 'x'.repeat(200), last: 1 }), 201);
});

test('the saved history is exported by email like any playlist', async () => {
  const { code, host, user, ann } = await world();
  const [a, b] = await songs(2);
  await play(code, host, [[ann, a.id], [user, b.id], [ann, a.id]]);
  const { playlistId } = assertOk(await save(code, user, { name: 'Party mix' }), 201);
  const { jobId } = assertOk(await api('POST', `/export/playlists/${playlistId}`,
    { token: user.accessToken, body: { targetEmail: 'party@example.com' } }), 201);
  await until(() => mailsFor(playlistId).length === 1, 10000, 'the email');
  const mail = mailsFor(playlistId)[0];
  assert.match(mail, /X-Sink-To: <party@example.com>/);
  assert.deepEqual(attachment(mail, playlistId).json, { playlist: { id: playlistId, name: 'Party mix', songs: [a, b] } });
  await until(async () => assertOk(await api('GET', `/export/jobs/${jobId}`, { token: user.accessToken })).job.state === 'sent',
    5000, 'state sent');
});
