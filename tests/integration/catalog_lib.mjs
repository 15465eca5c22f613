// catalog_lib.mjs: helpers for the OpenMusic-style catalog tests: users with
// tokens, albums, songs, playlists, collaborations, and token tampering.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api, assertOk, catalogAdminToken } from './lib.mjs';

/** A short unique tag that always contains letters (so case changes matter). */
export const uid = () => `zq${randomBytes(5).toString('hex')}`;

/** Registers a user and logs in: {id, username, password, fullname, accessToken, refreshToken, token}. */
export async function newUser({ username = `u_${uid()}`, password = `pw-${uid()}`, fullname = `Full ${uid()}` } = {}) {
  const { userId } = assertOk(await api('POST', '/users', { body: { username, password, fullname } }), 201);
  const { accessToken, refreshToken } = assertOk(await api('POST', '/authentications', { body: { username, password } }), 201);
  // `token` lets a user stand in for a guest with lib.mjs helpers (addEntry, newRoom).
  return { id: userId, username, password, fullname, accessToken, refreshToken, token: accessToken };
}

/** A new album, made by `by` (a user) or the catalog admin. */
export async function newAlbum({ name = `Album ${uid()}`, year = 2020 } = {}, by) {
  const token = by?.accessToken || await catalogAdminToken();
  return assertOk(await api('POST', '/albums', { token, body: { name, year } }), 201).albumId;
}

/** A new song, made by `by` (a user) or the catalog admin. */
export async function newSong(fields = {}, by) {
  const body = { title: `Song ${uid()}`, year: 2021, genre: 'Pop', performer: `Performer ${uid()}`, ...fields };
  const token = by?.accessToken || await catalogAdminToken();
  return assertOk(await api('POST', '/songs', { token, body }), 201).songId;
}

export async function newPlaylist(owner, name = `Playlist ${uid()}`) {
  return assertOk(await api('POST', '/playlists', { token: owner.accessToken, body: { name } }), 201).playlistId;
}

export async function addCollaborator(owner, playlistId, userId) {
  return assertOk(await api('POST', '/collaborations', { token: owner.accessToken, body: { playlistId, userId } }), 201).collaborationId;
}

export async function addPlaylistSong(who, playlistId, songId) {
  return assertOk(await api('POST', `/playlists/${playlistId}/songs`, { token: who.accessToken, body: { songId } }), 201);
}

export function playlistSongs(who, playlistId) {
  return api('GET', `/playlists/${playlistId}/songs`, { token: who?.accessToken });
}

/** assertOk plus a non-empty success message. */
export function assertMessage(res, status = 200) {
  const data = assertOk(res, status);
  assert.equal(typeof res.json.message, 'string', res.text);
  assert.ok(res.json.message.length > 0, res.text);
  return data;
}

export function assertKeys(obj, keys) {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `expected an object, got ${JSON.stringify(obj)}`);
  assert.deepEqual(Object.keys(obj).sort(), [...keys].sort());
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$/;
export function assertIso(s) {
  assert.equal(typeof s, 'string', `expected an ISO 8601 string, got ${JSON.stringify(s)}`);
  assert.match(s, ISO);
  assert.ok(!Number.isNaN(Date.parse(s)), s);
}

export const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** The same token with its payload changed by fn and the original signature kept. */
export function forgePayload(token, fn) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  return `${h}.${Buffer.from(JSON.stringify(fn(claims))).toString('base64url')}.${s}`;
}

/** The same header and payload with a signature that differs in its first character. */
export function badSignature(token) {
  const [h, p, s] = token.split('.');
  return `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
}

/** An unsigned ("alg": "none") token with the same payload. */
export function algNone(token) {
  const [, p] = token.split('.');
  return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
}

/** Authorization headers that must all be refused with 401 (besides no header at all). */
export function badAuthHeaders(user, other) {
  return [
    ['garbage bearer', { authorization: 'Bearer garbage' }],
    ['not.a.token', { authorization: 'Bearer not.a.token' }],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['no Bearer scheme', { authorization: user.accessToken }],
    ['Basic scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['refresh token as bearer', { authorization: `Bearer ${user.refreshToken}` }],
    ['forged payload', { authorization: `Bearer ${forgePayload(user.accessToken, (c) => ({ ...c, id: other.id }))}` }],
    ['bad signature', { authorization: `Bearer ${badSignature(user.accessToken)}` }],
    ['alg none', { authorization: `Bearer ${algNone(user.accessToken)}` }],
  ];
}
