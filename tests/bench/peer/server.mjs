// server.mjs: the peer of `./dev bench` — the design queued comes from, written
// the way such a Node service usually is: Express for the API, Socket.IO rooms
// for the screens, pg with an atomic UPDATE for votes, Redis as a read cache
// invalidated on write, and the new playlist emitted to the room before the
// vote is answered. One process, like the original.
import http from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import pg from 'pg';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';

const port = Number(process.env.PEER_PORT || 3000);
const key = process.env.PEER_TOKEN_KEY;
if (!key) throw new Error('PEER_TOKEN_KEY is required');

// PGHOST, PGPORT, PGUSER, PGDATABASE come from the environment (libpq's names).
const pool = new pg.Pool({ max: 10 });
const redis = new Redis({ path: process.env.PEER_REDIS_SOCKET, keyPrefix: 'peer:' });

await pool.query(`
  CREATE SCHEMA IF NOT EXISTS peer;
  CREATE TABLE IF NOT EXISTS peer.rooms (
    id serial PRIMARY KEY, name text NOT NULL, revision bigint NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS peer.entries (
    id serial PRIMARY KEY, room_id integer NOT NULL REFERENCES peer.rooms (id),
    title text NOT NULL, score integer NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS peer.votes (
    entry_id integer NOT NULL REFERENCES peer.entries (id), voter_id text NOT NULL,
    value integer NOT NULL, PRIMARY KEY (entry_id, voter_id));
`);

const app = express();
app.use(express.json());
const server = http.createServer(app);
const io = new Server(server, { transports: ['websocket'] });

io.on('connection', (socket) => {
  socket.on('join', (roomId) => socket.join(String(roomId)));
});

async function playlist(roomId) {
  const cached = await redis.get(`playlist:${roomId}`);
  if (cached) return JSON.parse(cached);
  const room = await pool.query('SELECT revision FROM peer.rooms WHERE id = $1', [roomId]);
  if (room.rowCount === 0) return null;
  const entries = await pool.query(
    'SELECT id, title, score FROM peer.entries WHERE room_id = $1 ORDER BY score DESC, id', [roomId]);
  const value = { revision: Number(room.rows[0].revision), entries: entries.rows };
  await redis.set(`playlist:${roomId}`, JSON.stringify(value), 'EX', 3600);
  return value;
}

function auth(req, res, next) {
  const header = req.get('authorization') || '';
  try {
    req.voter = jwt.verify(header.replace(/^Bearer /, ''), key, { algorithms: ['HS256'] });
    next();
  } catch {
    res.status(401).json({ status: 'fail', message: 'bad token' });
  }
}

const roomId = (req) => Number.parseInt(req.params.room, 10);

app.post('/peer/rooms', async (req, res) => {
  const r = await pool.query('INSERT INTO peer.rooms (name) VALUES ($1) RETURNING id', [req.body.name || 'room']);
  res.status(201).json({ roomId: String(r.rows[0].id) });
});

app.post('/peer/rooms/:room/entries', async (req, res) => {
  const r = await pool.query('INSERT INTO peer.entries (room_id, title) VALUES ($1, $2) RETURNING id',
    [roomId(req), req.body.title || 'song']);
  await redis.del(`playlist:${roomId(req)}`);
  res.status(201).json({ entryId: String(r.rows[0].id) });
});

app.get('/peer/rooms/:room/playlist', async (req, res) => {
  const id = roomId(req);
  const p = Number.isNaN(id) ? null : await playlist(id);
  if (!p) return res.status(404).json({ status: 'fail', message: 'room not found' });
  res.json({ status: 'success', data: p });
});

app.put('/peer/rooms/:room/entries/:entry/vote', auth, async (req, res) => {
  const value = req.body.value;
  if (![1, 0, -1].includes(value)) return res.status(400).json({ status: 'fail', message: 'value must be -1, 0 or 1' });
  const room = roomId(req);
  const entry = Number.parseInt(req.params.entry, 10);
  const client = await pool.connect();
  let revision;
  let score;
  try {
    await client.query('BEGIN');
    const old = await client.query(
      'SELECT value FROM peer.votes WHERE entry_id = $1 AND voter_id = $2 FOR UPDATE', [entry, req.voter.id]);
    const delta = value - (old.rows[0]?.value ?? 0);
    await client.query(
      `INSERT INTO peer.votes (entry_id, voter_id, value) VALUES ($1, $2, $3)
       ON CONFLICT (entry_id, voter_id) DO UPDATE SET value = EXCLUDED.value`, [entry, req.voter.id, value]);
    const s = await client.query('UPDATE peer.entries SET score = score + $1 WHERE id = $2 AND room_id = $3 RETURNING score',
      [delta, entry, room]);
    if (s.rowCount === 0) {
      await client.query('ROLLBACK');
      return res.status(404).json({ status: 'fail', message: 'entry not found' });
    }
    score = s.rows[0].score;
    const r = await client.query(
      'UPDATE peer.rooms SET revision = revision + CASE WHEN $2::integer <> 0 THEN 1 ELSE 0 END WHERE id = $1 RETURNING revision',
      [room, delta]);
    revision = Number(r.rows[0].revision);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    return res.status(500).json({ status: 'error', message: e.message });
  } finally {
    client.release();
  }
  // The original design: drop the cache, rebuild the playlist, send it to the
  // room, then answer.
  await redis.del(`playlist:${room}`);
  const p = await playlist(room);
  io.to(String(room)).emit('playlist', { ...p, revision });
  res.json({ status: 'success', data: { revision, score } });
});

server.listen(port, '127.0.0.1', () => console.error(`peer: listening on 127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { io.close(); server.close(); pool.end(); redis.quit(); process.exit(0); });
}
