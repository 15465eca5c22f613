// youtube_standin.mjs: a stand-in for the YouTube Data API v3 and Google's
// token endpoint (this machine has no internet), speaking their real shapes:
// pagination tokens, missing fields, live and non-embeddable videos, quota
// errors, slow and malformed answers, 401 for an expired OAuth token. The
// integration and browser tests point the workers at it.
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { service, DATA, ROOT } from './lib.mjs';

export const KEY = 'test-key-with space&amp';
export const CLIENT_ID = 'client-id', CLIENT_SECRET = 'client-secret-xyz', REFRESH_TOKEN = 'refresh-token-xyz';

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
export const randomVideoId = () => Array.from({ length: 11 }, () => ID_CHARS[Math.floor(Math.random() * 64)]).join('');

/** One videos.list item as YouTube writes it for part=snippet,contentDetails,status (a missing duration left out). */
function videoItem(id, v) {
  return {
    kind: 'youtube#video', etag: 'x', id,
    snippet: { title: v.title, channelTitle: v.channel, liveBroadcastContent: v.live ?? 'none',
      thumbnails: { default: { url: `https://i.ytimg.com/vi/${id}/default.jpg`, width: 120, height: 90 } } },
    contentDetails: v.duration ? { duration: v.duration, dimension: '2d', definition: 'hd' } : { dimension: '2d' },
    status: { uploadStatus: 'processed', privacyStatus: v.privacy ?? 'public', embeddable: v.embeddable ?? true },
  };
}

/** Google's token endpoint for a refresh_token grant: a new access token each time. */
function tokenEndpoint(yt, req, reply) {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== CLIENT_ID ||
        form.get('client_secret') !== CLIENT_SECRET || form.get('refresh_token') !== REFRESH_TOKEN) {
      return reply(400, { error: 'invalid_grant', error_description: 'Bad Request' });
    }
    yt.refreshes += 1;
    yt.issued += 1;
    yt.accessToken = `ya29.token-${yt.run}-${yt.issued}`;
    reply(200, { access_token: yt.accessToken, expires_in: 3599, scope: 'https://www.googleapis.com/auth/youtube.readonly', token_type: 'Bearer' });
  });
}

/** A failure the stand-in was told to give (failNext once, failMode until cleared); true when it answered. */
function failure(yt, res, reply) {
  if (yt.failNext) { yt.failNext = false; reply(500, { error: { message: 'backend error' } }); return true; }
  switch (yt.failMode) {
  case 'quota':
    reply(403, { error: { code: 403, message: 'The request cannot be completed because you have exceeded your quota.', errors: [{ domain: 'youtube.quota', reason: 'quotaExceeded' }] } });
    return true;
  case 'slow': setTimeout(() => reply(200, { items: [] }), 3000); return true;
  case 'malformed': res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"items": [{"id": '); return true;
  case '503': reply(503, { error: { code: 503, message: 'backend error' } }); return true;
  default: return false;
  }
}

/** Is the call's credential the key, or the one access token issued last? Answers 401/403 when not. */
function authorized(yt, req, url, reply) {
  const bearer = req.headers.authorization;
  if (bearer !== undefined) {
    if (url.searchParams.has('key') || bearer !== `Bearer ${yt.accessToken}`) {
      reply(401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
      return false;
    }
  } else if (url.searchParams.get('key') !== KEY) {
    reply(403, { error: { message: 'bad key' } });
    return false;
  }
  return true;
}

function answer(yt, req, res) {
  const url = new URL(req.url, 'http://x');
  yt.calls.push(url);
  const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  if (failure(yt, res, reply)) return;
  if (url.pathname === '/token') return tokenEndpoint(yt, req, reply);
  if (!authorized(yt, req, url, reply)) return;
  if (url.pathname === '/v3/search') {
    // search.list filters on the query; a video marked hidden is known only to videos.list.
    const q = url.searchParams.get('q').toLowerCase();
    const items = Object.entries(yt.videos)
      .filter(([, v]) => !v.hidden).filter(([, v]) => q.startsWith('everything') || v.title.toLowerCase().includes(q))
      .map(([id, v]) => ({ id: { kind: 'youtube#video', videoId: id }, snippet: { title: v.title, channelTitle: v.channel } }));
    return reply(200, { kind: 'youtube#searchListResponse', nextPageToken: 'CAoQAA', regionCode: 'NL', pageInfo: { totalResults: 1000000, resultsPerPage: 10 }, items });
  }
  if (url.pathname === '/v3/videos') {
    // Real shapes: an unknown (or someone else's private) id is simply not among the items.
    const items = url.searchParams.get('id').split(',').filter((id) => yt.videos[id]).map((id) => videoItem(id, yt.videos[id]));
    return reply(200, { kind: 'youtube#videoListResponse', pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items });
  }
  reply(404, {});
}

/**
 * Starts the stand-in on a loopback port. videos: id -> {title, channel,
 * duration (ISO 8601 or null), live?, embeddable?, privacy?, hidden?}, read
 * at each call (add to it freely). The object it resolves to holds the calls
 * it received (URLs), the failure switches and the OAuth state.
 */
export async function startYouTubeStandIn(videos) {
  const yt = {
    videos, calls: [], failNext: false, failMode: null,
    accessToken: null, refreshes: 0, issued: 0, // issued is never reset: each token differs from every earlier one
    run: Date.now().toString(36),
  };
  yt.server = http.createServer((req, res) => answer(yt, req, res));
  await new Promise((r) => yt.server.listen(0, '127.0.0.1', r));
  yt.baseUrl = `http://127.0.0.1:${yt.server.address().port}/v3`;
  yt.tokenUrl = yt.baseUrl.replace(/\/v3$/, '/token');
  yt.close = () => new Promise((r) => yt.server.close(r));
  return yt;
}

/**
 * Restarts the stack's workers with YouTube settings. A day of test runs
 * spends more than a real day's quota: the budget is huge unless env sets one.
 */
export function restartWorkersWithYouTube(env) {
  service('stop', 'workers');
  execFileSync(`${ROOT}/dev`, ['service', 'start', 'workers', '--data', DATA],
    { env: { ...process.env, YOUTUBE_DAILY_BUDGET: '1000000000', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}
