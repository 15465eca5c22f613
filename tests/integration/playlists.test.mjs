// playlists.test.mjs: private playlists, their songs, collaborations, the activity log,
// who may do what (404 before 403), and the Redis cache of a playlist's songs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail } from './lib.mjs';
import {
  uid, newUser, newSong, newPlaylist, addCollaborator, addPlaylistSong, playlistSongs,
  assertMessage, assertKeys, assertIso, badAuthHeaders,
} from './catalog_lib.mjs';

/** An owner with a playlist, a collaborator on it, a stranger, and two songs not yet in it. */
async function world() {
  const [owner, collaborator, stranger] = await Promise.all([newUser(), newUser(), newUser()]);
  const name = `Shared ${uid()}`;
  const playlistId = await newPlaylist(owner, name);
  await addCollaborator(owner, playlistId, collaborator.id);
  const songA = await newSong({ title: `Alpha ${uid()}`, performer: 'Performer A' });
  const songB = await newSong({ title: `Beta ${uid()}`, performer: 'Performer B' });
  return { owner, collaborator, stranger, playlistId, name, songA, songB };
}

async function songIdsOf(who, playlistId) {
  return assertOk(await playlistSongs(who, playlistId)).playlist.songs.map((s) => s.id).sort();
}

async function listPlaylists(who) {
  return assertOk(await api('GET', '/playlists', { token: who.accessToken })).playlists;
}

const delSong = (who, playlistId, songId) => api('DELETE', `/playlists/${playlistId}/songs`, { token: who.accessToken, body: { songId } });
const postSong = (who, playlistId, songId) => api('POST', `/playlists/${playlistId}/songs`, { token: who.accessToken, body: { songId } });
const activities = (who, playlistId) => api('GET', `/playlists/${playlistId}/activities`, { token: who.accessToken });
const postCollab = (who, playlistId, userId) => api('POST', '/collaborations', { token: who.accessToken, body: { playlistId, userId } });
const delCollab = (who, playlistId, userId) => api('DELETE', '/collaborations', { token: who.accessToken, body: { playlistId, userId } });

// ---------------------------------------------------------------- playlists

test('a fresh user has no playlists: GET /playlists is exactly []', async () => {
  const u = await newUser();
  assert.deepEqual(await listPlaylists(u), []);
});

test('POST /playlists creates a playlist; GET /playlists lists exactly {id, name, username}', async () => {
  const u = await newUser();
  const name = `Road trip ${uid()}`;
  const { playlistId } = assertOk(await api('POST', '/playlists', { token: u.accessToken, body: { name } }), 201);
  assert.equal(typeof playlistId, 'string');
  assert.match(playlistId, /^playlist-./);
  const list = await listPlaylists(u);
  assert.deepEqual(list, [{ id: playlistId, name, username: u.username }]);
  assertKeys(list[0], ['id', 'name', 'username']);
});

test("other users' playlists are not listed", async () => {
  const a = await newUser();
  const b = await newUser();
  const pa = await newPlaylist(a);
  await newPlaylist(b);
  assert.deepEqual((await listPlaylists(a)).map((p) => p.id), [pa]);
});

test('GET /playlists: two owned plus one collaborated is exactly three, with the owner username', async () => {
  const u = await newUser();
  const other = await newUser();
  const mine1 = await newPlaylist(u, `Mine one ${uid()}`);
  const mine2 = await newPlaylist(u, `Mine two ${uid()}`);
  const theirsName = `Theirs ${uid()}`;
  const theirs = await newPlaylist(other, theirsName);
  await newPlaylist(other); // not shared with u
  await addCollaborator(other, theirs, u.id);
  const list = await listPlaylists(u);
  assert.equal(list.length, 3);
  for (const p of list) assertKeys(p, ['id', 'name', 'username']);
  assert.deepEqual(list.map((p) => p.id).sort(), [mine1, mine2, theirs].sort());
  assert.equal(list.find((p) => p.id === mine1).username, u.username);
  assert.equal(list.find((p) => p.id === mine2).username, u.username);
  assert.deepEqual(list.find((p) => p.id === theirs), { id: theirs, name: theirsName, username: other.username });
});

test('POST /playlists with a missing or non-string name is 400', async () => {
  const u = await newUser();
  for (const body of [{}, { name: 123 }, { name: true }, { name: null }, { name: {} }, { name: ['x'] }, { name: '' }, { title: 'x' }]) {
    const res = await api('POST', '/playlists', { token: u.accessToken, body });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of ['{', 'nope', '[]', 'null', '"x"', '']) {
    assertFail(await api('POST', '/playlists', { token: u.accessToken, body }), 400);
  }
  assert.deepEqual(await listPlaylists(u), []);
});

test('GET /playlists/{id}/songs is exactly {id, name, username, songs} with songs exactly {id, title, performer}', async () => {
  const u = await newUser();
  const name = `Exact ${uid()}`;
  const playlistId = await newPlaylist(u, name);
  let playlist = assertOk(await playlistSongs(u, playlistId)).playlist;
  assert.deepEqual(playlist, { id: playlistId, name, username: u.username, songs: [] });
  const title = `Yellow ${uid()}`;
  const songId = await newSong({ title, performer: 'Coldplay' });
  assertMessage(await postSong(u, playlistId, songId), 201);
  playlist = assertOk(await playlistSongs(u, playlistId)).playlist;
  assertKeys(playlist, ['id', 'name', 'username', 'songs']);
  assert.deepEqual(playlist.songs, [{ id: songId, title, performer: 'Coldplay' }]);
});

test('POST /playlists/{id}/songs: 201 with a message; several songs are all listed', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const ids = [await newSong(), await newSong(), await newSong()];
  for (const id of ids) assertMessage(await postSong(u, playlistId, id), 201);
  assert.deepEqual(await songIdsOf(u, playlistId), [...ids].sort());
});

test('POST /playlists/{id}/songs with an unknown song is 404', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  for (const songId of ['song-xxx', 'xxx']) assertFail(await postSong(u, playlistId, songId), 404);
  assert.deepEqual(await songIdsOf(u, playlistId), []);
});

test('POST /playlists/{id}/songs with a missing or wrong-typed songId is 400', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const songId = await newSong();
  for (const body of [{}, { songId: 123 }, { songId: true }, { songId: null }, { songId: {} }, { songId: [songId] }, { songId: '' }, { id: songId }]) {
    const res = await api('POST', `/playlists/${playlistId}/songs`, { token: u.accessToken, body });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of ['{', 'nope', '[]', 'null', '']) {
    assertFail(await api('POST', `/playlists/${playlistId}/songs`, { token: u.accessToken, body }), 400);
  }
  assert.deepEqual(await songIdsOf(u, playlistId), []);
});

test('adding the same song to a playlist twice is 400 and lists it once', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const songId = await newSong();
  assertMessage(await postSong(u, playlistId, songId), 201);
  assertFail(await postSong(u, playlistId, songId), 400);
  assert.deepEqual(await songIdsOf(u, playlistId), [songId]);
});

test('the same song may be in two playlists', async () => {
  const u = await newUser();
  const p1 = await newPlaylist(u);
  const p2 = await newPlaylist(u);
  const songId = await newSong();
  assertMessage(await postSong(u, p1, songId), 201);
  assertMessage(await postSong(u, p2, songId), 201);
  assert.deepEqual(await songIdsOf(u, p1), [songId]);
  assert.deepEqual(await songIdsOf(u, p2), [songId]);
});

test('DELETE /playlists/{id}/songs removes the song: 200 with a message', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const keep = await newSong();
  const gone = await newSong();
  await addPlaylistSong(u, playlistId, keep);
  await addPlaylistSong(u, playlistId, gone);
  assertMessage(await delSong(u, playlistId, gone));
  assert.deepEqual(await songIdsOf(u, playlistId), [keep]);
  // The song itself stays in the catalog.
  assertOk(await api('GET', `/songs/${gone}`));
});

test('DELETE /playlists/{id}/songs for a song not in the playlist is 404', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const inList = await newSong();
  const notInList = await newSong();
  await addPlaylistSong(u, playlistId, inList);
  assertFail(await delSong(u, playlistId, notInList), 404);
  assertFail(await delSong(u, playlistId, 'song-xxx'), 404);
  // Removing twice: the second is 404 too.
  assertMessage(await delSong(u, playlistId, inList));
  assertFail(await delSong(u, playlistId, inList), 404);
});

test('DELETE /playlists/{id}: 200 for the owner, then its songs are 404 and it leaves the list', async () => {
  const u = await newUser();
  const keep = await newPlaylist(u);
  const playlistId = await newPlaylist(u);
  await addPlaylistSong(u, playlistId, await newSong());
  assertMessage(await api('DELETE', `/playlists/${playlistId}`, { token: u.accessToken }));
  assertFail(await playlistSongs(u, playlistId), 404);
  assertFail(await api('DELETE', `/playlists/${playlistId}`, { token: u.accessToken }), 404);
  assertFail(await postSong(u, playlistId, await newSong()), 404);
  assertFail(await activities(u, playlistId), 404);
  assert.deepEqual((await listPlaylists(u)).map((p) => p.id), [keep]);
});

test('a deleted playlist disappears from its collaborators too', async () => {
  const { owner, collaborator, playlistId } = await world();
  assert.deepEqual((await listPlaylists(collaborator)).map((p) => p.id), [playlistId]);
  assertMessage(await api('DELETE', `/playlists/${playlistId}`, { token: owner.accessToken }));
  assert.deepEqual(await listPlaylists(collaborator), []);
  assertFail(await playlistSongs(collaborator, playlistId), 404);
});

// ---------------------------------------------------------------- tokens

test('every playlist and collaboration endpoint is 401 without a token', async () => {
  const { owner, collaborator, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  const calls = [
    ['POST', '/playlists', { name: 'x' }],
    ['GET', '/playlists'],
    ['DELETE', `/playlists/${playlistId}`],
    ['GET', `/playlists/${playlistId}/songs`],
    ['POST', `/playlists/${playlistId}/songs`, { songId: songA }],
    ['DELETE', `/playlists/${playlistId}/songs`, { songId: songA }],
    ['GET', `/playlists/${playlistId}/activities`],
    ['POST', '/collaborations', { playlistId, userId: collaborator.id }],
    ['DELETE', '/collaborations', { playlistId, userId: collaborator.id }],
  ];
  for (const [method, path, body] of calls) {
    const res = await api(method, path, { body });
    assert.equal(res.status, 401, `${method} ${path}: ${res.text}`);
    assertFail(res, 401);
  }
  // Nothing changed.
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA]);
  assert.deepEqual((await listPlaylists(collaborator)).map((p) => p.id), [playlistId]);
});

test('every playlist and collaboration endpoint is 401 with a bad token', async () => {
  const { owner, collaborator, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  const calls = [
    ['POST', '/playlists', { name: 'x' }],
    ['GET', '/playlists'],
    ['DELETE', `/playlists/${playlistId}`],
    ['GET', `/playlists/${playlistId}/songs`],
    ['POST', `/playlists/${playlistId}/songs`, { songId: songA }],
    ['DELETE', `/playlists/${playlistId}/songs`, { songId: songA }],
    ['GET', `/playlists/${playlistId}/activities`],
    ['POST', '/collaborations', { playlistId, userId: collaborator.id }],
    ['DELETE', '/collaborations', { playlistId, userId: collaborator.id }],
  ];
  // Tokens of the owner, tampered with: none of them may act as the owner.
  for (const [what, headers] of badAuthHeaders(owner, collaborator)) {
    for (const [method, path, body] of calls) {
      const res = await api(method, path, { body, headers });
      assert.equal(res.status, 401, `${what}: ${method} ${path}: ${res.text}`);
      assertFail(res, 401);
    }
  }
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA]);
  assert.deepEqual((await listPlaylists(owner)).map((p) => p.id), [playlistId]);
  assert.deepEqual((await listPlaylists(collaborator)).map((p) => p.id), [playlistId]);
});

// ---------------------------------------------------------------- access matrix

test('access: GET /playlists/{id}/songs is 200 for owner and collaborator, 403 for a stranger', async () => {
  const { owner, collaborator, stranger, playlistId, name, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  const expected = assertOk(await playlistSongs(owner, playlistId)).playlist;
  assert.equal(expected.username, owner.username);
  assert.equal(expected.name, name);
  // The collaborator sees the same playlist, still under the owner's username.
  assert.deepEqual(assertOk(await playlistSongs(collaborator, playlistId)).playlist, expected);
  assertFail(await playlistSongs(stranger, playlistId), 403);
});

test('access: POST /playlists/{id}/songs is 201 for owner and collaborator, 403 for a stranger', async () => {
  const { owner, collaborator, stranger, playlistId, songA, songB } = await world();
  const songC = await newSong();
  assertMessage(await postSong(owner, playlistId, songA), 201);
  assertMessage(await postSong(collaborator, playlistId, songB), 201);
  assertFail(await postSong(stranger, playlistId, songC), 403);
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA, songB].sort());
});

test('access: DELETE /playlists/{id}/songs is 200 for owner and collaborator, 403 for a stranger', async () => {
  const { owner, collaborator, stranger, playlistId, songA, songB } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  await addPlaylistSong(owner, playlistId, songB);
  assertMessage(await delSong(collaborator, playlistId, songA));
  assertFail(await delSong(stranger, playlistId, songB), 403);
  assert.deepEqual(await songIdsOf(owner, playlistId), [songB]);
  assertMessage(await delSong(owner, playlistId, songB));
  assert.deepEqual(await songIdsOf(owner, playlistId), []);
});

test('access: GET /playlists/{id}/activities is 200 for owner and collaborator, 403 for a stranger', async () => {
  const { owner, collaborator, stranger, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  const a = assertOk(await activities(owner, playlistId));
  const b = assertOk(await activities(collaborator, playlistId));
  assert.deepEqual(b, a);
  assert.equal(a.activities.length, 1);
  assertFail(await activities(stranger, playlistId), 403);
});

test('access: DELETE /playlists/{id} is 403 for collaborator and stranger, 200 for the owner', async () => {
  const { owner, collaborator, stranger, playlistId } = await world();
  assertFail(await api('DELETE', `/playlists/${playlistId}`, { token: collaborator.accessToken }), 403);
  assertFail(await api('DELETE', `/playlists/${playlistId}`, { token: stranger.accessToken }), 403);
  assertOk(await playlistSongs(owner, playlistId)); // still there
  assertMessage(await api('DELETE', `/playlists/${playlistId}`, { token: owner.accessToken }));
  assertFail(await playlistSongs(owner, playlistId), 404);
});

test('access: POST /collaborations is 403 for collaborator and stranger, 201 for the owner', async () => {
  const { owner, collaborator, stranger, playlistId } = await world();
  const newcomer = await newUser();
  assertFail(await postCollab(collaborator, playlistId, newcomer.id), 403);
  assertFail(await postCollab(stranger, playlistId, stranger.id), 403); // adding oneself
  assertFail(await postCollab(stranger, playlistId, newcomer.id), 403);
  assertFail(await playlistSongs(newcomer, playlistId), 403);
  assertFail(await playlistSongs(stranger, playlistId), 403);
  assertOk(await postCollab(owner, playlistId, newcomer.id), 201);
  assertOk(await playlistSongs(newcomer, playlistId));
});

test('access: DELETE /collaborations is 403 for collaborator and stranger, 200 for the owner', async () => {
  const { owner, collaborator, stranger, playlistId } = await world();
  const second = await newUser();
  await addCollaborator(owner, playlistId, second.id);
  assertFail(await delCollab(collaborator, playlistId, second.id), 403);
  assertFail(await delCollab(collaborator, playlistId, collaborator.id), 403);
  assertFail(await delCollab(stranger, playlistId, collaborator.id), 403);
  assertOk(await playlistSongs(collaborator, playlistId));
  assertOk(await playlistSongs(second, playlistId));
  assertMessage(await delCollab(owner, playlistId, second.id));
  assertFail(await playlistSongs(second, playlistId), 403);
  assertOk(await playlistSongs(collaborator, playlistId));
});

test('access: an unknown playlist id is 404 on every endpoint, for owner, collaborator and stranger', async () => {
  const { owner, collaborator, stranger, songA } = await world();
  const someone = await newUser();
  for (const who of [owner, collaborator, stranger]) {
    for (const id of ['playlist-xxx', 'xxx']) {
      const calls = [
        ['GET songs', () => playlistSongs(who, id)],
        ['POST songs', () => postSong(who, id, songA)],
        ['DELETE songs', () => delSong(who, id, songA)],
        ['GET activities', () => activities(who, id)],
        ['DELETE playlist', () => api('DELETE', `/playlists/${id}`, { token: who.accessToken })],
        ['POST collaborations', () => postCollab(who, id, someone.id)],
        ['DELETE collaborations', () => delCollab(who, id, someone.id)],
      ];
      for (const [what, call] of calls) {
        const res = await call();
        assert.equal(res.status, 404, `${who.username} ${what} ${id}: ${res.text}`);
        assertFail(res, 404);
      }
    }
  }
});

// ---------------------------------------------------------------- collaborations

test('POST /collaborations: 201 with a collab- id; the playlist appears for the collaborator', async () => {
  const owner = await newUser();
  const friend = await newUser();
  const name = `Together ${uid()}`;
  const playlistId = await newPlaylist(owner, name);
  const res = await postCollab(owner, playlistId, friend.id);
  const { collaborationId } = assertOk(res, 201);
  assert.equal(typeof collaborationId, 'string');
  assert.match(collaborationId, /^collab-./);
  assert.deepEqual(await listPlaylists(friend), [{ id: playlistId, name, username: owner.username }]);
  // The owner's own list is unchanged.
  assert.deepEqual(await listPlaylists(owner), [{ id: playlistId, name, username: owner.username }]);
});

test('POST /collaborations with an unknown user is 404', async () => {
  const owner = await newUser();
  const playlistId = await newPlaylist(owner);
  for (const userId of ['user-xxx', 'xxx']) assertFail(await postCollab(owner, playlistId, userId), 404);
});

test('POST /collaborations with an unknown playlist is 404', async () => {
  const owner = await newUser();
  const friend = await newUser();
  for (const playlistId of ['playlist-xxx', 'xxx']) assertFail(await postCollab(owner, playlistId, friend.id), 404);
});

test('adding the same collaborator twice is 400', async () => {
  const owner = await newUser();
  const friend = await newUser();
  const playlistId = await newPlaylist(owner);
  assertOk(await postCollab(owner, playlistId, friend.id), 201);
  assertFail(await postCollab(owner, playlistId, friend.id), 400);
  assert.equal((await listPlaylists(friend)).length, 1);
});

test('POST /collaborations with missing or wrong-typed fields is 400', async () => {
  const owner = await newUser();
  const friend = await newUser();
  const playlistId = await newPlaylist(owner);
  const cases = [
    {},
    { playlistId },
    { userId: friend.id },
    { playlistId: 123, userId: friend.id },
    { playlistId: true, userId: friend.id },
    { playlistId: null, userId: friend.id },
    { playlistId: {}, userId: friend.id },
    { playlistId: [playlistId], userId: friend.id },
    { playlistId, userId: 123 },
    { playlistId, userId: false },
    { playlistId, userId: null },
    { playlistId, userId: { id: friend.id } },
    { playlistId, userId: [friend.id] },
  ];
  for (const body of cases) {
    const res = await api('POST', '/collaborations', { token: owner.accessToken, body });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of ['{', 'nope', '[]', 'null', '']) {
    assertFail(await api('POST', '/collaborations', { token: owner.accessToken, body }), 400);
  }
  assert.deepEqual(await listPlaylists(friend), []);
});

test('DELETE /collaborations: 200 with a message; then 403 for that user and gone from their list', async () => {
  const { owner, collaborator, playlistId, songA } = await world();
  await addPlaylistSong(collaborator, playlistId, songA);
  assertMessage(await delCollab(owner, playlistId, collaborator.id));
  assertFail(await playlistSongs(collaborator, playlistId), 403);
  assertFail(await postSong(collaborator, playlistId, await newSong()), 403);
  assertFail(await delSong(collaborator, playlistId, songA), 403);
  assertFail(await activities(collaborator, playlistId), 403);
  assert.deepEqual(await listPlaylists(collaborator), []);
  // The songs the collaborator added stay.
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA]);
});

test('a removed collaborator can be added again', async () => {
  const { owner, collaborator, playlistId } = await world();
  assertMessage(await delCollab(owner, playlistId, collaborator.id));
  assertFail(await playlistSongs(collaborator, playlistId), 403);
  assertOk(await postCollab(owner, playlistId, collaborator.id), 201);
  assertOk(await playlistSongs(collaborator, playlistId));
  assert.deepEqual((await listPlaylists(collaborator)).map((p) => p.id), [playlistId]);
});

// ---------------------------------------------------------------- activities

test('a new playlist has no activities: data is exactly {playlistId, activities: []}', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const data = assertOk(await activities(u, playlistId));
  assert.deepEqual(data, { playlistId, activities: [] });
});

test('activities: owner adds A, collaborator adds B, owner deletes A: three entries, oldest first', async () => {
  const { owner, collaborator, playlistId } = await world();
  const titleA = `Activity A ${uid()}`;
  const titleB = `Activity B ${uid()}`;
  const songA = await newSong({ title: titleA });
  const songB = await newSong({ title: titleB });
  assertMessage(await postSong(owner, playlistId, songA), 201);
  assertMessage(await postSong(collaborator, playlistId, songB), 201);
  assertMessage(await delSong(owner, playlistId, songA));

  const data = assertOk(await activities(owner, playlistId));
  assertKeys(data, ['playlistId', 'activities']);
  assert.equal(data.playlistId, playlistId);
  assert.equal(data.activities.length, 3);
  for (const a of data.activities) {
    assertKeys(a, ['username', 'title', 'action', 'time']);
    assertIso(a.time);
  }
  assert.deepEqual(data.activities.map(({ username, title, action }) => ({ username, title, action })), [
    { username: owner.username, title: titleA, action: 'add' },
    { username: collaborator.username, title: titleB, action: 'add' },
    { username: owner.username, title: titleA, action: 'delete' },
  ]);
  const times = data.activities.map((a) => Date.parse(a.time));
  assert.ok(times[0] <= times[1] && times[1] <= times[2], `times not oldest first: ${data.activities.map((a) => a.time)}`);
});

test('failed changes leave no activity', async () => {
  const { owner, stranger, playlistId, songA, songB } = await world();
  assertMessage(await postSong(owner, playlistId, songA), 201);
  assertFail(await postSong(owner, playlistId, songA), 400); // duplicate
  assertFail(await postSong(owner, playlistId, 'song-xxx'), 404);
  assertFail(await delSong(owner, playlistId, songB), 404); // not in the playlist
  assertFail(await postSong(stranger, playlistId, songB), 403);
  const data = assertOk(await activities(owner, playlistId));
  assert.deepEqual(data.activities.map((a) => a.action), ['add']);
});

test('activities: stranger 403, unknown playlist 404, deleted playlist 404', async () => {
  const { owner, stranger, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  assertFail(await activities(stranger, playlistId), 403);
  for (const id of ['playlist-xxx', 'xxx']) assertFail(await activities(owner, id), 404);
  assertMessage(await api('DELETE', `/playlists/${playlistId}`, { token: owner.accessToken }));
  assertFail(await activities(owner, playlistId), 404);
});

// ---------------------------------------------------------------- the cache

async function readTwice(who, playlistId) {
  const first = await playlistSongs(who, playlistId);
  const a = assertOk(first);
  const second = await playlistSongs(who, playlistId);
  const b = assertOk(second);
  assert.equal(second.headers.get('x-data-source'), 'cache', 'the repeat read comes from the cache');
  assert.deepEqual(b, a);
  return b.playlist;
}

test('cache: the repeat read of a playlist carries X-Data-Source: cache', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  await addPlaylistSong(u, playlistId, await newSong());
  const first = await playlistSongs(u, playlistId);
  assertOk(first);
  assert.notEqual(first.headers.get('x-data-source'), 'cache', 'the first read after a change is fresh');
  const second = await playlistSongs(u, playlistId);
  assertOk(second);
  assert.equal(second.headers.get('x-data-source'), 'cache');
});

test('cache: adding a song invalidates it; the next read includes the song, fresh', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const first = await newSong();
  await addPlaylistSong(u, playlistId, first);
  assert.deepEqual((await readTwice(u, playlistId)).songs.map((s) => s.id), [first]);
  const second = await newSong();
  await addPlaylistSong(u, playlistId, second);
  const r = await playlistSongs(u, playlistId);
  assert.deepEqual(assertOk(r).playlist.songs.map((s) => s.id).sort(), [first, second].sort());
  assert.notEqual(r.headers.get('x-data-source'), 'cache');
  assert.deepEqual((await readTwice(u, playlistId)).songs.map((s) => s.id).sort(), [first, second].sort());
});

test('cache: removing a song invalidates it; the next read lacks the song, fresh', async () => {
  const u = await newUser();
  const playlistId = await newPlaylist(u);
  const keep = await newSong();
  const gone = await newSong();
  await addPlaylistSong(u, playlistId, keep);
  await addPlaylistSong(u, playlistId, gone);
  assert.equal((await readTwice(u, playlistId)).songs.length, 2);
  assertMessage(await delSong(u, playlistId, gone));
  const r = await playlistSongs(u, playlistId);
  assert.deepEqual(assertOk(r).playlist.songs.map((s) => s.id), [keep]);
  assert.notEqual(r.headers.get('x-data-source'), 'cache');
});

test('cache: a collaborator\'s change invalidates the owner\'s cached read', async () => {
  const { owner, collaborator, playlistId, songA, songB } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  await readTwice(owner, playlistId);
  await addPlaylistSong(collaborator, playlistId, songB);
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA, songB].sort());
});

test('cache: removing a collaborator takes effect at once even though the playlist was cached', async () => {
  const { owner, collaborator, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  await readTwice(collaborator, playlistId);
  await readTwice(owner, playlistId);
  assertMessage(await delCollab(owner, playlistId, collaborator.id));
  assertFail(await playlistSongs(collaborator, playlistId), 403);
  assertFail(await playlistSongs(collaborator, playlistId), 403);
  // The owner still reads it.
  assert.deepEqual(await songIdsOf(owner, playlistId), [songA]);
});

test('cache: adding a collaborator takes effect at once even though the playlist was cached', async () => {
  const owner = await newUser();
  const friend = await newUser();
  const playlistId = await newPlaylist(owner);
  await addPlaylistSong(owner, playlistId, await newSong());
  assertFail(await playlistSongs(friend, playlistId), 403);
  await readTwice(owner, playlistId);
  assertOk(await postCollab(owner, playlistId, friend.id), 201);
  const r = await playlistSongs(friend, playlistId);
  assert.equal(assertOk(r).playlist.songs.length, 1);
});

test('cache: a cached playlist is still 403 for a stranger', async () => {
  const { owner, collaborator, stranger, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  await readTwice(owner, playlistId);
  assertFail(await playlistSongs(stranger, playlistId), 403);
  // The collaborator gets the same cached content.
  const r = await playlistSongs(collaborator, playlistId);
  assert.deepEqual(assertOk(r).playlist.songs.map((s) => s.id), [songA]);
});

test('cache: a deleted playlist is 404 at once even though it was cached', async () => {
  const { owner, collaborator, playlistId, songA } = await world();
  await addPlaylistSong(owner, playlistId, songA);
  await readTwice(owner, playlistId);
  await readTwice(collaborator, playlistId);
  assertMessage(await api('DELETE', `/playlists/${playlistId}`, { token: owner.accessToken }));
  assertFail(await playlistSongs(owner, playlistId), 404);
  assertFail(await playlistSongs(collaborator, playlistId), 404);
});

test('cache: the cache of one playlist is not served for another', async () => {
  const u = await newUser();
  const p1 = await newPlaylist(u, `One ${uid()}`);
  const p2 = await newPlaylist(u, `Two ${uid()}`);
  const s1 = await newSong();
  await addPlaylistSong(u, p1, s1);
  const one = await readTwice(u, p1);
  const r = await playlistSongs(u, p2);
  const two = assertOk(r).playlist;
  assert.notEqual(r.headers.get('x-data-source'), 'cache');
  assert.equal(one.id, p1);
  assert.equal(two.id, p2);
  assert.deepEqual(two.songs, []);
});
