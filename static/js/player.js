// player.js: the music on the host's screen. YouTube songs play in the YouTube
// IFrame player; a song without a video (or a screen that cannot reach
// YouTube) runs on a clock for its duration. Either way, when the song ends the
// screen asks to advance with the id of what was playing, so two host screens
// advance once (the other gets 409). It follows the room's playback state:
// paused, resumed and sought by any host screen (docs/protocol.md).

const YT_API = 'https://www.youtube.com/iframe_api';
// YT.PlayerState's values (the IFrame API's documented numbers).
const YT_STATE = { ENDED: 0, PLAYING: 1, PAUSED: 2, BUFFERING: 3, CUED: 5 };
// How far the video may be from the room's position before it is sought.
const SEEK_TOLERANCE_S = 3;
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
    this.paused = undefined;
    this.box.hidden = true;
    this.box.replaceChildren();
  }

  /** Called four times a second with what plays and how far in (server clock; frozen while np.paused). */
  tick(np, elapsed) {
    if (!this.active || !np) return;
    if (np.id !== this.entryId) this.load(np, elapsed);
    this.follow(np, elapsed);
    if (!this.yt && !np.paused && np.song.duration != null && elapsed >= np.song.duration) this.end(np.id);
  }

  /**
   * The video does what the room says: paused or playing, and within a few
   * seconds of the room's position (a seek, or a pause that froze it elsewhere).
   * The tolerance keeps buffering and the API's coarse clock from causing seeks.
   */
  follow(np, elapsed) {
    const was = this.paused;
    this.paused = !!np.paused;
    // A change, or a song that loads paused; a song that loads playing keeps load()'s words.
    if (was !== this.paused && (was !== undefined || this.paused)) {
      this.status.textContent = this.paused ? 'Paused by the host.' : 'Playing on this screen.';
    }
    const yt = this.yt;
    if (!yt?.getPlayerState) return; // not ready yet: it starts at the room's position
    const state = yt.getPlayerState();
    if (state === YT_STATE.ENDED || state === YT_STATE.BUFFERING) return;
    if (np.paused && state === YT_STATE.PLAYING) yt.pauseVideo();
    else if (!np.paused && (state === YT_STATE.PAUSED || state === YT_STATE.CUED)) yt.playVideo();
    const at = yt.getCurrentTime?.();
    if (typeof at === 'number' && Math.abs(at - elapsed) > SEEK_TOLERANCE_S) yt.seekTo(elapsed, true);
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
