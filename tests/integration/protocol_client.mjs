// protocol_client.mjs: Node streams for static/js/room-sync.js, so the tests drive
// the same client code the web client runs.
import http from 'node:http';
import WebSocket from 'ws';
import { RoomSync } from '../../static/js/room-sync.js';
import { BASE } from './lib.mjs';

/** EventSource over node:http: Last-Event-ID header, id/data fields, close on end. */
export function nodeEventSource(url, { lastEventId, onOpen, onMessage, onClose }) {
  const headers = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  let closed = false;
  const finish = () => { if (!closed) { closed = true; onClose(); } };
  const req = http.get(url, { headers }, (res) => {
    if (res.statusCode !== 200) { res.resume(); finish(); return; }
    onOpen();
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let id = null;
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) {
          try { onMessage(id, JSON.parse(data.join('\n'))); } catch { /* not JSON: ignore */ }
        }
      }
    });
    res.on('end', finish);
    res.on('error', finish);
  });
  req.on('error', finish);
  return { close() { closed = true; req.destroy(); } };
}

/** WebSocket on the same URL; ?last_event_id= resumes. Frames carry the body. */
export function nodeWebSocket(url, { lastEventId, onOpen, onMessage, onClose }) {
  const u = url.replace(/^http/, 'ws') + (lastEventId ? `?last_event_id=${encodeURIComponent(lastEventId)}` : '');
  const sock = new WebSocket(u);
  let closed = false;
  sock.on('open', onOpen);
  sock.on('message', (d) => { try { onMessage(null, JSON.parse(d.toString())); } catch { /* ignore */ } });
  const finish = () => { if (!closed) { closed = true; onClose(); } };
  sock.on('close', finish);
  sock.on('error', finish);
  return { close() { closed = true; sock.terminate(); } };
}

/** A started RoomSync client over SSE or WebSocket. */
export function syncClient(code, { transport = 'sse', ...options } = {}) {
  return new RoomSync({
    base: BASE,
    code,
    openStream: transport === 'ws' ? nodeWebSocket : nodeEventSource,
    ...options,
  }).start();
}
