// members.test.mjs: who may become a member of a room and what members are
// called: a room's PIN (format, never shown, joining right and wrong, the
// rate limit on tries, writes refused before joining, members from before the
// PIN kept), renaming oneself (trim, length, a suffix when taken, the message,
// the entries' names), and the replay cooldown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, vote, queue, sse, ws, until, streamAwareRequest, DATA } from './lib.mjs';
import { newSong } from './catalog_lib.mjs';

function psql(sql) {
  return execFileSync('psql', ['-X', '-qAt', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued', '-c', sql],
    { encoding: 'utf8' }).trim();
}

const settings = (code, who, body) => api('PATCH', `/rooms/${code}`, { token: who.token, body });
const join = (code, who, body = {}) => api('POST', `/rooms/${code}/join`, { token: who.token, body });
const rename = (code, who, name) => api('PATCH', `/rooms/${code}/me`, { token: who.token, body: { name } });
const add = (code, who, songId) => api('POST', `/rooms/${code}/queue`, { token: who.token, body: { songId } });
const revisionOf = async (code) => assertOk(await queue(code)).revision;

async function pinRoom(pin = '4821') {
  const host = await newGuest('Pin host');
  const room = await newRoom(host, 'PIN room');
  const early = await newGuest('Early bird');
  const song = await newSong({ duration: 200 });
  await addEntry(room.code, early, song);
  assertOk(await settings(room.code, host, { pin }));
  return { host, room, code: room.code, early };
}

test('PIN format: 4 to 8 ASCII digits or null; anything else is a 400 naming the rule and changes nothing', async () => {
  const host = await newGuest('Format host');
  const { code } = await newRoom(host);
  const before = await revisionOf(code);
  for (const pin of ['123', '123456789', '12a4', ' 1234', '1234 ', '١٢٣٤', 1234, true, {}, '', '12\u00003456']) {
    const res = await settings(code, host, { pin });
    assertFail(res, 400);
    assert.match(res.json.message, /"pin" must be a string of 4 to 8 digits/);
  }
  assert.equal(await revisionOf(code), before, 'a refused PIN moves nothing');
  const room = assertOk(await api('GET', `/rooms/${code}`)).room;
  assert.equal(room.settings.hasPin, false);
  for (const pin of ['0000', '12345678']) assertOk(await settings(code, host, { pin }));
  // a member (not host) may not set one
  const other = await newGuest('Not host');
  assertFail(await settings(code, other, { pin: '1111' }), 403);
});

test('the PIN is never returned: settings show hasPin only, and the database holds a keyed hash', async () => {
  const { code, host } = await pinRoom('93017');
  const texts = [];
  const room = assertOk(await api('GET', `/rooms/${code}`));
  texts.push(JSON.stringify(room));
  assert.equal(room.room.settings.hasPin, true);
  assert.ok(!('pin' in room.room.settings) && !('pinHash' in room.room.settings));
  const changed = assertOk(await settings(code, host, { name: 'Still PIN' }));
  texts.push(JSON.stringify(changed));
  assert.equal(changed.settings.hasPin, true);
  for (const path of ['/queue', '/members', '/history', '/me']) {
    texts.push((await api('GET', `/rooms/${code}${path}`, { token: host.token })).text);
  }
  for (const t of texts) assert.ok(!t.includes('93017'), `the PIN shows in ${t}`);
  const stored = psql(`SELECT pin_hash FROM rooms WHERE code = '${code}'`);
  assert.match(stored, /^[0-9a-f]{64}$/);
  for (const t of texts) assert.ok(!t.includes(stored), 'the hash shows');
  // the same PIN in another room is another hash
  const other = await pinRoom('93017');
  assert.notEqual(psql(`SELECT pin_hash FROM rooms WHERE code = '${other.code}'`), stored);
  // the settings message says hasPin, never the PIN
  const stream = sse(`/rooms/${code}/events`);
  await stream.opened;
  assertOk(await settings(code, host, { pin: '55555' }));
  const msg = (await stream.waitFor((e) => e.data.type === 'settings')).data;
  stream.close();
  assert.equal(msg.settings.hasPin, true);
  assert.ok(!JSON.stringify(msg).includes('55555'));
  // removing it
  const off = assertOk(await settings(code, host, { pin: null }));
  assert.equal(off.settings.hasPin, false);
  assert.equal(psql(`SELECT pin_hash IS NULL FROM rooms WHERE code = '${code}'`), 't');
});

test('with a PIN, writes by someone not admitted are refused (nothing changes); joining with the right PIN admits', async () => {
  const { code } = await pinRoom('2468');
  const song = await newSong({ duration: 180 });
  const { entries } = assertOk(await queue(code));
  const before = await revisionOf(code);
  const stranger = await newGuest('Stranger');
  const refusals = [
    await add(code, stranger, song),
    await vote(code, entries[0].id, stranger, 1),
  ];
  for (const res of refusals) {
    assertFail(res, 403);
    assert.equal(res.json.message, 'this room has a PIN: join with POST /rooms/{code}/join first');
  }
  assert.equal(await revisionOf(code), before);
  assert.equal(assertOk(await api('GET', `/rooms/${code}/members`)).members.some((m) => m.id === stranger.id), false);
  // watching needs no PIN
  assertOk(await queue(code));
  assertOk(await api('GET', `/rooms/${code}/history`));
  // joining: the PIN is required, of the right form, and right
  let res = await join(code, stranger);
  assertFail(res, 400);
  assert.match(res.json.message, /"pin" is required/);
  assertFail(await join(code, stranger, { pin: '12' }), 400);
  res = await join(code, stranger, { pin: '1357' });
  assertFail(res, 403);
  assert.equal(res.json.message, 'wrong PIN');
  const member = assertOk(await join(code, stranger, { pin: '2468' })).member;
  assert.equal(member.id, stranger.id);
  assert.equal(member.role, 'member');
  assert.equal(await revisionOf(code), before, 'a join is not a change of the queue');
  // now the writes go through; joining again is fine without the PIN
  assertOk(await add(code, stranger, song), 201);
  assertOk(await vote(code, entries[0].id, stranger, 1));
  assertOk(await join(code, stranger));
});

test('members from before the PIN, the host and co-hosts stay admitted; removing the PIN opens the room', async () => {
  const { code, host, early } = await pinRoom('8080');
  const cohost = await newGuest('Co');
  assertOk(await settings(code, host, { pin: null }));
  await addEntry(code, cohost, await newSong({ duration: 100 }));
  assertOk(await api('POST', `/rooms/${code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  assertOk(await settings(code, host, { pin: '8080' }));
  for (const who of [host, early, cohost]) assertOk(await add(code, who, await newSong({ duration: 100 })), 201);
  assertOk(await join(code, early, { pin: '0000' }), 200); // a member: the PIN is not asked again
  const late = await newGuest('Late');
  assertFail(await add(code, late, await newSong({ duration: 100 })), 403);
  assertOk(await settings(code, cohost, { pin: null }));
  assertOk(await add(code, late, await newSong({ duration: 100 })), 201);
});

test('a banned member cannot join back in', async () => {
  const { code, host, early } = await pinRoom('1234');
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: early.id } }));
  assertFail(await join(code, early, { pin: '1234' }), 403);
});

test('wrong PINs are rate-limited per caller and room: 429 with Retry-After, even for the right PIN then', async () => {
  const { code } = await pinRoom('7777');
  const guesser = await newGuest('Guesser');
  for (let i = 0; i < 5; i++) assertFail(await join(code, guesser, { pin: `100${i}` }), 403);
  let res = await join(code, guesser, { pin: '7777' });
  assertFail(res, 429);
  const wait = Number(res.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 600, `Retry-After ${wait}`);
  assert.match(res.json.message, /PIN tries/);
  // another caller, and the same caller in another room, are counted apart
  const other = await newGuest('Other');
  assertOk(await join(code, other, { pin: '7777' }));
  const second = await pinRoom('7777');
  assertOk(await join(second.code, guesser, { pin: '7777' }));
  // a malformed PIN is a 400 and not a try
  res = await join(second.code, await newGuest('Typo'), { pin: 'abcd' });
  assertFail(res, 400);
});

test('join without a PIN on the room makes the caller a member; unknown room 404', async () => {
  const host = await newGuest('Open host');
  const { code } = await newRoom(host);
  const g = await newGuest('Walk-in');
  const m = assertOk(await join(code, g)).member;
  assert.equal(m.name, 'Walk-in');
  assert.ok(assertOk(await api('GET', `/rooms/${code}/members`)).members.some((x) => x.id === g.id));
  assertFail(await join('ZZZZZZ', g), 404);
  assertFail(await api('POST', `/rooms/${code}/join`, { body: {} }), 401);
});

test('rename: trimmed, 1-40 characters, the same name again changes nothing; bad names are 400 and change nothing', async () => {
  const host = await newGuest('Rename host');
  const { code } = await newRoom(host);
  const g = await newGuest('Zed');
  await addEntry(code, g, await newSong({ duration: 100 }));
  const before = await revisionOf(code);
  for (const name of ['', '   ', '\t\n', 'x'.repeat(41), ` ${'é'.repeat(41)} `, 'a\u0007b', 42, null]) {
    const res = await rename(code, g, name);
    assertFail(res, 400);
    assert.match(res.json.message, /"name"/);
  }
  assert.equal(await revisionOf(code), before);
  let r = assertOk(await rename(code, g, `  ${'é'.repeat(40)}  `));
  assert.equal(r.name, 'é'.repeat(40));
  assert.equal(r.revision, before + 1);
  r = assertOk(await rename(code, g, '  Zoë the DJ '));
  assert.equal(r.name, 'Zoë the DJ');
  assert.equal(r.revision, before + 2);
  r = assertOk(await rename(code, g, 'Zoë the DJ'));
  assert.equal(r.revision, before + 2, 'unchanged: no new revision');
  assert.equal(await revisionOf(code), before + 2);
  const me = assertOk(await api('GET', `/rooms/${code}/me`, { token: g.token })).member;
  assert.equal(me.name, 'Zoë the DJ');
});

test('rename: unique in the room by a suffix, case-insensitively; first contact gets a unique name too; the name sticks', async () => {
  const host = await newGuest('Ada');
  const { code } = await newRoom(host);
  const a2 = await newGuest('ada');
  const a3 = await newGuest('ADA');
  const e2 = (await addEntry(code, a2, await newSong({ duration: 100 }))).entry;
  assert.equal(e2.addedBy.name, 'ada 2');
  await addEntry(code, a3, await newSong({ duration: 100 }));
  let members = assertOk(await api('GET', `/rooms/${code}/members`)).members;
  assert.deepEqual(members.map((m) => m.name), ['Ada', 'ada 2', 'ADA 3']);
  // a rename to a taken name (any case) gets the next free suffix
  const b = await newGuest('Bob');
  assert.equal(assertOk(await rename(code, b, 'ADA')).name, 'ADA 4');
  // one's own name in another case is not taken by oneself
  assert.equal(assertOk(await rename(code, host, 'ADA')).name, 'ADA');
  // a long name keeps 40 characters with its suffix
  const long = 'L'.repeat(40);
  const l1 = await newGuest('L1');
  const l2 = await newGuest('L2');
  assert.equal(assertOk(await rename(code, l1, long)).name, long);
  assert.equal(assertOk(await rename(code, l2, long.toLowerCase())).name, `${'l'.repeat(38)} 2`);
  // a later touch (a vote) does not overwrite the chosen name with the token's
  const entry = (await addEntry(code, host, await newSong({ duration: 100 }))).entry;
  assertOk(await vote(code, entry.id, b, 1));
  members = assertOk(await api('GET', `/rooms/${code}/members`)).members;
  assert.equal(members.find((m) => m.id === b.id).name, 'ADA 4');
  // the host's name in the room follows
  assert.equal(assertOk(await api('GET', `/rooms/${code}`)).room.host.name, 'ADA');
  // names keep every letter (only white space is trimmed)
  const viv = await newGuest('viv');
  await addEntry(code, viv, await newSong({ duration: 100 }));
  assert.equal(assertOk(await api('GET', `/rooms/${code}/me`, { token: viv.token })).member.name, 'viv');
  assert.equal(assertOk(await rename(code, viv, '\tVivav\n')).name, 'Vivav');
  // many namesakes: the next free number after the highest taken
  const sam = [];
  for (let i = 0; i < 12; i++) sam.push(await newGuest('Sam'));
  for (const g of sam) await addEntry(code, g, await newSong({ duration: 100 }));
  members = assertOk(await api('GET', `/rooms/${code}/members`)).members;
  assert.deepEqual(members.filter((m) => /^Sam/.test(m.name)).map((m) => m.name),
    ['Sam', ...Array.from({ length: 11 }, (_, i) => `Sam ${i + 2}`)]);
  assert.equal(assertOk(await rename(code, sam[11], 'sam 12')).name, 'sam 12', 'one\'s own name is not taken by oneself');
  assert.equal(assertOk(await rename(code, sam[1], 'Sam')).name, 'Sam 13', 'after the highest number taken');
  assert.equal(assertOk(await rename(code, sam[0], 'SAM 3')).name, 'SAM 3 2');
});

test('rename: one member_renamed message; the member\'s waiting and playing entries show the new name, played ones keep theirs', async () => {
  const host = await newGuest('Host R');
  const { code } = await newRoom(host);
  const g = await newGuest('Old name');
  const [s1, s2, s3] = [await newSong({ duration: 100 }), await newSong({ duration: 100 }), await newSong({ duration: 100 })];
  const first = (await addEntry(code, g, s1)).entry;
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: first.id } })); // first has played
  await addEntry(code, g, s2);
  await addEntry(code, g, s3);
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  const other = await newGuest('Other adder');
  await addEntry(code, other, await newSong({ duration: 100 }));
  const stream = sse(`/rooms/${code}/events`);
  await stream.opened;
  const before = await revisionOf(code);
  const r = assertOk(await rename(code, g, 'New name'));
  const msg = (await stream.waitFor((e) => e.data.type === 'member_renamed')).data;
  await new Promise((res) => setTimeout(res, 200));
  stream.close();
  assert.deepEqual(msg, { type: 'member_renamed', revision: before + 1, memberId: g.id, name: 'New name' });
  assert.equal(stream.events.length, 1, 'one message');
  assert.equal(r.revision, before + 1);
  const q = assertOk(await queue(code));
  const mine = [q.nowPlaying, ...q.entries].filter((e) => e.addedBy.id === g.id);
  assert.equal(mine.length, 2);
  for (const e of mine) assert.equal(e.addedBy.name, 'New name');
  assert.equal(q.entries.find((e) => e.addedBy.id === other.id).addedBy.name, 'Other adder');
  const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
  assert.equal(history.find((e) => e.id === first.id).addedBy.name, 'Old name');
  // a later add carries the room name
  assert.equal((await addEntry(code, g, await newSong({ duration: 100 }))).entry.addedBy.name, 'New name');
});

test('rename: a banned member cannot; in a PIN room a visitor must join first', async () => {
  const { code, host, early } = await pinRoom('3141');
  const visitor = await newGuest('Visitor');
  const before = await revisionOf(code);
  assertFail(await rename(code, visitor, 'Sneaky'), 403);
  assert.equal(await revisionOf(code), before);
  assertOk(await join(code, visitor, { pin: '3141' }));
  assert.equal(assertOk(await rename(code, visitor, 'Welcome')).name, 'Welcome');
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: early.id } }));
  assertFail(await rename(code, early, 'Back'), 403);
  assertFail(await rename('ZZZZZZ', early, 'x'), 404);
});

test('replay cooldown: setting 0-1440 (default 0); bad values are 400 and change nothing', async () => {
  const host = await newGuest('Cool host');
  const { code } = await newRoom(host);
  assert.equal(assertOk(await api('GET', `/rooms/${code}`)).room.settings.replayCooldownMinutes, 0);
  const before = await revisionOf(code);
  for (const v of [-1, 1441, 1.5, '10', true]) {
    const res = await settings(code, host, { replayCooldownMinutes: v });
    assertFail(res, 400);
    assert.match(res.json.message, /replayCooldownMinutes/);
  }
  assert.equal(await revisionOf(code), before);
  assert.equal(assertOk(await settings(code, host, { replayCooldownMinutes: 1440 })).settings.replayCooldownMinutes, 1440);
  assert.equal(assertOk(await settings(code, host, { replayCooldownMinutes: null })).settings.replayCooldownMinutes, 0);
});

test('replay cooldown: a song that finished or was skipped within N minutes is refused with allowedAt; accepted once that has passed', async () => {
  const host = await newGuest('Cool host');
  const { code } = await newRoom(host);
  const g = await newGuest('Cool guest');
  const song = await newSong({ duration: 200 });
  const first = (await addEntry(code, g, song)).entry;
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  // without a cooldown the song playing may be queued again (as before)
  const again = (await addEntry(code, g, song)).entry;
  assertOk(await api('DELETE', `/rooms/${code}/queue/${again.id}`, { token: g.token }));
  assertOk(await settings(code, host, { replayCooldownMinutes: 30 }));
  // playing now: refused until its end plus the cooldown
  let before = await revisionOf(code);
  let res = await add(code, g, song);
  assertFail(res, 403);
  assert.match(res.json.message, /this song is playing now; the room's replay cooldown allows it again at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
  const playingAllowed = Date.parse(res.json.data.allowedAt);
  assert.ok(Math.abs(playingAllowed - (Date.parse(first.addedAt) + 200e3 + 30 * 60e3)) < 60e3, res.json.data.allowedAt);
  assert.equal(await revisionOf(code), before);
  // finished 12 minutes ago: allowed 18 minutes from now
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: first.id } }));
  psql(`UPDATE queue_entries SET ended_at = now() - interval '12 minutes' WHERE id = ${first.id}`);
  before = await revisionOf(code);
  res = await add(code, g, song);
  assertFail(res, 403);
  const allowed = res.json.data.allowedAt;
  assert.match(res.json.message, new RegExp(`^this song played 12 minutes ago; the room's replay cooldown allows it again at ${allowed.replace(/\./g, '\\.')}$`));
  assert.ok(Math.abs(Date.parse(allowed) - (Date.now() + 18 * 60e3)) < 60e3, allowed);
  assert.equal(await revisionOf(code), before);
  // another song is fine; a shorter cooldown lets it in
  assertOk(await add(code, g, await newSong({ duration: 100 })), 201);
  assertOk(await settings(code, host, { replayCooldownMinutes: 10 }));
  assertOk(await add(code, g, song), 201);
});

test('replay cooldown: a skipped song counts; once the time has passed it is accepted; a removed one never counted', async () => {
  const host = await newGuest('Skip host');
  const { code } = await newRoom(host);
  const [a, b] = [await newGuest('Sa'), await newGuest('Sb')];
  const song = await newSong({ duration: 200 });
  const e = (await addEntry(code, a, song)).entry;
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  assertOk(await api('POST', `/rooms/${code}/skip`, { token: a.token, body: { entryId: e.id } }));
  assert.equal(assertOk(await api('POST', `/rooms/${code}/skip`, { token: b.token, body: { entryId: e.id } })).skipped, true);
  assertOk(await settings(code, host, { replayCooldownMinutes: 5 }));
  assertFail(await add(code, a, song), 403);
  psql(`UPDATE queue_entries SET ended_at = now() - interval '5 minutes 1 second' WHERE id = ${e.id}`);
  assertOk(await add(code, a, song), 201);
  // removed while waiting: it never played
  const other = await newSong({ duration: 100 });
  const w = (await addEntry(code, a, other)).entry;
  assertOk(await api('DELETE', `/rooms/${code}/queue/${w.id}`, { token: a.token }));
  assertOk(await add(code, a, other), 201);
});

// ------------------------------------------------------------------ a hidden queue

/** An EventSource's request (token in Authorization when given): its status, and the body of a refusal. */
const stream = (path, token) => streamAwareRequest(path, { headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

test('hideQueue: only with a PIN (400 otherwise, nothing changed); removing the PIN shows the queue again', async () => {
  const host = await newGuest('Hide host');
  const { code } = await newRoom(host);
  const before = await revisionOf(code);
  let res = await settings(code, host, { hideQueue: true });
  assertFail(res, 400);
  assert.match(res.json.message, /"hideQueue" needs a PIN/);
  for (const v of [1, 'yes', null]) assertFail(await settings(code, host, { hideQueue: v }), 400);
  assert.equal(await revisionOf(code), before);
  const s = assertOk(await settings(code, host, { pin: '1470', hideQueue: true })).settings;
  assert.equal(s.hideQueue, true);
  assert.equal(s.hasPin, true);
  assertFail(await settings(code, host, { pin: null, hideQueue: true }), 400);
  const off = assertOk(await settings(code, host, { pin: null })).settings;
  assert.deepEqual([off.hasPin, off.hideQueue], [false, false]);
});

test('hideQueue: queue, history, members, now playing and the live stream are for members only; no snapshot file is left', async () => {
  const { code, host, early } = await pinRoom('6060');
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  await addEntry(code, early, await newSong({ duration: 90 }));
  const file = `${DATA}/snapshots/queue/${code}.json`;
  assertOk(await queue(code));
  await until(() => existsSync(file), 3000, 'the snapshot file of the open room');
  assertOk(await settings(code, host, { hideQueue: true }));
  assert.equal(existsSync(file), false, 'hiding removed the file');
  const stranger = await newGuest('Outsider');
  for (const who of [null, stranger]) {
    for (const path of ['/queue', '/history', '/members']) {
      const r = await api('GET', `/rooms/${code}${path}`, { token: who?.token });
      assertFail(r, 403);
      assert.match(r.json.message, /hides its queue/);
    }
    const room = assertOk(await api('GET', `/rooms/${code}`, { token: who?.token })).room;
    assert.equal(room.nowPlaying, null, 'what plays is hidden too');
    assert.equal(room.settings.hideQueue, true);
    for (const path of [`/rooms/${code}/events`, `/rooms/${code.toLowerCase()}/events?token=${who?.token ?? ''}`]) {
      const r = await stream(path, who?.token);
      assert.equal(r.status, 403, path);
      assert.match(r.text, /hides its queue/);
    }
  }
  // members see everything, and the stream opens with the token in the header or the query
  for (const who of [host, early]) {
    const q = assertOk(await queue(code, { authorization: `Bearer ${who.token}` }));
    assert.equal(q.entries.length, 1);
    assert.notEqual(q.nowPlaying, null);
    assertOk(await api('GET', `/rooms/${code}/history`, { token: who.token }));
    assertOk(await api('GET', `/rooms/${code}/members`, { token: who.token }));
    assert.notEqual(assertOk(await api('GET', `/rooms/${code}`, { token: who.token })).room.nowPlaying, null);
    assert.equal((await stream(`/rooms/${code}/events`, who.token)).status, 200);
    assert.equal((await stream(`/rooms/${code}/events?token=${encodeURIComponent(who.token)}`)).status, 200);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(existsSync(file), false, 'no file for a hidden room, after members read it');
  // a banned member is not a member for this
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: early.id } }));
  assertFail(await queue(code, { authorization: `Bearer ${early.token}` }), 403);
  // the one who joins with the PIN sees it; messages reach members over SSE and WebSocket
  assertOk(await join(code, stranger, { pin: '6060' }));
  const es = sse(`/rooms/${code}/events?token=${encodeURIComponent(stranger.token)}`);
  const sock = ws(`/rooms/${code}/events?token=${encodeURIComponent(stranger.token)}`);
  await Promise.all([es.opened, sock.opened]);
  const added = await add(code, stranger, await newSong({ duration: 120 }));
  const revision = assertOk(added, 201).revision;
  await es.waitFor((e) => e.data.revision === revision);
  await sock.waitFor((m) => m.revision === revision);
  es.close();
  sock.close();
  // shown again: anyone reads, and the file comes back
  assertOk(await settings(code, host, { hideQueue: false }));
  assertOk(await queue(code));
  await until(() => existsSync(file), 3000, 'the snapshot file again');
  assert.equal((await stream(`/rooms/${code}/events`)).status, 200);
});

test('events of a room that does not exist: 404; an open room\'s stream needs no token', async () => {
  const r = await stream('/rooms/ZZZZZ2/events');
  assert.equal(r.status, 404);
  const host = await newGuest('Open');
  const { code } = await newRoom(host);
  assert.equal((await stream(`/rooms/${code}/events`)).status, 200);
});

test('hideQueue: whoever listened before is dropped when the queue is hidden, and hears nothing more', async () => {
  const { code, host } = await pinRoom('1212');
  const outsider = sse(`/rooms/${code}/events`);
  const sock = ws(`/rooms/${code}/events`);
  await Promise.all([outsider.opened, sock.opened]);
  const r = assertOk(await settings(code, host, { hideQueue: true }));
  const added = await addEntry(code, host, await newSong({ duration: 60 }));
  await new Promise((res) => setTimeout(res, 500));
  assert.ok(added.revision > r.revision);
  assert.ok(!outsider.events.some((e) => e.data.revision > r.revision), 'the outsider (SSE) heard a change after the hiding');
  assert.ok(!sock.messages.some((m) => m.revision > r.revision), 'the outsider (WebSocket) heard a change after the hiding');
  assertFail(await queue(code), 403);
  outsider.close();
  sock.close();
});

test('hideQueue: a member banned from a room that hides its queue stops hearing it at once', async () => {
  const { code, host, early } = await pinRoom('3434');
  assertOk(await settings(code, host, { hideQueue: true }));
  const theirs = sse(`/rooms/${code}/events?token=${encodeURIComponent(early.token)}`);
  await theirs.opened;
  const ban = assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: early.id } }));
  const added = await addEntry(code, host, await newSong({ duration: 60 }));
  await new Promise((res) => setTimeout(res, 500));
  assert.ok(added.revision > ban.revision);
  assert.ok(!theirs.events.some((e) => e.data.revision > ban.revision), 'the banned member heard a change after the ban');
  assert.equal((await stream(`/rooms/${code}/events`, early.token)).status, 403);
  theirs.close();
});
