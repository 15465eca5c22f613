// room.js: the room view: now playing, the queue in vote order (reordered live
// with a FLIP animation), search and add, votes (optimistic, rolled back when
// refused), vote to skip, and for hosts: advance, remove, play next (pins) and
// moving entries up and down, bans, co-hosts, settings, pause/resume/seek,
// and the player on the host's screen; and the "you're up" notice for the
// member whose song starts.
import { RoomSync, browserEventSource } from './room-sync.js';
import { api, session, isUser, myId, myName, guestToken, clockSkew, searchSongs } from './api.js';
import { h, toast, banner, act, fmtTime } from './ui.js';
import { Player } from './player.js';
import { HistoryPanel } from './room-history.js';

export async function roomView(main, rawCode) {
  const code = rawCode.toUpperCase();
  let room;
  try {
    room = (await api('GET', `/rooms/${code}`)).room;
  } catch (e) {
    if (e.status === 410) { main.append(closedNotice()); return undefined; }
    main.append(h('div', { class: 'card' }, h('h1', {}, 'No such room'),
      h('p', {}, `There is no room ${code}. `, h('a', { href: '#/' }, 'Create one or enter another code.'))));
    return undefined;
  }
  if (!session.accessToken && !session.guestToken) {
    await askName(main, room);
    main.replaceChildren();
  }
  if (room.settings?.hasPin && !await admitted(room)) {
    await askPin(main, room);
    main.replaceChildren();
  }
  return new RoomScreen(main, room).start();
}

/** In a room with a PIN: is the caller a member already (admitted before, host, co-host)? */
async function admitted(room) {
  try {
    await api('POST', `/rooms/${room.code}/join`, { auth: 'member', body: {} });
    return true;
  } catch {
    return false; // 400: the PIN is wanted
  }
}

/**
 * The room's PIN, asked once before joining: a wrong one is said in the form
 * (so are too many tries); watching needs none.
 */
function askPin(main, room) {
  return new Promise((resolve) => {
    const input = h('input', { id: 'room-pin', name: 'pin', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9]{4,8}',
      maxlength: '8', required: true, 'aria-describedby': 'pin-error' });
    const error = h('p', { id: 'pin-error', class: 'error', role: 'alert' });
    const form = h('form', {
      class: 'card', id: 'pin-form', onsubmit: async (ev) => {
        ev.preventDefault();
        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        try {
          await api('POST', `/rooms/${room.code}/join`, { auth: 'member', body: { pin: input.value.trim() } });
          resolve();
        } catch (e) {
          error.textContent = e.status === 403 ? 'Wrong PIN: try again.' : e.message;
          input.select();
        } finally {
          button.disabled = false;
        }
      },
    }, h('h1', {}, `“${room.name}” has a PIN`),
    h('label', { for: 'room-pin' }, 'The PIN the host gave you (4 to 8 digits)'), input, error,
    h('div', { class: 'row' },
      h('button', { class: 'primary', type: 'submit' }, 'Join the room'),
      !room.settings.hideQueue && h('button', { type: 'button', id: 'pin-watch', onclick: () => resolve() }, 'Just watch')));
    main.append(form);
    input.focus();
  });
}

/** What a closed room shows instead of itself: no controls. */
function closedNotice() {
  return h('div', { class: 'card', id: 'room-closed', role: 'status' }, h('h1', {}, 'This room was closed'),
    h('p', {}, h('a', { href: '#/' }, 'Start or join another room')));
}

/** A guest picks the name the room shows next to their songs. */
function askName(main, room) {
  return new Promise((resolve) => {
    const input = h('input', { id: 'guest-name', name: 'name', autocomplete: 'nickname', maxlength: '40', required: true });
    const form = h('form', {
      class: 'card', onsubmit: async (ev) => {
        ev.preventDefault();
        await act(form.querySelector('button'), async () => { await guestToken(input.value); resolve(); });
      },
    }, h('h1', {}, `Join “${room.name}”`),
    h('label', { for: 'guest-name' }, 'Your name in this room'), input,
    h('p', { class: 'muted small' }, 'Or ', h('a', { href: '#/login' }, 'sign in'), ' to vote under your account.'),
    h('button', { class: 'primary', type: 'submit' }, 'Join the room'));
    main.append(form);
    input.focus();
  });
}

/** Seconds into the song now playing on the server's clock: frozen while paused, else now − startedAt. */
function positionOf(np) {
  if (np.paused) return (np.positionMs ?? 0) / 1000;
  return Math.max(0, (Date.now() + clockSkew - Date.parse(np.startedAt)) / 1000);
}

class RoomScreen {
  constructor(main, room) {
    this.main = main;
    this.room = room;
    this.code = room.code;
    this.me = { member: { id: myId(), name: myName(), role: 'member', banned: false }, votes: [], skipVoted: false };
    this.myVotes = new Map();
    this.overlay = new Map(); // entryId -> {delta, until}: own votes not yet confirmed
    this.rows = new Map();    // entryId -> <li>
    this.everLive = false;
  }

  get isHost() { return this.me.member.role === 'host' || this.me.member.role === 'cohost'; }

  start() {
    this.layout();
    this.sync = new RoomSync({
      base: '', code: this.code, openStream: (url, o) => this.openStream(url, o), fetch: (url, init) => this.fetchQueue(url, init),
      onChange: (state, m) => this.onChange(state, m),
      onStatus: (s) => this.onStatus(s),
    }).start();
    this.loadMe();
    this.ticker = setInterval(() => this.tick(), 250);
    // The browser knows before the stream does: say so at once, and reconnect
    // (snapshot included) the moment the network is back.
    const offline = () => banner('Reconnecting…');
    const online = () => this.sync.connect(true);
    window.addEventListener('offline', offline);
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('offline', offline);
      window.removeEventListener('online', online);
      this.sync.stop();
      clearInterval(this.ticker);
      this.player?.stop();
      banner(null);
    };
  }

  async loadMe() {
    try {
      this.me = await api('GET', `/rooms/${this.code}/me`, { auth: 'member' });
      this.myVotes = new Map(this.me.votes.map((v) => [v.entryId, v.value]));
    } catch (e) {
      toast(e);
    }
    this.renderControls();
    this.renderQueue();
    this.renderNow();
  }

  async reloadRoom() {
    try { this.room = (await api('GET', `/rooms/${this.code}`)).room; } catch { /* keep what we have */ }
    this.els.name.textContent = this.room.name;
    this.renderControls();
    this.renderQueue(); // the voting mode decides which vote buttons show
  }

  // ---------------------------------------------------------------- layout

  layout() {
    const link = `${location.origin}/#/r/${this.code}`;
    this.els = {
      name: h('h1', { id: 'room-name' }, this.room.name),
      now: h('section', { class: 'card now area-now', 'aria-labelledby': 'now-h' }),
      queue: h('ol', { class: 'queue', id: 'queue', 'aria-label': 'Up next, in vote order' }),
      empty: h('p', { class: 'muted' }, 'Nothing queued yet: search for a song and add it.'),
      controls: h('div', { class: 'area-host' }),
      live: h('p', { class: 'sr-only', 'aria-live': 'polite', id: 'queue-live' }),
      results: h('ul', { class: 'results', 'aria-label': 'Search results' }),
    };
    const search = h('input', { id: 'search', type: 'search', placeholder: 'Song or artist', autocomplete: 'off' });
    let timer;
    search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => this.search(search.value), 250); });
    const share = h('section', { class: 'card area-share', 'aria-labelledby': 'share-h' },
      h('h2', { id: 'share-h' }, 'Invite'),
      h('div', { class: 'row' },
        h('img', { class: 'qr', src: `/rooms/${this.code}/qr.svg`, alt: `QR code to join room ${this.code}`, width: '132', height: '132' }),
        h('div', {},
          h('p', {}, 'Room code ', h('span', { class: 'code', id: 'room-code' }, this.code)),
          h('button', { type: 'button', onclick: async (ev) => {
            try { await navigator.clipboard.writeText(link); ev.target.textContent = 'Link copied'; } catch { toast(link); }
          } }, 'Copy join link'))));
    this.main.append(
      h('div', { class: 'room-head' }, h('div', {}, this.els.name, h('p', { class: 'muted small', id: 'room-meta' }), h('div', { id: 'my-name-row' }))),
      h('div', { class: 'room-grid' },
        this.els.now,
        h('section', { class: 'card area-add', 'aria-labelledby': 'add-h' },
          h('h2', { id: 'add-h' }, 'Add a song'),
          h('label', { for: 'search', class: 'sr-only' }, 'Search songs'), search, this.els.results),
        h('section', { class: 'card area-next', 'aria-labelledby': 'next-h' },
          h('h2', { id: 'next-h' }, 'Up next'), this.els.empty, this.els.queue, this.els.live),
        this.els.controls,
        share));
    this.main.querySelector('.room-head').append(this.els.life = h('div', { class: 'row', id: 'room-life' }));
    this.history = new HistoryPanel(this.room);
    this.main.querySelector('.room-grid').append(this.history.element);
    this.renderNow();
  }

  // ---------------------------------------------------------------- hand over, leave, close

  /** "Leave room" for everyone; "Close room" for the host, asked twice. */
  renderLife() {
    const leave = h('button', { type: 'button', id: 'leave-room', onclick: (ev) => act(ev.currentTarget, async () => {
      const r = await api('POST', `/rooms/${this.code}/leave`, { auth: 'member' });
      if (!r.left) { toast('Nobody else is in the room: you stay its host.'); return; }
      location.hash = '#/';
    }) }, 'Leave room');
    const close = this.me.member.role === 'host' && h('button', { type: 'button', class: 'danger', id: 'close-room', onclick: () => {
      const yes = h('button', { type: 'button', class: 'danger', id: 'close-room-confirm', onclick: (ev) => act(ev.currentTarget,
        () => api('POST', `/rooms/${this.code}/close`, { auth: 'member' })) }, 'Yes, close it for everyone');
      this.els.life.replaceChildren(h('span', { class: 'small' }, 'Close this room for everyone? This cannot be undone.'), yes,
        h('button', { type: 'button', onclick: () => this.renderLife() }, 'Cancel'));
    } }, 'Close room');
    this.els.life.replaceChildren(leave, close);
  }

  /** The room was closed (its last message, or a 410): the notice and nothing else. */
  showClosed() {
    this.sync.stop();
    clearInterval(this.ticker);
    this.player?.stop();
    banner(null);
    this.main.replaceChildren(closedNotice());
  }

  // ---------------------------------------------------------------- live

  onStatus(s) {
    if (s === 'live') {
      this.everLive = true;
      banner(null);
    } else if (this.everLive && (s === 'reconnecting' || s === 'connecting')) {
      banner('Reconnecting…');
    }
  }

  onChange(state, m) {
    if (state.closed) { this.showClosed(); return; }
    if (m.type === 'host_changed') { this.loadMe(); this.reloadRoom(); }
    for (const [id, o] of this.overlay) if (state.revision >= o.until || !state.entries.has(id)) this.overlay.delete(id);
    if (m.type === 'role' || m.type === 'member_unbanned' || (m.type === 'member_banned' && m.memberId === myId())) this.loadMe();
    if (m.type === 'settings' || m.type === 'role') this.reloadRoom();
    if (m.type === 'member_renamed') this.renamed(m);
    if (m.type === 'advance' || m.type === 'snapshot') this.me.skipVoted = m.type === 'snapshot' ? this.me.skipVoted : false;
    if (m.type === 'advance') for (const id of [...this.myVotes.keys()]) if (!state.entries.has(id)) this.myVotes.delete(id);
    if (m.type === 'advance') this.youreUp(m.nowPlaying);
    this.renderQueue();
    this.renderNow();
    if (m.type === 'advance' || m.type === 'snapshot') this.history.refresh();
    if (m.type === 'entry_added') this.els.live.textContent = `${m.entry.addedBy.name} added ${m.entry.song.title}`;
    if (m.type === 'pins') this.els.live.textContent = 'The host changed the order of up next';
  }

  tick() {
    const np = this.sync?.state?.nowPlaying;
    if (!np || !this.els.bar) return;
    const elapsed = positionOf(np);
    const dur = np.song.duration;
    this.els.bar.style.width = dur ? `${Math.min(100, (100 * elapsed) / dur)}%` : '0';
    this.els.elapsed.textContent = fmtTime(Math.min(elapsed, dur ?? elapsed));
    this.player?.tick(np, elapsed);
  }

  // ---------------------------------------------------------------- now playing

  renderNow() {
    const st = this.sync?.state;
    const np = st?.nowPlaying;
    const el = this.els.now;
    const key = `${np?.id ?? 'none'}:${np?.skipVotes ?? 0}:${this.isHost}:${this.me.skipVoted}:${this.player?.active}:${np?.paused}`;
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    el.replaceChildren(h('h2', { id: 'now-h' }, 'Now playing'));
    if (!np) {
      el.append(h('p', { class: 'muted', id: 'now-title' }, st?.entries.size ? 'Nothing is playing. The host starts the music.' : 'Nothing is playing.'));
    } else {
      this.els.bar = h('div');
      this.els.elapsed = h('span', {}, '0:00');
      el.append(
        h('div', { class: 'title', id: 'now-title' }, np.song.title),
        h('div', { class: 'muted' }, np.song.performer, ' · added by ', np.addedBy.name, np.fallback ? ' (fallback playlist)' : ''),
        h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Progress of the song' }, this.els.bar),
        h('div', { class: 'times small muted' }, this.els.elapsed,
          np.paused && h('span', { id: 'now-paused' }, 'Paused'), h('span', {}, fmtTime(np.song.duration))),
        h('div', { class: 'row' },
          h('button', { type: 'button', id: 'skip', 'aria-pressed': String(this.me.skipVoted), onclick: (ev) => this.skip(ev.currentTarget, np) },
            this.me.skipVoted ? 'You voted to skip' : 'Vote to skip'),
          h('span', { class: 'muted small', id: 'skip-count' }, `${np.skipVotes ?? 0} skip vote${np.skipVotes === 1 ? '' : 's'}`)));
    }
    if (this.isHost) {
      el.append(h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary', id: 'advance', onclick: (ev) => this.advance(ev.currentTarget) }, np ? 'Next song' : 'Start playing'),
        h('label', { class: 'row small', style: 'font-weight:400;margin:0' },
          h('input', { type: 'checkbox', id: 'play-here', style: 'width:auto;min-height:0', checked: this.player?.active ? true : undefined,
            onchange: (ev) => this.setPlayer(ev.target.checked) }), 'Play the music on this screen')));
      if (np) el.append(this.playbackControls(np));
      if (this.player?.active) el.append(this.player.element);
    }
    this.tick();
  }

  /** Pause/Resume and ±10 s for hosts: room state, so every screen and the host's player follow. */
  playbackControls(np) {
    // What plays at the click (a refetched snapshot replaces the object this card was drawn from).
    const now = () => this.sync.state?.nowPlaying;
    const seek = (ev, delta) => {
      const cur = now();
      const to = cur && Math.max(0, Math.round(positionOf(cur) * 1000) + delta);
      if (cur) this.playback(ev.currentTarget, cur, { positionMs: cur.song.duration ? Math.min(to, cur.song.duration * 1000) : to });
    };
    return h('div', { class: 'row', id: 'playback-controls' },
      h('button', { type: 'button', id: 'pause', onclick: (ev) => now() && this.playback(ev.currentTarget, now(), { paused: !now().paused }) },
        np.paused ? 'Resume' : 'Pause'),
      h('button', { type: 'button', id: 'seek-back', 'aria-label': 'Back 10 seconds', onclick: (ev) => seek(ev, -10000) }, '−10 s'),
      h('button', { type: 'button', id: 'seek-forward', 'aria-label': 'Forward 10 seconds', onclick: (ev) => seek(ev, 10000) }, '+10 s'));
  }

  async playback(button, np, change) {
    await act(button, async () => {
      try {
        await api('PUT', `/rooms/${this.code}/playback`, { auth: 'member', body: { entryId: np.id, ...change } });
      } catch (e) {
        if (e.status !== 409) throw e;
        this.sync.refetch('conflict'); // the song changed meanwhile: show what plays now
      }
    });
  }

  /** The member whose song starts gets told: on the page, and by the system where allowed. */
  youreUp(np) {
    if (!np || np.addedBy?.id !== myId()) return;
    const text = `You're up: ${np.song.title} is playing now`;
    let notice = document.getElementById('youre-up');
    if (!notice) {
      notice = h('p', { id: 'youre-up', class: 'card notice', role: 'status' });
      this.main.prepend(notice);
    }
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(this.youreUpTimer);
    this.youreUpTimer = setTimeout(() => { notice.hidden = true; }, 8000);
    if (window.Notification?.permission === 'granted') {
      try {
        new Notification(`You're up: ${np.song.title}`, { body: `Playing now in ${this.room.name}`, tag: `queued-up-${np.id}` });
      } catch { /* a browser that only notifies through a service worker: the notice on the page stays */ }
    }
  }

  setPlayer(on) {
    if (on && !this.player) this.player = new Player({ onEnded: (entryId) => this.advance(null, entryId) });
    if (this.player) this.player.active = on;
    if (!on) this.player?.stop();
    this.els.now.dataset.key = '';
    this.renderNow();
  }

  async advance(button, endedId) {
    const current = endedId ?? this.sync.state?.nowPlaying?.id ?? null;
    if (endedId !== undefined && endedId !== this.sync.state?.nowPlaying?.id) return;
    await act(button, async () => {
      try {
        await api('POST', `/rooms/${this.code}/advance`, { auth: 'member', body: { currentEntryId: current } });
      } catch (e) {
        if (e.status !== 409) throw e;
        // Another host screen advanced first: the queue moved once, as it should.
        this.sync.refetch('conflict');
      }
    });
  }

  async skip(button, np) {
    await act(button, async () => {
      const r = await api('POST', `/rooms/${this.code}/skip`, { auth: 'member', body: { entryId: np.id } });
      this.me.skipVoted = true;
      if (!r.skipped) toast(`Skip: ${r.votes} of ${r.needed} votes`);
      this.els.now.dataset.key = '';
      this.renderNow();
    });
  }

  // ---------------------------------------------------------------- queue

  scoreOf(e) { return e.score + (this.overlay.get(e.id)?.delta ?? 0); }

  sortedEntries() {
    const st = this.sync?.state;
    if (!st) return [];
    const tie = st.tieRule;
    return [...st.entries.values()].sort((a, b) => ((a.pinned ?? Infinity) - (b.pinned ?? Infinity) || 0)
      || (a.fallback === b.fallback ? 0 : a.fallback ? 1 : -1)
      || this.scoreOf(b) - this.scoreOf(a)
      || (tie === 'fairness' ? (a.adderPlayed ?? 0) - (b.adderPlayed ?? 0) : 0)
      || a.id - b.id);
  }

  renderQueue() {
    const list = this.els.queue;
    const entries = this.sortedEntries();
    const focused = document.activeElement;
    const before = new Map();
    for (const [id, li] of this.rows) before.set(id, li.getBoundingClientRect().top);
    const keep = new Set(entries.map((e) => e.id));
    for (const [id, li] of this.rows) if (!keep.has(id)) { li.remove(); this.rows.delete(id); }
    entries.forEach((e, i) => {
      let li = this.rows.get(e.id);
      if (!li) { li = h('li', { 'data-id': String(e.id) }); this.rows.set(e.id, li); }
      this.fillRow(li, e, i, entries.length);
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    if (focused && document.activeElement !== focused && list.contains(focused)) focused.focus({ preventScroll: true });
    this.els.empty.hidden = entries.length > 0;
    // FLIP: each row that moved starts where it was and slides to its new place.
    const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
    for (const [id, li] of this.rows) {
      const was = before.get(id);
      if (was === undefined || reduce) continue;
      const dy = was - li.getBoundingClientRect().top;
      if (Math.abs(dy) < 1) continue;
      li.animate([{ transform: `translateY(${dy}px)` }, { transform: 'translateY(0)' }],
        { duration: 300, easing: 'cubic-bezier(.2,.8,.2,1)' });
    }
  }

  fillRow(li, e, index, count) {
    const mine = e.addedBy?.id === myId();
    const my = this.myVotes.get(e.id) ?? 0;
    const votingMode = this.room.settings?.votingMode ?? 'updown';
    const last = index === count - 1;
    const key = `${e.score}:${this.scoreOf(e)}:${my}:${mine}:${this.isHost}:${votingMode}:${index}:${e.pinned}:${last}`;
    if (li.dataset.key === key) return;
    li.dataset.key = key;
    li.className = `${mine ? 'mine' : ''} ${e.fallback ? 'fallback' : ''} ${e.pinned != null ? 'pinned' : ''}`.trim();
    const title = e.song.title;
    const votes = h('div', { class: 'votes' },
      votingMode !== 'off' && h('button', {
        type: 'button', class: 'up', 'aria-pressed': String(my === 1), 'aria-label': `Vote up ${title}`,
        onclick: () => this.vote(e, my === 1 ? 0 : 1),
      }, '▲'),
      h('span', { class: 'score', 'aria-label': `score ${this.scoreOf(e)}` }, String(this.scoreOf(e))),
      votingMode === 'updown' && h('button', {
        type: 'button', class: 'down', 'aria-pressed': String(my === -1), 'aria-label': `Vote down ${title}`,
        onclick: () => this.vote(e, my === -1 ? 0 : -1),
      }, '▼'));
    const actions = h('div', { class: 'entry-actions' },
      (mine || this.isHost) && h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${title}`, onclick: (ev) => this.remove(ev.currentTarget, e) }, '✕'));
    li.replaceChildren(votes,
      h('div', { class: 'song' },
        h('div', { class: 't' }, e.pinned != null && h('span', { class: 'tag pin' },
          h('span', { class: 'sr-only' }, 'Pinned by the host: plays '), 'Next'), title),
        h('div', { class: 'm' }, e.song.performer, ' · ', mine ? 'added by you' : `added by ${e.addedBy?.name ?? '?'}`,
          e.fallback ? ' · fallback' : '', e.song.duration ? ` · ${fmtTime(e.song.duration)}` : ''),
        this.isHost && this.orderButtons(e, index, last)),
      actions);
  }

  /** An own vote shows at once; the server's answer confirms it or takes it back. */
  async vote(e, value) {
    const old = this.myVotes.get(e.id) ?? 0;
    const o = { delta: (this.overlay.get(e.id)?.delta ?? 0) + value - old, until: Infinity };
    this.overlay.set(e.id, o);
    this.myVotes.set(e.id, value);
    this.renderQueue();
    try {
      const r = await api('PUT', `/rooms/${this.code}/queue/${e.id}/vote`, { auth: 'member', body: { value } });
      // Confirmed: the change message (revision r.revision) carries the real score.
      if (this.overlay.get(e.id) === o) {
        if (!r.changed || this.sync.state.revision >= r.revision) this.overlay.delete(e.id);
        else o.until = r.revision;
      }
    } catch (err) {
      if (this.overlay.get(e.id) === o) this.overlay.delete(e.id);
      this.myVotes.set(e.id, old);
      toast(err);
    }
    this.renderQueue();
  }

  /** Hosts' controls of the order: play next or unpin, and move up or down one place. */
  orderButtons(e, index, last) {
    const title = e.song.title;
    return h('div', { class: 'order-actions' },
      e.pinned == null
        ? h('button', { type: 'button', class: 'pin', 'aria-label': `Play ${title} next`, onclick: (ev) => this.pin(ev.currentTarget, e) }, 'Play next')
        : h('button', { type: 'button', class: 'unpin', 'aria-label': `Unpin ${title}`, onclick: (ev) => this.unpin(ev.currentTarget, e) }, 'Unpin'),
      index > 0 && h('button', { type: 'button', class: 'move-up', 'aria-label': `Move ${title} up`, onclick: (ev) => this.pin(ev.currentTarget, e, index - 1) }, '↑'),
      !last && h('button', { type: 'button', class: 'move-down', 'aria-label': `Move ${title} down`, onclick: (ev) => this.pin(ev.currentTarget, e, index + 1) }, '↓'));
  }

  /** Sets every waiting entry's pinned from ids (pin order), as a "pins" message does. */
  setPins(ids) {
    const at = new Map(ids.map((id, i) => [id, i]));
    for (const [id, e] of this.sync.state.entries) e.pinned = at.get(id) ?? null;
    this.renderQueue();
  }

  /**
   * A pin shows at once: the new pinned list worked out as the server does
   * (docs/protocol.md); the "pins" message confirms it, a refusal puts the
   * old one back. position: index in up next; undefined: play next.
   */
  async pin(button, e, position) {
    const shown = this.sortedEntries();
    const old = shown.filter((x) => x.pinned != null).map((x) => x.id);
    const others = shown.map((x) => x.id).filter((id) => id !== e.id);
    const pinnedOthers = old.filter((id) => id !== e.id).length;
    const at = Math.min(position ?? pinnedOthers, others.length);
    this.setPins([...others.slice(0, at), e.id, ...others.slice(at, Math.max(pinnedOthers, at))]);
    await this.sendPins(button, old, () => api('PUT', `/rooms/${this.code}/queue/${e.id}/pin`,
      { auth: 'member', body: position === undefined ? {} : { position } }));
  }

  async unpin(button, e) {
    const old = this.sortedEntries().filter((x) => x.pinned != null).map((x) => x.id);
    this.setPins(old.filter((id) => id !== e.id));
    await this.sendPins(button, old, () => api('DELETE', `/rooms/${this.code}/queue/${e.id}/pin`, { auth: 'member' }));
  }

  async sendPins(button, old, request) {
    await act(button, async () => {
      try {
        const r = await request();
        // Nothing changed on the server, so no message will correct a guess that differed.
        if (!r.changed) this.setPins(r.pinned);
      } catch (err) {
        this.setPins(old.filter((id) => this.sync.state.entries.has(id)));
        throw err;
      }
    });
  }

  async remove(button, e) {
    await act(button, () => api('DELETE', `/rooms/${this.code}/queue/${e.id}`, { auth: 'member' }));
  }

  // ---------------------------------------------------------------- search and add

  // One search (GET /search): catalog songs and YouTube videos, each marked
  // with where it comes from; the server says when YouTube was left out.
  async search(q) {
    const results = this.els.results;
    q = q.trim();
    if (!q) { results.replaceChildren(); return; }
    const found = await searchSongs(q);
    results.replaceChildren(...found.results.map((r) => h('li', {},
      h('div', {}, h('strong', {}, r.title), h('span', { class: 'muted small' }, ` · ${r.sourceLabel} · ${r.performer}`)),
      h('button', { type: 'button', 'aria-label': `Add ${r.title}`, onclick: (ev) => this.add(ev.currentTarget, r.ref, r.title) }, 'Add'))));
    if (!results.children.length) results.append(h('li', { class: 'muted' }, 'No songs found.'));
    if (found.note) results.append(h('li', { class: 'muted small', role: 'status' }, found.note));
  }

  async add(button, body, label) {
    // A gesture is the moment a browser lets a page ask; "You're up" uses the answer later.
    if (window.Notification?.permission === 'default') Promise.resolve(Notification.requestPermission()).catch(() => {});
    await act(button, async () => {
      const r = await api('POST', `/rooms/${this.code}/queue`, { auth: 'member', body });
      if (r.result === 'voted') {
        this.myVotes.set(r.entry.id, 1);
        toast(`“${label}” was already waiting: that counts as your upvote.`);
      } else if (r.result === 'unchanged') {
        toast(`“${label}” is already waiting.`);
      }
      button.textContent = 'Added';
    });
  }

  // ---------------------------------------------------------------- a hidden queue

  /** This screen's token where the room hides its queue from all but members; else none (none in URLs). */
  hiddenToken() { return this.room.settings?.hideQueue ? (session.accessToken || session.guestToken || null) : null; }

  /** The live stream, with ?token= where the queue is hidden (EventSource sends no headers). */
  openStream(url, o) {
    const token = this.hiddenToken();
    let opened = false;
    return browserEventSource(token ? `${url}?token=${encodeURIComponent(token)}` : url, {
      ...o,
      onOpen: () => { opened = true; o.onOpen(); },
      // Refused before it opened: the room may have begun hiding its queue (which drops every
      // listener before its settings message arrives): learn the settings before the next try.
      onClose: () => { if (!opened && !this.room.settings?.hideQueue) this.reloadRoom(); o.onClose(); },
    });
  }

  /** The queue snapshot, with the token where the queue is hidden. */
  fetchQueue(url, init = {}) {
    const token = this.hiddenToken();
    return fetch(url, token ? { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } } : init);
  }

  // ---------------------------------------------------------------- my name

  /** A member renamed themself: their rows (and mine, and the host line) show it. */
  renamed(m) {
    for (const li of this.rows.values()) li.dataset.key = '';
    this.els.now.dataset.key = '';
    if (m.memberId === myId()) this.me.member.name = m.name;
    if (m.memberId === this.room.host.id) this.room.host.name = m.name;
    this.renderControls();
  }

  /** "You appear as NAME", and a form to change it (PATCH /rooms/{code}/me). */
  renderMyName() {
    const input = h('input', { id: 'rename-input', maxlength: '40', value: this.me.member.name, required: true, 'aria-label': 'Your name in this room' });
    const form = h('form', { id: 'rename-form', class: 'row', hidden: true, onsubmit: (ev) => {
      ev.preventDefault();
      act(form.querySelector('button[type=submit]'), async () => {
        const r = await api('PATCH', `/rooms/${this.code}/me`, { auth: 'member', body: { name: input.value } });
        this.me.member.name = r.name;
        toast(`You appear as ${r.name}.`);
        this.renderControls();
      });
    } }, input, h('button', { type: 'submit', class: 'primary' }, 'Save'));
    return h('div', { id: 'my-name-row' },
      h('p', { class: 'small' }, 'You appear as ', h('strong', { id: 'my-name' }, this.me.member.name), ' ',
        !this.me.member.banned && h('button', { type: 'button', id: 'rename', onclick: () => { form.hidden = !form.hidden; if (!form.hidden) input.focus(); } }, 'Rename')),
      form);
  }

  // ---------------------------------------------------------------- host controls

  renderControls() {
    const c = this.els.controls;
    const s = this.room.settings;
    this.renderLife();
    document.getElementById('room-meta').textContent =
      `Hosted by ${this.room.host.name} · ${this.me.member.role === 'member' ? `you are ${this.me.member.name}` : `you are ${this.me.member.role === 'host' ? 'the host' : 'a co-host'}`}`;
    document.getElementById('my-name-row')?.replaceWith(this.renderMyName());
    if (this.me.member.banned) {
      c.replaceChildren(h('div', { class: 'card' }, h('p', {}, 'The host has banned you from this room: you can watch, not add or vote.')));
      return;
    }
    if (!this.isHost) { c.replaceChildren(); return; }
    if (this.player === undefined && this.me.member.role === 'host') this.setPlayer(true);
    const field = (id, label, input) => h('div', {}, h('label', { for: id }, label), input);
    const num = (id, value, min) => h('input', { id, type: 'number', min, inputmode: 'numeric', value: value ?? '', placeholder: 'no limit' });
    const select = (id, value, options) => h('select', { id }, ...options.map(([v, l]) => h('option', { value: v, selected: v === value ? true : undefined }, l)));
    const form = h('form', { id: 'settings', onsubmit: (ev) => { ev.preventDefault(); this.saveSettings(form); } },
      field('s-name', 'Room name', h('input', { id: 's-name', value: this.room.name, maxlength: '80' })),
      field('s-voting', 'Voting', select('s-voting', s.votingMode, [['updown', 'Up and down'], ['up', 'Up only'], ['off', 'Off']])),
      field('s-tie', 'Equal scores', select('s-tie', s.tieRule, [['arrival', 'First added plays first'], ['fairness', 'Fairness: fewer songs played first']])),
      field('s-cap', 'Songs waiting per member', num('s-cap', s.memberCap, 1)),
      field('s-max', 'Maximum queue length', num('s-max', s.maxQueueLength, 1)),
      field('s-dur', 'Maximum song length (seconds)', num('s-dur', s.maxSongDuration, 1)),
      field('s-auto', 'Remove a song when its score falls to', num('s-auto', s.autoRemoveThreshold)),
      field('s-fallback', 'Fallback playlist', select('s-fallback', s.fallbackPlaylistId ?? '', [['', 'None'], ...(this.playlists || []).map((p) => [p.id, p.name])])),
      field('s-cooldown', 'Replay cooldown: a song that played cannot be added again for (minutes; 0: off)',
        h('input', { id: 's-cooldown', type: 'number', min: '0', max: '1440', inputmode: 'numeric', value: s.replayCooldownMinutes ?? 0 })),
      field('s-pin', s.hasPin ? 'PIN (set; type a new one to change it)' : 'PIN to join (4 to 8 digits; empty: anyone may join)',
        h('input', { id: 's-pin', inputmode: 'numeric', autocomplete: 'off', pattern: '[0-9]{4,8}', maxlength: '8', placeholder: s.hasPin ? '••••' : 'no PIN' })),
      s.hasPin && h('label', { class: 'row small', style: 'font-weight:400' },
        h('input', { type: 'checkbox', id: 's-pin-remove', style: 'width:auto;min-height:0' }), 'Remove the PIN'),
      h('label', { class: 'row small', style: 'font-weight:400' },
        h('input', { type: 'checkbox', id: 's-hide', style: 'width:auto;min-height:0', checked: s.hideQueue ? true : undefined }),
        'Hide the queue from all but members (needs a PIN)'),
      h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Save settings')));
    const members = h('ul', { class: 'plain', id: 'members' });
    c.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'host-h' }, h('h2', { id: 'host-h' }, 'Host controls'),
        h('details', {}, h('summary', {}, 'Room settings'), form),
        h('details', { ontoggle: (ev) => ev.target.open && this.loadMembers(members) }, h('summary', {}, 'People'), members)));
    if (isUser() && !this.playlists) {
      api('GET', '/playlists', { auth: 'user' }).then((d) => { this.playlists = d.playlists; this.renderControls(); }).catch(() => {});
    }
  }

  async saveSettings(form) {
    const s = this.room.settings;
    const val = (id) => form.querySelector(`#${id}`).value;
    const numOrNull = (id) => (val(id) === '' ? null : Number(val(id)));
    const want = {
      name: val('s-name'), votingMode: val('s-voting'), tieRule: val('s-tie'), memberCap: numOrNull('s-cap'),
      maxQueueLength: numOrNull('s-max'), maxSongDuration: numOrNull('s-dur'), autoRemoveThreshold: numOrNull('s-auto'),
      fallbackPlaylistId: val('s-fallback') || null,
    };
    const patch = {};
    want.replayCooldownMinutes = Number(val('s-cooldown') || 0);
    for (const [k, v] of Object.entries(want)) if ((k === 'name' ? this.room.name : s[k]) !== v) patch[k] = v;
    if (val('s-pin') !== '') patch.pin = val('s-pin').trim();
    else if (form.querySelector('#s-pin-remove')?.checked) patch.pin = null;
    if (form.querySelector('#s-hide').checked !== !!s.hideQueue) patch.hideQueue = form.querySelector('#s-hide').checked;
    if (!Object.keys(patch).length) { toast('Nothing changed.'); return; }
    await act(form.querySelector('button[type=submit]'), async () => {
      const r = await api('PATCH', `/rooms/${this.code}`, { auth: 'member', body: patch });
      Object.assign(this.room, { settings: r.settings, name: r.name });
      this.els.name.textContent = r.name;
      toast('Settings saved.');
    });
  }

  async loadMembers(list) {
    const { members } = await api('GET', `/rooms/${this.code}/members`);
    const isOwner = this.me.member.role === 'host';
    list.replaceChildren(...members.map((m) => h('li', {},
      h('span', {}, m.name, h('span', { class: 'muted small' }, ` · ${m.banned ? 'banned' : m.role}`)),
      m.role !== 'host' && m.id !== myId() && h('span', { class: 'row' },
        isOwner && !m.banned && h('button', { type: 'button', onclick: (ev) => act(ev.currentTarget, async () => {
          if (m.role === 'cohost') await api('DELETE', `/rooms/${this.code}/cohosts/${encodeURIComponent(m.id)}`, { auth: 'member' });
          else await api('POST', `/rooms/${this.code}/cohosts`, { auth: 'member', body: { memberId: m.id } });
          await this.loadMembers(list);
        }) }, m.role === 'cohost' ? 'Remove co-host' : 'Make co-host'),
        isOwner && !m.banned && h('button', { type: 'button', 'aria-label': `Make ${m.name} the host`, onclick: (ev) => act(ev.currentTarget, async () => {
          await api('POST', `/rooms/${this.code}/host`, { auth: 'member', body: { memberId: m.id } });
          await this.loadMe();
          await this.loadMembers(list);
        }) }, 'Make host'),
        h('button', { type: 'button', class: 'danger', onclick: (ev) => act(ev.currentTarget, async () => {
          if (m.banned) await api('DELETE', `/rooms/${this.code}/bans/${encodeURIComponent(m.id)}`, { auth: 'member' });
          else await api('POST', `/rooms/${this.code}/bans`, { auth: 'member', body: { memberId: m.id } });
          await this.loadMembers(list);
        }) }, m.banned ? 'Unban' : 'Ban')))));
  }
}
