// votes.test.mjs: vote arithmetic and concurrency, on the real database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { assertOk, assertFail, newGuest, newRoom, addEntry, songIds, vote, queue, api, sleep, DATA } from './lib.mjs';

test('vote arithmetic: up, down, change, withdraw; an identical vote changes nothing', async () => {
  const host = await newGuest();
  const a = await newGuest();
  const b = await newGuest();
  const room = await newRoom(host);
  const [song] = await songIds();
  const { entry, revision: r0 } = await addEntry(room.code, host, song);

  let d = assertOk(await vote(room.code, entry.id, a, 1));
  assert.deepEqual([d.score, d.revision, d.changed, d.value], [1, r0 + 1, true, 1]);
  d = assertOk(await vote(room.code, entry.id, a, 1)); // the same vote again
  assert.deepEqual([d.score, d.revision, d.changed], [1, r0 + 1, false]);
  d = assertOk(await vote(room.code, entry.id, b, -1));
  assert.deepEqual([d.score, d.revision], [0, r0 + 2]);
  d = assertOk(await vote(room.code, entry.id, a, -1)); // change: moves by the difference
  assert.deepEqual([d.score, d.revision], [-2, r0 + 3]);
  d = assertOk(await vote(room.code, entry.id, b, 0)); // withdraw
  assert.deepEqual([d.score, d.revision], [-1, r0 + 4]);
  d = assertOk(await vote(room.code, entry.id, b, 0)); // withdrawing twice changes nothing
  assert.deepEqual([d.score, d.revision, d.changed], [-1, r0 + 4, false]);
  d = assertOk(await vote(room.code, entry.id, a, 0));
  assert.deepEqual([d.score, d.revision], [0, r0 + 5]);

  const q = assertOk(await queue(room.code));
  assert.equal(q.revision, r0 + 5);
  assert.equal(q.entries[0].score, 0);
});

test('the queue is ordered by score, then arrival', async () => {
  const host = await newGuest();
  const voters = await Promise.all([1, 2, 3].map(() => newGuest()));
  const room = await newRoom(host);
  const songs = await songIds();
  const e = [];
  for (let i = 0; i < 4; i++) e.push((await addEntry(room.code, host, songs[i])).entry.id);
  // e2 gets +3, e1 +1, e3 -1, e0 stays 0.
  for (const v of voters) assertOk(await vote(room.code, e[2], v, 1));
  assertOk(await vote(room.code, e[1], voters[0], 1));
  assertOk(await vote(room.code, e[3], voters[1], -1));
  const q = assertOk(await queue(room.code));
  assert.deepEqual(q.entries.map((x) => x.id), [e[2], e[1], e[0], e[3]]);
  assert.deepEqual(q.entries.map((x) => x.score), [3, 1, 0, -1]);
});

test('200 concurrent votes from 200 guests: score exactly 200, revision exactly +200', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  const [song] = await songIds();
  const { entry, revision: before } = await addEntry(room.code, host, song);
  const guests = [];
  for (let i = 0; i < 200; i += 50) guests.push(...await Promise.all(Array.from({ length: 50 }, () => newGuest())));
  const results = await Promise.all(guests.map((g) => vote(room.code, entry.id, g, 1)));
  for (const r of results) assertOk(r);
  const revisions = results.map((r) => r.json.data.revision).sort((x, y) => x - y);
  // Every vote got its own revision: no two writes shared one, none was skipped.
  assert.deepEqual(revisions, Array.from({ length: 200 }, (_, i) => before + 1 + i));
  const q = assertOk(await queue(room.code));
  assert.equal(q.entries[0].score, 200);
  assert.equal(q.revision, before + 200);
  // The same 200 votes again, concurrently: nothing moves.
  const again = await Promise.all(guests.map((g) => vote(room.code, entry.id, g, 1)));
  for (const r of again) assert.equal(assertOk(r).changed, false);
  const q2 = assertOk(await queue(room.code));
  assert.equal(q2.entries[0].score, 200);
  assert.equal(q2.revision, before + 200);
});

test('one voter flipping its vote concurrently ends with a score equal to its last vote', async () => {
  const host = await newGuest();
  const v = await newGuest();
  const room = await newRoom(host);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, host, song);
  const values = Array.from({ length: 60 }, (_, i) => [1, -1, 0][i % 3]);
  const results = await Promise.all(values.map((x) => vote(room.code, entry.id, v, x)));
  for (const r of results) assertOk(r);
  const q = assertOk(await queue(room.code));
  // The score is the sum of vote rows: one voter, so it is -1, 0 or +1, never drifted.
  assert.ok([-1, 0, 1].includes(q.entries[0].score), `score ${q.entries[0].score}`);
  const last = assertOk(await vote(room.code, entry.id, v, 1));
  assert.equal(last.score, 1);
});

test('a vote needs a token and a real entry', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  assertFail(await vote(room.code, 1, { token: undefined }, 1), 401);
});

test('an add that becomes a vote is a success all the way: no refusal is written or logged for it', async () => {
  const host = await newGuest('Adder');
  const room = await newRoom(host);
  const song = (await songIds())[2];
  await addEntry(room.code, host, song);
  const log = `${DATA}/log/queued.log`;
  const before = fs.readFileSync(log, 'utf8').length;
  const second = await newGuest('Second adder');
  const r = await api('POST', `/rooms/${room.code}/queue`, { token: second.token, body: { songId: song } });
  assert.equal(assertOk(r).result, 'voted');
  await sleep(100);
  const written = fs.readFileSync(log, 'utf8').slice(before);
  assert.doesNotMatch(written, /unexpected status/);
});

test('votes racing advances never deadlock: every vote and advance is answered, scores equal their votes', async () => {
  const log = `${DATA}/log/postgres.log`;
  const before = fs.readFileSync(log, 'utf8').length;
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const voters = await Promise.all(Array.from({ length: 8 }, (_, i) => newGuest(`racer${i}`)));
  let playing = null;
  for (let round = 0; round < 15; round++) {
    for (let i = 0; i < 3; i++) await addEntry(room.code, voters[i], songs[(round * 3 + i) % songs.length]);
    const top = assertOk(await queue(room.code)).entries[0].id;
    // The advance takes the room, then the top entry; each vote takes that same entry.
    const [adv, ...votes] = await Promise.all([
      api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: playing } }),
      ...voters.map((v) => vote(room.code, top, v, 1)),
    ]);
    playing = assertOk(adv).nowPlaying?.id ?? null;
    for (const res of votes) assert.ok(res.status === 200 || res.status === 409, `a vote answered ${res.status}: ${res.text}`);
  }
  const written = fs.readFileSync(log, 'utf8').slice(before);
  assert.doesNotMatch(written, /deadlock detected/, 'PostgreSQL aborted a transaction as a deadlock');
});
