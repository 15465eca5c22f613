// convergence.test.mjs: clients that follow docs/protocol.md (static/js/room-sync.js)
// converge to the server's queue whatever nchan does: gaps, reloads, stale and
// too-new resume ids, sleeping clients, and a long random run from several clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, newGuest, newRoom, addEntry, songIds, vote, queue, service, until, sleep } from './lib.mjs';
import { syncClient, nodeEventSource } from './protocol_client.mjs';
import { compareEntries } from '../../static/js/room-sync.js';

/** The server's queue in the documented order, as [id, score] pairs, plus now playing. */
async function serverView(code) {
  const q = assertOk(await queue(code));
  return {
    revision: q.revision,
    order: q.entries.map((e) => [e.id, e.score]),
    playing: q.nowPlaying?.id ?? null,
  };
}

function clientView(c) {
  return {
    revision: c.state?.revision,
    order: c.sorted().map((e) => [e.id, e.score]),
    playing: c.state?.nowPlaying?.id ?? null,
  };
}

async function assertConverged(clients, code, ms = 2000, what = 'convergence') {
  const server = await serverView(code);
  await until(() => clients.every((c) => c.state && c.state.revision === server.revision), ms, what);
  for (const c of clients) assert.deepEqual(clientView(c), server);
}

/** A repeatable pseudo-random source (a linear congruential generator): rnd(n) in [0, n), pick(array). */
function seeded(seed) {
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  return { rnd, pick: (a) => a[rnd(a.length)] };
}

async function roomWithSongs(n = 4) {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const entries = [];
  for (let i = 0; i < n; i++) entries.push((await addEntry(room.code, host, songs[i])).entry.id);
  return { host, room, songs, entries };
}

test('a client applies messages in revision order and its order equals the server\'s', async () => {
  const { room, entries } = await roomWithSongs();
  const a = syncClient(room.code);
  const b = syncClient(room.code, { transport: 'ws' });
  await assertConverged([a, b], room.code);
  const voters = await Promise.all([1, 2, 3].map(() => newGuest()));
  await Promise.all(voters.map((v, i) => vote(room.code, entries[3 - i], v, 1)));
  await assertConverged([a, b], room.code);
  assert.equal(a.refetches, 1, 'only the initial snapshot: every change came as a message');
  a.stop(); b.stop();
});

test('a lost message is a gap: the client refetches the snapshot and converges', async () => {
  const { room, entries } = await roomWithSongs();
  let drop = 0;
  const lossy = (url, h) => nodeEventSource(url, { ...h, onMessage: (id, m) => { if (drop > 0) { drop--; return; } h.onMessage(id, m); } });
  const c = syncClient(room.code, { openStream: lossy, gapWaitMs: 100 });
  await assertConverged([c], room.code);
  const before = c.refetches;
  drop = 1;
  assertOk(await vote(room.code, entries[0], await newGuest(), 1)); // this message is lost
  assertOk(await vote(room.code, entries[1], await newGuest(), 1)); // this one reveals the gap
  await assertConverged([c], room.code);
  assert.ok(c.refetches > before, 'the gap made the client refetch');
  c.stop();
});

test('after an nginx reload every client converges within 2 s of reconnecting, and hears changes again', async () => {
  const { room, entries } = await roomWithSongs();
  const clients = [
    syncClient(room.code, { pollMs: 500, reconnectMs: 100 }),
    syncClient(room.code, { transport: 'ws', pollMs: 500, reconnectMs: 100 }),
  ];
  await assertConverged(clients, room.code);
  for (let i = 0; i < 3; i++) assertOk(await vote(room.code, entries[i], await newGuest(), 1));
  await assertConverged(clients, room.code);
  const reconnects = clients.map((c) => c.reconnects);

  service('reload', 'nginx');
  await until(() => clients.every((c, i) => c.reconnects > reconnects[i]), 10000, 'the reconnects');
  assertOk(await vote(room.code, entries[3], await newGuest(), 1));
  await assertConverged(clients, room.code, 2000, 'convergence after the reload');
  // And the streams deliver again (the watchdog reopens a silent one).
  for (let i = 0; i < 3; i++) {
    assertOk(await vote(room.code, entries[i], await newGuest(), -1));
    await assertConverged(clients, room.code, 2000, `change ${i} after the reload`);
  }
  for (const c of clients) c.stop();
});

test('through an nginx reload under steady votes, a client with the default settings misses nothing and needs no watchdog', async () => {
  const { room, entries } = await roomWithSongs(6);
  // The web client's defaults: a 10 s watchdog, no resume id.
  const clients = [syncClient(room.code), syncClient(room.code, { transport: 'ws' })];
  const whys = clients.map(() => []);
  clients.forEach((c, i) => {
    const refetch = c.refetch.bind(c);
    c.refetch = (why) => { whys[i].push(why); return refetch(why); };
  });
  await assertConverged(clients, room.code);
  const voters = await Promise.all(Array.from({ length: 60 }, () => newGuest()));
  whys.forEach((w) => { w.length = 0; });
  // Votes every ~25 ms, from before the reload until well after it.
  let sent = 0;
  const steady = (async () => {
    for (const v of voters) {
      assertOk(await vote(room.code, entries[sent % entries.length], v, 1));
      sent++;
      await sleep(25);
    }
  })();
  await sleep(300);
  service('reload', 'nginx');
  await steady;
  await assertConverged(clients, room.code, 1000, 'convergence right after the last vote');
  // One snapshot on reconnecting; never a gap the stream left, never the watchdog.
  for (const w of whys) assert.deepEqual(w.filter((why) => why !== 'connect'), [], `refetches: ${w.join(', ')}`);
  for (const c of clients) assert.ok(c.reconnects >= 1, 'the reload closed the stream');
  for (const c of clients) c.stop();
});

test('a client resuming with a stale (evicted) Last-Event-ID converges', async () => {
  const { room, entries } = await roomWithSongs();
  const first = syncClient(room.code);
  await assertConverged([first], room.code);
  assertOk(await vote(room.code, entries[0], await newGuest(), 1));
  await assertConverged([first], room.code);
  const staleId = first.lastEventId;
  assert.ok(staleId);
  first.stop();
  // More changes than the channel buffer holds (256): the id is evicted.
  const voters = [];
  for (let i = 0; i < 300; i += 50) voters.push(...await Promise.all(Array.from({ length: 50 }, () => newGuest())));
  for (let i = 0; i < voters.length; i += 50) {
    await Promise.all(voters.slice(i, i + 50).map((v, j) => vote(room.code, entries[j % 4], v, 1)));
  }
  const c = syncClient(room.code, { lastEventId: staleId, resume: true, pollMs: 500 });
  await assertConverged([c], room.code, 2000, 'convergence with a stale id');
  assertOk(await vote(room.code, entries[1], await newGuest(), -1));
  await assertConverged([c], room.code, 2000, 'the next change');
  c.stop();
});

test('a client resuming with a too-new Last-Event-ID converges and hears changes again', async () => {
  const { room, entries } = await roomWithSongs();
  const future = `${Math.floor(Date.now() / 1000) + 3600}:0`;
  const c = syncClient(room.code, { lastEventId: future, resume: true, pollMs: 500 });
  await assertConverged([c], room.code, 2000, 'the snapshot on connect');
  for (let i = 0; i < 3; i++) {
    assertOk(await vote(room.code, entries[i], await newGuest(), 1));
    await assertConverged([c], room.code, 2000, `change ${i}`);
  }
  c.stop();
});

test('a client asleep while the room moved on converges within 2 s of waking', async () => {
  const { host, room, songs, entries } = await roomWithSongs();
  const c = syncClient(room.code, { pollMs: 500 });
  await assertConverged([c], room.code);
  const id = c.lastEventId;
  c.stop(); // asleep: its stream is gone, its state stays
  for (let i = 0; i < 20; i++) assertOk(await vote(room.code, entries[i % 4], await newGuest(), 1));
  await addEntry(room.code, host, songs[10]);
  assertOk(await api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  c.lastEventId = id;
  c.start();
  await assertConverged([c], room.code, 2000, 'waking up');
  c.stop();
});

test('1,000 random operations from several clients: every client ends equal to the server', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const members = [host, ...await Promise.all(Array.from({ length: 7 }, (_, i) => newGuest(`m${i}`)))];
  const clients = [
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
  ];
  await assertConverged(clients, room.code);
  const { rnd, pick } = seeded(12345);
  const statuses = new Map();
  let ops = 0;
  while (ops < 1000) {
    const snap = assertOk(await queue(room.code));
    const waiting = snap.entries.map((e) => e.id);
    const batch = [];
    for (let k = 0; k < 10; k++, ops++) {
      const who = pick(members);
      const r = rnd(100);
      if (r < 30 || waiting.length === 0) batch.push(api('POST', `/rooms/${room.code}/queue`, { token: who.token, body: { songId: pick(songs) } }));
      else if (r < 80) batch.push(vote(room.code, pick(waiting), who, pick([-1, 0, 1, 1])));
      else if (r < 88) batch.push(api('DELETE', `/rooms/${room.code}/queue/${pick(waiting)}`, { token: pick([host, who]).token }));
      else if (r < 94) batch.push(api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: snap.nowPlaying?.id ?? null } }));
      else if (r < 97 && snap.nowPlaying) batch.push(api('POST', `/rooms/${room.code}/skip`, { token: who.token, body: { entryId: snap.nowPlaying.id } }));
      else batch.push(api('PATCH', `/rooms/${room.code}`, { token: host.token, body: { tieRule: pick(['arrival', 'fairness']) } }));
    }
    for (const res of await Promise.all(batch)) {
      statuses.set(res.status, (statuses.get(res.status) || 0) + 1);
      assert.ok(res.status < 500, `no server errors: ${res.status} ${res.text}`);
    }
  }
  await assertConverged(clients, room.code, 5000, 'convergence after 1,000 operations');
  assert.ok((statuses.get(200) || 0) + (statuses.get(201) || 0) > 500, JSON.stringify([...statuses]));
  for (const c of clients) {
    assert.deepEqual(c.sorted().map((e) => e.id), [...c.state.entries.values()].sort(compareEntries(c.state.tieRule)).map((e) => e.id));
    c.stop();
  }
});

test('hand-overs and leaves mixed with votes and adds converge; then a close stops every client', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const members = [host, ...await Promise.all(Array.from({ length: 5 }, (_, i) => newGuest(`life${i}`)))];
  for (const [i, m] of members.entries()) await addEntry(room.code, m, songs[i]);
  const clients = [
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
  ];
  await assertConverged(clients, room.code);
  const { rnd, pick } = seeded(4242);
  const hostIs = async () => assertOk(await api('GET', `/rooms/${room.code}`)).room.host.id;
  let changes = 0;
  for (let round = 0; round < 25; round++) {
    const snap = assertOk(await queue(room.code));
    const waiting = snap.entries.map((e) => e.id);
    const hostId = await hostIs();
    const theHost = members.find((m) => m.id === hostId);
    const batch = [];
    for (let k = 0; k < 6; k++) {
      const who = pick(members);
      const r = rnd(100);
      if (r < 15) batch.push(api('POST', `/rooms/${room.code}/host`, { token: theHost.token, body: { memberId: pick(members).id } }));
      else if (r < 25) batch.push(api('POST', `/rooms/${room.code}/leave`, { token: who.token }));
      else if (r < 55 || waiting.length === 0) batch.push(api('POST', `/rooms/${room.code}/queue`, { token: who.token, body: { songId: pick(songs) } }));
      else batch.push(vote(room.code, pick(waiting), who, pick([-1, 0, 1])));
    }
    for (const res of await Promise.all(batch)) {
      assert.ok(res.status < 500, `no server errors: ${res.status} ${res.text}`);
      if (res.json?.data?.hostId && res.status === 200) changes++;
    }
  }
  assert.ok(changes > 0, 'some hand-overs or leaves happened');
  await assertConverged(clients, room.code, 5000, 'convergence after hand-overs and leaves');
  const hostId = await hostIs();
  for (const c of clients) assert.equal(c.state.hostId ?? hostId, hostId, 'a client that saw a host change knows the host');
  const theHost = members.find((m) => m.id === hostId);
  const closing = assertOk(await api('POST', `/rooms/${room.code}/close`, { token: theHost.token }));
  await until(() => clients.every((c) => c.state.closed && c.stopped), 5000, 'every client closed');
  for (const c of clients) assert.equal(c.state.revision, closing.revision);
  // A client that joins afterwards learns it from the snapshot's 410, and stops too.
  const late = syncClient(room.code);
  await until(() => late.state?.closed && late.stopped, 5000, 'a late client closed');
  await sleep(700);
  assert.equal(late.reconnects, 0, 'no reconnect after the close');
  for (const c of clients) assert.equal(c.reconnects, 0);
});

test('pause, resume and seek mixed with votes, adds and advances: every client ends with the server\'s playback state', async () => {
  const { newSong } = await import('./catalog_lib.mjs');
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = [];
  for (let i = 0; i < 6; i++) songs.push(await newSong({ duration: 240 })); // one admin sign-in, then its token
  const cohost = await newGuest('Co');
  const members = [host, cohost, ...await Promise.all(Array.from({ length: 4 }, (_, i) => newGuest(`p${i}`)))];
  await addEntry(room.code, cohost, songs[0]);
  assertOk(await api('POST', `/rooms/${room.code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  const clients = [
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
    syncClient(room.code, { pollMs: 1000, gapWaitMs: 50 }),
  ];
  const playback = (s) => s && { id: s.id, paused: s.paused, positionMs: s.positionMs, startedAt: s.startedAt };
  const check = async (what) => {
    await assertConverged(clients, room.code, 5000, what);
    const server = assertOk(await queue(room.code)).nowPlaying;
    for (const c of clients) assert.deepEqual(playback(c.state.nowPlaying), playback(server), what);
  };
  await check('start');
  const { rnd, pick } = seeded(4242);
  const statuses = new Map();
  for (let round = 0; round < 30; round++) {
    const snap = assertOk(await queue(room.code));
    const waiting = snap.entries.map((e) => e.id);
    const playing = snap.nowPlaying?.id ?? null;
    const batch = [];
    for (let k = 0; k < 8; k++) {
      const who = pick(members);
      const r = rnd(100);
      const boss = pick([host, cohost]);
      if (r < 20 || waiting.length === 0) batch.push(api('POST', `/rooms/${room.code}/queue`, { token: who.token, body: { songId: pick(songs) } }));
      else if (r < 40) batch.push(vote(room.code, pick(waiting), who, pick([-1, 0, 1])));
      else if (r < 48) batch.push(api('POST', `/rooms/${room.code}/advance`, { token: boss.token, body: { currentEntryId: playing } }));
      else {
        const body = pick([{ paused: true }, { paused: false }, { positionMs: rnd(240000) },
          { paused: true, positionMs: rnd(240000) }, { paused: false, positionMs: rnd(240000) }]);
        batch.push(api('PUT', `/rooms/${room.code}/playback`, { token: boss.token, body: { entryId: playing ?? 1, ...body } }));
      }
    }
    for (const res of await Promise.all(batch)) {
      statuses.set(res.status, (statuses.get(res.status) || 0) + 1);
      assert.ok(res.status < 500, `no server errors: ${res.status} ${res.text}`);
    }
    if (round % 10 === 9) await check(`round ${round}`);
  }
  await check('the end');
  assert.ok(statuses.get(200) > 60, JSON.stringify([...statuses]));
  for (const c of clients) c.stop();
});

test('renames mixed with adds, votes and advances in random interleavings: every client\'s adder names equal the server\'s', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const members = [host, ...await Promise.all(Array.from({ length: 5 }, (_, i) => newGuest(`r${i}`)))];
  const clients = [
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
  ];
  await assertConverged(clients, room.code);
  const { rnd, pick } = seeded(4242);
  const names = ['Ada', 'ada', 'Bo', 'Cy', 'DJ Ada', '  Bo  '];
  const names_of = (entries, playing) => [...entries, ...(playing ? [playing] : [])]
    .map((e) => [e.id, e.addedBy.id, e.addedBy.name]).sort((a, b) => a[0] - b[0]);
  let renamed = 0;
  for (let round = 0; round < 30; round++) {
    const snap = assertOk(await queue(room.code));
    const waiting = snap.entries.map((e) => e.id);
    const batch = [];
    for (let k = 0; k < 8; k++) {
      const who = pick(members);
      const r = rnd(100);
      if (r < 30) batch.push(api('PATCH', `/rooms/${room.code}/me`, { token: who.token, body: { name: pick(names) } }));
      else if (r < 60 || waiting.length === 0) batch.push(api('POST', `/rooms/${room.code}/queue`, { token: who.token, body: { songId: pick(songs) } }));
      else if (r < 92) batch.push(vote(room.code, pick(waiting), who, pick([-1, 0, 1])));
      else batch.push(api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: snap.nowPlaying?.id ?? null } }));
    }
    for (const res of await Promise.all(batch)) {
      assert.ok(res.status < 500, `no server errors: ${res.status} ${res.text}`);
      if (res.json?.data?.memberId && res.json.data.name) renamed++;
    }
  }
  await assertConverged(clients, room.code, 5000, 'convergence after renames');
  const q = assertOk(await queue(room.code));
  const server = names_of(q.entries, q.nowPlaying);
  const members_now = assertOk(await api('GET', `/rooms/${room.code}/members`)).members;
  const lower = members_now.map((m) => m.name.toLowerCase());
  assert.equal(new Set(lower).size, lower.length, 'names are unique in the room');
  for (const [, id, name] of server) assert.equal(name, members_now.find((m) => m.id === id).name, 'entries show the member\'s room name');
  for (const c of clients) {
    assert.deepEqual(names_of([...c.state.entries.values()], c.state.nowPlaying), server);
    c.stop();
  }
  assert.ok(renamed > 20, `renames happened: ${renamed}`);
});

test('pins, unpins and reorders mixed with votes, adds, removes and advances from several clients: every client ends in the server\'s exact order', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const songs = await songIds();
  const cohost = await newGuest('Co');
  const members = [host, cohost, ...await Promise.all(Array.from({ length: 4 }, (_, i) => newGuest(`p${i}`)))];
  await addEntry(room.code, cohost, songs[0]);
  assertOk(await api('POST', `/rooms/${room.code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  const clients = [
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { pollMs: 1000 }),
    syncClient(room.code, { transport: 'ws', pollMs: 1000 }),
  ];
  // The order with each entry's pin: the views of serverView/clientView plus pinned.
  const server = async () => {
    const q = assertOk(await queue(room.code));
    return { revision: q.revision, order: q.entries.map((e) => [e.id, e.score, e.pinned]), playing: q.nowPlaying?.id ?? null };
  };
  const client = (c) => ({
    revision: c.state?.revision,
    order: c.sorted().map((e) => [e.id, e.score, e.pinned]),
    playing: c.state?.nowPlaying?.id ?? null,
  });
  const converged = async (what) => {
    const s = await server();
    await until(() => clients.every((c) => c.state && c.state.revision === s.revision), 5000, what);
    for (const c of clients) assert.deepEqual(client(c), s);
  };
  await converged('the start');
  const { rnd, pick } = seeded(4242);
  const pins = new Map();
  for (let round = 0; round < 30; round++) {
    const snap = assertOk(await queue(room.code));
    const waiting = snap.entries.map((e) => e.id);
    const batch = [];
    for (let k = 0; k < 10; k++) {
      const who = pick(members);
      const boss = pick([host, cohost]);
      const r = rnd(100);
      const entry = pick(waiting);
      const path = `/rooms/${room.code}/queue/${entry}/pin`;
      if (r < 20 || waiting.length === 0) batch.push(api('POST', `/rooms/${room.code}/queue`, { token: who.token, body: { songId: pick(songs) } }));
      else if (r < 45) batch.push(vote(room.code, entry, who, pick([-1, 0, 1, 1])));
      else if (r < 60) batch.push(api('PUT', path, { token: boss.token, body: {} }));
      else if (r < 75) batch.push(api('PUT', path, { token: boss.token, body: { position: rnd(waiting.length + 2) } }));
      else if (r < 85) batch.push(api('DELETE', path, { token: boss.token }));
      else if (r < 91) batch.push(api('DELETE', `/rooms/${room.code}/queue/${entry}`, { token: pick([host, who]).token }));
      else batch.push(api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: snap.nowPlaying?.id ?? null } }));
    }
    for (const res of await Promise.all(batch)) {
      assert.ok(res.status < 500, `no server errors: ${res.status} ${res.text}`);
      if (res.json?.data?.pinned) pins.set(res.json.data.pinned.length, true);
    }
    if (round % 10 === 9) await converged(`round ${round}`);
  }
  await converged('the end');
  assert.ok([...pins.keys()].some((n) => n >= 2), 'several entries were pinned at once');
  for (const c of clients) c.stop();
});
