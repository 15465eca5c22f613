// live.test.mjs: change messages through nchan to EventSource and WebSocket subscribers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, songIds, vote, queue, sse, ws, sleep, until, subscriberCount, BASE } from './lib.mjs';

async function roomWithEntry() {
  const host = await newGuest();
  const room = await newRoom(host);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, host, song);
  return { host, room, entry };
}

test('an EventSource client and a WebSocket client both receive the vote message', async () => {
  const { room, entry } = await roomWithEntry();
  const voter = await newGuest();
  const es = sse(`/rooms/${room.code}/events`);
  const sock = ws(`/rooms/${room.code}/events`);
  await es.opened;
  await sock.opened;
  await until(async () => (await subscriberCount(room.code)) === 2, 5000, 'two subscribers');

  const d = assertOk(await vote(room.code, entry.id, voter, 1));
  const want = { type: 'vote', revision: d.revision, entryId: entry.id, score: 1 };
  const a = await es.waitFor((e) => e.data.type === 'vote');
  const b = await sock.waitFor((m) => m.type === 'vote');
  assert.deepEqual(a.data, want);
  assert.deepEqual(b, want);
  assert.ok(a.id, 'SSE events carry an id for Last-Event-ID');
  es.close();
  sock.close();
});

test('an added entry is announced with the whole entry', async () => {
  const host = await newGuest('Announcer');
  const room = await newRoom(host);
  const [, song] = await songIds();
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await until(async () => (await subscriberCount(room.code)) === 1, 5000, 'subscriber');
  const added = await addEntry(room.code, host, song);
  const msg = await es.waitFor((e) => e.data.type === 'entry_added');
  assert.deepEqual(msg.data, { type: 'entry_added', revision: added.revision, entry: added.entry });
  es.close();
});

test('a client resuming with Last-Event-ID receives exactly the messages it missed', async () => {
  const { room, entry } = await roomWithEntry();
  const voters = await Promise.all([1, 2, 3, 4].map(() => newGuest()));
  let es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await until(async () => (await subscriberCount(room.code)) === 1, 5000, 'subscriber');
  const first = assertOk(await vote(room.code, entry.id, voters[0], 1));
  const seen = await es.waitFor((e) => e.data.revision === first.revision);
  es.close();
  await until(async () => (await subscriberCount(room.code)) === 0, 5000, 'disconnect');

  const missed = [];
  for (const v of voters.slice(1)) missed.push(assertOk(await vote(room.code, entry.id, v, 1)).revision);

  es = sse(`/rooms/${room.code}/events`, { lastEventId: seen.id });
  await es.opened;
  await until(() => es.events.length >= missed.length, 5000, 'the missed messages');
  await sleep(300); // nothing else may follow
  assert.deepEqual(es.events.map((e) => e.data.revision), missed);
  assert.deepEqual(es.events.map((e) => e.data.score), [2, 3, 4]);

  // The same for a WebSocket subscriber resuming with ?last_event_id=.
  const sock = ws(`/rooms/${room.code}/events`, { lastEventId: seen.id });
  await sock.opened;
  await until(() => sock.messages.length >= missed.length, 5000, 'the missed messages over WebSocket');
  await sleep(300);
  assert.deepEqual(sock.messages.map((m) => m.revision), missed);
  es.close();
  sock.close();
});

test('a new subscriber without Last-Event-ID gets no old messages', async () => {
  const { room, entry } = await roomWithEntry();
  assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  // Workers publish just after answering: let that message land in the channel first.
  await sleep(200);
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await sleep(300);
  assert.equal(es.events.length, 0);
  es.close();
});

test('long-poll subscribers get the message too, and follow on with the ids nchan gives them', async () => {
  const { room, entry } = await roomWithEntry();
  await sleep(200); // the entry_added message is published just after the add's answer
  const url = `${BASE}/rooms/${room.code}/events`;
  const poll = fetch(url);
  await until(async () => (await subscriberCount(room.code)) === 1, 5000, 'long-poll subscriber');
  const d = assertOk(await vote(room.code, entry.id, await newGuest(), -1));
  const res = await poll;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { type: 'vote', revision: d.revision, entryId: entry.id, score: -1 });
  // The next poll, sent with what the last answer said, waits for the next change.
  const next = fetch(url, { headers: { 'if-modified-since': res.headers.get('last-modified'), 'if-none-match': res.headers.get('etag') } });
  await until(async () => (await subscriberCount(room.code)) === 1, 5000, 'second long-poll');
  const d2 = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  const res2 = await next;
  assert.deepEqual(await res2.json(), { type: 'vote', revision: d2.revision, entryId: entry.id, score: 0 });
});

test('the publisher location refuses requests from outside the workers\' socket', async () => {
  const { room } = await roomWithEntry();
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  const forged = JSON.stringify({ type: 'vote', revision: 999, entryId: 1, score: 1000 });
  for (const method of ['POST', 'PUT', 'GET', 'DELETE']) {
    const r = await api(method, `/pub/rooms/${room.code}`, method === 'POST' || method === 'PUT' ? { body: forged } : {});
    assertFail(r, 403);
  }
  // Posting to the subscriber URL publishes nothing either.
  const r = await fetch(`${BASE}/rooms/${room.code}/events`, { method: 'POST', body: forged, headers: { 'content-type': 'application/json' } });
  assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  await sleep(300);
  assert.equal(es.events.length, 0, 'no forged message reached the room');
  es.close();
});

test('applying messages in revision order to a snapshot gives exactly the server\'s order', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  const songs = await songIds();
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await until(async () => (await subscriberCount(room.code)) === 1, 5000, 'subscriber');
  const snapshot = assertOk(await queue(room.code));

  const voters = await Promise.all(Array.from({ length: 30 }, () => newGuest()));
  const entries = [];
  for (let i = 0; i < 6; i++) entries.push((await addEntry(room.code, host, songs[i])).entry.id);
  // Concurrent votes from many voters on several entries, some changed mid-way.
  await Promise.all(voters.map((v, i) => vote(room.code, entries[i % 6], v, i % 4 === 0 ? -1 : 1)));
  await Promise.all(voters.slice(0, 10).map((v, i) => vote(room.code, entries[(i + 1) % 6], v, 1)));
  const final = assertOk(await queue(room.code));
  await until(() => es.events.some((e) => e.data.revision === final.revision), 5000, 'the last message');

  const msgs = es.events.map((e) => e.data).sort((a, b) => a.revision - b.revision);
  const state = new Map(snapshot.entries.map((e) => [e.id, { ...e }]));
  let rev = snapshot.revision;
  for (const m of msgs) {
    assert.equal(m.revision, rev + 1, 'no gap and no duplicate');
    rev = m.revision;
    if (m.type === 'entry_added') state.set(m.entry.id, { ...m.entry });
    else if (m.type === 'vote') state.get(m.entryId).score = m.score;
  }
  assert.equal(rev, final.revision);
  const local = [...state.values()].sort((a, b) => b.score - a.score || a.id - b.id);
  assert.deepEqual(local.map((e) => [e.id, e.score]), final.entries.map((e) => [e.id, e.score]));
  es.close();
});
