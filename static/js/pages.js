// pages.js: everything around a room: the start page, sign-in and
// registration, songs, albums (with covers), playlists (songs, collaborators,
// activity, export by email).
import { api, session, isUser, login as signIn, guestToken, myId, searchSongs } from './api.js';
import { h, toast, act, fmtTime } from './ui.js';
import { playNow, addToQueue } from './my-queue.js';

const field = (id, label, attrs = {}) => [h('label', { for: id }, label), h('input', { id, name: id, ...attrs })];
const value = (form, id) => form.querySelector(`#${id}`).value.trim();

/**
 * "Play now" and "Add to queue" for a signed-in user (a song, or every song of
 * an album or playlist); what names it for a screen reader ("Yellow", "album Blue").
 */
function queueButtons(songIds, what, { play = 'Play now', add = 'Add to queue' } = {}) {
  if (!isUser()) return null;
  const added = (button) => {
    button.textContent = 'Added';
    setTimeout(() => { button.textContent = add; }, 2000);
  };
  return h('span', { class: 'row queue-buttons' },
    h('button', { type: 'button', 'aria-label': `Play ${what} now`, onclick: (ev) => act(ev.currentTarget, () => playNow(songIds())) }, play),
    h('button', { type: 'button', 'aria-label': `Add ${what} to my queue`, onclick: (ev) => {
      const button = ev.currentTarget;
      act(button, async () => { await addToQueue(songIds()); added(button); });
    } }, add));
}

function needUser(main, what) {
  if (isUser()) return false;
  main.append(h('div', { class: 'card' }, h('h1', {}, what),
    h('p', {}, 'This needs an account. ', h('a', { href: '#/login' }, 'Sign in'), ' or ', h('a', { href: '#/register' }, 'register'), '.')));
  return true;
}

// ---------------------------------------------------------------- start

export function home(main) {
  const create = h('form', {
    class: 'card', id: 'create-room', onsubmit: (ev) => {
      ev.preventDefault();
      act(create.querySelector('button'), async () => {
        if (!isUser()) await guestToken(value(create, 'host-name') || undefined);
        const { room } = await api('POST', '/rooms', { auth: 'member', body: { name: value(create, 'room-name') || 'Party' } });
        location.hash = `#/r/${room.code}`;
      });
    },
  }, h('h2', {}, 'Start a room'),
  ...field('room-name', 'Room name', { placeholder: 'Friday party', maxlength: '80', required: true }),
  !isUser() && field('host-name', 'Your name', { value: session.guestName || '', maxlength: '40', autocomplete: 'nickname' }),
  h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Create room')));
  const join = h('form', {
    class: 'card', id: 'join-room', onsubmit: (ev) => {
      ev.preventDefault();
      const code = value(join, 'join-code').toUpperCase().replace(/[^A-Z0-9]/g, '');
      if (code.length !== 6) { toast('A room code has 6 letters and digits.'); return; }
      location.hash = `#/r/${code}`;
    },
  }, h('h2', {}, 'Join a room'),
  ...field('join-code', 'Room code', { placeholder: 'ABC234', maxlength: '6', autocapitalize: 'characters', autocomplete: 'off', required: true }),
  h('p', {}, h('button', { type: 'submit' }, 'Join')));
  main.append(h('h1', {}, 'One queue for the whole room'),
    h('p', { class: 'muted' }, 'Everyone adds songs and votes from their phone; the order changes on every screen at once.'),
    h('div', { class: 'grid2' }, create, join));
  if (session.accessToken || session.guestToken) main.append(myRooms());
}

/** "Your rooms": the open rooms I host or co-host (GET /me/rooms), filled in when they arrive. */
function myRooms() {
  const list = h('ul', { class: 'plain', id: 'my-rooms-list' });
  const card = h('section', { class: 'card', id: 'my-rooms', 'aria-labelledby': 'my-rooms-h', hidden: true },
    h('h2', { id: 'my-rooms-h' }, 'Your rooms'), list);
  api('GET', '/me/rooms', { auth: 'member' }).then(({ rooms }) => {
    list.replaceChildren(...rooms.map((r) => h('li', {},
      h('a', { href: `#/r/${r.code}` }, r.name),
      h('span', { class: 'muted small' }, ` · ${r.code} · ${r.role === 'host' ? 'host' : 'co-host'}`))));
    card.hidden = rooms.length === 0;
  }).catch(() => {});
  return card;
}

// ---------------------------------------------------------------- accounts

export function login(main) {
  const form = h('form', {
    class: 'card', id: 'login', onsubmit: (ev) => {
      ev.preventDefault();
      act(form.querySelector('button'), async () => {
        await loginAs(value(form, 'username'), form.querySelector('#password').value);
        location.hash = sessionStorage.getItem('queued.return') || '#/';
      });
    },
  }, h('h1', {}, 'Sign in'),
  ...field('username', 'Username', { autocomplete: 'username', required: true }),
  ...field('password', 'Password', { type: 'password', autocomplete: 'current-password', required: true }),
  h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
  h('p', { class: 'muted' }, 'No account? ', h('a', { href: '#/register' }, 'Register')));
  main.append(form);
}

async function loginAs(username, password) {
  await signIn(username, password);
  toast(`Signed in as ${session.fullname}`);
}

export function register(main) {
  const form = h('form', {
    class: 'card', id: 'register', onsubmit: (ev) => {
      ev.preventDefault();
      act(form.querySelector('button'), async () => {
        const username = value(form, 'r-username');
        const password = form.querySelector('#r-password').value;
        await api('POST', '/users', { body: { username, password, fullname: value(form, 'r-fullname') } });
        await loginAs(username, password);
        location.hash = sessionStorage.getItem('queued.return') || '#/';
      });
    },
  }, h('h1', {}, 'Register'),
  ...field('r-fullname', 'Your name (shown in rooms)', { autocomplete: 'name', required: true, maxlength: '100' }),
  ...field('r-username', 'Username', { autocomplete: 'username', required: true, maxlength: '50' }),
  ...field('r-password', 'Password', { type: 'password', autocomplete: 'new-password', required: true }),
  h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Register')));
  main.append(form);
}

// ---------------------------------------------------------------- songs and albums

// Without a query the catalog's songs (GET /songs); with one, the search every
// view shares (GET /search), YouTube videos included, each marked with its source.
export async function songs(main) {
  const list = h('ul', { class: 'plain', id: 'songs' });
  const search = h('input', { id: 'song-q', type: 'search', placeholder: 'Song or artist' });
  const row = (title, sub, ...buttons) => h('li', {}, h('span', {}, h('strong', {}, title), sub),
    h('span', { class: 'row' }, ...buttons));
  const show = async () => {
    const q = search.value.trim();
    if (!q) {
      const { songs: found } = await api('GET', '/songs');
      list.replaceChildren(...found.map((s) => row(s.title, ` · ${s.performer}`,
        h('button', { type: 'button', onclick: (ev) => showSong(ev.currentTarget, s.id) }, 'Details'),
        queueButtons(() => [s.id], s.title))));
      return;
    }
    const found = await searchSongs(q, 25);
    list.replaceChildren(...found.results.map((r) => row(r.title, h('span', { class: 'muted small' }, ` · ${r.sourceLabel} · ${r.performer}`),
      r.ref.songId && h('button', { type: 'button', onclick: (ev) => showSong(ev.currentTarget, r.ref.songId) }, 'Details'),
      queueButtons(() => [r.ref.songId ?? r.ref], r.title))));
    if (!list.children.length) list.append(h('li', { class: 'muted' }, 'No songs found.'));
    if (found.note) list.append(h('li', { class: 'muted small', role: 'status' }, found.note));
  };
  let t;
  search.addEventListener('input', () => { clearTimeout(t); t = setTimeout(show, 250); });
  main.append(h('h1', {}, 'Songs'), h('div', { class: 'card' }, h('label', { for: 'song-q' }, 'Search songs and YouTube'), search), list);
  await show();
}

async function showSong(button, id) {
  await act(button, async () => {
    const { song } = await api('GET', `/songs/${id}`);
    const li = button.closest('li');
    li.querySelector('.details')?.remove();
    li.append(h('div', { class: 'details small muted', style: 'width:100%' },
      `${song.genre}, ${song.year}, ${fmtTime(song.duration)}`,
      song.albumId ? [' · ', h('a', { href: `#/albums/${song.albumId}` }, 'album')] : ''));
  });
}

export async function albums(main) {
  const { albums: list } = await api('GET', '/albums');
  main.append(h('h1', {}, 'Albums'),
    list.length ? h('div', { class: 'albums' }, ...list.map((a) => h('a', { href: `#/albums/${a.id}` },
      a.coverUrl ? h('img', { class: 'cover', src: a.coverUrl, alt: '' }) : h('div', { class: 'cover', 'aria-hidden': 'true' }, '♪'),
      h('strong', {}, a.name), h('div', { class: 'muted small' }, String(a.year)))))
      : h('p', { class: 'muted' }, 'No albums yet.'));
}

export async function album(main, id) {
  const { album: a } = await api('GET', `/albums/${id}`);
  let likes = '';
  try { likes = (await api('GET', `/albums/${id}/likes`)).likes; } catch { /* not essential */ }
  const file = h('input', { id: 'cover-file', type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif' });
  const upload = h('form', {
    id: 'cover-form', onsubmit: (ev) => {
      ev.preventDefault();
      if (!file.files[0]) { toast('Choose an image first.'); return; }
      act(upload.querySelector('button'), async () => {
        const form = new FormData();
        form.append('cover', file.files[0]);
        await api('POST', `/albums/${id}/covers`, { form, auth: 'user' });
        toast('Cover uploaded.');
        main.replaceChildren();
        await album(main, id);
      });
    },
  }, h('label', { for: 'cover-file' }, 'New cover (JPEG, PNG, WebP or GIF, at most 500 KB)'), file,
  h('p', {}, h('button', { type: 'submit' }, 'Upload cover')));
  main.append(h('div', { class: 'grid2' },
    h('div', { class: 'card' },
      h('h1', { id: 'album-name' }, a.name), h('p', { class: 'muted' }, String(a.year), likes !== '' ? ` · ${likes} like${likes === 1 ? '' : 's'}` : ''),
      h('ol', {}, ...a.songs.map((s) => h('li', {}, `${s.title} · ${s.performer}`))),
      a.songs.length > 0 && queueButtons(() => a.songs.map((s) => s.id), `album ${a.name}`, { play: 'Play album', add: 'Add album to queue' }),
      isUser() && h('p', {}, h('button', { type: 'button', onclick: (ev) => act(ev.currentTarget, async () => {
        try { await api('POST', `/albums/${id}/likes`, { auth: 'user' }); toast('Liked.'); } catch (e) {
          if (e.status !== 400) throw e;
          await api('DELETE', `/albums/${id}/likes`, { auth: 'user' }); toast('Like removed.');
        }
      }) }, 'Like / unlike'))),
    h('div', { class: 'card' },
      a.coverUrl ? h('img', { class: 'cover cover-lg', id: 'album-cover', src: a.coverUrl, alt: `Cover of ${a.name}` })
        : h('div', { class: 'cover cover-lg', id: 'album-cover' }, 'No cover yet'),
      upload)));
}

// ---------------------------------------------------------------- playlists

export async function playlists(main) {
  if (needUser(main, 'Playlists')) return;
  const { playlists: list } = await api('GET', '/playlists', { auth: 'user' });
  const form = h('form', {
    class: 'inline', id: 'new-playlist', onsubmit: (ev) => {
      ev.preventDefault();
      act(form.querySelector('button'), async () => {
        const { playlistId } = await api('POST', '/playlists', { auth: 'user', body: { name: value(form, 'pl-name') } });
        location.hash = `#/playlists/${playlistId}`;
      });
    },
  }, h('label', { for: 'pl-name', class: 'sr-only' }, 'New playlist name'),
  h('input', { id: 'pl-name', placeholder: 'New playlist name', required: true, maxlength: '100' }),
  h('button', { class: 'primary', type: 'submit' }, 'Create'));
  main.append(h('h1', {}, 'Playlists'), h('div', { class: 'card' }, form),
    h('ul', { class: 'plain', id: 'playlists' }, ...list.map((p) => h('li', {},
      h('a', { href: `#/playlists/${p.id}` }, p.name), h('span', { class: 'muted small' }, p.username === session.username ? 'yours' : `by ${p.username}`)))));
}

export async function playlist(main, id) {
  if (needUser(main, 'Playlist')) return;
  const { playlist: p } = await api('GET', `/playlists/${id}/songs`, { auth: 'user' });
  const mine = p.username === session.username;
  const reload = async () => { main.replaceChildren(); await playlist(main, id); };
  const songList = h('ul', { class: 'plain', id: 'playlist-songs' }, ...p.songs.map((s) => h('li', {},
    h('span', {}, h('strong', {}, s.title), ` · ${s.performer}`),
    h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${s.title}`, onclick: (ev) => act(ev.currentTarget, async () => {
      await api('DELETE', `/playlists/${id}/songs`, { auth: 'user', body: { songId: s.id } });
      await reload();
    }) }, 'Remove'))));
  const results = h('ul', { class: 'results' });
  const q = h('input', { id: 'pl-search', type: 'search', placeholder: 'Find a song to add' });
  let t;
  q.addEventListener('input', () => {
    clearTimeout(t);
    t = setTimeout(async () => {
      if (!q.value.trim()) { results.replaceChildren(); return; }
      const found = await searchSongs(q.value.trim(), 10);
      results.replaceChildren(...found.results.map((r) => h('li', {},
        h('div', {}, `${r.title} · `, h('span', { class: 'muted small' }, `${r.sourceLabel} · ${r.performer}`)),
        h('button', { type: 'button', 'aria-label': `Add ${r.title}`, onclick: (ev) => act(ev.currentTarget, async () => {
          await api('POST', `/playlists/${id}/songs`, { auth: 'user', body: r.ref });
          await reload();
        }) }, 'Add'))));
      if (found.note) results.append(h('li', { class: 'muted small', role: 'status' }, found.note));
    }, 250);
  });
  const sections = [
    h('div', { class: 'card' }, h('h1', { id: 'playlist-name' }, p.name), h('p', { class: 'muted' }, `by ${p.username}`),
      p.songs.length > 0 && queueButtons(() => p.songs.map((s) => s.id), `playlist ${p.name}`, { play: 'Play playlist', add: 'Add playlist to queue' }),
      songList.children.length ? songList : h('p', { class: 'muted' }, 'No songs yet.'),
      h('label', { for: 'pl-search' }, 'Add a song'), q, results),
  ];
  const side = h('div', {});
  if (mine) side.append(collaborators(id), exporter(id));
  side.append(await activity(id));
  main.append(h('div', { class: 'grid2' }, h('div', {}, ...sections), side));
}

function collaborators(id) {
  const form = h('form', {
    class: 'inline', onsubmit: (ev) => {
      ev.preventDefault();
      const userId = value(form, 'collab-id');
      act(form.querySelector('button'), async () => {
        await api('POST', '/collaborations', { auth: 'user', body: { playlistId: id, userId } });
        toast('Collaborator added.');
      });
    },
  }, h('label', { for: 'collab-id', class: 'sr-only' }, 'User id'), h('input', { id: 'collab-id', placeholder: 'user-…', required: true }),
  h('button', { type: 'submit' }, 'Add'));
  const remove = h('button', { type: 'button', class: 'danger', onclick: (ev) => act(ev.currentTarget, async () => {
    await api('DELETE', '/collaborations', { auth: 'user', body: { playlistId: id, userId: value(form, 'collab-id') } });
    toast('Collaborator removed.');
  }) }, 'Remove');
  return h('section', { class: 'card' }, h('h2', {}, 'Collaborators'),
    h('p', { class: 'muted small' }, `They add and remove songs. Ask them for their user id (yours: ${myId()}).`), form, h('p', {}, remove));
}

// Also offered in a room, for the playlist its history was saved as (room-history.js).
export function exporter(id) {
  const state = h('p', { id: 'export-state', role: 'status' });
  let timer;
  const poll = async (jobId) => {
    const { job } = await api('GET', `/export/jobs/${jobId}`, { auth: 'user' });
    state.textContent = `Export: ${job.state}${job.attempts ? ` after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'}` : ''}${job.lastError ? ` (${job.lastError})` : ''}`;
    state.dataset.state = job.state;
    if (job.state === 'queued' || job.state === 'sending') timer = setTimeout(() => poll(jobId).catch(() => {}), 1000);
  };
  const form = h('form', {
    id: 'export', onsubmit: (ev) => {
      ev.preventDefault();
      clearTimeout(timer);
      act(form.querySelector('button'), async () => {
        const { jobId } = await api('POST', `/export/playlists/${id}`, { auth: 'user', body: { targetEmail: value(form, 'export-email') } });
        await poll(jobId);
      });
    },
  }, ...field('export-email', 'Email address', { type: 'email', autocomplete: 'email', required: true }),
  h('p', {}, h('button', { type: 'submit' }, 'Export by email')));
  return h('section', { class: 'card' }, h('h2', {}, 'Export'), h('p', { class: 'muted small' }, 'The playlist arrives as a JSON attachment.'), form, state);
}

async function activity(id) {
  let list = [];
  try { list = (await api('GET', `/playlists/${id}/activities`, { auth: 'user' })).activities; } catch { /* shown empty */ }
  return h('section', { class: 'card' }, h('h2', {}, 'Activity'),
    list.length ? h('ul', { class: 'plain small', id: 'activity' }, ...list.slice(-20).reverse().map((a) =>
      h('li', {}, `${a.username} ${a.action === 'add' ? 'added' : 'removed'} ${a.title}`, h('span', { class: 'muted' }, new Date(a.time).toLocaleString()))))
      : h('p', { class: 'muted' }, 'Nothing yet.'));
}
