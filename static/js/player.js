// player.js: the music on the host's screen. YouTube songs play in the YouTube
// IFrame player; a song without a video (or a screen that cannot reach
// YouTube) runs on a clock for its duration. Either way, when the song ends the
// screen asks to advance with the id of what was playing, so two host screens
// advance once (the other gets 409).

const YT_API = 'https://www.youtube.com/iframe_api';
let ytReady = null;

/** Resolves to window.YT, or null when the API cannot be loaded (offline, blocked). */
function loadYouTube() {
  if (ytReady) return ytReady;
  ytReady = new Promise((resolve) => {
    if (window.YT?.Player) { resolve(window.YT); return; }
    const timer = setTimeout(() => resolve(null), 4000);
    window.onYouTubeIframeAPIReady = () => { clearTimeout(timer); resolve(window.YT); };
    const s = document.createElement('script');
    s.src = YT_API;
    s.onerror = () => { clearTimeout(timer); resolve(null); };
    document.head.append(s);
  });
  return ytReady;
}

export class Player {
  constructor({ onEnded }) {
    this.onEnded = onEnded;
    this.active = false;
    this.entryId = null;
    this.ended = null;
    this.element = document.createElement('div');
    this.element.className = 'player';
    this.status = document.createElement('p');
    this.status.className = 'muted small';
    this.status.id = 'player-status';
    this.box = document.createElement('div');
    this.box.className = 'player-box';
    this.box.hidden = true;
    this.element.append(this.box, this.status);
  }

  stop() {
    this.yt?.destroy?.();
    this.yt = null;
    this.entryId = null;
    this.box.hidden = true;
    this.box.replaceChildren();
  }

  /** Called four times a second with what plays and how far in (server clock). */
  tick(np, elapsed) {
    if (!this.active || !np) return;
    if (np.id !== this.entryId) this.load(np, elapsed);
    if (!this.yt && np.song.duration != null && elapsed >= np.song.duration) this.end(np.id);
  }

  async load(np, elapsed) {
    this.stop();
    this.entryId = np.id;
    if (!np.song.youtubeId) {
      this.status.textContent = `Playing on this screen (no video: the song ends after ${np.song.duration ?? '?'} s).`;
      return;
    }
    this.status.textContent = 'Loading the YouTube player…';
    const YT = await loadYouTube();
    if (this.entryId !== np.id) return;
    if (!YT) {
      this.status.textContent = 'YouTube cannot be reached from this screen: keeping time by the song’s length.';
      return;
    }
    const holder = document.createElement('div');
    this.box.replaceChildren(holder);
    this.box.hidden = false;
    this.status.textContent = 'Playing on this screen.';
    this.yt = new YT.Player(holder, {
      videoId: np.song.youtubeId,
      playerVars: { autoplay: 1, start: Math.floor(elapsed), playsinline: 1 },
      events: {
        onStateChange: (ev) => { if (ev.data === YT.PlayerState.ENDED) this.end(np.id); },
        onError: () => { this.status.textContent = 'This video cannot play here: skipping it.'; this.end(np.id); },
      },
    });
  }

  end(entryId) {
    if (this.ended === entryId) return;
    this.ended = entryId;
    this.onEnded(entryId);
  }
}
