// rooms.test.mjs: the rules of a room, each against the real stack: members and
// roles, duplicate adds, tie rules, now playing and history, the double-advance
// guard, vote-to-skip against nchan's subscriber count, removal, bans, every
// setting and its refusal, the fallback playlist, and one message per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, vote, queue, sse, until, sleep, subscriberCount } from './lib.mjs';
import { newUser, newSong, newPlaylist, addPlaylistSong } from './catalog_lib.mjs';

const post = (path, who, body = {}) => api('POST', path, { token: who?.token, body });
const patch = (code, who, body) => api('PATCH', `/rooms/${code}`, { token: who?.token, body });
const advance = (code, who, currentEntryId) => post(`/rooms/${code}/advance`, who, { currentEntryId });
const skip = (code, who, entryId) => post(`/rooms/${code}/skip`, who, { entryId });
const roomOf = async (code) => assertOk(await api('GET', `/rooms/${code}`)).room;
const snapshot = async (code) => assertOk(await queue(code));
const songsOf = (n, fields = {}) => Promise.all(Array.from({ length: n }, () => newSong({ duration: 180, ...fields })));

/**
 * Runs change() with a live subscriber and asserts the change moved the room
 * revision by exactly one and published exactly one message, of type, carrying
 * that revision. Returns [the change's result, the message].
 */
async function oneMessage(code, type, change) {
  const sub = sse(`/rooms/${code}/events`);
  await sub.opened;
  await until(async () => (await subscriberCount(code)) >= 1, 2000, 'the subscriber');
  const before = (await snapshot(code)).revision;
  const result = await change();
  const msg = await sub.waitFor((e) => e.data.revision === before + 1, 3000);
  await sleep(150); // time for a second, wrong message to show up
  sub.close();
  assert.equal(sub.events.length, 1, `one message, got ${JSON.stringify(sub.events.map((e) => e.data))}`);
  assert.equal(msg.data.type, type);
  assert.equal((await snapshot(code)).revision, before + 1, 'revision moved by exactly one');
  return [result, msg.data];
}

/** A room with a host and n songs queued by the host; returns {host, room, code, entries}. */
async function roomWithEntries(n, host) {
  host = host ?? await newGuest('host');
  const room = await newRoom(host);
  const songs = await songsOf(n);
  const entries = [];
  for (const s of songs) entries.push((await addEntry(room.code, host, s)).entry);
  return { host, room, code: room.code, songs, entries };
}

test('GET /rooms/{code}: name, host, default settings, now playing and listeners present', async () => {
  const host = await newGuest('Hosting Hana');
  const room = await newRoom(host, 'Friday');
  const r = await roomOf(room.code.toLowerCase());
  assert.equal(r.code, room.code);
  assert.equal(r.name, 'Friday');
  assert.deepEqual(r.host, { id: host.id, name: 'Hosting Hana' });
  assert.deepEqual(r.settings, {
    votingMode: 'updown', autoRemoveThreshold: null, memberCap: null, maxQueueLength: null,
    maxSongDuration: null, tieRule: 'arrival', fallbackPlaylistId: null,
    hasPin: false, replayCooldownMinutes: 0, hideQueue: false,
  });
  assert.equal(r.nowPlaying, null);
  assert.deepEqual(r.cohosts, []);
  assert.equal(r.listeners, 0);
  const subs = [sse(`/rooms/${room.code}/events`), sse(`/rooms/${room.code}/events`), sse(`/rooms/${room.code}/events`)];
  await Promise.all(subs.map((s) => s.opened));
  await until(async () => (await roomOf(room.code)).listeners === 3, 3000, 'three listeners');
  subs.forEach((s) => s.close());
  assertFail(await api('GET', '/rooms/ZZZZZZ'), 404);
});

test('guests and registered users are both members, with their display names', async () => {
  const host = await newGuest('Gus');
  const user = await newUser({ fullname: 'Ursula Registered' });
  const { code } = await newRoom(host);
  const [a, b] = await songsOf(2);
  const byGuest = (await addEntry(code, host, a)).entry;
  const byUser = (await addEntry(code, user, b)).entry;
  assert.deepEqual(byGuest.addedBy, { id: host.id, name: 'Gus' });
  assert.deepEqual(byUser.addedBy, { id: user.id, name: 'Ursula Registered' });
  const members = assertOk(await api('GET', `/rooms/${code}/members`)).members;
  assert.deepEqual(members.map((m) => [m.id, m.name, m.role]), [[host.id, 'Gus', 'host'], [user.id, 'Ursula Registered', 'member']]);
  const me = assertOk(await api('GET', `/rooms/${code}/me`, { token: user.token }));
  assert.deepEqual(me.member, { id: user.id, name: 'Ursula Registered', role: 'member', banned: false });
  assertOk(await vote(code, byGuest.id, user, 1));
  assert.deepEqual(assertOk(await api('GET', `/rooms/${code}/me`, { token: user.token })).votes, [{ entryId: byGuest.id, value: 1 }]);
  assertFail(await api('GET', `/rooms/${code}/me`), 401);
});

test('adding a song already waiting becomes the adder\'s upvote (200 "voted"), never a duplicate entry', async () => {
  const { code, host, entries: [entry], songs: [song] } = await roomWithEntries(1);
  const other = await newGuest('other');
  const [res, msg] = await oneMessage(code, 'vote', () => post(`/rooms/${code}/queue`, other, { songId: song }));
  const data = assertOk(res, 200);
  assert.equal(data.result, 'voted');
  assert.equal(data.entry.id, entry.id);
  assert.equal(data.entry.score, 1);
  assert.deepEqual([msg.entryId, msg.score], [entry.id, 1]);
  // The adder's own add was not a vote: adding again is their upvote; a third time changes nothing.
  assert.equal(assertOk(await post(`/rooms/${code}/queue`, host, { songId: song }), 200).entry.score, 2);
  const again = assertOk(await post(`/rooms/${code}/queue`, host, { songId: song }), 200);
  assert.equal(again.result, 'unchanged');
  assert.equal(again.entry.score, 2);
  const q = await snapshot(code);
  assert.equal(q.entries.length, 1);
  assert.equal(q.entries[0].score, 2);
});

test('tie rule "arrival": equal scores keep the order songs were added', async () => {
  const { code, host, entries } = await roomWithEntries(4);
  const v = await newGuest('v');
  assertOk(await vote(code, entries[2].id, v, 1));
  assertOk(await vote(code, entries[3].id, v, 1));
  const q = await snapshot(code);
  assert.equal(q.tieRule, 'arrival');
  assert.deepEqual(q.entries.map((e) => e.id), [entries[2].id, entries[3].id, entries[0].id, entries[1].id]);
  void host;
});

test('tie rule "fairness": the adder with fewer songs played goes first, then arrival; the setting reorders live', async () => {
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const ann = await newGuest('ann');
  const bob = await newGuest('bob');
  const [s1, s2, s3, s4] = await songsOf(4);
  // Ann has one song played; then Ann and Bob each add one, Ann first.
  const first = (await addEntry(code, ann, s1)).entry;
  assertOk(await advance(code, host, null));
  assertOk(await advance(code, host, first.id));
  const annNext = (await addEntry(code, ann, s2)).entry;
  const bobNext = (await addEntry(code, bob, s3)).entry;
  const annLater = (await addEntry(code, ann, s4)).entry;
  assert.deepEqual((await snapshot(code)).entries.map((e) => e.id), [annNext.id, bobNext.id, annLater.id]);
  assert.equal((await snapshot(code)).entries[0].adderPlayed, 1);

  const [, msg] = await oneMessage(code, 'settings', () => patch(code, host, { tieRule: 'fairness' }));
  assert.equal(msg.settings.tieRule, 'fairness');
  const q = await snapshot(code);
  assert.equal(q.tieRule, 'fairness');
  assert.deepEqual(q.entries.map((e) => e.id), [bobNext.id, annNext.id, annLater.id]);
  // Score still comes first: a vote lifts Ann's later song over Bob's.
  assertOk(await vote(code, annLater.id, bob, 1));
  assert.deepEqual((await snapshot(code)).entries.map((e) => e.id), [annLater.id, bobNext.id, annNext.id]);
  // And the server plays in that order.
  assert.equal(assertOk(await advance(code, host, null)).nowPlaying.id, annLater.id);
});

test('now playing is pinned apart with startedAt on the server clock and the duration; played entries go to history', async () => {
  const { code, host, entries } = await roomWithEntries(3);
  const v = await newGuest('v');
  assertOk(await vote(code, entries[1].id, v, 1));
  const [res, msg] = await oneMessage(code, 'advance', () => advance(code, host, null));
  const a = assertOk(res);
  const serverNow = Number(res.headers.get('x-server-time'));
  assert.ok(serverNow > 0, 'X-Server-Time');
  assert.equal(a.nowPlaying.id, entries[1].id);
  assert.equal(a.endedEntryId, null);
  assert.equal(a.nowPlaying.song.duration, 180);
  assert.ok(Math.abs(Date.parse(a.nowPlaying.startedAt) - serverNow) < 2000, 'startedAt is server time');
  assert.equal(msg.nowPlaying.id, entries[1].id);
  const q = await snapshot(code);
  assert.equal(q.nowPlaying.id, entries[1].id);
  assert.equal(q.nowPlaying.startedAt, a.nowPlaying.startedAt);
  assert.deepEqual(q.entries.map((e) => e.id), [entries[0].id, entries[2].id], 'now playing is not in the waiting list');
  assert.equal((await roomOf(code)).nowPlaying.id, entries[1].id);
  // Votes on what plays are refused: it is no longer in the vote order.
  assertFail(await vote(code, entries[1].id, v, 1), 409);

  const b = assertOk(await advance(code, host, entries[1].id));
  assert.equal(b.endedEntryId, entries[1].id);
  assert.equal(b.nowPlaying.id, entries[0].id);
  const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
  assert.equal(history.length, 1);
  assert.equal(history[0].id, entries[1].id);
  assert.equal(history[0].endReason, 'finished');
  assert.ok(Date.parse(history[0].endedAt) >= Date.parse(history[0].startedAt));
  // Advancing through the end: nothing plays, history holds all, newest first.
  assertOk(await advance(code, host, entries[0].id));
  const end = assertOk(await advance(code, host, entries[2].id));
  assert.equal(end.nowPlaying, null);
  assert.deepEqual(assertOk(await api('GET', `/rooms/${code}/history`)).entries.map((e) => e.id),
    [entries[2].id, entries[0].id, entries[1].id]);
  assertFail(await api('GET', '/rooms/ZZZZZZ/history'), 404);
});

test('double advance from two host tabs: one 200, one 409, and the queue moved once', async () => {
  const { code, host, entries } = await roomWithEntries(4);
  assertOk(await advance(code, host, null));
  const before = await snapshot(code);
  const playing = before.nowPlaying.id;
  for (let round = 0; round < 2; round++) {
    const current = (await snapshot(code)).nowPlaying.id;
    const rev = (await snapshot(code)).revision;
    const results = await Promise.all([advance(code, host, current), advance(code, host, current)]);
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409], `round ${round}: ${results.map((r) => r.text).join(' | ')}`);
    assertFail(results.find((r) => r.status === 409), 409);
    assert.equal((await snapshot(code)).revision, rev + 1, 'one advance, one revision');
  }
  const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
  assert.equal(history.length, 2);
  assert.equal(history[1].id, playing);
  // A stale id or null while something plays: 409, nothing moves.
  const now = await snapshot(code);
  assertFail(await advance(code, host, null), 409);
  assertFail(await advance(code, host, entries[0].id), 409);
  assert.equal((await snapshot(code)).revision, now.revision);
  assertFail(await post(`/rooms/${code}/advance`, host, { currentEntryId: 'x' }), 400);
});

test('host actions by anyone else are 403; co-hosts share them but cannot name co-hosts', async () => {
  const { code, host, entries } = await roomWithEntries(2);
  const mia = await newGuest('mia');
  const max = await newGuest('max');
  assertOk(await vote(code, entries[0].id, mia, 1)); // members join by acting
  assertOk(await vote(code, entries[0].id, max, 1));
  assertFail(await advance(code, mia, null), 403);
  assertFail(await patch(code, mia, { votingMode: 'up' }), 403);
  assertFail(await post(`/rooms/${code}/cohosts`, mia, { memberId: mia.id }), 403);
  assertFail(await post(`/rooms/${code}/bans`, mia, { memberId: max.id }), 403);
  assertFail(await api('DELETE', `/rooms/${code}/queue/${entries[1].id}`, { token: mia.token }), 403);

  const [, roleMsg] = await oneMessage(code, 'role', () => post(`/rooms/${code}/cohosts`, host, { memberId: mia.id }));
  assert.deepEqual([roleMsg.memberId, roleMsg.role], [mia.id, 'cohost']);
  assert.deepEqual((await roomOf(code)).cohosts.map((c) => c.id ?? c), [mia.id]);
  assert.equal(assertOk(await api('GET', `/rooms/${code}/me`, { token: mia.token })).member.role, 'cohost');
  assertOk(await advance(code, mia, null));
  assertOk(await patch(code, mia, { votingMode: 'up' }));
  assertFail(await post(`/rooms/${code}/cohosts`, mia, { memberId: max.id }), 403);
  assertFail(await post(`/rooms/${code}/bans`, mia, { memberId: host.id }), 403);
  assertFail(await post(`/rooms/${code}/cohosts`, host, { memberId: 'guest-nobody-here' }), 404);

  assertOk(await api('DELETE', `/rooms/${code}/cohosts/${mia.id}`, { token: host.token }));
  assertFail(await advance(code, mia, (await snapshot(code)).nowPlaying.id), 403);
});

test('vote-to-skip: skipped when votes reach max(2, ⌈listeners/2⌉), listeners as nchan counts them', async () => {
  const { code, host } = await roomWithEntries(3);
  assertOk(await advance(code, host, null));
  const voters = await Promise.all(Array.from({ length: 4 }, (_, i) => newGuest(`skipper${i}`)));

  // 6 live subscribers: needed = 3.
  const subs = Array.from({ length: 6 }, () => sse(`/rooms/${code}/events`));
  await Promise.all(subs.map((s) => s.opened));
  await until(async () => (await subscriberCount(code)) === 6, 3000, 'six subscribers');
  let playing = (await snapshot(code)).nowPlaying.id;
  const first = assertOk(await skip(code, voters[0], playing));
  assert.deepEqual([first.votes, first.needed, first.skipped], [1, 3, false]);
  const msg = await subs[0].waitFor((e) => e.data.type === 'skip_vote');
  assert.deepEqual([msg.data.entryId, msg.data.votes, msg.data.needed], [playing, 1, 3]);
  // The same member twice counts once.
  const repeat = assertOk(await skip(code, voters[0], playing));
  assert.deepEqual([repeat.votes, repeat.skipped], [1, false]);
  assert.equal((await snapshot(code)).nowPlaying.skipVotes, 1);
  assert.equal(assertOk(await skip(code, voters[1], playing)).skipped, false);
  const third = assertOk(await skip(code, voters[2], playing));
  assert.deepEqual([third.votes, third.needed, third.skipped], [3, 3, true]);
  const adv = await subs[0].waitFor((e) => e.data.type === 'advance');
  assert.equal(adv.data.endedEntryId, playing);
  assert.equal(adv.data.reason, 'skipped');
  const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
  assert.deepEqual([history[0].id, history[0].endReason], [playing, 'skipped']);

  // One listener left: needed is the floor of 2.
  subs.slice(1).forEach((s) => s.close());
  await until(async () => (await subscriberCount(code)) === 1, 3000, 'one subscriber');
  playing = (await snapshot(code)).nowPlaying.id;
  assert.deepEqual(Object.values((({ votes, needed, skipped }) => ({ votes, needed, skipped }))(assertOk(await skip(code, voters[3], playing)))), [1, 2, false]);
  assert.equal(assertOk(await skip(code, voters[0], playing)).skipped, true);
  subs[0].close();
  // Skipping what no longer plays is a conflict, not a vote.
  assertFail(await skip(code, voters[1], playing), 409);
});

test('removal: a member removes their own waiting entry, not others\'; the host removes any', async () => {
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const ann = await newGuest('ann');
  const bob = await newGuest('bob');
  const [s1, s2, s3] = await songsOf(3);
  const annEntry = (await addEntry(code, ann, s1)).entry;
  const bobEntry = (await addEntry(code, bob, s2)).entry;
  const hostEntry = (await addEntry(code, host, s3)).entry;
  assertFail(await api('DELETE', `/rooms/${code}/queue/${bobEntry.id}`, { token: ann.token }), 403);
  const [res, msg] = await oneMessage(code, 'entry_removed', () => api('DELETE', `/rooms/${code}/queue/${annEntry.id}`, { token: ann.token }));
  assertOk(res);
  assert.equal(msg.entryId, annEntry.id);
  assertOk(await api('DELETE', `/rooms/${code}/queue/${bobEntry.id}`, { token: host.token }));
  assert.deepEqual((await snapshot(code)).entries.map((e) => e.id), [hostEntry.id]);
  assertFail(await api('DELETE', `/rooms/${code}/queue/${annEntry.id}`, { token: ann.token }), 409);
  assertFail(await api('DELETE', `/rooms/${code}/queue/99999999`, { token: host.token }), 404);
  assertFail(await api('DELETE', `/rooms/${code}/queue/${hostEntry.id}`), 401);
});

test('ban: the member\'s entries and votes go, they get 403 on add, vote and skip, and everyone sees one message', async () => {
  const { code, host, entries, songs } = await roomWithEntries(2);
  const troll = await newGuest('troll');
  const fan = await newGuest('fan');
  const [t1, t2, t3] = await songsOf(3);
  const trollEntries = [(await addEntry(code, troll, t1)).entry, (await addEntry(code, troll, t2)).entry];
  assertOk(await vote(code, entries[0].id, troll, -1));
  assertOk(await vote(code, entries[1].id, troll, 1));
  assertOk(await vote(code, entries[1].id, fan, 1));
  assertOk(await vote(code, trollEntries[0].id, fan, 1));
  assertOk(await advance(code, host, null)); // entries[1] (score 2) plays
  const playing = (await snapshot(code)).nowPlaying.id;
  assert.equal(playing, entries[1].id);
  assertOk(await skip(code, troll, playing));

  const [res, msg] = await oneMessage(code, 'member_banned', () => post(`/rooms/${code}/bans`, host, { memberId: troll.id }));
  assertOk(res);
  assert.equal(msg.memberId, troll.id);
  assert.deepEqual([...msg.removedEntryIds].sort(), trollEntries.map((e) => e.id).sort());
  assert.deepEqual(msg.scores, [{ entryId: entries[0].id, score: 0 }]);
  const q = await snapshot(code);
  assert.deepEqual(q.entries.map((e) => [e.id, e.score]), [[entries[0].id, 0]]);
  assert.equal(q.nowPlaying.skipVotes, 0, 'their skip vote is gone too');
  assert.equal((assertOk(await api('GET', `/rooms/${code}/members`)).members.find((m) => m.id === troll.id)).banned, true);

  assertFail(await post(`/rooms/${code}/queue`, troll, { songId: t3 }), 403);
  assertFail(await post(`/rooms/${code}/queue`, troll, { songId: songs[0] }), 403);
  assertFail(await vote(code, entries[0].id, troll, 1), 403);
  assertFail(await skip(code, troll, playing), 403);
  assertFail(await post(`/rooms/${code}/bans`, host, { memberId: host.id }), 403);
  assertFail(await post(`/rooms/${code}/bans`, host, { memberId: 'guest-never-seen' }), 404);

  const [, unban] = await oneMessage(code, 'member_unbanned', () => api('DELETE', `/rooms/${code}/bans/${troll.id}`, { token: host.token }));
  assert.equal(unban.memberId, troll.id);
  assert.equal((await addEntry(code, troll, t3)).result, 'added');
});

test('voting mode "off" refuses votes, "up" refuses down votes, each naming the rule', async () => {
  const { code, host, entries, songs } = await roomWithEntries(1);
  const v = await newGuest('v');
  const [, msg] = await oneMessage(code, 'settings', () => patch(code, host, { votingMode: 'off' }));
  assert.equal(msg.settings.votingMode, 'off');
  let r = await vote(code, entries[0].id, v, 1);
  assertFail(r, 403);
  assert.match(r.json.message, /voting is off/);
  // A duplicate add is no vote either while voting is off.
  assert.equal(assertOk(await post(`/rooms/${code}/queue`, v, { songId: songs[0] }), 200).result, 'unchanged');
  assertOk(await patch(code, host, { votingMode: 'up' }));
  r = await vote(code, entries[0].id, v, -1);
  assertFail(r, 403);
  assert.match(r.json.message, /up votes only/);
  assert.equal(assertOk(await vote(code, entries[0].id, v, 1)).score, 1);
  assertOk(await patch(code, host, { votingMode: 'updown' }));
  assert.equal(assertOk(await vote(code, entries[0].id, v, -1)).score, -1);
});

test('per-member cap, maximum queue length and maximum song duration refuse adds with 403 naming the rule', async () => {
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const ann = await newGuest('ann');
  const bob = await newGuest('bob');
  const [a1, a2, b1, h1, h2] = await songsOf(5);
  const long = await newSong({ duration: 601 });
  const unknownLength = await newSong({});

  assertOk(await patch(code, host, { memberCap: 1 }));
  await addEntry(code, ann, a1);
  let r = await post(`/rooms/${code}/queue`, ann, { songId: a2 });
  assertFail(r, 403);
  assert.match(r.json.message, /per member/);
  await addEntry(code, bob, b1);
  // A duplicate add is a vote, not a new entry, so the cap does not apply.
  assert.equal(assertOk(await post(`/rooms/${code}/queue`, ann, { songId: b1 }), 200).result, 'voted');

  assertOk(await patch(code, host, { memberCap: null, maxQueueLength: 3 }));
  await addEntry(code, host, h1);
  r = await post(`/rooms/${code}/queue`, host, { songId: h2 });
  assertFail(r, 403);
  assert.match(r.json.message, /maximum queue length/);

  assertOk(await patch(code, host, { maxQueueLength: null, maxSongDuration: 600 }));
  r = await post(`/rooms/${code}/queue`, host, { songId: long });
  assertFail(r, 403);
  assert.match(r.json.message, /maximum song duration/);
  assertOk(await post(`/rooms/${code}/queue`, host, { songId: h2 }), 201);
  // A song of unknown length is kept out: counting it as 0 s would bypass the maximum.
  r = await post(`/rooms/${code}/queue`, host, { songId: unknownLength });
  assertFail(r, 403);
  assert.match(r.json.message, /length is unknown/);
  const s = (await roomOf(code)).settings;
  assert.deepEqual([s.memberCap, s.maxQueueLength, s.maxSongDuration], [null, null, 600]);
});

test('auto-remove: an entry whose score falls to the threshold leaves the queue, in the vote\'s one message', async () => {
  const { code, host, entries } = await roomWithEntries(2);
  assertOk(await patch(code, host, { autoRemoveThreshold: -2 }));
  const [a, b] = [await newGuest('a'), await newGuest('b')];
  assert.equal(assertOk(await vote(code, entries[0].id, a, -1)).removed, false);
  const [res, msg] = await oneMessage(code, 'vote', () => vote(code, entries[0].id, b, -1));
  const data = assertOk(res);
  assert.deepEqual([data.score, data.removed], [-2, true]);
  assert.deepEqual([msg.entryId, msg.score, msg.removed], [entries[0].id, -2, true]);
  assert.deepEqual((await snapshot(code)).entries.map((e) => e.id), [entries[1].id]);
  assertFail(await vote(code, entries[0].id, host, -1), 409);
  // Off by default and after null: scores go as low as votes take them.
  assertOk(await patch(code, host, { autoRemoveThreshold: null }));
  assertOk(await vote(code, entries[1].id, a, -1));
  assertOk(await vote(code, entries[1].id, b, -1));
  assert.equal((await snapshot(code)).entries[0].score, -2);
});

test('settings: bad values are 400 naming the field, unknown fields are 400, nothing changes', async () => {
  const { code, host } = await roomWithEntries(0);
  const rev = (await snapshot(code)).revision;
  for (const body of [
    { votingMode: 'sideways' }, { votingMode: 1 }, { tieRule: 'loudest' }, { memberCap: 0 }, { memberCap: 'two' },
    { maxQueueLength: -1 }, { maxSongDuration: 0 }, { maxSongDuration: 1.5 }, { autoRemoveThreshold: 'low' },
    { name: '' }, { fallbackPlaylistId: 7 }, { colour: 'red' }, {},
  ]) {
    const r = await patch(code, host, body);
    assertFail(r, 400);
    const field = Object.keys(body)[0];
    if (field) assert.ok(r.json.message.includes(field), `${JSON.stringify(body)}: ${r.json.message}`);
  }
  assert.equal((await snapshot(code)).revision, rev, 'no refused patch moved the room');
  assertFail(await api('PATCH', `/rooms/${code}`, { body: { votingMode: 'up' } }), 401);
  assertFail(await patch('ZZZZZZ', host, { votingMode: 'up' }), 404);
});

test('fallback playlist: an empty queue plays the host\'s playlist shuffled, marked fallback, after members\' songs', async () => {
  const host = await newUser({ fullname: 'DJ Host' });
  const stranger = await newUser();
  const { code } = await newRoom(host);
  const playlistSongIds = await songsOf(3);
  const playlist = await newPlaylist(host);
  for (const s of playlistSongIds) await addPlaylistSong(host, playlist, s);
  const foreign = await newPlaylist(stranger);

  assertFail(await patch(code, host, { fallbackPlaylistId: foreign }), 403);
  assertFail(await patch(code, host, { fallbackPlaylistId: 'playlist-does-not-exist' }), 404);
  assertOk(await patch(code, host, { fallbackPlaylistId: playlist }));
  assert.equal((await roomOf(code)).settings.fallbackPlaylistId, playlist);

  // Three advances on an empty queue play each playlist song once before any repeats.
  const played = [];
  let current = null;
  for (let i = 0; i < 3; i++) {
    const a = assertOk(await advance(code, host, current));
    assert.equal(a.nowPlaying.fallback, true);
    played.push(a.nowPlaying.song.id);
    current = a.nowPlaying.id;
  }
  assert.deepEqual([...played].sort(), [...playlistSongIds].sort());
  // A member's song goes before the fallback.
  const guest = await newGuest('g');
  const [mine] = await songsOf(1);
  const entry = (await addEntry(code, guest, mine)).entry;
  const a = assertOk(await advance(code, host, current));
  assert.equal(a.nowPlaying.id, entry.id);
  assert.equal(a.nowPlaying.fallback, false);
  const b = assertOk(await advance(code, host, entry.id));
  assert.equal(b.nowPlaying.fallback, true);
  assert.ok(playlistSongIds.includes(b.nowPlaying.song.id));
  // Without a fallback, an empty queue plays nothing.
  assertOk(await patch(code, host, { fallbackPlaylistId: null }));
  assert.equal(assertOk(await advance(code, host, b.nowPlaying.id)).nowPlaying, null);
});

test('every change publishes exactly one message with the next revision', async () => {
  const { code, host, entries } = await roomWithEntries(3);
  const g = await newGuest('g');
  const [s] = await songsOf(1);
  let added;
  await oneMessage(code, 'entry_added', async () => { added = (await addEntry(code, g, s)).entry; });
  await oneMessage(code, 'vote', () => vote(code, entries[0].id, g, 1));
  await oneMessage(code, 'vote', () => vote(code, entries[0].id, g, 0));
  await oneMessage(code, 'entry_removed', () => api('DELETE', `/rooms/${code}/queue/${added.id}`, { token: g.token }));
  await oneMessage(code, 'advance', () => advance(code, host, null));
  await oneMessage(code, 'skip_vote', () => skip(code, g, entries[0].id));
  await oneMessage(code, 'member_banned', () => post(`/rooms/${code}/bans`, host, { memberId: g.id }));
  await oneMessage(code, 'settings', () => patch(code, host, { name: 'Renamed' }));
  // Changes that change nothing publish nothing and keep the revision.
  const rev = (await snapshot(code)).revision;
  assertOk(await vote(code, entries[1].id, host, 0));
  assertOk(await post(`/rooms/${code}/bans`, host, { memberId: g.id }));
  assert.equal((await snapshot(code)).revision, rev);
  assert.equal((await roomOf(code)).name, 'Renamed');
});

test('the join link as a QR code: an SVG image naming the room, 404 for an unknown room', async () => {
  const host = await newGuest('host');
  const { code } = await newRoom(host);
  const res = await api('GET', `/rooms/${code.toLowerCase()}/qr.svg`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/svg+xml');
  assert.match(res.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
  assert.ok(res.text.includes(`Join room ${code}`));
  // A version-3+ symbol (the link is ~40 bytes) has hundreds of dark modules.
  assert.ok((res.text.match(/M\d+ \d+h1v1h-1z/g) || []).length > 200);
  assertFail(await api('GET', '/rooms/0O1IL0/qr.svg'), 404);
  assertFail(await api('GET', '/rooms/ZZZZZZ/qr.svg'), 404);
});
