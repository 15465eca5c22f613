// covers_s3.test.mjs: album covers with STORAGE=s3: signed PUT of the object with
// its type and caching, coverUrl on S3_PUBLIC_BASE_URL, the old object deleted on
// replacement, a refusing or silent S3 a clean 503 with the album unchanged,
// and a worker that will not start without its S3 settings. The S3 server is a
// local stand-in (@20minutes/s3rver, which checks Signature V4 against its key
// S3RVER/S3RVER); the workers run with STORAGE=s3 for this file only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import S3rver from '@20minutes/s3rver';
import { api, assertFail, assertOk, catalogAdminToken, restartWorkers, BASE, DATA, ROOT } from './lib.mjs';

const BUCKET = 'queued-covers';
const REGION = 'eu-central-1';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const jpeg = (size) => {
  const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const body = crypto.randomBytes(Math.max(0, size - head.length - 2));
  return Buffer.concat([head, body, Buffer.from([0xff, 0xd9])]);
};
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

let s3, dir, endpoint, publicBase;
const seen = []; // every request the S3 server got: {method, path, headers, status}

/** The workers' settings for this S3 server; `over` replaces some. */
function s3Env(over = {}) {
  return {
    STORAGE: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: BUCKET, S3_REGION: REGION,
    S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_PUBLIC_BASE_URL: publicBase, ...over,
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queued-s3-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  // First in the chain: records what the workers sent and what S3 answered.
  s3.middleware.unshift(async (ctx, next) => {
    const rec = { method: ctx.method, path: ctx.path, headers: { ...ctx.headers } };
    seen.push(rec);
    try {
      await next();
      rec.status = ctx.status;
    } catch (e) {
      rec.status = e.status; // an S3 error, answered by the server's own handler
      throw e;
    }
  });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
  publicBase = `${endpoint}/${BUCKET}/`; // a trailing slash is tolerated
  restartWorkers(s3Env());
});

after(async () => {
  // Later test files expect the suite's own workers: STORAGE=local.
  restartWorkers({});
  await s3?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function upload(albumId, bytes) {
  const form = new FormData();
  form.append('cover', new Blob([bytes], { type: 'application/octet-stream' }), 'cover.bin');
  const res = await fetch(`${BASE}/albums/${albumId}/covers`, { method: 'POST', body: form, headers: { authorization: `Bearer ${await catalogAdminToken()}` } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function newAlbum() {
  return assertOk(await api('POST', '/albums', { token: await catalogAdminToken(), body: { name: 'S3 covers', year: 2002 } }), 201).albumId;
}

const coverOf = async (id) => assertOk(await api('GET', `/albums/${id}`)).album.coverUrl;
const keyOf = (coverUrl) => `covers/${path.basename(new URL(coverUrl).pathname)}`;

/** The object as the S3 server keeps it: {type, cacheControl, bytes}, or null. */
async function stored(key) {
  const obj = await s3.store.getObject(BUCKET, key);
  if (!obj) return null;
  const chunks = [];
  for await (const c of obj.content) chunks.push(c);
  return { type: obj.metadata['content-type'], cacheControl: obj.metadata['cache-control'], bytes: Buffer.concat(chunks) };
}

test('a cover goes to the bucket, signed, with its type and a year of caching; coverUrl serves it', async () => {
  const id = await newAlbum();
  const bytes = jpeg(512000); // the largest cover there is, well within the 5 s
  const localBefore = fs.existsSync(path.join(DATA, 'uploads', 'covers')) ? fs.readdirSync(path.join(DATA, 'uploads', 'covers')).length : 0;
  const r = assertOk(await upload(id, bytes), 201);
  assert.match(r.coverUrl, new RegExp(`^${endpoint}/${BUCKET}/covers/[a-z0-9]{24}\\.jpg$`));
  assert.equal(await coverOf(id), r.coverUrl);
  const listed = assertOk(await api('GET', '/albums')).albums.find((a) => a.id === id);
  assert.equal(listed.coverUrl, r.coverUrl);

  const key = keyOf(r.coverUrl);
  const obj = await stored(key);
  assert.ok(obj, `object ${key} in the bucket`);
  assert.equal(obj.type, 'image/jpeg');
  assert.equal(obj.cacheControl, 'public, max-age=31536000, immutable');
  assert.deepEqual(obj.bytes, bytes);

  // The PUT was signed (the server checked the signature) over the body's hash.
  const put = seen.find((q) => q.method === 'PUT' && q.path === `/${BUCKET}/${key}`);
  assert.ok(put, 'the PUT reached S3');
  assert.equal(put.status, 200);
  assert.match(put.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=S3RVER/\\d{8}/${REGION}/s3/aws4_request, SignedHeaders=[^ ]*content-type;[^ ]*x-amz-content-sha256`));
  assert.equal(put.headers['x-amz-content-sha256'], sha256(bytes));

  const img = await fetch(r.coverUrl);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), bytes);

  // Nothing was written to the local disk meanwhile.
  const localAfter = fs.existsSync(path.join(DATA, 'uploads', 'covers')) ? fs.readdirSync(path.join(DATA, 'uploads', 'covers')).length : 0;
  assert.equal(localAfter, localBefore);
});

test('a new cover replaces the old one, whose object is deleted', async () => {
  const id = await newAlbum();
  const first = assertOk(await upload(id, jpeg(1500)), 201).coverUrl;
  const second = assertOk(await upload(id, PNG), 201).coverUrl;
  assert.notEqual(first, second);
  assert.equal(await coverOf(id), second);
  assert.equal(await stored(keyOf(first)), null);
  assert.equal((await fetch(first)).status, 404);
  const obj = await stored(keyOf(second));
  assert.equal(obj.type, 'image/png');
  assert.deepEqual(obj.bytes, PNG);
  const del = seen.find((q) => q.method === 'DELETE' && q.path === `/${BUCKET}/${keyOf(first)}`);
  assert.ok(del, 'a DELETE of the old object');
  assert.equal(del.status, 204);
  assert.match(del.headers.authorization, /^AWS4-HMAC-SHA256 Credential=S3RVER\//);
});

test('a wrong secret is a 503 JSON error, the album unchanged, the secret never logged', async () => {
  const id = await newAlbum();
  const kept = assertOk(await upload(id, PNG), 201).coverUrl;
  const secret = 'not-the-secret-4f9a2c';
  restartWorkers(s3Env({ S3_SECRET_KEY: secret }));
  try {
    const before = seen.length;
    const r = await upload(id, jpeg(2000));
    assertFail(r, 503);
    assert.ok(r.headers.get('retry-after'));
    const refused = seen.slice(before).filter((q) => q.method === 'PUT');
    assert.equal(refused.length, 1);
    assert.equal(refused[0].status, 403); // SignatureDoesNotMatch: the server did check
    assert.equal(await coverOf(id), kept);
    assert.ok(await stored(keyOf(kept)), 'the old cover is still there');
    const log = fs.readFileSync(path.join(DATA, 'log', 'queued.log'), 'utf8');
    assert.match(log, /SignatureDoesNotMatch/);
    assert.ok(!log.includes(secret), 'the secret is not in the log');
  } finally {
    restartWorkers(s3Env());
  }
});

test('an S3 that takes the connection and never answers is a 503 within seconds, the album unchanged', async () => {
  const id = await newAlbum();
  const kept = assertOk(await upload(id, PNG), 201).coverUrl;
  const held = [];
  const silent = net.createServer((sock) => held.push(sock));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  restartWorkers(s3Env({ S3_ENDPOINT: `http://127.0.0.1:${silent.address().port}` }));
  try {
    const t0 = Date.now();
    assertFail(await upload(id, jpeg(2000)), 503);
    assert.ok(held.length >= 1, 'the worker did connect');
    assert.ok(Date.now() - t0 < 8000, `answered after ${Date.now() - t0} ms`);
    assert.equal(await coverOf(id), kept);
  } finally {
    for (const sock of held) sock.destroy();
    silent.close();
    restartWorkers(s3Env());
  }
  assertOk(await upload(id, PNG), 201); // and it works again with S3 back
});

test('a worker with STORAGE=s3 and a setting missing refuses to start, naming it', () => {
  const pid = fs.readFileSync(path.join(DATA, 'run', 'queued.pid'), 'utf8').trim();
  const bin = fs.readlinkSync(`/proc/${pid}/exe`);
  const env = {
    PATH: process.env.PATH, ACCESS_TOKEN_KEY: 'k'.repeat(32), REFRESH_TOKEN_KEY: 'r'.repeat(32),
    ...s3Env({ S3_PUBLIC_BASE_URL: '' }),
  };
  const sock = path.join(os.tmpdir(), `queued-s3-never-${process.pid}.sock`);
  let err;
  try {
    execFileSync(bin, ['--socket', sock], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  } catch (e) { err = e; }
  assert.ok(err, 'the worker must not start');
  assert.notEqual(err.status, 0);
  assert.match(err.stderr.toString(), /STORAGE=s3 needs S3_PUBLIC_BASE_URL/);
  assert.equal(fs.existsSync(sock), false);
});

test("the web client's Content-Security-Policy lets covers in from the bucket's origin, and only that (nginx/render --cover-origin)", () => {
  const render = (...extra) => execFileSync(path.join(ROOT, 'nginx', 'render'), ['--run', DATA, '--log', DATA, '--prefix', DATA,
    '--uploads', DATA, '--snapshots', DATA, ...extra], { encoding: 'utf8' });
  const imgSrc = (conf) => conf.match(/img-src ([^;]*);/)[1].trim().split(/\s+/);
  assert.deepEqual(imgSrc(render()), ["'self'", 'data:', 'https://i.ytimg.com']);
  assert.deepEqual(imgSrc(render('--cover-origin', 'https://covers.example.com/bucket/covers/')),
    ["'self'", 'data:', 'https://i.ytimg.com', 'https://covers.example.com']);
  assert.throws(() => render('--cover-origin', "https://x.example.com; script-src 'unsafe-inline'"), /not an origin/);
  // ./dev passes the origin of S3_PUBLIC_BASE_URL when STORAGE=s3 (render_nginx).
  assert.match(fs.readFileSync(path.join(ROOT, 'dev'), 'utf8'), /--cover-origin "\$\(\[ "\$\{STORAGE:-local\}" = s3 \]/);
});
