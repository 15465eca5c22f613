// fcgi_client.mjs: one FastCGI request over a unix socket, as nginx sends it,
// so a test can talk to a worker pool that no nginx fronts (a second pool on
// its own socket). Enough of the protocol for that: one request per connection.
import net from 'node:net';

const VERSION = 1;
const BEGIN_REQUEST = 1, END_REQUEST = 3, PARAMS = 4, STDIN = 5, STDOUT = 6;
const RESPONDER = 1;

function record(type, content) {
  const chunks = [];
  // A record holds at most 65535 bytes; an empty one ends a stream.
  for (let off = 0; off < content.length || chunks.length === 0; off += 65535) {
    const part = content.subarray(off, off + 65535);
    const pad = (8 - (part.length % 8)) % 8;
    const head = Buffer.alloc(8);
    head.writeUInt8(VERSION, 0);
    head.writeUInt8(type, 1);
    head.writeUInt16BE(1, 2);
    head.writeUInt16BE(part.length, 4);
    head.writeUInt8(pad, 6);
    chunks.push(head, part, Buffer.alloc(pad));
    if (content.length === 0) break;
  }
  return Buffer.concat(chunks);
}

function length(n) {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

function params(env) {
  const parts = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === null) continue;
    const kb = Buffer.from(k), vb = Buffer.from(String(v));
    parts.push(length(kb.length), length(vb.length), kb, vb);
  }
  return Buffer.concat(parts);
}

/**
 * request(socketPath, method, path, {body, token, headers}) →
 * {status, headers (lower-case names), text, json}
 */
export function fcgiRequest(socketPath, method, path, { body, token, headers = {} } = {}) {
  const [uri, query = ''] = path.split('?');
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const env = {
    REQUEST_METHOD: method, DOCUMENT_URI: uri, REQUEST_URI: path, QUERY_STRING: query,
    CONTENT_TYPE: body === undefined ? '' : 'application/json', CONTENT_LENGTH: payload.length ? payload.length : '',
    REMOTE_ADDR: '127.0.0.1', REQUEST_ID: 'fcgi-test', SERVER_PROTOCOL: 'HTTP/1.1',
  };
  if (token) env.HTTP_AUTHORIZATION = `Bearer ${token}`;
  for (const [k, v] of Object.entries(headers)) env[`HTTP_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(RESPONDER, 0);
  const out = Buffer.concat([record(BEGIN_REQUEST, begin), record(PARAMS, params(env)), record(PARAMS, Buffer.alloc(0)),
    ...(payload.length ? [record(STDIN, payload)] : []), record(STDIN, Buffer.alloc(0))]);
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let buf = Buffer.alloc(0);
    const stdout = [];
    let done = false;
    sock.on('connect', () => sock.write(out));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 8) {
        const type = buf.readUInt8(1), len = buf.readUInt16BE(4), pad = buf.readUInt8(6);
        if (buf.length < 8 + len + pad) break;
        const content = buf.subarray(8, 8 + len);
        buf = buf.subarray(8 + len + pad);
        if (type === STDOUT) stdout.push(content);
        if (type === END_REQUEST) { done = true; sock.end(); }
      }
    });
    sock.on('error', reject);
    sock.on('close', () => {
      if (!done) { reject(new Error('FastCGI connection closed before the end of the request')); return; }
      const raw = Buffer.concat(stdout).toString('utf8');
      const sep = raw.indexOf('\r\n\r\n');
      const head = raw.slice(0, sep), text = raw.slice(sep + 4);
      const hdrs = {};
      for (const line of head.split('\r\n')) {
        const c = line.indexOf(':');
        if (c > 0) hdrs[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
      }
      const status = Number((hdrs.status || '200').split(' ')[0]);
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
      resolve({ status, headers: hdrs, text, json });
    });
  });
}
