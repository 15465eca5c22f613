// room-history.js: the room's history panel: what played, newest first, with
// who added it; for a signed-in user "Save as playlist" (POST
// /rooms/{code}/history/playlist, all of it or the last N songs), then a link
// to the new playlist and its export by email. room.js refreshes it when a
// song ends (the `advance` message) and when it (re)loads the queue.
import { api, isUser, myId } from './api.js';
import { h, act, toast } from './ui.js';
import { exporter } from './pages.js';

export class HistoryPanel {
  constructor(room) {
    this.code = room.code;
    this.roomName = room.name;
    this.asked = 0; // the newest refresh: an older answer arriving late is dropped
    this.list = h('ul', { class: 'plain history', id: 'history', 'aria-label': 'Played, newest first' });
    this.empty = h('p', { class: 'muted', id: 'history-empty' }, 'Nothing has played yet.');
    this.saved = h('div', { id: 'history-saved', role: 'status' });
    this.element = h('section', { class: 'card area-history', 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'History'), this.empty, this.list,
      isUser() && this.saveForm(), this.saved);
  }

  async refresh() {
    const asked = ++this.asked;
    let entries;
    try {
      entries = (await api('GET', `/rooms/${this.code}/history`)).entries;
    } catch {
      return; // kept as it was; the next song's end tries again
    }
    if (asked !== this.asked) return;
    this.list.replaceChildren(...entries.map((e) => this.row(e)));
    this.empty.hidden = entries.length > 0;
  }

  row(e) {
    const by = e.fallback ? 'from the fallback playlist' : e.addedBy.id === myId() ? 'added by you' : `added by ${e.addedBy.name}`;
    return h('li', { 'data-id': String(e.id) },
      h('div', { class: 'song' },
        h('div', { class: 't' }, e.song.title),
        h('div', { class: 'm muted small' }, e.song.performer, ' · ', h('span', { class: 'adder' }, by),
          e.endReason === 'skipped' ? ' · skipped' : '')),
      h('time', { class: 'muted small', datetime: e.endedAt }, new Date(e.endedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
  }

  saveForm() {
    const name = h('input', { id: 'history-name', maxlength: '200', required: true, value: `${this.roomName} – ${new Date().toLocaleDateString()}` });
    const last = h('input', { id: 'history-last', type: 'number', min: '1', max: '1000', inputmode: 'numeric', placeholder: 'all' });
    const form = h('form', {
      id: 'history-save', onsubmit: (ev) => {
        ev.preventDefault();
        act(form.querySelector('button'), async () => {
          const body = { name: name.value.trim() };
          if (last.value !== '') body.last = Number(last.value);
          const r = await api('POST', `/rooms/${this.code}/history/playlist`, { auth: 'user', body });
          this.showSaved(r.playlistId, body.name, r.songs);
        });
      },
    }, h('label', { for: 'history-name' }, 'Playlist name'), name,
    h('label', { for: 'history-last' }, 'Only the last songs played (leave empty for all)'), last,
    h('p', {}, h('button', { type: 'submit', class: 'primary' }, 'Save as playlist')));
    return h('details', {}, h('summary', {}, 'Save as playlist'), form);
  }

  showSaved(playlistId, name, songs) {
    toast(`Saved ${songs} song${songs === 1 ? '' : 's'} as “${name}”.`);
    this.saved.replaceChildren(
      h('p', {}, `Saved as “${name}” (${songs} song${songs === 1 ? '' : 's'}). `,
        h('a', { href: `#/playlists/${playlistId}`, id: 'history-playlist' }, 'Open the playlist')),
      exporter(playlistId));
  }
}
