// hostile_lib.mjs: helpers for hostile.test.mjs and authz.test.mjs: the route
// table read from fcgi-app/router.c, a seeded PRNG, a raw HTTP/1.1 client (the
// bytes go out exactly as written, so nginx sees unnormalised paths, odd
// methods and broken bodies), tokens signed with the stack's own keys, and
// watchers for the worker pool (pids, the worker log's crash and sanitizer lines).
import fs from 'node:fs';
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { BASE, DATA, ROOT, JSON_TYPE } from './lib.mjs';

// ------------------------------------------------------------------ the route table

/**
 * Every route of fcgi-app/router.c's `routes[]`:
 * [{method, pattern, handler, flags: Set, maxBody, rate, params: [names]}].
 */
export function parseRoutes(file = `${ROOT}/fcgi-app/router.c`) {
  const src = fs.readFileSync(file, 'utf8');
  const start = src.indexOf('const struct route routes[]');
  if (start < 0) throw new Error(`no "const struct route routes[]" in ${file}`);
  const end = src.indexOf('};', start);
  const table = src.slice(start, end);
  const re = /\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*(\w+)\s*\}/g;
  const routes = [];
  for (const m of table.matchAll(re)) {
    const flags = new Set(m[4] === '0' ? [] : m[4].split('|').map((f) => f.trim()));
    routes.push({
      method: m[1], pattern: m[2], handler: m[3], flags, maxBody: m[5], rate: m[6],
      params: [...m[2].matchAll(/:(\w+)/g)].map((p) => p[1]),
      key: `${m[1]} ${m[2]}`,
    });
  }
  // Every "{ "METHOD", "/..." line must have been understood.
  const lines = (table.match(/\{\s*"[A-Z]+"\s*,\s*"\//g) || []).length;
  if (lines !== routes.length) throw new Error(`parsed ${routes.length} of ${lines} route lines in ${file}`);
  return routes;
}

/** The path of a route with its parameters filled in by fill(name, route). */
export function fillPath(route, fill) {
  return route.pattern.replace(/:(\w+)/g, (_, name) => fill(name, route));
}

// ------------------------------------------------------------------ a seeded PRNG

/** mulberry32: small, fast and the same on every machine. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    bool: () => next() < 0.5,
    string(n, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') {
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      return s;
    },
    bytes(n) {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
  return r;
}

// ------------------------------------------------------------------ a raw HTTP client

const site = new URL(BASE);

function dechunk(buf) {
  const out = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * One exchange on a fresh connection. `target` goes on the request line as
 * written; body is a string or Buffer; headers an object (a value of null
 * leaves a default header out: 'content-length': null sends none). Resolves
 * {status, headers, text, json, raw} when the server has answered and closed.
 */
export function rawRequest(method, target, { headers = {}, body, ms = 15000, version = 'HTTP/1.1' } = {}) {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const h = { host: `${site.hostname}:${site.port}`, connection: 'close' };
  if (body !== undefined || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) h['content-length'] = String(payload.length);
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  let head = `${method} ${target} ${version}\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null && v !== undefined) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(site.port || 80), site.hostname);
    const chunks = [];
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      let buf = Buffer.concat(chunks);
      // Interim answers (100 Continue) come before the real one.
      while (/^HTTP\/1\.[01] 1\d\d /.test(buf.subarray(0, 16).toString('latin1')) && buf.indexOf('\r\n\r\n') >= 0) {
        buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4);
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        reject(new Error(`${method} ${target.slice(0, 120)}: no answer (${err ? err.message : 'closed'}): ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`));
        return;
      }
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
      if (!m) { reject(new Error(`not an HTTP answer: ${lines[0]}`)); return; }
      const hs = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        const k = l.slice(0, c).trim().toLowerCase();
        const v = l.slice(c + 1).trim();
        hs[k] = k in hs ? `${hs[k]}, ${v}` : v;
      }
      let rest = buf.subarray(end + 4);
      if (/chunked/i.test(hs['transfer-encoding'] || '')) rest = dechunk(rest);
      else if (hs['content-length'] !== undefined) rest = rest.subarray(0, Number(hs['content-length']));
      const text = method === 'HEAD' ? '' : rest.toString('utf8');
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      resolve({ status: Number(m[1]), headers: hs, text, json, raw: buf });
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${ms} ms`)), ms);
    sock.on('connect', () => {
      sock.write(head);
      // Large bodies go in pieces so an early answer (413) can still be read.
      const step = 256 * 1024;
      let off = 0;
      const pump = () => {
        while (off < payload.length) {
          const piece = payload.subarray(off, off + step);
          off += piece.length;
          if (!sock.write(piece)) { sock.once('drain', pump); return; }
        }
      };
      pump();
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e) => finish(e)); // EPIPE/ECONNRESET after an early answer: parse what came
  });
}

/** Checks one answer against the API's contract; returns a list of problems (empty: fine). */
export function contractProblems(res, { method = 'GET', allow5xx = false } = {}) {
  const p = [];
  if (!Number.isInteger(res.status)) { p.push(`no status`); return p; }
  if (res.status >= 500 && !allow5xx) p.push(`server error ${res.status}`);
  if (res.status >= 400 && method !== 'HEAD') {
    if (res.headers['content-type'] !== JSON_TYPE) p.push(`content-type ${JSON.stringify(res.headers['content-type'])} on a ${res.status}`);
    const want = res.status >= 500 ? 'error' : 'fail';
    if (res.json?.status !== want) p.push(`"status" is ${JSON.stringify(res.json?.status)}, not "${want}"`);
    if (typeof res.json?.message !== 'string' || res.json.message.length === 0) p.push('no "message"');
  }
  return p;
}

// ------------------------------------------------------------------ tokens

/** The stack's settings (DATA/queued.env): the token keys among them. */
export function stackEnv() {
  return Object.fromEntries(fs.readFileSync(`${DATA}/queued.env`, 'utf8').split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** A JWT signed with HS256 and `key` (or with alg/sig as given). */
export function signJwt(claims, key, { alg = 'HS256' } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

// ------------------------------------------------------------------ the worker pool

/** The master's pid and its children (the workers). */
export function workerPids() {
  const master = Number(fs.readFileSync(`${DATA}/run/queued.pid`, 'utf8').trim());
  let kids = '';
  try { kids = fs.readFileSync(`/proc/${master}/task/${master}/children`, 'utf8'); } catch { /* gone */ }
  return { master, workers: kids.trim().split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b) };
}

const CRASH = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error|killed by signal|exited with \d+; restarting|SUMMARY:/;

/** Where the worker log ends now; later, the crash or sanitizer lines written since. */
export function logMark(file = `${DATA}/log/queued.log`) {
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  return {
    file,
    size,
    newLines(pattern = CRASH) {
      if (!fs.existsSync(file)) return [];
      const fd = fs.openSync(file, 'r');
      try {
        const len = fs.fstatSync(fd).size - size;
        if (len <= 0) return [];
        const buf = Buffer.alloc(len);
        fs.readSync(fd, buf, 0, len, size);
        return buf.toString('utf8').split('\n').filter((l) => pattern.test(l));
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

export const NGINX_CRASH = /exited on signal|worker process \d+ exited/;

/**
 * newUser that waits out the stack's password-hash limit (HASH_CONCURRENCY:
 * 503 with Retry-After when test files sign up at the same moment).
 */
export async function newUserPatiently(newUser, tries = 20) {
  for (let i = 1; ; i++) {
    try {
      return await newUser();
    } catch (e) {
      if (i >= tries || !/got 503/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
