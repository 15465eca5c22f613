-- 009_user_queue.sql: a registered user's own playback queue, shared by all
-- their devices (docs/personal-queue.md), and their player preferences.
--
-- The state is one JSON document per user, validated by the workers
-- (fcgi-app/user_queue.c) before it gets here; the database moves the
-- revision and refuses a write made against an older one, so two devices
-- that write at once cannot both win.

CREATE TABLE user_queues (
  user_id    text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  state      jsonb NOT NULL,
  revision   bigint NOT NULL CHECK (revision > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- A 1,000-entry state is ~25 KB and is rewritten by every change: lz4 takes
-- a third of a millisecond off each write that pglz spends compressing it.
ALTER TABLE user_queues ALTER COLUMN state SET COMPRESSION lz4;
-- Which queues hold a song, for catalog edits and deletions: one entry per
-- distinct id (jsonb_path_ops is the smaller, cheaper GIN for @>).
CREATE FUNCTION user_queue_songs(p_state jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(p_state -> 'trackIds', '[]') || coalesce(p_state -> 'originalOrderIds', '[]')
$$;
CREATE INDEX user_queues_songs ON user_queues USING gin (user_queue_songs(state) jsonb_path_ops);

CREATE TABLE user_preferences (
  user_id     text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferences jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Store p_state for p_user if the stored revision is still p_expected (0: no
-- queue yet). Answers ok with the new revision; conflict with the current
-- one; no_song with the first id that is not in the catalog. p_check lists
-- the ids to look up (an action names what it brings in; NULL: every id of
-- the state, as for a PUT): ids already stored are known, since a deleted
-- song leaves every queue.
CREATE FUNCTION user_queue_put(p_user text, p_expected bigint, p_state jsonb, p_check jsonb)
RETURNS TABLE (status text, revision bigint, bad_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_bad text;
BEGIN
  SELECT t.id INTO v_bad
    FROM (SELECT DISTINCT e.id FROM jsonb_array_elements_text(coalesce(p_check, user_queue_songs(p_state))) e(id)) t
   WHERE NOT EXISTS (SELECT 1 FROM songs s WHERE s.id = t.id)
   LIMIT 1;
  IF v_bad IS NOT NULL THEN
    RETURN QUERY SELECT 'no_song'::text, p_expected, v_bad;
    RETURN;
  END IF;
  IF p_expected = 0 THEN
    INSERT INTO user_queues AS q (user_id, state, revision) VALUES (p_user, p_state, 1)
    ON CONFLICT (user_id) DO NOTHING
    RETURNING 'ok'::text, q.revision, NULL::text INTO status, revision, bad_id;
  ELSE
    UPDATE user_queues q SET state = p_state, revision = q.revision + 1, updated_at = now()
     WHERE q.user_id = p_user AND q.revision = p_expected
    RETURNING 'ok'::text, q.revision, NULL::text INTO status, revision, bad_id;
  END IF;
  IF status IS NULL THEN
    -- Someone else wrote first: the caller needs the revision that won.
    SELECT 'conflict'::text, coalesce((SELECT q.revision FROM user_queues q WHERE q.user_id = p_user), 0), NULL::text
      INTO status, revision, bad_id;
  END IF;
  RETURN NEXT;
END
$$;

-- p_state without any entry of p_song: the current entry keeps its place
-- among the entries that remain (if it was the song, the next one is
-- current; past the end, nothing is).
CREATE FUNCTION user_queue_strip(p_state jsonb, p_song text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  WITH t AS (
    SELECT e.id, e.ord - 1 AS pos
      FROM jsonb_array_elements_text(p_state -> 'trackIds') WITH ORDINALITY e(id, ord)
  ), k AS (
    SELECT coalesce(jsonb_agg(to_jsonb(t.id) ORDER BY t.pos) FILTER (WHERE t.id <> p_song), '[]') AS ids,
           count(*) FILTER (WHERE t.id <> p_song AND t.pos < (p_state ->> 'currentIndex')::int) AS before
      FROM t
  ), o AS (
    SELECT coalesce(jsonb_agg(to_jsonb(e.id) ORDER BY e.ord) FILTER (WHERE e.id <> p_song), '[]') AS ids
      FROM jsonb_array_elements_text(p_state -> 'originalOrderIds') WITH ORDINALITY e(id, ord)
  ), c AS (
    SELECT k.ids, CASE WHEN (p_state ->> 'currentIndex')::int < 0 OR k.before >= jsonb_array_length(k.ids)
                       THEN -1 ELSE k.before END AS idx
      FROM k
  )
  SELECT p_state || jsonb_build_object(
           'trackIds', c.ids,
           'currentIndex', c.idx,
           'currentTrackId', CASE WHEN c.idx < 0 THEN 'null'::jsonb ELSE c.ids -> c.idx::int END,
           'originalOrderIds', o.ids)
    FROM c, o
$$;

-- A song changed or is about to go: every cached snapshot that shows it moves
-- to a new version (playlists, room queues and now personal queues, whose
-- answers carry the song's title). Returns the cache keys to invalidate.
CREATE OR REPLACE FUNCTION song_touch(p_song text) RETURNS TABLE (key text, version bigint)
LANGUAGE sql AS $$
  WITH p AS (
    UPDATE playlists p SET version = p.version + 1
     WHERE p.id IN (SELECT ps.playlist_id FROM playlist_songs ps WHERE ps.song_id = p_song)
    RETURNING 'playlist:' || p.id AS key, p.version
  ), r AS (
    UPDATE rooms r SET revision = r.revision + 1
     WHERE r.id IN (SELECT e.room_id FROM queue_entries e
                    WHERE e.song_id = p_song AND e.state IN ('waiting', 'playing'))
    RETURNING 'queue:' || r.code AS key, r.revision AS version
  ), u AS (
    UPDATE user_queues q SET revision = q.revision + 1, updated_at = now()
     WHERE user_queue_songs(q.state) @> jsonb_build_array(p_song)
    RETURNING 'me_queue:' || q.user_id AS key, q.revision AS version
  )
  SELECT key, version FROM p UNION ALL SELECT key, version FROM r UNION ALL SELECT key, version FROM u
$$;

-- A deleted song leaves every personal queue. The revision already moved in
-- song_touch(), which DELETE /songs runs in the same statement, so the
-- revision the handler invalidates is the one that shows the song gone.
CREATE FUNCTION user_queue_song_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE user_queues q SET state = user_queue_strip(q.state, OLD.id)
   WHERE user_queue_songs(q.state) @> jsonb_build_array(OLD.id);
  RETURN OLD;
END
$$;

CREATE TRIGGER songs_leave_user_queues AFTER DELETE ON songs
  FOR EACH ROW EXECUTE FUNCTION user_queue_song_deleted();
