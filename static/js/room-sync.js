// room-sync.js: the client side of the room protocol (docs/protocol.md).
// Keeps a local copy of a room's queue equal to the server's: a snapshot
// (GET /rooms/{code}/queue) plus change messages from /rooms/{code}/events,
// applied strictly in revision order. Works in browsers (EventSource) and in
// Node (pass openStream and fetch).
//
// The rules it follows, whatever the stream does:
//  - a message with revision <= local is ignored (duplicates, replays);
//  - revision == local + 1 is applied;
//  - revision > local + 1 waits briefly for the missing ones, then the
//    snapshot is fetched again (a gap);
//  - every (re)connect fetches the snapshot (If-None-Match: local revision);
//  - a watchdog asks for the snapshot now and then (cheap: 304 when nothing
//    changed); if the server is ahead while the stream has been quiet, the
//    stream is considered dead and reopened without a resume id.

/** The documented order of waiting entries: pinned ones first, in pin order;
 *  then members' songs before fallback ones, score descending, then
 *  (fairness) the adder with fewer played songs, then arrival. */
export function compareEntries(tieRule) {
  return (a, b) => ((a.pinned ?? Infinity) - (b.pinned ?? Infinity) || 0)
    || (a.fallback === b.fallback ? 0 : a.fallback ? 1 : -1)
    || b.score - a.score
    || (tieRule === 'fairness' ? (a.adderPlayed ?? 0) - (b.adderPlayed ?? 0) : 0)
    || a.id - b.id;
}

/** Apply one change message to a state {revision, tieRule, nowPlaying, entries: Map}. */
export function applyMessage(state, m) {
  switch (m.type) {
    case 'entry_added':
      state.entries.set(m.entry.id, { ...m.entry });
      break;
    case 'vote': {
      const e = state.entries.get(m.entryId);
      if (m.removed) state.entries.delete(m.entryId);
      else if (e) e.score = m.score;
      break;
    }
    case 'entry_removed':
      state.entries.delete(m.entryId);
      break;
    case 'advance':
      if (m.endedEntryId != null) state.entries.delete(m.endedEntryId);
      state.nowPlaying = m.nowPlaying ? { ...m.nowPlaying } : null;
      if (m.nowPlaying) state.entries.delete(m.nowPlaying.id);
      if (m.adderPlayed) {
        for (const e of state.entries.values()) {
          if (!e.fallback && e.addedBy?.id === m.adderPlayed.memberId) e.adderPlayed = m.adderPlayed.played;
        }
      }
      break;
    case 'skip_vote':
      if (state.nowPlaying && state.nowPlaying.id === m.entryId) state.nowPlaying.skipVotes = m.votes;
      break;
    case 'playback':
      // The snapshot's form: positionMs frozen while paused, null while playing (then now − startedAt).
      if (state.nowPlaying && state.nowPlaying.id === m.entryId) {
        Object.assign(state.nowPlaying, { paused: m.paused, positionMs: m.paused ? m.positionMs : null, startedAt: m.startedAt });
      }
      break;
    case 'member_banned':
      for (const id of m.removedEntryIds || []) state.entries.delete(id);
      for (const { entryId, score } of m.scores || []) {
        const e = state.entries.get(entryId);
        if (e) e.score = score;
      }
      break;
    case 'member_renamed':
      for (const e of [...state.entries.values(), state.nowPlaying]) {
        if (e && !e.fallback && e.addedBy?.id === m.memberId) e.addedBy = { ...e.addedBy, name: m.name };
      }
      break;
    case 'settings':
      if (m.settings?.tieRule) state.tieRule = m.settings.tieRule;
      if (m.name) state.name = m.name;
      break;
    case 'song_changed':
      for (const e of [...state.entries.values(), state.nowPlaying]) {
        if (e && e.song?.id === m.songId) e.song = { ...e.song, ...m.song };
      }
      break;
    case 'song_removed':
      for (const [id, e] of state.entries) if (e.song?.id === m.songId) state.entries.delete(id);
      break;
    case 'pins': {
      const at = new Map((m.pinned || []).map((id, i) => [id, i]));
      for (const [id, e] of state.entries) e.pinned = at.get(id) ?? null;
      break;
    }
    case 'closed':
      state.closed = true; // the last message: the client stops (RoomSync.accept)
      break;
    case 'host_changed':
      state.hostId = m.hostId;
      break;
    default:
      break; // role, member_unbanned, and types this client does not know: revision only
  }
  closeUpPins(state);
  state.revision = m.revision;
}

/** pinned is an index among the pinned waiting entries: when one leaves
 *  (played, removed, banned), the others close up, keeping their order. */
function closeUpPins(state) {
  const pinned = [...state.entries.values()].filter((e) => e.pinned != null).sort((a, b) => a.pinned - b.pinned);
  pinned.forEach((e, i) => { e.pinned = i; });
}

export function stateFromSnapshot(s) {
  return {
    revision: s.revision,
    tieRule: s.tieRule,
    nowPlaying: s.nowPlaying ? { ...s.nowPlaying } : null,
    entries: new Map(s.entries.map((e) => [e.id, { ...e }])),
  };
}

export class RoomSync {
  /**
   * options: base (URL prefix, '' in a browser), code, fetch, openStream
   * (url, {lastEventId, onMessage(id, data), onOpen, onClose}) -> {close()},
   * resume (send Last-Event-ID on reconnect; default false: after an nginx
   * reload an old id leaves the stream silent, and the snapshot fetched on
   * every connect makes resuming unnecessary), gapWaitMs,
   * pollMs (watchdog period), quietMs (how long a stream may lag the server),
   * reconnectMs (first back-off), onChange(state, why), onStatus(status).
   */
  constructor(options) {
    this.o = { gapWaitMs: 250, pollMs: 10000, quietMs: 1500, reconnectMs: 500, resume: false, ...options };
    this.fetch = this.o.fetch || globalThis.fetch.bind(globalThis);
    this.state = null;
    this.pending = new Map();      // revision -> message, waiting for a gap to fill
    this.buffer = [];              // messages that arrived before the snapshot
    this.lastEventId = this.o.lastEventId || null;
    this.lastMessageAt = 0;
    this.streamRevision = 0;
    this.stream = null;
    this.stopped = false;
    this.backoff = this.o.reconnectMs;
    this.loading = null;
    this.refetches = 0;
    this.reconnects = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
    this.poll = setInterval(() => this.watchdog(), this.o.pollMs);
    return this;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.gapTimer);
    clearTimeout(this.reconnectTimer);
    this.stream?.close();
    this.stream = null;
  }

  /** Waiting entries in the documented order. */
  sorted() {
    if (!this.state) return [];
    return [...this.state.entries.values()].sort(compareEntries(this.state.tieRule));
  }

  status(s) { this.o.onStatus?.(s); }

  connect(fresh = false) {
    if (this.stopped) return;
    this.stream?.close();
    this.buffer = [];
    this.ready = false;
    const url = `${this.o.base}/rooms/${this.o.code}/events`;
    const lastEventId = !fresh && this.o.resume ? this.lastEventId : null;
    this.status('connecting');
    let opened = false;
    this.stream = this.o.openStream(url, {
      lastEventId,
      onOpen: () => {
        opened = true;
        this.backoff = this.o.reconnectMs;
        // The stream is open: anything published from now on reaches us, so a
        // snapshot taken now plus the buffered messages misses nothing.
        this.refetch('connect').then(() => this.status('live'));
      },
      onMessage: (id, data) => this.onMessage(id, data),
      onClose: () => {
        if (this.stopped) return;
        // A stream refused before it opened looks the same to an EventSource
        // whatever the reason: the snapshot says whether the room is closed
        // (410: stop for good) before a reconnect is tried.
        if (opened) this.reconnect();
        else this.refetch('stream refused').then(() => this.reconnect());
      },
    });
  }

  reconnect() {
    if (this.stopped) return;
    this.status('reconnecting');
    this.reconnects++;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, 15000);
  }

  onMessage(id, m) {
    if (id) this.lastEventId = id;
    this.lastMessageAt = Date.now();
    if (typeof m?.revision !== 'number') return;
    this.streamRevision = Math.max(this.streamRevision, m.revision);
    if (!this.ready) { this.buffer.push(m); return; }
    this.accept(m);
  }

  accept(m) {
    const st = this.state;
    if (m.revision <= st.revision) return;
    if (m.revision > st.revision + 1) {
      this.pending.set(m.revision, m);
      if (!this.gapTimer) this.gapTimer = setTimeout(() => { this.gapTimer = null; this.refetch('gap'); }, this.o.gapWaitMs);
      return;
    }
    applyMessage(st, m);
    // Held messages that now follow on.
    for (let next = this.pending.get(st.revision + 1); next; next = this.pending.get(st.revision + 1)) {
      this.pending.delete(next.revision);
      applyMessage(st, next);
    }
    for (const r of this.pending.keys()) if (r <= st.revision) this.pending.delete(r);
    if (this.pending.size === 0) { clearTimeout(this.gapTimer); this.gapTimer = null; }
    this.o.onChange?.(st, m);
    if (st.closed) this.stop();
  }

  /** The room is closed (a 410 for the snapshot): stop for good, no reconnect. */
  markClosed() {
    this.state = this.state || stateFromSnapshot({ revision: 0, tieRule: 'arrival', nowPlaying: null, entries: [] });
    this.state.closed = true;
    this.stop();
    this.o.onChange?.(this.state, { type: 'closed' });
  }

  /** Fetch the snapshot (If-None-Match) and replay what came in meanwhile. */
  refetch(why) {
    if (this.loading) return this.loading;
    this.refetches++;
    this.loading = (async () => {
      try {
        const headers = this.state ? { 'if-none-match': `"${this.state.revision}"` } : {};
        const res = await this.fetch(`${this.o.base}/rooms/${this.o.code}/queue`, { headers });
        if (res.status === 200) {
          const body = await res.json();
          if (!this.state || body.data.revision >= this.state.revision) this.state = stateFromSnapshot(body.data);
        } else if (res.status === 410) {
          this.markClosed();
          return;
        } else if (res.status !== 304) {
          return;
        }
        this.ready = true;
        const held = [...this.buffer, ...this.pending.values()].sort((a, b) => a.revision - b.revision);
        this.buffer = [];
        this.pending.clear();
        clearTimeout(this.gapTimer);
        this.gapTimer = null;
        for (const m of held) this.accept(m);
        this.o.onChange?.(this.state, { type: 'snapshot', why });
      } catch {
        // The next watchdog round or reconnect tries again.
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Now and then: is the server ahead of us while the stream has gone quiet? */
  async watchdog() {
    if (this.stopped || !this.state) return;
    const before = this.state.revision;
    await this.refetch('watchdog');
    if (this.state.revision > before && this.state.revision > this.streamRevision &&
        Date.now() - this.lastMessageAt > this.o.quietMs) {
      // Changes happened that the stream never delivered: it is silent (for
      // example resumed past the channel's newest id). Reopen it fresh.
      this.lastEventId = null;
      this.connect(true);
    }
  }
}

/** The browser's stream: EventSource (it resumes with Last-Event-ID itself). */
export function browserEventSource(url, { lastEventId, onOpen, onMessage, onClose }) {
  const u = lastEventId ? `${url}?last_event_id=${encodeURIComponent(lastEventId)}` : url;
  const es = new EventSource(u);
  es.onopen = () => onOpen();
  es.onmessage = (ev) => { try { onMessage(ev.lastEventId, JSON.parse(ev.data)); } catch { /* not ours */ } };
  // EventSource would retry on its own with its last id; we want our protocol.
  es.onerror = () => { es.close(); onClose(); };
  return { close: () => es.close() };
}
