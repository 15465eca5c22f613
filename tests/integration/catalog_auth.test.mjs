// catalog_auth.test.mjs: who may change the catalog by default (CATALOG_WRITES
// unset): writes need a registered user; edits and deletions the creator or a
// catalog admin. Rooms that show a changed song hear of it at once, and a song
// that is playing is not pulled from under its room. Paths that nginx would
// turn into another route are refused before routing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertFail, assertOk, newGuest, newRoom, addEntry, sse, sleep, catalogAdminToken, BASE } from './lib.mjs';
import { newUser, newSong, newAlbum, uid } from './catalog_lib.mjs';
// A raw request, so the path reaches nginx exactly as written.
import { rawRequest } from './hostile_lib.mjs';

const song = () => ({ title: `Owned ${uid()}`, year: 2020, genre: 'Pop', performer: 'P', duration: 180 });
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function upload(albumId, token) {
  const form = new FormData();
  form.append('cover', new Blob([PNG], { type: 'image/png' }), 'c.png');
  const res = await fetch(`${BASE}/albums/${albumId}/covers`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

test('creating an album or a song needs a registered user: none or a guest is 401', async () => {
  const guest = await newGuest('Anon');
  for (const token of [undefined, guest.token]) {
    assertFail(await api('POST', '/albums', { token, body: { name: 'x', year: 2000 } }), 401);
    assertFail(await api('POST', '/songs', { token, body: song() }), 401);
  }
  const user = await newUser();
  assertOk(await api('POST', '/albums', { token: user.accessToken, body: { name: 'Mine', year: 2000 } }), 201);
  assertOk(await api('POST', '/songs', { token: user.accessToken, body: song() }), 201);
});

test('editing or deleting: the creator and an admin may, a stranger, a guest or nobody may not', async () => {
  const creator = await newUser();
  const stranger = await newUser();
  const guest = await newGuest('Meddler');
  const admin = { accessToken: await catalogAdminToken() };
  const albumId = await newAlbum({ name: 'Owned album' }, creator);
  const songId = await newSong(song(), creator);
  const refusals = [[undefined, 401], [guest.token, 401], [stranger.accessToken, 403]];
  for (const [token, status] of refusals) {
    assertFail(await api('PUT', `/albums/${albumId}`, { token, body: { name: 'Taken', year: 1999 } }), status);
    assertFail(await api('DELETE', `/albums/${albumId}`, { token }), status);
    assertFail(await upload(albumId, token), status);
    assertFail(await api('PUT', `/songs/${songId}`, { token, body: { ...song(), title: 'Taken' } }), status);
    assertFail(await api('DELETE', `/songs/${songId}`, { token }), status);
  }
  // nothing changed
  assert.equal(assertOk(await api('GET', `/albums/${albumId}`)).album.name, 'Owned album');
  assert.notEqual(assertOk(await api('GET', `/songs/${songId}`)).song.title, 'Taken');
  // the creator may
  assertOk(await api('PUT', `/albums/${albumId}`, { token: creator.accessToken, body: { name: 'Renamed', year: 2001 } }));
  assertOk(await upload(albumId, creator.accessToken), 201);
  assertOk(await api('PUT', `/songs/${songId}`, { token: creator.accessToken, body: { ...song(), title: 'By its creator' } }));
  // an admin may change anything, the demo catalog (no creator) included
  assertOk(await api('PUT', `/songs/${songId}`, { token: admin.accessToken, body: { ...song(), title: 'By the admin' } }));
  const demo = assertOk(await api('GET', '/songs')).songs[0];
  const full = assertOk(await api('GET', `/songs/${demo.id}`)).song;
  const body = { title: full.title, year: full.year, genre: full.genre, performer: full.performer, duration: full.duration, albumId: full.albumId };
  assertFail(await api('PUT', `/songs/${demo.id}`, { token: creator.accessToken, body }), 403);
  assertOk(await api('PUT', `/songs/${demo.id}`, { token: admin.accessToken, body }));
  // unknown ids are 404 for anyone allowed to ask
  assertFail(await api('PUT', `/songs/song-nope`, { token: creator.accessToken, body: song() }), 404);
  assertFail(await api('DELETE', `/albums/album-nope`, { token: admin.accessToken }), 404);
  assertOk(await api('DELETE', `/songs/${songId}`, { token: creator.accessToken }));
  assertOk(await api('DELETE', `/albums/${albumId}`, { token: admin.accessToken }));
  assertFail(await api('GET', `/albums/${albumId}`), 404);
});

test('a song edited or deleted while it waits in a room: the room hears it at once; a playing song is not deleted', async () => {
  const creator = await newUser();
  const host = await newGuest('Host');
  const room = await newRoom(host);
  const playing = await newSong(song(), creator);
  const waiting = await newSong(song(), creator);
  const kept = await newSong(song(), creator);
  const first = (await addEntry(room.code, host, playing)).entry;
  const second = (await addEntry(room.code, host, waiting)).entry;
  await addEntry(room.code, host, kept);
  assertOk(await api('POST', `/rooms/${room.code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await sleep(100);
  const before = assertOk(await api('GET', `/rooms/${room.code}/queue`)).revision;

  assertOk(await api('PUT', `/songs/${waiting}`, { token: creator.accessToken, body: { ...song(), title: 'Renamed while waiting', duration: 99 } }));
  const changed = await es.waitFor((m) => m.data.type === 'song_changed', 2000);
  assert.equal(changed.data.revision, before + 1);
  assert.equal(changed.data.songId, waiting);
  assert.equal(changed.data.song.title, 'Renamed while waiting');
  assert.equal(changed.data.song.duration, 99);
  let q = assertOk(await api('GET', `/rooms/${room.code}/queue`));
  assert.equal(q.revision, before + 1);
  assert.equal(q.entries.find((e) => e.id === second.id).song.title, 'Renamed while waiting');

  // the playing song stays where it is
  const refused = await api('DELETE', `/songs/${playing}`, { token: creator.accessToken });
  assertFail(refused, 409);
  assert.match(refused.json.message, /playing/);
  q = assertOk(await api('GET', `/rooms/${room.code}/queue`));
  assert.equal(q.nowPlaying.id, first.id);
  assert.equal(q.revision, before + 1);
  assertOk(await api('GET', `/songs/${playing}`));

  // a waiting one leaves the room with a message
  assertOk(await api('DELETE', `/songs/${waiting}`, { token: creator.accessToken }));
  const removed = await es.waitFor((m) => m.data.type === 'song_removed', 2000);
  assert.equal(removed.data.revision, before + 2);
  assert.equal(removed.data.songId, waiting);
  q = assertOk(await api('GET', `/rooms/${room.code}/queue`));
  assert.equal(q.revision, before + 2);
  assert.deepEqual(q.entries.map((e) => e.song.id), [kept]);
  es.close();
});

test('a path with "..", "//", "." or encoded separators is 400 before routing: it never becomes another route', async () => {
  const admin = await catalogAdminToken();
  const albumId = await newAlbum({ name: 'Traversal target' });
  const auth = { authorization: `Bearer ${admin}` };
  for (const target of [`/albums/${albumId}/covers/..`, `/albums/${albumId}/covers/../`, `/albums/${albumId}/./`,
    `//albums/${albumId}`, `/albums//${albumId}`, `/albums%2f${albumId}`, `/albums/${albumId}/covers/%2e%2e`]) {
    const r = await rawRequest('DELETE', target, { headers: auth });
    assert.ok(r.status === 400 || r.status === 404, `${target}: ${r.status} ${r.text}`);
    if (r.status === 400) assert.equal(r.json.status, 'fail', target);
  }
  // the album is still there
  assert.equal(assertOk(await api('GET', `/albums/${albumId}`)).album.name, 'Traversal target');
  const plain = await rawRequest('GET', `/albums/${albumId}/..`);
  assert.equal(plain.status, 400, plain.text);
  assert.match(plain.json.message, /\.\./);
});

test('a song goes on an album only by the album\'s creator or an admin', async () => {
  const albumOwner = await newUser();
  const other = await newUser();
  const albumId = await newAlbum({ name: 'Not yours' }, albumOwner);
  const r = await api('POST', '/songs', { token: other.accessToken, body: { ...song(), albumId } });
  assertFail(r, 403);
  const mine = await newSong(song(), other);
  assertFail(await api('PUT', `/songs/${mine}`, { token: other.accessToken, body: { ...song(), albumId } }), 403);
  assert.equal(assertOk(await api('GET', `/albums/${albumId}`)).album.songs.length, 0);
  assertOk(await api('POST', '/songs', { token: albumOwner.accessToken, body: { ...song(), albumId } }), 201);
  assertOk(await api('PUT', `/songs/${mine}`, { token: await catalogAdminToken(), body: { ...song(), albumId } }));
  assert.equal(assertOk(await api('GET', `/albums/${albumId}`)).album.songs.length, 2);
  assertFail(await api('POST', '/songs', { token: other.accessToken, body: { ...song(), albumId: 'album-nope' } }), 404);
});
