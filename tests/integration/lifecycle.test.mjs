// lifecycle.test.mjs: a room's life: the host hands the role over, members
// leave (the host's role passes on), the host closes the room (a final
// `closed` message, then 410 for every request about it, enforced for every
// write in the database), the idle job closes rooms nobody used for
// ROOM_IDLE_DAYS, and GET /me/rooms lists the open rooms one runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  api, assertOk, assertFail, newGuest, newRoom, addEntry, vote, queue, sse, songIds, until, sleep,
  restartWorkers, catalogAdminToken, DATA, JSON_TYPE,
} from './lib.mjs';
import { newUser, newSong } from './catalog_lib.mjs';

const PASSWORD = fs.readFileSync(`${DATA}/queued.env`, 'utf8').match(/^PGPASSWORD=(.*)$/m)[1];

/** One statement as the workers' role; {status, stdout, stderr}. */
function psql(sql) {
  return spawnSync('psql', ['-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued', '-c', sql],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: PASSWORD } });
}

function sqlOk(sql) {
  const r = psql(sql);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

let songs;
test.before(async () => { songs = await songIds(); });

/** A room with a host, a co-host and a member, each with a song waiting. */
async function partyRoom() {
  const [host, cohost, member] = await Promise.all(['Host', 'Cohost', 'Member'].map((n) => newGuest(n)));
  const room = await newRoom(host, 'Life');
  const hostEntry = (await addEntry(room.code, host, songs[0])).entry;
  const cohostEntry = (await addEntry(room.code, cohost, songs[1])).entry;
  const memberEntry = (await addEntry(room.code, member, songs[2])).entry;
  assertOk(await api('POST', `/rooms/${room.code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  return { code: room.code, host, cohost, member, hostEntry, cohostEntry, memberEntry };
}

const revisionOf = async (code) => assertOk(await queue(code)).revision;
const membersOf = async (code) => assertOk(await api('GET', `/rooms/${code}/members`)).members;

function assertClosed(res, what) {
  assert.equal(res.status, 410, `${what}: expected 410, got ${res.status}: ${res.text}`);
  assert.equal(res.headers.get('content-type'), JSON_TYPE, what);
  assert.deepEqual(res.json, { status: 'fail', message: 'this room is closed' }, what);
}

test('only the host closes a room; the revision moves once and `closed` is the final message', async () => {
  const w = await partyRoom();
  const outsider = await newGuest('Outsider');
  const before = await revisionOf(w.code);
  for (const who of [w.cohost, w.member, outsider]) assertFail(await api('POST', `/rooms/${w.code}/close`, { token: who.token }), 403);
  assertFail(await api('POST', `/rooms/${w.code}/close`), 401);
  assertFail(await api('POST', '/rooms/ZZZZZZ/close', { token: w.host.token }), 404);
  assert.equal(await revisionOf(w.code), before, 'a refused close changed nothing');

  const stream = sse(`/rooms/${w.code}/events`);
  await stream.opened;
  try {
    const d = assertOk(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }));
    assert.equal(d.revision, before + 1);
    const msg = await stream.waitFor((e) => e.data.type === 'closed');
    assert.deepEqual(msg.data, { type: 'closed', revision: before + 1 });
  } finally {
    stream.close();
  }
  assertClosed(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }), 'closing twice');
});

test('after the close every read and every write about the room is 410, and nothing changes', async () => {
  const w = await partyRoom();
  const playing = assertOk(await api('POST', `/rooms/${w.code}/advance`, { token: w.host.token, body: { currentEntryId: null } })).nowPlaying;
  await vote(w.code, w.memberEntry.id, w.cohost, 1);
  // Leave the snapshot file nginx serves, and the Redis entry.
  assertOk(await queue(w.code));
  const cached = await queue(w.code);
  assert.equal(cached.headers.get('x-data-source'), 'snapshot');
  const file = `${DATA}/snapshots/queue/${w.code}.json`;
  assert.ok(fs.existsSync(file), 'the snapshot file is there before the close');
  const closedAt = assertOk(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token })).revision;
  assert.ok(!fs.existsSync(file), 'the close removed the snapshot file');

  const c = w.code, h = { token: w.host.token }, m = { token: w.member.token };
  const reads = [
    ['GET', `/rooms/${c}`, {}], ['GET', `/rooms/${c}/queue`, {}], ['GET', `/rooms/${c}/queue`, { headers: { 'if-none-match': '"3"' } }],
    ['GET', `/rooms/${c}/members`, {}], ['GET', `/rooms/${c}/history`, {}], ['GET', `/rooms/${c}/me`, m], ['GET', `/rooms/${c}/qr.svg`, {}],
    // The live stream too: its subscriptions pass a worker first.
    ['GET', `/rooms/${c}/events`, {}],
  ];
  const writes = [
    ['POST', `/rooms/${c}/queue`, { ...m, body: { songId: songs[3] } }],
    ['POST', `/rooms/${c}/queue`, { token: (await newGuest('Late')).token, body: { songId: songs[4] } }],
    ['PUT', `/rooms/${c}/queue/${w.memberEntry.id}/vote`, { ...m, body: { value: 1 } }],
    ['PUT', `/rooms/${c}/queue/${w.memberEntry.id}/vote`, { token: w.cohost.token, body: { value: 1 } }],
    ['POST', `/rooms/${c}/advance`, { ...h, body: { currentEntryId: playing.id } }],
    ['POST', `/rooms/${c}/advance`, { ...h, body: { currentEntryId: null } }],
    ['POST', `/rooms/${c}/skip`, { ...m, body: { entryId: playing.id } }],
    ['PATCH', `/rooms/${c}`, { ...h, body: { name: 'Reopened?' } }],
    ['DELETE', `/rooms/${c}/queue/${w.memberEntry.id}`, m],
    ['POST', `/rooms/${c}/cohosts`, { ...h, body: { memberId: w.member.id } }],
    ['DELETE', `/rooms/${c}/cohosts/${w.cohost.id}`, h],
    ['POST', `/rooms/${c}/bans`, { ...h, body: { memberId: w.member.id } }],
    ['DELETE', `/rooms/${c}/bans/${w.member.id}`, h],
    ['POST', `/rooms/${c}/host`, { ...h, body: { memberId: w.member.id } }],
    ['POST', `/rooms/${c}/leave`, m],
    ['POST', `/rooms/${c}/leave`, h],
    ['POST', `/rooms/${c}/close`, h],
    ['PUT', `/rooms/${c}/playback`, { ...h, body: { entryId: playing.id, paused: true } }],
    ['PUT', `/rooms/${c}/queue/${w.memberEntry.id}/pin`, { ...h, body: {} }],
    ['DELETE', `/rooms/${c}/queue/${w.memberEntry.id}/pin`, h],
    ['PATCH', `/rooms/${c}/me`, { ...m, body: { name: 'New name' } }],
    ['POST', `/rooms/${c}/join`, { token: (await newGuest('Joiner')).token, body: { pin: '1234' } }],
    ['POST', `/rooms/${c}/history/playlist`, { token: (await newUser()).accessToken, body: { name: 'After the party' } }],
  ];
  for (const [method, path, opts] of [...reads, ...writes]) assertClosed(await api(method, path, opts), `${method} ${path}`);
  // Nothing re-created the file or the cached answer, and the database kept the room as it was closed.
  await sleep(100);
  assert.ok(!fs.existsSync(file), 'no snapshot file for a closed room');
  assertClosed(await queue(c), 'the queue once more');
  assert.equal(sqlOk(`SELECT revision FROM rooms WHERE code = '${c}'`), String(closedAt));
  assert.equal(sqlOk(`SELECT count(*) FROM queue_entries e JOIN rooms r ON r.id = e.room_id WHERE r.code = '${c}' AND e.state IN ('waiting', 'playing')`), '0');
  assert.equal(sqlOk(`SELECT name FROM rooms WHERE code = '${c}'`), 'Life');
});

test('the database refuses any write to a closed room, whichever function tries it (SQLSTATE QC410)', async () => {
  const w = await partyRoom();
  assertOk(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }));
  const attempts = [
    `UPDATE rooms SET name = 'x' WHERE code = '${w.code}'`,
    `UPDATE rooms SET revision = revision + 1 WHERE code = '${w.code}'`,
    `SELECT room_member_touch((SELECT id FROM rooms WHERE code = '${w.code}'), 'guest-someone', 'Someone')`,
    `INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name) SELECT id, '${songs[0]}', 'x', 'x' FROM rooms WHERE code = '${w.code}'`,
    `INSERT INTO votes (entry_id, voter_id, value) VALUES (${w.hostEntry.id}, 'guest-someone', 1)`,
    `INSERT INTO skip_votes (entry_id, member_id) VALUES (${w.hostEntry.id}, 'guest-someone')`,
    `UPDATE room_members SET role = 'cohost' WHERE member_id = '${w.member.id}'`,
  ];
  for (const sql of attempts) {
    const r = psql(`DO $$ BEGIN ${sql.startsWith('SELECT') ? 'PERFORM' + sql.slice(6) : sql}; EXCEPTION WHEN SQLSTATE 'QC410' THEN RAISE NOTICE 'refused'; END $$`);
    assert.equal(r.status, 0, `${sql}: ${r.stderr}`);
    assert.match(r.stderr, /refused/, `${sql} was not refused with QC410`);
  }
});

test('a catalog edit or deletion of a song of a closed room still works', async () => {
  const w = await partyRoom();
  const songId = await newSong({ duration: 120 });
  const entry = (await addEntry(w.code, w.member, songId)).entry;
  assertOk(await api('POST', `/rooms/${w.code}/advance`, { token: w.host.token, body: { currentEntryId: null } }));
  assert.ok(entry.id);
  assertOk(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }));
  const admin = await catalogAdminToken();
  assertOk(await api('PUT', `/songs/${songId}`, { token: admin, body: { title: 'Renamed', year: 2001, genre: 'Pop', performer: 'P' } }));
  assertOk(await api('DELETE', `/songs/${songId}`, { token: admin }));
});

test('handing over: the member becomes host, the host a co-host; one `host_changed`; the new host runs the room', async () => {
  const w = await partyRoom();
  const before = await revisionOf(w.code);
  const stream = sse(`/rooms/${w.code}/events`);
  await stream.opened;
  let d;
  try {
    d = assertOk(await api('POST', `/rooms/${w.code}/host`, { token: w.host.token, body: { memberId: w.member.id } }));
    const msg = await stream.waitFor((e) => e.data.type === 'host_changed');
    assert.deepEqual(msg.data, { type: 'host_changed', revision: before + 1, hostId: w.member.id, previousHostId: w.host.id });
  } finally {
    stream.close();
  }
  assert.deepEqual(d, { hostId: w.member.id, previousHostId: w.host.id, revision: before + 1 });
  const room = assertOk(await api('GET', `/rooms/${w.code}`)).room;
  assert.equal(room.host.id, w.member.id);
  assert.equal(room.host.name, w.member.name);
  assert.deepEqual(room.cohosts.sort(), [w.cohost.id, w.host.id].sort());
  const roles = Object.fromEntries((await membersOf(w.code)).map((x) => [x.id, x.role]));
  assert.deepEqual(roles, { [w.host.id]: 'cohost', [w.cohost.id]: 'cohost', [w.member.id]: 'host' });
  assert.equal(assertOk(await api('GET', `/rooms/${w.code}/me`, { token: w.member.token })).member.role, 'host');
  // The new host's powers; the old host, now a co-host, cannot hand over or close any more.
  assertFail(await api('POST', `/rooms/${w.code}/host`, { token: w.host.token, body: { memberId: w.host.id } }), 403);
  assertFail(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }), 403);
  assertOk(await api('POST', `/rooms/${w.code}/advance`, { token: w.member.token, body: { currentEntryId: null } }));
  assertOk(await api('DELETE', `/rooms/${w.code}/cohosts/${w.host.id}`, { token: w.member.token }));
  assertOk(await api('PATCH', `/rooms/${w.code}`, { token: w.member.token, body: { name: 'New host' } }));
});

test('handing over: who may, and bad input is a 4xx naming the problem that changes nothing', async () => {
  const w = await partyRoom();
  const banned = await newGuest('Banned');
  await addEntry(w.code, banned, songs[5]);
  assertOk(await api('POST', `/rooms/${w.code}/bans`, { token: w.host.token, body: { memberId: banned.id } }));
  const before = await revisionOf(w.code);
  const h = (body, who = w.host) => api('POST', `/rooms/${w.code}/host`, { token: who.token, body });
  assertFail(await h({ memberId: w.member.id }, w.cohost), 403);
  assertFail(await h({ memberId: w.cohost.id }, w.member), 403);
  assertFail(await api('POST', `/rooms/${w.code}/host`, { body: { memberId: w.member.id } }), 401);
  let r = await h({ memberId: 'guest-nobody000000000' });
  assertFail(r, 404);
  assert.match(r.json.message, /memberId/);
  r = await h({ memberId: banned.id });
  assertFail(r, 409);
  assert.match(r.json.message, /banned/);
  r = await h({ memberId: w.host.id });
  assertFail(r, 400);
  assert.match(r.json.message, /memberId/);
  r = await h({});
  assertFail(r, 400);
  assert.match(r.json.message, /memberId/);
  assertFail(await h({ memberId: 7 }), 400);
  assertFail(await api('POST', '/rooms/ZZZZZZ/host', { token: w.host.token, body: { memberId: w.member.id } }), 404);
  assert.equal(await revisionOf(w.code), before);
  assert.equal(assertOk(await api('GET', `/rooms/${w.code}`)).room.host.id, w.host.id);
});

test('leaving: a member stops being one (gone from the members), their entries stay; `member_left`', async () => {
  const w = await partyRoom();
  const before = await revisionOf(w.code);
  const stream = sse(`/rooms/${w.code}/events`);
  await stream.opened;
  try {
    const d = assertOk(await api('POST', `/rooms/${w.code}/leave`, { token: w.member.token }));
    assert.deepEqual(d, { hostId: w.host.id, previousHostId: null, left: true, revision: before + 1 });
    const msg = await stream.waitFor((e) => e.data.type === 'member_left');
    assert.deepEqual(msg.data, { type: 'member_left', revision: before + 1, memberId: w.member.id });
  } finally {
    stream.close();
  }
  assert.ok(!(await membersOf(w.code)).some((x) => x.id === w.member.id));
  const q = assertOk(await queue(w.code));
  assert.ok(q.entries.some((e) => e.id === w.memberEntry.id), 'the entry stays');
  // Leaving twice: not a member any more. Acting again makes one again.
  assertFail(await api('POST', `/rooms/${w.code}/leave`, { token: w.member.token }), 404);
  const outsider = await newGuest('Outsider');
  assertFail(await api('POST', `/rooms/${w.code}/leave`, { token: outsider.token }), 404);
  assertFail(await api('POST', `/rooms/${w.code}/leave`), 401);
  assert.equal((await vote(w.code, w.hostEntry.id, w.member, 1)).status, 200);
  assert.equal((await membersOf(w.code)).find((x) => x.id === w.member.id)?.role, 'member');
  // A co-host who leaves loses the role.
  assertOk(await api('POST', `/rooms/${w.code}/leave`, { token: w.cohost.token }));
  assert.deepEqual(assertOk(await api('GET', `/rooms/${w.code}`)).room.cohosts, []);
  // A banned member cannot leave the ban behind.
  assertOk(await api('POST', `/rooms/${w.code}/bans`, { token: w.host.token, body: { memberId: w.member.id } }));
  const rev = await revisionOf(w.code);
  assertFail(await api('POST', `/rooms/${w.code}/leave`, { token: w.member.token }), 403);
  assert.equal(await revisionOf(w.code), rev);
  assert.equal((await membersOf(w.code)).find((x) => x.id === w.member.id)?.banned, true);
});

test('the host leaving: the longest-standing co-host takes over, and the room keeps working', async () => {
  const w = await partyRoom();
  const later = await newGuest('Later cohost');
  await addEntry(w.code, later, songs[3]);
  assertOk(await api('POST', `/rooms/${w.code}/cohosts`, { token: w.host.token, body: { memberId: later.id } }));
  const before = await revisionOf(w.code);
  const stream = sse(`/rooms/${w.code}/events`);
  await stream.opened;
  try {
    const d = assertOk(await api('POST', `/rooms/${w.code}/leave`, { token: w.host.token }));
    assert.deepEqual(d, { hostId: w.cohost.id, previousHostId: w.host.id, left: true, revision: before + 1 });
    const msg = await stream.waitFor((e) => e.data.type === 'host_changed');
    assert.deepEqual(msg.data, { type: 'host_changed', revision: before + 1, hostId: w.cohost.id, previousHostId: w.host.id });
  } finally {
    stream.close();
  }
  const room = assertOk(await api('GET', `/rooms/${w.code}`)).room;
  assert.equal(room.host.id, w.cohost.id);
  assert.deepEqual(room.cohosts, [later.id]);
  assert.ok(!(await membersOf(w.code)).some((x) => x.id === w.host.id));
  assert.ok(assertOk(await queue(w.code)).entries.some((e) => e.id === w.hostEntry.id), "the old host's entry stays");
  // The new host advances, changes settings, and closes.
  assertOk(await api('POST', `/rooms/${w.code}/advance`, { token: w.cohost.token, body: { currentEntryId: null } }));
  assertOk(await api('PATCH', `/rooms/${w.code}`, { token: w.cohost.token, body: { votingMode: 'up' } }));
  assertFail(await api('POST', `/rooms/${w.code}/close`, { token: w.host.token }), 403);
  assertOk(await api('POST', `/rooms/${w.code}/close`, { token: w.cohost.token }));
});

test('the host leaving without co-hosts: the earliest-joined member who is not banned; alone, the host stays', async () => {
  const host = await newGuest('Lonely host');
  const room = await newRoom(host, 'Alone');
  const before = await revisionOf(room.code);
  const d = assertOk(await api('POST', `/rooms/${room.code}/leave`, { token: host.token }));
  assert.deepEqual(d, { hostId: host.id, previousHostId: null, left: false, revision: before });
  const r = await api('POST', `/rooms/${room.code}/leave`, { token: host.token });
  assert.match(r.json.message, /stay its host/);
  assert.equal(await revisionOf(room.code), before, 'nothing changed');
  assert.equal(assertOk(await api('GET', `/rooms/${room.code}`)).room.host.id, host.id);

  const [first, second, third] = [await newGuest('First'), await newGuest('Second'), await newGuest('Third')];
  for (const g of [first, second, third]) await addEntry(room.code, g, songs[[first, second, third].indexOf(g)]);
  assertOk(await api('POST', `/rooms/${room.code}/bans`, { token: host.token, body: { memberId: first.id } }));
  const left = assertOk(await api('POST', `/rooms/${room.code}/leave`, { token: host.token }));
  assert.equal(left.hostId, second.id, 'the banned first member is passed over');
  assert.equal(assertOk(await api('GET', `/rooms/${room.code}`)).room.host.id, second.id);
  assertOk(await api('POST', `/rooms/${room.code}/advance`, { token: second.token, body: { currentEntryId: null } }));
});

test('GET /me/rooms: the open rooms one hosts or co-hosts, newest activity first', async () => {
  const me = await newGuest('Runner');
  const other = await newGuest('Other runner');
  const hosted = await newRoom(me, 'Hosted');
  const cohosted = await newRoom(other, 'Cohosted');
  const joined = await newRoom(other, 'Joined');
  const closed = await newRoom(me, 'Closed');
  await addEntry(cohosted.code, me, songs[0]);
  await addEntry(joined.code, me, songs[0]);
  assertOk(await api('POST', `/rooms/${cohosted.code}/cohosts`, { token: other.token, body: { memberId: me.id } }));
  assertOk(await api('POST', `/rooms/${closed.code}/close`, { token: me.token }));
  let rooms = assertOk(await api('GET', '/me/rooms', { token: me.token })).rooms;
  assert.deepEqual(rooms.map((r) => [r.code, r.name, r.role]), [[cohosted.code, 'Cohosted', 'cohost'], [hosted.code, 'Hosted', 'host']]);
  for (const r of rooms) {
    assert.equal(typeof r.revision, 'number');
    assert.ok(Date.parse(r.createdAt) <= Date.parse(r.lastActivityAt));
  }
  // Activity in the hosted room brings it first.
  await sleep(1100); // the activity time moves at most once a second (018)
  await addEntry(hosted.code, other, songs[1]);
  rooms = assertOk(await api('GET', '/me/rooms', { token: me.token })).rooms;
  assert.deepEqual(rooms.map((r) => r.code), [hosted.code, cohosted.code]);
  assert.equal(rooms[0].revision, assertOk(await queue(hosted.code)).revision);
  // A registered user's token works too; no token is 401.
  const user = await newUser();
  const theirs = assertOk(await api('POST', '/rooms', { token: user.accessToken, body: { name: 'Users room' } }), 201).room;
  assert.deepEqual(assertOk(await api('GET', '/me/rooms', { token: user.accessToken })).rooms.map((r) => r.code), [theirs.code]);
  assertFail(await api('GET', '/me/rooms'), 401);
  // After a hand-over the old host is a co-host; after leaving, the room is not theirs.
  await addEntry(hosted.code, other, songs[2]);
  assertOk(await api('POST', `/rooms/${hosted.code}/host`, { token: me.token, body: { memberId: other.id } }));
  assert.equal(assertOk(await api('GET', '/me/rooms', { token: me.token })).rooms.find((r) => r.code === hosted.code).role, 'cohost');
  assertOk(await api('POST', `/rooms/${hosted.code}/leave`, { token: me.token }));
  assert.deepEqual(assertOk(await api('GET', '/me/rooms', { token: me.token })).rooms.map((r) => r.code), [cohosted.code]);
});

test('last_activity_at moves with the revision, and only then', async () => {
  const w = await partyRoom();
  sqlOk(`UPDATE rooms SET last_activity_at = now() - interval '3 days' WHERE code = '${w.code}'`);
  const old = sqlOk(`SELECT last_activity_at < now() - interval '2 days' FROM rooms WHERE code = '${w.code}'`);
  assert.equal(old, 't');
  const voter = await newGuest('Voter');
  assertOk(await vote(w.code, w.memberEntry.id, voter, 0)); // a vote that changes nothing moves nothing
  assert.equal(sqlOk(`SELECT last_activity_at < now() - interval '2 days' FROM rooms WHERE code = '${w.code}'`), 't');
  assert.equal((await vote(w.code, w.hostEntry.id, w.member, 1)).status, 200);
  assert.equal(sqlOk(`SELECT last_activity_at > now() - interval '1 minute' FROM rooms WHERE code = '${w.code}'`), 't');
});

test('the idle job closes rooms idle for ROOM_IDLE_DAYS (default 30), each with its `closed` message', async () => {
  const idle = await partyRoom();
  const recent = await partyRoom();
  sqlOk(`UPDATE rooms SET last_activity_at = now() - interval '31 days' WHERE code = '${idle.code}'`);
  sqlOk(`UPDATE rooms SET last_activity_at = now() - interval '10 days' WHERE code = '${recent.code}'`);
  const idleRev = await revisionOf(idle.code);
  const stream = sse(`/rooms/${idle.code}/events`);
  await stream.opened;
  try {
    restartWorkers(); // the job runs at start-up, then every 5 minutes
    const msg = await stream.waitFor((e) => e.data.type === 'closed', 15000);
    assert.deepEqual(msg.data, { type: 'closed', revision: idleRev + 1 });
  } finally {
    stream.close();
  }
  await until(async () => (await api('GET', `/rooms/${idle.code}`)).status === 410, 5000, 'the idle room closed');
  assertClosed(await queue(idle.code), 'the idle room\'s queue');
  assertOk(await api('GET', `/rooms/${recent.code}`));
  assert.equal((await api('GET', '/me/rooms', { token: idle.host.token })).json.data.rooms.length, 0);

  // A shorter setting takes the other one too.
  const stream2 = sse(`/rooms/${recent.code}/events`);
  await stream2.opened;
  try {
    restartWorkers({ ROOM_IDLE_DAYS: '7' });
    await stream2.waitFor((e) => e.data.type === 'closed', 15000);
  } finally {
    stream2.close();
    restartWorkers();
  }
  await until(async () => (await api('GET', `/rooms/${recent.code}`)).status === 410, 5000, 'the room idle for 10 days closed');
});
