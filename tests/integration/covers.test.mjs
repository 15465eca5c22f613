// covers.test.mjs: album covers: multipart upload, content sniffing, size limit,
// safe storage, and nginx serving them with the right headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { api, assertFail, assertOk, catalogAdminToken, BASE, DATA } from './lib.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const jpeg = (size) => {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const body = Buffer.alloc(Math.max(0, size - head.length - 2), 0x11);
  return Buffer.concat([head, body, Buffer.from([0xff, 0xd9])]);
};

async function upload(albumId, bytes, { field = 'cover', filename = 'cover.bin', type = 'application/octet-stream' } = {}) {
  const form = new FormData();
  if (bytes) form.append(field, new Blob([bytes], { type }), filename);
  else form.append('other', 'no file here');
  const res = await fetch(`${BASE}/albums/${albumId}/covers`, { method: 'POST', body: form, headers: { authorization: `Bearer ${await catalogAdminToken()}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function newAlbum() {
  return assertOk(await api('POST', '/albums', { token: await catalogAdminToken(), body: { name: 'Covers', year: 2001 } }), 201).albumId;
}

test('a small JPEG and a PNG are accepted; coverUrl serves the same bytes with an image type', async () => {
  const id = await newAlbum();
  assert.equal(assertOk(await api('GET', `/albums/${id}`)).album.coverUrl, null);
  for (const [bytes, type] of [[jpeg(2048), 'image/jpeg'], [PNG, 'image/png']]) {
    // The client's type and name are ignored: the bytes decide.
    const r = await upload(id, bytes, { type: 'text/plain', filename: 'whatever.txt' });
    assertOk(r, 201);
    assert.ok(r.json.message);
    const { coverUrl } = assertOk(await api('GET', `/albums/${id}`)).album;
    assert.match(coverUrl, new RegExp(`^${BASE}/uploads/covers/[a-z0-9]{24}\\.(jpg|png)$`));
    const img = await fetch(coverUrl);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), type);
    assert.equal(img.headers.get('x-content-type-options'), 'nosniff');
    assert.match(img.headers.get('cache-control'), /max-age=31536000/);
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), bytes);
  }
});

test('a new cover replaces the old one, whose file is removed', async () => {
  const id = await newAlbum();
  assertOk(await upload(id, jpeg(1000)), 201);
  const first = assertOk(await api('GET', `/albums/${id}`)).album.coverUrl;
  assertOk(await upload(id, PNG), 201);
  const second = assertOk(await api('GET', `/albums/${id}`)).album.coverUrl;
  assert.notEqual(first, second);
  assert.equal((await fetch(first)).status, 404);
  assert.equal((await fetch(second)).status, 200);
});

test('a text file is 400, an image over 512000 bytes is 413, an unknown album 404', async () => {
  const id = await newAlbum();
  assertFail(await upload(id, Buffer.from('just some text, not an image\n'), { type: 'image/jpeg', filename: 'fake.jpg' }), 400);
  assertFail(await upload(id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), { type: 'image/svg+xml', filename: 'x.svg' }), 400);
  assertOk(await upload(id, jpeg(512000)), 201);
  assertFail(await upload(id, jpeg(512001)), 413);
  assertFail(await upload(id, jpeg(900000)), 413);
  assertFail(await upload(id, jpeg(2 * 1024 * 1024)), 413); // past nginx's limit: JSON too
  assertFail(await upload('album-nope', jpeg(1000)), 404);
  assertFail(await upload('xxx', PNG), 404);
});

test('no cover part, a malformed body or another content type are refused with 4xx', async () => {
  const id = await newAlbum();
  assertFail(await upload(id, null), 400);
  assertFail(await upload(id, PNG, { field: 'picture' }), 400);
  assertFail(await api('POST', `/albums/${id}/covers`, { token: await catalogAdminToken(), body: { cover: 'x' } }), 415);
  const bad = await fetch(`${BASE}/albums/${id}/covers`, {
    method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zz', authorization: `Bearer ${await catalogAdminToken()}` },
    body: '--zz\r\nContent-Disposition: form-data; name="cover"\r\n\r\nno closing boundary',
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).status, 'fail');
});

test('a client file name with ../ never leaves the uploads directory', async () => {
  const id = await newAlbum();
  const before = new Set(fs.readdirSync(path.join(DATA, 'uploads', 'covers')));
  assertOk(await upload(id, PNG, { filename: '../../x.jpg' }), 201);
  assertOk(await upload(id, PNG, { filename: '/etc/passwd' }), 201);
  assert.equal(fs.existsSync(path.join(DATA, 'x.jpg')), false);
  assert.equal(fs.existsSync(path.join(DATA, 'uploads', 'x.jpg')), false);
  const after = fs.readdirSync(path.join(DATA, 'uploads', 'covers')).filter((f) => !before.has(f));
  assert.ok(after.length >= 1);
  for (const f of after) assert.match(f, /^[a-z0-9]{24}\.png$/);
  const { coverUrl } = assertOk(await api('GET', `/albums/${id}`)).album;
  assert.equal(path.basename(new URL(coverUrl).pathname), after.find((f) => coverUrl.endsWith(f)));
});
