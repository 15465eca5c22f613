// my-queue.js: the personal playback queue (docs/personal-queue.md): a panel on
// every page for a signed-in user, the same queue on all their devices and tabs.
//
// How the copy on screen stays right:
//  - a change shows at once and goes out as one PUT (If-Match: the revision it
//    was made on) 250 ms after the last one; sends go one at a time, so while a
//    PUT is in flight later changes wait for it and nothing else is applied
//    (stream messages, other tabs' states and GETs are held until it returns);
//  - the server wins: a 409 brings its queue, which replaces ours, unsent
//    changes included; a newer revision from anywhere does the same;
//  - a revision not newer than the one on screen is ignored, wherever it comes from;
//  - tabs of one browser pass each state they learn through a BroadcastChannel;
//  - unsent changes leave with fetch(…, {keepalive}) when the page is hidden or closed.
import { api, isUser, myId } from './api.js';
import { h, toast, fmtTime } from './ui.js';
import { Player } from './player.js';

const CHANNEL = 'queued.my-queue';
const DEBOUNCE_MS = 250;
const NOTICE_MS = 4000;
// A tab of this browser announces its own revisions over the channel; a change
// heard on the stream first waits this long for that claim before it is called
// "another device".
const OWN_GRACE_MS = 400;
const KEEPALIVE_MAX = 60000; // browsers refuse keepalive bodies over 64 KiB
const OPEN_KEY = 'queued.myQueue.open';
const EMPTY = { trackIds: [], currentIndex: -1, currentTrackId: null, shuffle: false, originalOrderIds: [], repeatMode: 'none' };

const clone = (s) => JSON.parse(JSON.stringify(s));

// Transport icons as SVG: the media symbols (⏮ ⏭ ⏸) are missing from many fonts.
const ICONS = {
  previous: '<path d="M6 5h2v14H6zM20 5v14L9 12z"/>',
  next: '<path d="M16 5h2v14h-2zM4 5v14l11-7z"/>',
  play: '<path d="M7 5v14l12-7z"/>',
  pause: '<path d="M6 5h4v14H6zM14 5h4v14h-4z"/>',
};
function icon(name) {
  const span = document.createElement('span');
  span.setAttribute('aria-hidden', 'true');
  span.className = 'icon';
  span.innerHTML = `<svg viewBox="0 0 24 24" width="20" height="20" fill="currentColor">${ICONS[name]}</svg>`;
  return span;
}

// ---------------------------------------------------------------- local versions of the actions
// Each takes a copy of the state and returns it changed (or null: nothing to
// do). They follow the table in the contract, so the optimistic copy is what the
// server would have made.

/** currentTrackId always follows currentIndex. */
function normalize(s) {
  if (s.currentIndex >= s.trackIds.length) s.currentIndex = s.trackIds.length ? s.trackIds.length - 1 : -1;
  s.currentTrackId = s.currentIndex >= 0 ? s.trackIds[s.currentIndex] : null;
  return s;
}

/** Where up next starts (with nothing playing, everything is up next: "next" starts at the first). */
const upStart = (s) => s.currentIndex + 1;

export const ops = {
  next(s) {
    const n = s.trackIds.length;
    if (!n) return null;
    if (s.currentIndex === -1) s.currentIndex = 0;
    else if (s.repeatMode === 'all') s.currentIndex = (s.currentIndex + 1) % n;
    else if (s.repeatMode === 'none') s.currentIndex = s.currentIndex + 1 < n ? s.currentIndex + 1 : -1;
    return s;
  },
  previous(s) {
    const n = s.trackIds.length;
    if (!n) return null;
    if (s.currentIndex === -1) s.currentIndex = n - 1;
    else if (s.repeatMode === 'all') s.currentIndex = s.currentIndex === 0 ? n - 1 : s.currentIndex - 1;
    else if (s.repeatMode === 'none') s.currentIndex = Math.max(0, s.currentIndex - 1);
    return s;
  },
  move(s, from, to) {
    const start = upStart(s);
    if (from === to || from < start || to < start || from >= s.trackIds.length || to >= s.trackIds.length) return null;
    const [id] = s.trackIds.splice(from, 1);
    s.trackIds.splice(to, 0, id);
    return s;
  },
  remove(s, pos) {
    if (pos === s.currentIndex || pos < 0 || pos >= s.trackIds.length) return null;
    s.trackIds.splice(pos, 1);
    if (pos < s.currentIndex) s.currentIndex -= 1;
    return s;
  },
  clear(s) {
    if (s.trackIds.length <= upStart(s)) return null;
    s.trackIds.length = upStart(s);
    return s;
  },
  shuffle(s) {
    const start = upStart(s);
    const up = s.trackIds.slice(start);
    if (new Set(up).size < 2) return null;
    if (!s.shuffle) s.originalOrderIds = s.trackIds.slice();
    s.shuffle = true;
    // Fisher–Yates until the order differs (it must, like the server's).
    const before = up.join('\n');
    do {
      for (let i = up.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [up[i], up[j]] = [up[j], up[i]];
      }
    } while (up.join('\n') === before);
    s.trackIds.splice(start, up.length, ...up);
    return s;
  },
  unshuffle(s) {
    if (!s.shuffle) return null;
    const start = upStart(s);
    const left = new Map();
    for (const id of s.trackIds.slice(start)) left.set(id, (left.get(id) || 0) + 1);
    // Up next in the order it had before the shuffle; songs added since go last, in their order.
    const ordered = [];
    for (const id of s.originalOrderIds) if (left.get(id)) { ordered.push(id); left.set(id, left.get(id) - 1); }
    for (const id of s.trackIds.slice(start)) if (left.get(id)) { ordered.push(id); left.set(id, left.get(id) - 1); }
    s.trackIds.splice(start, ordered.length, ...ordered);
    s.shuffle = false;
    s.originalOrderIds = [];
    return s;
  },
  repeat(s, mode) {
    if (s.repeatMode === mode) return null;
    s.repeatMode = mode;
    return s;
  },
};

// ---------------------------------------------------------------- the panel for one signed-in user

class MyQueue {
  constructor(userId) {
    this.userId = userId;
    this.tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    this.rev = -1;              // the newest server revision known; -1: not loaded yet
    this.server = clone(EMPTY); // the server's state at this.rev
    this.state = clone(EMPTY);  // what the screen shows: this.server plus unsent changes
    this.tracks = new Map();    // songId -> {id, title, performer, duration, youtubeId, albumId}
    this.dirty = false;         // changes on screen not sent yet
    this.timer = 0;             // the debounce of the next PUT
    this.line = Promise.resolve(); // PUTs and POSTs, one at a time
    this.sending = 0;           // sends queued or in flight
    this.inflight = null;       // {base}: the PUT on its way and the revision it was made on
    this.held = [];             // what arrived while sending, applied when it is done
    this.wantFetch = null;      // a GET asked for while sending
    this.own = new Set();       // revisions this browser made (own answers and other tabs' claims)
    this.prefs = { autoPlay: true, showRemoteChanges: true };
    this.playing = false;       // this tab plays the current song
    this.playId = 0;            // bumped whenever the current song (re)starts
    this.startedAt = 0;
    this.pausedAt = 0;
    this.nowKey = '';
    this.seq = 0;               // bumped on every change of this.state (a drag started before one is stale)
    this.backoff = 1000;
    this.stopped = false;
  }

  start() {
    this.layout();
    this.render();
    if ('BroadcastChannel' in window) {
      this.bc = new BroadcastChannel(CHANNEL);
      this.bc.onmessage = (ev) => this.fromTab(ev.data);
    }
    this.onHide = () => { if (document.visibilityState === 'hidden') this.flushOnHide(); else this.refetch(); };
    this.onPageHide = () => this.flushOnHide();
    this.onOnline = () => this.resubscribe(0);
    document.addEventListener('visibilitychange', this.onHide);
    window.addEventListener('pagehide', this.onPageHide);
    window.addEventListener('online', this.onOnline);
    this.ticker = setInterval(() => this.tick(), 250);
    this.refetch();
    this.loadPrefs();
    this.subscribe();
    return this;
  }

  /** Signed out or another account: the session is gone already, so unsent changes are dropped. */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.resubTimer);
    clearTimeout(this.noticeTimer);
    clearInterval(this.ticker);
    this.es?.close();
    this.bc?.close();
    this.player?.stop();
    document.removeEventListener('visibilitychange', this.onHide);
    window.removeEventListener('pagehide', this.onPageHide);
    window.removeEventListener('online', this.onOnline);
    this.els.root.hidden = true;
    this.els.root.replaceChildren();
  }

  // ---------------------------------------------------------------- applying states

  /** Runs fn now, or after the sends in flight are done (nothing is applied under a PUT). */
  whenIdle(fn) {
    if (this.sending) this.held.push(fn);
    else fn();
  }

  learn(tracks) {
    for (const t of tracks || []) if (t?.id) this.tracks.set(t.id, t);
  }

  /**
   * A whole queue {revision, state, tracks?} from: 'put' / 'post' (own answers),
   * 'conflict' (a 409's), 'get', 'stream', 'tab'. Applied only when newer than
   * what is shown; it replaces unsent changes, except that changes made while
   * our own PUT was in flight stay on top of its answer (they were made on it).
   */
  accept(q, from, meta = {}) {
    if (this.stopped || !q?.state || typeof q.revision !== 'number' || q.revision <= this.rev) return false;
    this.learn(q.tracks);
    // Stream messages come without the songs' details (and another tab may lack some):
    // fetch them; the GET brings this revision or a newer one.
    if ((from === 'stream' || from === 'tab') && q.state.trackIds.some((id) => !this.tracks.has(id))) {
      this.refetch({ full: true, remote: meta.remote });
      return false;
    }
    const mine = from === 'put' || from === 'post';
    if (mine) this.own.add(q.revision);
    this.rev = q.revision;
    this.server = clone(q.state);
    if (!(from === 'put' && this.dirty)) {
      clearTimeout(this.timer);
      this.timer = 0;
      this.dirty = false;
      this.state = clone(q.state);
      this.seq++;
    }
    if (from !== 'tab') this.bc?.postMessage({ from: this.tabId, revision: q.revision, state: q.state, tracks: q.state.trackIds.map((id) => this.tracks.get(id)), mine });
    this.render();
    this.follow(['next', 'previous', 'play_now'].includes(meta.type));
    if (meta.remote) this.noticeFor(q.revision);
    return true;
  }

  /** A message of the stream: {type, revision, state?}. */
  onStream(m) {
    if (typeof m?.revision !== 'number' || m.revision <= this.rev) return;
    if (m.revision === this.rev + 1 && m.state) this.accept({ revision: m.revision, state: m.state }, 'stream', { remote: true, type: m.type });
    else this.refetch({ remote: true });
  }

  /** Another tab of this browser learned or made a state. */
  fromTab(m) {
    if (!m || m.from === this.tabId) return;
    if (m.mine) this.own.add(m.revision); // at once: a stream message held meanwhile is then not "another device"
    this.whenIdle(() => this.accept(m, 'tab'));
  }

  /** GET /me/queue (never while a send is in flight: asked for then, it runs after). */
  async refetch({ full = false, remote = false } = {}) {
    if (this.stopped) return;
    if (this.sending || this.fetching) {
      this.wantFetch = { full: full || !!this.wantFetch?.full, remote: remote || !!this.wantFetch?.remote };
      return;
    }
    this.fetching = true;
    try {
      const headers = full || this.rev < 0 ? {} : { 'if-none-match': `"${this.rev}"` };
      const q = await api('GET', '/me/queue', { auth: 'user', headers });
      this.whenIdle(() => this.accept(q, 'get', { remote }));
    } catch (e) {
      if (e.status !== 304 && this.rev < 0) this.els.nowTitle.textContent = `Your queue could not be loaded (${e.message}).`;
    } finally {
      this.fetching = false;
      if (this.rev < 0 && !this.stopped) { this.rev = 0; this.render(); } // a fresh user: the empty queue
      this.afterSend();
    }
  }

  // ---------------------------------------------------------------- sending

  /** A local change: on screen at once, sent 250 ms after the last one. */
  change(fn, { restart = false } = {}) {
    if (this.rev < 0) return false;
    const next = fn(clone(this.state));
    if (!next) return false;
    this.state = normalize(next);
    this.seq++;
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DEBOUNCE_MS);
    this.render();
    this.follow(restart);
    return true;
  }

  /** Queues one PUT of whatever is unsent when its turn comes (later changes join it). */
  flush() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (!this.dirty || this.putQueued) return this.line;
    this.putQueued = true;
    return this.enqueue(() => {
      this.putQueued = false;
      return this.dirty ? this.put(this.rev, false) : undefined;
    });
  }

  /** One send after the others; the caller gets its outcome, the line goes on either way. */
  enqueue(task) {
    this.sending++;
    const run = this.line.then(task);
    this.line = run.catch(() => {}).finally(() => {
      this.sending--;
      this.afterSend();
    });
    return run;
  }

  /** When the last send is done: what was held back, then a GET asked for meanwhile, then changes made meanwhile. */
  afterSend() {
    if (this.sending || this.stopped) return;
    const held = this.held;
    this.held = [];
    for (const fn of held) fn();
    if (this.wantFetch && !this.fetching) {
      const w = this.wantFetch;
      this.wantFetch = null;
      this.refetch(w);
    }
    if (this.dirty && !this.timer && !this.putQueued) this.flush();
  }

  async put(base, keepalive) {
    const body = clone(this.state);
    this.dirty = false;
    this.inflight = { base };
    this.sending += keepalive ? 1 : 0;
    try {
      const text = JSON.stringify(body);
      // A PUT only reorders or drops songs this tab has: the answer need not carry
      // them again (at 1,000 entries that is ~150 KB); a 409 still does.
      const q = await api('PUT', '/me/queue', {
        auth: 'user', body, headers: { 'if-match': `"${base}"`, prefer: 'return=minimal' }, keepalive: keepalive && text.length < KEEPALIVE_MAX,
      });
      this.accept(q, 'put');
    } catch (e) {
      this.refused(e);
    } finally {
      this.inflight = null;
      if (keepalive) { this.sending--; this.afterSend(); }
    }
  }

  /** A send that failed: 409 → the server's queue; no answer → try again; any other refusal → back to the server's. */
  refused(e) {
    if (this.stopped) return;
    if (e.status === 409) {
      this.dirty = false;
      clearTimeout(this.timer);
      this.timer = 0;
      if (!this.accept(e.data, 'conflict', { remote: true })) {
        this.restore();
        this.refetch({ full: true });
      }
    } else if (!e.status) {
      this.dirty = true; // the network: the same changes go again (a 409 then tells if they had landed)
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 2000);
    } else {
      toast(e);
      this.restore();
    }
  }

  restore() {
    this.dirty = false;
    this.state = clone(this.server);
    this.seq++;
    this.render();
    this.follow(false);
  }

  /** The page is going away (or out of sight): unsent changes leave now, in a request that outlives it. */
  flushOnHide() {
    if (!this.dirty || this.stopped) return;
    clearTimeout(this.timer);
    this.timer = 0;
    // A PUT in flight will have made base + 1 by the time this one arrives.
    this.put(this.inflight ? this.inflight.base + 1 : this.rev, true);
  }

  /** An action the server does itself (adding songs needs their details): after the unsent changes, answered with the queue. */
  action(method, path, body) {
    this.flush();
    return this.enqueue(async () => {
      try {
        const q = await api(method, path, { auth: 'user', body });
        this.accept(q, 'post', { type: path.endsWith('play-now') ? 'play_now' : undefined });
      } catch (e) {
        if (e.status === 409 && e.data?.state) this.accept(e.data, 'conflict', { remote: true });
        throw e;
      }
    });
  }

  // ---------------------------------------------------------------- live

  async subscribe() {
    if (this.stopped) return;
    try {
      const { url } = await api('GET', '/me/queue/subscription', { auth: 'user' });
      if (this.stopped) return;
      const es = new EventSource(url);
      this.es = es;
      es.onopen = () => {
        this.backoff = 1000;
        this.refetch(); // whatever happened while not connected
      };
      es.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch { return; }
        this.whenIdle(() => this.onStream(m));
      };
      // The ticket in the URL expires: a reconnect needs a new one, not the browser's retry.
      es.onerror = () => { if (this.es === es) this.resubscribe(); };
    } catch (e) {
      if (e.status === 401) return; // signed out: the session event stops the panel
      this.resubscribe();
    }
  }

  resubscribe(delay) {
    this.es?.close();
    this.es = null;
    clearTimeout(this.resubTimer);
    const wait = delay ?? this.backoff;
    this.backoff = Math.min(30000, this.backoff * 2);
    this.resubTimer = setTimeout(() => this.subscribe(), wait);
  }

  /** "Queue updated on another device", unless a tab of this browser claims the revision meanwhile. */
  noticeFor(revision) {
    if (!this.prefs.showRemoteChanges) return;
    setTimeout(() => {
      if (this.stopped || this.own.has(revision)) return;
      const n = this.els.notice;
      n.textContent = 'Queue updated on another device';
      clearTimeout(this.noticeTimer);
      this.noticeTimer = setTimeout(() => { n.textContent = ''; }, NOTICE_MS);
    }, OWN_GRACE_MS);
  }

  // ---------------------------------------------------------------- preferences

  async loadPrefs() {
    try {
      this.prefs = { ...this.prefs, ...await api('GET', '/me/preferences', { auth: 'user' }) };
    } catch { /* the defaults */ }
    if (this.els) this.els.autoPlay.checked = this.prefs.autoPlay;
  }

  async setAutoPlay(on) {
    const old = this.prefs;
    this.prefs = { ...old, autoPlay: on };
    try {
      this.prefs = await api('PUT', '/me/preferences', { auth: 'user', body: { autoPlay: on, showRemoteChanges: old.showRemoteChanges } });
    } catch (e) {
      this.prefs = old;
      toast(e);
    }
    this.els.autoPlay.checked = this.prefs.autoPlay;
  }

  // ---------------------------------------------------------------- playing

  track(id) {
    return this.tracks.get(id) || { id, title: 'Loading…', performer: '', duration: null };
  }

  /** After every change: a new current song starts from its beginning; nothing current stops this tab. */
  follow(restart) {
    const s = this.state;
    const key = `${s.currentIndex}:${s.currentTrackId}`;
    if (key !== this.nowKey || restart) {
      this.nowKey = key;
      this.playId++;
      this.startedAt = Date.now();
      this.pausedAt = 0;
      this.player?.stop();
    }
    if (s.currentIndex < 0 && this.playing) this.setPlaying(false);
  }

  elapsed() {
    return ((this.pausedAt || Date.now()) - this.startedAt) / 1000;
  }

  setPlaying(on) {
    const s = this.state;
    if (on && s.currentIndex < 0 && !this.skip('next')) return;
    if (on === this.playing) { this.renderBar(); return; }
    this.playing = on;
    if (on) {
      if (this.pausedAt) this.startedAt += Date.now() - this.pausedAt;
      this.pausedAt = 0;
      if (!this.player) {
        this.player = new Player({ onEnded: (id) => this.songEnded(id) });
        this.els.playerSlot.append(this.player.element);
      }
      this.player.active = true;
    } else {
      this.pausedAt = Date.now();
      if (this.player) { this.player.active = false; this.player.stop(); this.player.status.textContent = ''; }
    }
    this.renderBar();
    this.tick();
  }

  tick() {
    const s = this.state;
    const cur = s.currentIndex >= 0 ? this.tracks.get(s.currentTrackId) : null;
    const e = cur ? Math.max(0, this.elapsed()) : 0;
    const dur = cur?.duration;
    this.els.bar.style.width = cur && dur ? `${Math.min(100, (100 * e) / dur)}%` : '0';
    this.els.elapsed.textContent = cur ? fmtTime(Math.min(e, dur ?? e)) : '0:00';
    this.els.duration.textContent = fmtTime(dur);
    if (this.playing && cur) this.player.tick({ id: this.playId, song: cur }, e);
  }

  /** The song on this tab ended: the next one when auto-play is on, else this tab stops. */
  songEnded(id) {
    if (id !== this.playId) return;
    if (this.prefs.autoPlay) this.skip('next');
    else this.setPlaying(false);
  }

  skip(dir) {
    return this.change((s) => ops[dir](s), { restart: true });
  }

  // ---------------------------------------------------------------- layout

  layout() {
    const root = document.getElementById('my-queue');
    const open = localStorage.getItem(OPEN_KEY) === '1';
    const btn = (label, text, onclick, attrs = {}) => h('button', { type: 'button', 'aria-label': label, onclick, ...attrs }, text);
    this.els = {
      root,
      nowTitle: h('div', { class: 't', id: 'myq-now' }, 'Loading your queue…'),
      nowMeta: h('div', { class: 'm' }),
      prev: btn('Previous song', icon('previous'), () => this.skip('previous'), { id: 'myq-prev' }),
      play: btn('Play', icon('play'), () => this.setPlaying(!this.playing), { id: 'myq-play' }),
      next: btn('Next song', icon('next'), () => this.skip('next'), { id: 'myq-next' }),
      toggle: h('button', { type: 'button', id: 'myq-toggle', 'aria-expanded': String(open), 'aria-controls': 'myq-body', onclick: () => this.setOpen(this.els.body.hidden) }),
      body: h('div', { id: 'myq-body', class: 'myq-body', hidden: !open }),
      bar: h('div'),
      elapsed: h('span', {}, '0:00'),
      duration: h('span', {}, '–'),
      playerSlot: h('div', { class: 'myq-player' }),
      shuffle: h('button', { type: 'button', id: 'myq-shuffle', 'aria-pressed': 'false', onclick: () => this.skipShuffle() }, 'Shuffle'),
      repeat: h('select', { id: 'myq-repeat', onchange: (ev) => this.change((s) => ops.repeat(s, ev.target.value)) },
        h('option', { value: 'none' }, 'Off'), h('option', { value: 'one' }, 'This song'), h('option', { value: 'all' }, 'Whole queue')),
      clear: h('button', { type: 'button', id: 'myq-clear', class: 'danger', onclick: () => this.change(ops.clear) }, 'Clear up next'),
      autoPlay: h('input', { type: 'checkbox', id: 'myq-autoplay', checked: this.prefs.autoPlay, onchange: (ev) => this.setAutoPlay(ev.target.checked) }),
      list: h('ol', { class: 'myq-list', id: 'myq-list', 'aria-label': 'Up next in my queue' }),
      empty: h('p', { class: 'muted small', id: 'myq-empty' }, 'Nothing up next. Add songs from Songs, Albums or Playlists.'),
      live: h('p', { class: 'sr-only', 'aria-live': 'polite', id: 'myq-live' }),
      notice: h('p', { class: 'myq-notice', id: 'myq-notice', role: 'status' }),
    };
    const e = this.els;
    e.body.append(
      h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Progress of the song' }, e.bar),
      h('div', { class: 'times small muted' }, e.elapsed, e.duration),
      e.playerSlot,
      h('div', { class: 'myq-controls' },
        e.shuffle,
        h('span', { class: 'myq-field' }, h('label', { for: 'myq-repeat' }, 'Repeat'), e.repeat),
        e.clear,
        h('label', { class: 'myq-check', for: 'myq-autoplay' }, e.autoPlay, 'Play the next song automatically')),
      h('h3', { class: 'myq-h3' }, 'Up next'), e.empty, e.list, e.live);
    root.replaceChildren(
      h('h2', { class: 'sr-only', id: 'myq-h' }, 'My queue'),
      h('div', { class: 'myq-bar' },
        h('div', { class: 'song myq-song' }, e.nowTitle, e.nowMeta),
        h('div', { class: 'myq-transport' }, e.prev, e.play, e.next, e.toggle)),
      e.notice, e.body);
    root.setAttribute('aria-labelledby', 'myq-h');
    root.hidden = false;
  }

  setOpen(open) {
    this.els.body.hidden = !open;
    this.els.toggle.setAttribute('aria-expanded', String(open));
    localStorage.setItem(OPEN_KEY, open ? '1' : '0');
    this.renderBar();
  }

  skipShuffle() {
    this.change((s) => (s.shuffle ? ops.unshuffle(s) : ops.shuffle(s)));
  }

  // ---------------------------------------------------------------- rendering

  render() {
    this.renderBar();
    if (!this.dragging) this.renderList();
  }

  renderBar() {
    const e = this.els;
    const s = this.state;
    const loaded = this.rev >= 0;
    const cur = s.currentIndex >= 0 ? this.track(s.currentTrackId) : null;
    const upNext = Math.max(0, s.trackIds.length - upStart(s));
    if (loaded) e.nowTitle.textContent = cur ? cur.title : s.trackIds.length ? 'Nothing playing' : 'Your queue is empty';
    e.nowMeta.textContent = cur ? [cur.performer, cur.youtubeId ? 'YouTube' : ''].filter(Boolean).join(' · ') : '';
    e.prev.disabled = !loaded || !s.trackIds.length;
    e.next.disabled = !loaded || !s.trackIds.length;
    e.play.disabled = !loaded || !s.trackIds.length;
    e.play.setAttribute('aria-label', this.playing ? 'Pause' : 'Play');
    if (e.play.dataset.icon !== String(this.playing)) {
      e.play.dataset.icon = String(this.playing);
      e.play.replaceChildren(icon(this.playing ? 'pause' : 'play'));
    }
    const open = !e.body.hidden;
    e.toggle.textContent = `My queue · ${upNext}`;
    e.toggle.title = `${open ? 'Hide' : 'Show'} my queue (${upNext} up next)`;
    e.shuffle.setAttribute('aria-pressed', String(!!s.shuffle));
    e.shuffle.setAttribute('aria-label', s.shuffle ? 'Unshuffle up next' : 'Shuffle up next');
    e.shuffle.disabled = !loaded || (!s.shuffle && new Set(s.trackIds.slice(upStart(s))).size < 2);
    e.repeat.value = s.repeatMode;
    e.repeat.disabled = !loaded;
    e.clear.disabled = !upNext;
  }

  renderList() {
    const e = this.els;
    const s = this.state;
    const start = upStart(s);
    const ids = s.trackIds.slice(start);
    const key = `${this.seq}:${ids.map((id) => this.tracks.get(id)?.title ?? '').join('\n')}`;
    if (e.list.dataset.key === key && !this.focusAfter) return;
    e.list.dataset.key = key;
    const focused = document.activeElement;
    const hadFocus = e.list.contains(focused) ? { pos: Number(focused.closest('li')?.dataset.pos), ctl: focused.dataset.ctl } : null;
    e.list.replaceChildren(...ids.map((id, i) => this.row(id, start + i, i, ids.length)));
    e.empty.hidden = ids.length > 0;
    const want = this.focusAfter || hadFocus;
    this.focusAfter = null;
    if (want) {
      const li = e.list.querySelector(`li[data-pos="${want.pos}"]`) || e.list.lastElementChild;
      const target = [li?.querySelector(`[data-ctl="${want.ctl}"]:not(:disabled)`), want.ctl === 'row' && li,
        li?.querySelector('button:not(:disabled)'), li].find(Boolean);
      target?.focus({ preventScroll: true });
    }
  }

  row(id, pos, i, n) {
    const t = this.track(id);
    const li = h('li', { 'data-pos': String(pos), tabindex: '-1', onkeydown: (ev) => this.rowKey(ev, pos) });
    li.append(
      h('span', { class: 'myq-handle', 'aria-hidden': 'true', title: 'Drag to reorder', onpointerdown: (ev) => this.dragStart(ev, li) }, '⠿'),
      h('div', { class: 'song' },
        h('div', { class: 't' }, t.title),
        h('div', { class: 'm' }, t.performer, t.duration ? ` · ${fmtTime(t.duration)}` : '')),
      h('div', { class: 'myq-row-actions' },
        h('button', { type: 'button', 'data-ctl': 'up', 'aria-label': `Move ${t.title} up`, disabled: i === 0, onclick: () => this.moveBy(pos, -1, 'up') }, '↑'),
        h('button', { type: 'button', 'data-ctl': 'down', 'aria-label': `Move ${t.title} down`, disabled: i === n - 1, onclick: () => this.moveBy(pos, 1, 'down') }, '↓'),
        h('button', { type: 'button', 'data-ctl': 'remove', class: 'danger', 'aria-label': `Remove ${t.title} from my queue`, onclick: () => this.removeAt(pos) }, '✕')));
    return li;
  }

  /** Alt+ArrowUp / Alt+ArrowDown anywhere in a row moves it. */
  rowKey(ev, pos) {
    if (!ev.altKey || (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown')) return;
    ev.preventDefault();
    const ctl = document.activeElement?.dataset?.ctl;
    this.moveBy(pos, ev.key === 'ArrowUp' ? -1 : 1, ctl || 'row');
  }

  moveBy(pos, d, ctl) {
    const title = this.track(this.state.trackIds[pos]).title;
    const to = pos + d;
    this.focusAfter = { pos: to, ctl };
    if (this.change((s) => ops.move(s, pos, to))) {
      this.els.live.textContent = `${title} moved to place ${to - upStart(this.state) + 1} of up next`;
    } else {
      this.focusAfter = null;
    }
  }

  removeAt(pos) {
    const title = this.track(this.state.trackIds[pos]).title;
    this.focusAfter = { pos, ctl: 'remove' };
    if (this.change((s) => ops.remove(s, pos))) this.els.live.textContent = `${title} removed from your queue`;
  }

  /** Dragging a row by its handle (pointer events: mouse, pen and touch alike). */
  dragStart(ev, li) {
    if (ev.button !== 0) return;
    ev.preventDefault();
    const list = this.els.list;
    const handle = ev.currentTarget;
    const from = [...list.children].indexOf(li);
    const seq = this.seq;
    const mid = (el) => { const b = el.getBoundingClientRect(); return b.top + b.height / 2; };
    this.dragging = true;
    li.classList.add('dragging');
    handle.setPointerCapture?.(ev.pointerId);
    // The neighbours move, never the dragged row: a row taken out of the page
    // (even for a moment) loses the pointer capture, and the drag with it.
    const move = (e) => {
      while (li.previousElementSibling && e.clientY < mid(li.previousElementSibling)) list.insertBefore(li.previousElementSibling, li.nextElementSibling);
      while (li.nextElementSibling && e.clientY > mid(li.nextElementSibling)) list.insertBefore(li.nextElementSibling, li);
    };
    const end = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', end);
      handle.removeEventListener('pointercancel', end);
      li.classList.remove('dragging');
      this.dragging = false;
      const to = [...list.children].indexOf(li);
      const start = upStart(this.state);
      // A queue that changed under the drag: the positions no longer mean the same songs.
      if (to !== from && seq === this.seq && this.change((s) => ops.move(s, start + from, start + to))) {
        this.els.live.textContent = `${this.track(this.state.trackIds[start + to]).title} moved to place ${to + 1} of up next`;
      } else {
        list.dataset.key = '';
        this.renderList();
      }
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', end);
    handle.addEventListener('pointercancel', end);
  }
}

// ---------------------------------------------------------------- the module's face

let mq = null;

/** Shows the panel while a registered user is signed in (and follows sign-in, sign-out, another account). */
export function initMyQueue() {
  const sync = () => {
    const id = isUser() ? myId() : null;
    if (mq && mq.userId === id) return;
    mq?.stop();
    mq = id ? new MyQueue(id).start() : null;
  };
  window.addEventListener('session', sync);
  sync();
}

function needPanel() {
  if (!mq) throw new Error('Sign in to use your queue.');
  if (mq.rev < 0) throw new Error('Your queue is still loading.');
  return mq;
}

/** A song for the queue's writes: a catalog id, or {youtubeId} (a video the server reads from YouTube). */
const songBody = (song) => (typeof song === 'string' ? { songId: song } : { youtubeId: song.youtubeId });

/** "Play now": the first song plays at once (on this tab), the rest (catalog ids) follow it. */
export async function playNow(songs) {
  const q = needPanel();
  if (!songs.length) throw new Error('There are no songs to play.');
  await q.action('POST', '/me/queue/play-now', songBody(songs[0]));
  if (songs.length > 1) await q.action('POST', '/me/queue/tracks', { songIds: songs.slice(1), position: 'next' });
  q.setPlaying(true);
}

/** "Add to queue": the songs go last, in their order (catalog ids, or one {youtubeId}). */
export async function addToQueue(songs) {
  const q = needPanel();
  if (!songs.length) throw new Error('There are no songs to add.');
  const body = typeof songs[0] === 'string' ? { songIds: songs } : songBody(songs[0]);
  await q.action('POST', '/me/queue/tracks', { ...body, position: 'end' });
}
