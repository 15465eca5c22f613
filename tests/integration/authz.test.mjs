// authz.test.mjs: who may call what. One explicit table: every route of
// fcgi-app/router.c × ten roles → the expected status, derived from README.md
// and the router's flags (ROUTE_AUTH: a guest or user token; ROUTE_USER: a
// registered user; ROUTE_CATALOG: a registered user to create, the creator or a
// catalog admin to change, CATALOG_WRITES unset). Every request that changes
// something gets fixtures of its own, so the order of the cases does not matter.
// The table must name exactly the routes router.c has: a new route fails here
// until someone says who may call it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, newGuest, newRoom, addEntry, catalogAdminToken, JSON_TYPE, BASE } from './lib.mjs';
import { newUser, newSong, newAlbum, newPlaylist, addCollaborator, addPlaylistSong, uid } from './catalog_lib.mjs';
import { parseRoutes, newUserPatiently } from './hostile_lib.mjs';

const ROLES = ['anonymous', 'guest', 'stranger', 'owner', 'collaborator', 'member', 'host', 'cohost', 'banned', 'admin'];

// anonymous: no token. guest: a guest token, no relation to anything. stranger:
// a registered user with no relation. owner: the registered user who created
// the album or song / owns the playlist (and its export job). collaborator: a
// registered user collaborating on the playlist. member: a guest who added a
// song to the room. host: the guest who created the room. cohost: a member the
// host named co-host. banned: a member the host banned. admin: the catalog
// admin (CATALOG_ADMINS). Room roles are guests; owner, collaborator, stranger
// and admin are registered users.
/* eslint-disable no-multi-spaces */
const TABLE = [
  //  route                                   anon guest strgr owner colab membr host  cohst bannd admin
  ['POST /guests',                           [201, 201, 201, 201, 201, 201, 201, 201, 201, 201]],
  ['POST /users',                            [201, 201, 201, 201, 201, 201, 201, 201, 201, 201]],
  ['GET /users/me',                          [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  // Operations: no token asked; /metrics by address (METRICS_ALLOW: loopback, where the suite runs).
  ['GET /healthz',                           [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET /readyz',                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET /metrics',                           [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['POST /authentications',                  [201, 201, 201, 201, 201, 201, 201, 201, 201, 201]],
  ['PUT /authentications',                   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['DELETE /authentications',                [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],

  ['POST /albums',                           [401, 401, 201, 201, 201, 401, 401, 401, 401, 201]],
  ['GET /albums',                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET /albums/:id',                        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['PUT /albums/:id',                        [401, 401, 403, 200, 403, 401, 401, 401, 401, 200]],
  ['DELETE /albums/:id',                     [401, 401, 403, 200, 403, 401, 401, 401, 401, 200]],
  ['POST /albums/:id/likes',                 [401, 401, 201, 201, 201, 401, 401, 401, 401, 201]],
  ['DELETE /albums/:id/likes',               [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['GET /albums/:id/likes',                  [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['POST /albums/:id/covers',                [401, 401, 403, 201, 403, 401, 401, 401, 401, 201]],
  ['POST /songs',                            [401, 401, 201, 201, 201, 401, 401, 401, 401, 201]],
  ['GET /songs',                             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET /songs/:id',                         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['PUT /songs/:id',                         [401, 401, 403, 200, 403, 401, 401, 401, 401, 200]],
  ['DELETE /songs/:id',                      [401, 401, 403, 200, 403, 401, 401, 401, 401, 200]],
  // No YOUTUBE_API_KEY on this stack: README says 404 for everyone.
  ['GET /youtube/search',                    [404, 404, 404, 404, 404, 404, 404, 404, 404, 404]],
  ['GET /search',                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],

  ['GET /me/queue',                          [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['PUT /me/queue',                          [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['PATCH /me/queue',                        [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/tracks',                  [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['DELETE /me/queue/tracks/:position',      [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/play-now',                [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/shuffle',                 [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/unshuffle',               [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/next',                    [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/previous',                [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['POST /me/queue/move',                    [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['DELETE /me/queue/upcoming',              [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['GET /me/queue/subscription',             [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  // No token flag: the ticket from /me/queue/subscription is the credential
  // (registered users fetch their own; the others have none): 403 without.
  ['GET /me/queue/events',                   [403, 403, 200, 200, 200, 403, 403, 403, 403, 200]],
  ['GET /me/preferences',                    [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['PUT /me/preferences',                    [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['GET /me/rooms',                          [401, 200, 200, 200, 200, 200, 200, 200, 200, 200]],

  ['POST /playlists',                        [401, 401, 201, 201, 201, 401, 401, 401, 401, 201]],
  ['GET /playlists',                         [401, 401, 200, 200, 200, 401, 401, 401, 401, 200]],
  ['DELETE /playlists/:id',                  [401, 401, 403, 200, 403, 401, 401, 401, 401, 403]],
  ['POST /playlists/:id/songs',              [401, 401, 403, 201, 201, 401, 401, 401, 401, 403]],
  ['GET /playlists/:id/songs',               [401, 401, 403, 200, 200, 401, 401, 401, 401, 403]],
  ['DELETE /playlists/:id/songs',            [401, 401, 403, 200, 200, 401, 401, 401, 401, 403]],
  ['GET /playlists/:id/activities',          [401, 401, 403, 200, 200, 401, 401, 401, 401, 403]],
  ['POST /export/playlists/:playlistId',     [401, 401, 403, 201, 403, 401, 401, 401, 401, 403]],
  ['GET /export/jobs/:jobId',                [401, 401, 403, 200, 403, 401, 401, 401, 401, 403]],
  ['POST /collaborations',                   [401, 401, 403, 201, 403, 401, 401, 401, 401, 403]],
  ['DELETE /collaborations',                 [401, 401, 403, 200, 403, 401, 401, 401, 401, 403]],

  ['POST /rooms',                            [401, 201, 201, 201, 201, 201, 201, 201, 201, 201]],
  ['POST /rooms/:code/close',                [401, 403, 403, 403, 403, 403, 200, 403, 403, 403]],
  ['POST /rooms/:code/host',                 [401, 403, 403, 403, 403, 403, 200, 403, 403, 403]],
  // README: any member; who has not joined is 404, a banned member 403 (the ban stays).
  ['POST /rooms/:code/leave',                [401, 404, 404, 404, 404, 200, 200, 200, 403, 404]],
  ['GET /rooms/:code',                       [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['PATCH /rooms/:code',                     [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['GET /rooms/:code/members',               [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  // README: "member"; any token is one (the answer of a non-member says role "member").
  ['GET /rooms/:code/me',                    [401, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  // any token: a caller who is not a member yet becomes one (the room has no PIN); banned: 403
  ['PATCH /rooms/:code/me',                  [401, 200, 200, 200, 200, 200, 200, 200, 403, 200]],
  ['POST /rooms/:code/join',                 [401, 200, 200, 200, 200, 200, 200, 200, 403, 200]],
  // asked in a room that hides its queue (with a PIN): its members only, banned ones not
  ['GET /rooms/:code/events',                [403, 403, 403, 403, 403, 200, 200, 200, 403, 403]],
  ['GET /rooms/:code/qr.svg',                [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['GET /rooms/:code/history',               [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  // a registered user with a member row: the owner is made one (room roles are guests: 401)
  ['POST /rooms/:code/history/playlist',     [401, 401, 403, 201, 403, 401, 401, 401, 401, 403]],
  ['POST /rooms/:code/cohosts',              [401, 403, 403, 403, 403, 403, 200, 403, 403, 403]],
  ['DELETE /rooms/:code/cohosts/:memberId',  [401, 403, 403, 403, 403, 403, 200, 403, 403, 403]],
  ['POST /rooms/:code/bans',                 [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['DELETE /rooms/:code/bans/:memberId',     [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['GET /rooms/:code/queue',                 [200, 200, 200, 200, 200, 200, 200, 200, 200, 200]],
  ['POST /rooms/:code/queue',                [401, 201, 201, 201, 201, 201, 201, 201, 403, 201]],
  // the entry is the member's own
  ['DELETE /rooms/:code/queue/:entryId',     [401, 403, 403, 403, 403, 200, 200, 200, 403, 403]],
  ['PUT /rooms/:code/queue/:entryId/vote',   [401, 200, 200, 200, 200, 200, 200, 200, 403, 200]],
  ['PUT /rooms/:code/queue/:entryId/pin',    [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['DELETE /rooms/:code/queue/:entryId/pin', [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['POST /rooms/:code/advance',              [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
  ['POST /rooms/:code/skip',                 [401, 200, 200, 200, 200, 200, 200, 200, 403, 200]],
  ['PUT /rooms/:code/playback',              [401, 403, 403, 403, 403, 403, 200, 200, 403, 403]],
];
/* eslint-enable no-multi-spaces */

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

// ------------------------------------------------------------------ fixtures

let users;    // shared registered users: owner, stranger, collaborator, admin, extra, throwaway
let guest;    // a guest with no relation
let pool;     // songs made by the admin, used in rooms, playlists and personal queues
let lobby;    // a room world whose member, host, cohost, banned stand in on routes that are not a room's

/** A room with a host, a member, a co-host, a banned member and a target, each with a song queued. */
async function roomWorld({ playing = false } = {}) {
  const [host, member, cohost, banned, target] = await Promise.all(
    ['Host', 'Member', 'Cohost', 'Banned', 'Target'].map((n) => newGuest(`${n} ${uid()}`)));
  const room = await newRoom(host, `Authz ${uid()}`);
  const code = room.code;
  const memberEntry = (await addEntry(code, member, pool[0])).entry;
  await addEntry(code, cohost, pool[1]);
  await addEntry(code, banned, pool[2]);
  const targetEntry = (await addEntry(code, target, pool[3])).entry;
  assertOk(await api('POST', `/rooms/${code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: banned.id } }));
  let playingId = null;
  if (playing) {
    playingId = assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } })).nowPlaying.id;
  }
  return { kind: 'room', code, host, member, cohost, banned, target, memberEntry, targetEntry, playingId };
}

/** The room of world w with a PIN and its queue hidden (once); its code. */
async function hidden(w) {
  w.hidden ??= api('PATCH', `/rooms/${w.code}`, { token: w.host.token, body: { pin: '2468', hideQueue: true } });
  assertOk(await w.hidden);
  return w.code;
}

async function catalogWorld() {
  const albumId = await newAlbum({ name: `Authz album ${uid()}` }, users.owner);
  const songId = await newSong({ albumId, duration: 100 }, users.owner);
  return { kind: 'catalog', albumId, songId };
}

async function playlistWorld() {
  const playlistId = await newPlaylist(users.owner);
  await addPlaylistSong(users.owner, playlistId, pool[0]);
  await addCollaborator(users.owner, playlistId, users.collaborator.id);
  const jobId = assertOk(await api('POST', `/export/playlists/${playlistId}`,
    { token: users.owner.accessToken, body: { targetEmail: 'authz@example.com' } }), 201).jobId;
  return { kind: 'playlist', playlistId, jobId };
}

/** The identity behind a role for a world (room roles from the world's room, or the lobby's). */
function identity(role, w) {
  const room = w?.kind === 'room' ? w : lobby;
  switch (role) {
    case 'anonymous': return null;
    case 'guest': return guest;
    case 'member': case 'host': case 'cohost': case 'banned': return room[role];
    default: return users[role];
  }
}

const isUser = (who) => Boolean(who?.accessToken);

/** Puts a registered user's personal queue in a known state: three tracks, the first current. */
async function resetQueue(u) {
  const rev = assertOk(await api('GET', '/me/queue', { token: u.accessToken })).revision;
  const state = { trackIds: [pool[0], pool[1], pool[2]], currentIndex: 0, currentTrackId: pool[0], shuffle: false, originalOrderIds: [], repeatMode: 'none' };
  return assertOk(await api('PUT', '/me/queue', { token: u.accessToken, body: state, headers: { 'if-match': `"${rev}"` } })).revision;
}

/** A user's personal-queue request, after resetting their queue (so every case starts alike). */
const me = (method, path, body) => ({
  world: 'none',
  async build(w, who) {
    if (isUser(who)) await resetQueue(who);
    return { method, path, body: typeof body === 'function' ? body() : body };
  },
});

/** A fresh refresh token of the throwaway user. */
async function freshRefresh() {
  const { username, password } = users.throwaway;
  return assertOk(await api('POST', '/authentications', { body: { username, password } }), 201).refreshToken;
}

const songBody = () => ({ title: `Authz ${uid()}`, year: 2021, genre: 'Pop', performer: 'Someone', duration: 123 });

/**
 * How to call each route: world is the fixture it needs ('none', 'catalog',
 * 'playlist', 'room', 'room-playing'); build(world, identity) does any set-up
 * the caller's role needs and returns {method, path, body, headers, form}.
 */
const CALLS = {
  'POST /guests': { world: 'none', build: () => ({ body: { name: 'Authz guest' } }) },
  'POST /users': { world: 'none', build: () => ({ body: { username: `authz_${uid()}`, password: 'authz-password', fullname: 'Authz' } }) },
  'GET /users/me': { world: 'none', build: () => ({}) },
  'GET /healthz': { world: 'none', build: () => ({}) },
  'GET /readyz': { world: 'none', build: () => ({}) },
  'GET /metrics': { world: 'none', build: () => ({ text: true }) },
  'POST /authentications': { world: 'none', build: () => ({ body: { username: users.throwaway.username, password: users.throwaway.password } }) },
  'PUT /authentications': { world: 'none', build: async () => ({ body: { refreshToken: await freshRefresh() } }) },
  'DELETE /authentications': { world: 'none', build: async () => ({ body: { refreshToken: await freshRefresh() } }) },

  'POST /albums': { world: 'none', build: () => ({ body: { name: `Authz ${uid()}`, year: 2001 } }) },
  'GET /albums': { world: 'catalog', build: () => ({}) },
  'GET /albums/:id': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}` }) },
  'PUT /albums/:id': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}`, body: { name: 'Renamed', year: 2002 } }) },
  'DELETE /albums/:id': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}` }) },
  'POST /albums/:id/likes': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}/likes` }) },
  'DELETE /albums/:id/likes': {
    world: 'catalog',
    async build(w, who) {
      if (isUser(who)) assertOk(await api('POST', `/albums/${w.albumId}/likes`, { token: who.accessToken }), 201);
      return { path: `/albums/${w.albumId}/likes` };
    },
  },
  'GET /albums/:id/likes': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}/likes` }) },
  'POST /albums/:id/covers': { world: 'catalog', build: (w) => ({ path: `/albums/${w.albumId}/covers`, form: true }) },
  'POST /songs': { world: 'none', build: () => ({ body: songBody() }) },
  'GET /songs': { world: 'catalog', build: () => ({ path: '/songs?title=Authz' }) },
  'GET /songs/:id': { world: 'catalog', build: (w) => ({ path: `/songs/${w.songId}` }) },
  'PUT /songs/:id': { world: 'catalog', build: (w) => ({ path: `/songs/${w.songId}`, body: songBody() }) },
  'DELETE /songs/:id': { world: 'catalog', build: (w) => ({ path: `/songs/${w.songId}` }) },
  'GET /youtube/search': { world: 'none', build: () => ({ path: '/youtube/search?q=authz' }) },
  'GET /search': { world: 'catalog', build: () => ({ path: '/search?q=Authz' }) },

  'GET /me/queue': me('GET', '/me/queue'),
  'PUT /me/queue': {
    world: 'none',
    async build(w, who) {
      const rev = isUser(who) ? await resetQueue(who) : 0;
      const state = { trackIds: [pool[3], pool[4]], currentIndex: 1, currentTrackId: pool[4], shuffle: false, originalOrderIds: [], repeatMode: 'all' };
      return { method: 'PUT', path: '/me/queue', body: state, headers: { 'if-match': `"${rev}"` } };
    },
  },
  'PATCH /me/queue': me('PATCH', '/me/queue', { repeatMode: 'one' }),
  'POST /me/queue/tracks': me('POST', '/me/queue/tracks', () => ({ songIds: [pool[4]], position: 'next' })),
  'DELETE /me/queue/tracks/:position': me('DELETE', '/me/queue/tracks/2'),
  'POST /me/queue/play-now': me('POST', '/me/queue/play-now', () => ({ songId: pool[5] })),
  'POST /me/queue/shuffle': me('POST', '/me/queue/shuffle'),
  'POST /me/queue/unshuffle': me('POST', '/me/queue/unshuffle'),
  'POST /me/queue/next': me('POST', '/me/queue/next'),
  'POST /me/queue/previous': me('POST', '/me/queue/previous'),
  'POST /me/queue/move': me('POST', '/me/queue/move', { from: 1, to: 2 }),
  'DELETE /me/queue/upcoming': me('DELETE', '/me/queue/upcoming'),
  'GET /me/queue/subscription': me('GET', '/me/queue/subscription'),
  'GET /me/queue/events': {
    world: 'none',
    async build(w, who) {
      if (!isUser(who)) return { path: '/me/queue/events', stream: true };
      const { url } = assertOk(await api('GET', '/me/queue/subscription', { token: who.accessToken }));
      return { path: url, stream: true };
    },
  },
  'GET /me/preferences': me('GET', '/me/preferences'),
  'PUT /me/preferences': me('PUT', '/me/preferences', { autoPlay: false, showRemoteChanges: true }),
  'GET /me/rooms': { world: 'none', build: () => ({}) },

  'POST /playlists': { world: 'none', build: () => ({ body: { name: `Authz ${uid()}` } }) },
  'GET /playlists': { world: 'playlist', build: () => ({}) },
  'DELETE /playlists/:id': { world: 'playlist', build: (w) => ({ path: `/playlists/${w.playlistId}` }) },
  'POST /playlists/:id/songs': { world: 'playlist', build: (w) => ({ path: `/playlists/${w.playlistId}/songs`, body: { songId: pool[1] } }) },
  'GET /playlists/:id/songs': { world: 'playlist', build: (w) => ({ path: `/playlists/${w.playlistId}/songs` }) },
  'DELETE /playlists/:id/songs': { world: 'playlist', build: (w) => ({ path: `/playlists/${w.playlistId}/songs`, body: { songId: pool[0] } }) },
  'GET /playlists/:id/activities': { world: 'playlist', build: (w) => ({ path: `/playlists/${w.playlistId}/activities` }) },
  'POST /export/playlists/:playlistId': { world: 'playlist', build: (w) => ({ path: `/export/playlists/${w.playlistId}`, body: { targetEmail: 'authz@example.com' } }) },
  'GET /export/jobs/:jobId': { world: 'playlist', build: (w) => ({ path: `/export/jobs/${w.jobId}` }) },
  'POST /collaborations': { world: 'playlist', build: (w) => ({ body: { playlistId: w.playlistId, userId: users.extra.id } }) },
  'DELETE /collaborations': { world: 'playlist', build: (w) => ({ body: { playlistId: w.playlistId, userId: users.collaborator.id } }) },

  'POST /rooms': { world: 'none', build: () => ({ body: { name: `Authz ${uid()}` } }) },
  'POST /rooms/:code/close': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/close` }) },
  'POST /rooms/:code/host': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/host`, body: { memberId: w.member.id } }) },
  'POST /rooms/:code/leave': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/leave` }) },
  'GET /rooms/:code': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}` }) },
  'PATCH /rooms/:code': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}`, body: { name: 'Renamed', votingMode: 'up' } }) },
  'GET /rooms/:code/members': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/members` }) },
  'GET /rooms/:code/me': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/me` }) },
  'PATCH /rooms/:code/me': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/me`, body: { name: `Authz ${uid()}` } }) },
  'POST /rooms/:code/join': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/join`, body: {} }) },
  'GET /rooms/:code/events': { world: 'room', build: async (w) => ({ path: `/rooms/${await hidden(w)}/events`, stream: true }) },
  'GET /rooms/:code/qr.svg': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/qr.svg`, svg: true }) },
  'GET /rooms/:code/history': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/history` }) },
  'POST /rooms/:code/history/playlist': {
    world: 'room',
    async build(w, who) {
      if (who === users.owner) {
        // The owner joins (an add makes the member row) and a song plays through.
        await addEntry(w.code, who, pool[5]);
        for (let i = 0; i < 2; i++) {
          const playing = assertOk(await api('GET', `/rooms/${w.code}`)).room.nowPlaying;
          assertOk(await api('POST', `/rooms/${w.code}/advance`, { token: w.host.token, body: { currentEntryId: playing?.id ?? null } }));
        }
      }
      return { path: `/rooms/${w.code}/history/playlist`, body: { name: `Authz ${uid()}` } };
    },
  },
  'POST /rooms/:code/cohosts': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/cohosts`, body: { memberId: w.member.id } }) },
  'DELETE /rooms/:code/cohosts/:memberId': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/cohosts/${w.cohost.id}` }) },
  'POST /rooms/:code/bans': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/bans`, body: { memberId: w.target.id } }) },
  'DELETE /rooms/:code/bans/:memberId': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/bans/${w.banned.id}` }) },
  'GET /rooms/:code/queue': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue` }) },
  'POST /rooms/:code/queue': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue`, body: { songId: pool[4] } }) },
  'DELETE /rooms/:code/queue/:entryId': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue/${w.memberEntry.id}` }) },
  'PUT /rooms/:code/queue/:entryId/vote': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue/${w.targetEntry.id}/vote`, body: { value: 1 } }) },
  'PUT /rooms/:code/queue/:entryId/pin': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue/${w.targetEntry.id}/pin`, body: {} }) },
  'DELETE /rooms/:code/queue/:entryId/pin': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/queue/${w.targetEntry.id}/pin` }) },
  'POST /rooms/:code/advance': { world: 'room', build: (w) => ({ path: `/rooms/${w.code}/advance`, body: { currentEntryId: null } }) },
  'POST /rooms/:code/skip': { world: 'room-playing', build: (w) => ({ path: `/rooms/${w.code}/skip`, body: { entryId: w.playingId } }) },
  'PUT /rooms/:code/playback': { world: 'room-playing', build: (w) => ({ path: `/rooms/${w.code}/playback`, body: { entryId: w.playingId, paused: true } }) },
};

function makeWorld(kind) {
  switch (kind) {
    case 'none': return { kind: 'none' };
    case 'catalog': return catalogWorld();
    case 'playlist': return playlistWorld();
    case 'room': return roomWorld();
    case 'room-playing': return roomWorld({ playing: true });
    default: throw new Error(`no world ${kind}`);
  }
}

/** A streaming GET: the status and type, then the connection is dropped. */
async function streamHead(path, token) {
  const ctl = new AbortController();
  const res = await fetch(BASE + path, { headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: ctl.signal });
  const type = res.headers.get('content-type') || '';
  let text = '';
  if (!/event-stream/.test(type)) text = await res.text();
  ctl.abort();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

async function call(req, token) {
  if (req.stream) return streamHead(req.path, token);
  if (req.form) {
    const form = new FormData();
    form.append('cover', new Blob([PNG], { type: 'image/png' }), 'c.png');
    const res = await fetch(BASE + req.path, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, headers: res.headers, text, json };
  }
  return api(req.method, req.path, { token, body: req.body, headers: req.headers });
}

/** What is wrong with an answer (null: it is what the table says). */
function verdict(res, expected, req) {
  const got = `${res.status} ${res.text.slice(0, 160)}`;
  if (res.status !== expected) return `expected ${expected}, got ${got}`;
  const type = res.headers.get('content-type');
  if (expected >= 400) {
    if (type !== JSON_TYPE || res.json?.status !== 'fail' || !res.json.message) return `not the error shape: ${type} ${got}`;
  } else if (req.svg) {
    if (!/^image\/svg\+xml/.test(type || '')) return `not an SVG: ${type}`;
  } else if (req.stream) {
    if (!/event-stream/.test(type || '')) return `not an event stream: ${type}`;
  } else if (req.text) {
    if (!/^text\/plain/.test(type || '')) return `not text: ${type}`;
  } else if (type !== JSON_TYPE || res.json?.status !== 'success') {
    return `not the success shape: ${type} ${got}`;
  }
  return null;
}

test.before(async () => {
  // One at a time: a few password hashes at once is all the stack takes (HASH_CONCURRENCY, then 503).
  const one = () => newUserPatiently(newUser);
  const [owner, stranger, collaborator, extra, throwaway] = [await one(), await one(), await one(), await one(), await one()];
  const adminToken = await catalogAdminToken();
  const adminId = assertOk(await api('GET', '/users/me', { token: adminToken })).user.id;
  users = { owner, stranger, collaborator, extra, throwaway, admin: { id: adminId, accessToken: adminToken, token: adminToken } };
  guest = await newGuest('Authz bystander');
  pool = await Promise.all(Array.from({ length: 6 }, () => newSong({ duration: 150 })));
  lobby = await roomWorld();
});

const routeKeys = parseRoutes().map((r) => r.key);

test('the table names every route of router.c, once, and ten roles each', () => {
  const keys = TABLE.map(([k]) => k);
  assert.deepEqual([...keys].sort(), [...routeKeys].sort(), 'the table and router.c disagree on the routes');
  assert.equal(new Set(keys).size, keys.length, 'a route twice in the table');
  for (const [key, row] of TABLE) {
    assert.equal(row.length, ROLES.length, key);
    assert.ok(CALLS[key], `no call for ${key}`);
  }
});

let cases = 0;
for (const [key, row] of TABLE) {
  test(`${key}: ${ROLES.map((r, i) => `${r} ${row[i]}`).join(', ')}`, async () => {
    const spec = CALLS[key];
    const [method, pattern] = key.split(' ');
    // A read shares one world among the roles; a change gets a world per role.
    const shared = method === 'GET' ? await makeWorld(spec.world) : null;
    const wrong = [];
    for (const [i, role] of ROLES.entries()) {
      const w = shared ?? await makeWorld(spec.world);
      const who = identity(role, w);
      const req = { method, path: pattern, ...(await spec.build(w, who)) };
      const res = await call(req, who?.token);
      cases++;
      const v = verdict(res, row[i], req);
      if (v) wrong.push(`${role}: ${req.method} ${req.path}: ${v}`);
    }
    assert.deepEqual(wrong, [], `${key}:\n${wrong.join('\n')}`);
  });
}

// README: "Unknown ids are 404, checked before 403" (catalog); a token is checked before either.
const UNKNOWN = [
  //  method    path                                body                                                   stranger  anonymous
  ['PUT',    '/albums/album-nope',                 { name: 'x', year: 2000 },                             404, 401],
  ['DELETE', '/albums/album-nope',                 undefined,                                             404, 401],
  ['POST',   '/albums/album-nope/covers',          'form',                                                404, 401],
  ['POST',   '/albums/album-nope/likes',           undefined,                                             404, 401],
  ['DELETE', '/albums/album-nope/likes',           undefined,                                             404, 401],
  ['GET',    '/albums/album-nope/likes',           undefined,                                             404, 404],
  ['GET',    '/albums/album-nope',                 undefined,                                             404, 404],
  ['PUT',    '/songs/song-nope',                   { title: 't', year: 2000, genre: 'g', performer: 'p' }, 404, 401],
  ['DELETE', '/songs/song-nope',                   undefined,                                             404, 401],
  ['GET',    '/songs/song-nope',                   undefined,                                             404, 404],
  ['DELETE', '/playlists/playlist-nope',           undefined,                                             404, 401],
  ['POST',   '/playlists/playlist-nope/songs',     'song',                                                404, 401],
  ['GET',    '/playlists/playlist-nope/songs',     undefined,                                             404, 401],
  ['DELETE', '/playlists/playlist-nope/songs',     'song',                                                404, 401],
  ['GET',    '/playlists/playlist-nope/activities', undefined,                                            404, 401],
  ['POST',   '/export/playlists/playlist-nope',    { targetEmail: 'a@example.com' },                      404, 401],
  ['GET',    '/export/jobs/export-nope',           undefined,                                             404, 401],
  ['POST',   '/collaborations',                    'collab',                                              404, 401],
  ['DELETE', '/collaborations',                    'collab',                                              404, 401],
  ['PATCH',  '/rooms/ZZZZZZ',                      { name: 'x' },                                         404, 401],
  ['POST',   '/rooms/ZZZZZZ/advance',              { currentEntryId: null },                              404, 401],
  ['PUT',    '/rooms/ZZZZZZ/playback',             { entryId: 1, paused: true },                          404, 401],
  ['POST',   '/rooms/ZZZZZZ/bans',                 'member',                                              404, 401],
  ['POST',   '/rooms/ZZZZZZ/cohosts',              'member',                                              404, 401],
  ['GET',    '/rooms/ZZZZZZ/me',                   undefined,                                             404, 401],
  ['PATCH',  '/rooms/ZZZZZZ/me',                   { name: 'x' },                                         404, 401],
  ['POST',   '/rooms/ZZZZZZ/join',                 {},                                                    404, 401],
];

test('unknown ids: 404 before 403 for a registered stranger, 401 before 404 without a token', async () => {
  const wrong = [];
  for (const [method, path, b, strangerStatus, anonStatus] of UNKNOWN) {
    const body = b === 'song' ? { songId: pool[0] } : b === 'collab' ? { playlistId: 'playlist-nope', userId: users.extra.id }
      : b === 'member' ? { memberId: lobby.member.id } : b;
    for (const [who, status] of [[users.stranger, strangerStatus], [null, anonStatus]]) {
      const req = b === 'form' ? { method, path, form: true } : { method, path, body };
      const res = await call(req, who?.token);
      const v = verdict(res, status, req);
      if (v) wrong.push(`${who ? 'stranger' : 'anonymous'}: ${method} ${path}: ${v}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('taken-back rights take effect at once, caches included', async () => {
  // a removed collaborator, even with the playlist cached in Redis
  const { playlistId } = await playlistWorld();
  const songs = (who) => api('GET', `/playlists/${playlistId}/songs`, { token: who.accessToken });
  assertOk(await songs(users.collaborator));
  assert.equal((await songs(users.collaborator)).headers.get('x-data-source'), 'cache');
  assertOk(await api('DELETE', '/collaborations', { token: users.owner.accessToken, body: { playlistId, userId: users.collaborator.id } }));
  for (const r of [await songs(users.collaborator), await songs(users.collaborator),
    await api('GET', `/playlists/${playlistId}/activities`, { token: users.collaborator.accessToken }),
    await api('POST', `/playlists/${playlistId}/songs`, { token: users.collaborator.accessToken, body: { songId: pool[1] } })]) {
    assert.equal(r.status, 403, r.text);
  }
  assert.ok(!assertOk(await api('GET', '/playlists', { token: users.collaborator.accessToken })).playlists.some((p) => p.id === playlistId));
  // a deleted playlist, cached a moment ago
  assertOk(await songs(users.owner));
  assertOk(await api('DELETE', `/playlists/${playlistId}`, { token: users.owner.accessToken }));
  assert.equal((await songs(users.owner)).status, 404);
  assert.equal((await api('GET', `/playlists/${playlistId}/activities`, { token: users.owner.accessToken })).status, 404);

  // a co-host removed, a co-host banned, a member unbanned
  const w = await roomWorld();
  const patch = (who) => api('PATCH', `/rooms/${w.code}`, { token: who.token, body: { votingMode: 'up' } });
  assertOk(await patch(w.cohost));
  assertOk(await api('DELETE', `/rooms/${w.code}/cohosts/${w.cohost.id}`, { token: w.host.token }));
  assert.equal((await patch(w.cohost)).status, 403);
  assert.equal((await api('POST', `/rooms/${w.code}/advance`, { token: w.cohost.token, body: { currentEntryId: null } })).status, 403);
  assertOk(await api('POST', `/rooms/${w.code}/cohosts`, { token: w.host.token, body: { memberId: w.member.id } }));
  assertOk(await patch(w.member));
  assertOk(await api('POST', `/rooms/${w.code}/bans`, { token: w.host.token, body: { memberId: w.member.id } }));
  assert.equal((await patch(w.member)).status, 403, 'a banned co-host is no co-host');
  assert.equal(assertOk(await api('GET', `/rooms/${w.code}/me`, { token: w.member.token })).member.role, 'member');
  // a co-host may not ban the host, nor name co-hosts; the host may not ban themselves
  assertOk(await api('POST', `/rooms/${w.code}/cohosts`, { token: w.host.token, body: { memberId: w.target.id } }));
  assert.equal((await api('POST', `/rooms/${w.code}/bans`, { token: w.target.token, body: { memberId: w.host.id } })).status, 403);
  assert.equal((await api('POST', `/rooms/${w.code}/cohosts`, { token: w.target.token, body: { memberId: w.cohost.id } })).status, 403);
  assert.equal((await api('POST', `/rooms/${w.code}/bans`, { token: w.host.token, body: { memberId: w.host.id } })).status, 403);
  // unbanned: adds again
  assert.equal((await api('POST', `/rooms/${w.code}/queue`, { token: w.banned.token, body: { songId: pool[5] } })).status, 403);
  assertOk(await api('DELETE', `/rooms/${w.code}/bans/${w.banned.id}`, { token: w.host.token }));
  assertOk(await api('POST', `/rooms/${w.code}/queue`, { token: w.banned.token, body: { songId: pool[5] } }), 201);
});

test('every route × every role was asked', () => {
  console.log(`# authz.test.mjs: ${TABLE.length} routes × ${ROLES.length} roles = ${cases} cases`);
  assert.equal(cases, TABLE.length * ROLES.length);
});
