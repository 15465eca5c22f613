-- 010_catalog_owners.sql: who may change the catalog. An album or song
-- remembers the registered user who made it; editing or deleting it needs
-- that user or a catalog admin (CATALOG_ADMINS), unless the deployment keeps
-- OpenMusic v3's open contract (CATALOG_WRITES=open, fcgi-app/h_catalog.c).
-- Rows made before this (the demo catalog) have no creator: admins only.

ALTER TABLE albums ADD COLUMN created_by text REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE songs ADD COLUMN created_by text REFERENCES users (id) ON DELETE SET NULL;

-- May p_actor change the album or song p_id? 'ok', 'no_item' (no such row:
-- 404) or 'forbidden' (403). p_open: the deployment's open contract;
-- p_admins: the admins' usernames, comma-separated (may be empty).
CREATE FUNCTION catalog_may_change(p_kind text, p_id text, p_actor text, p_open boolean, p_admins text)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_found boolean;
  v_creator text;
BEGIN
  IF p_kind = 'album' THEN
    SELECT true, created_by INTO v_found, v_creator FROM albums WHERE id = p_id;
  ELSE
    SELECT true, created_by INTO v_found, v_creator FROM songs WHERE id = p_id;
  END IF;
  IF v_found IS NULL THEN
    RETURN 'no_item';
  END IF;
  IF p_open OR (p_actor IS NOT NULL AND v_creator = p_actor) OR
     EXISTS (SELECT 1 FROM users u WHERE u.id = p_actor
              AND u.username = ANY (string_to_array(coalesce(p_admins, ''), ','))) THEN
    RETURN 'ok';
  END IF;
  RETURN 'forbidden';
END
$$;

-- DELETE /songs: the song leaves the catalog, every waiting room entry and
-- playlist that holds it (cascades) and every personal queue (the 009
-- trigger); each cached snapshot that showed it moves on (song_touch). A
-- song that is playing in a room is not pulled from under the room:
-- 'playing', nothing changes. The song's row lock orders this against a
-- room starting it (an entry's update takes a key share lock on its song).
CREATE FUNCTION song_delete(p_song text) RETURNS TABLE (status text, key text, version bigint)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM songs s WHERE s.id = p_song FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song'::text, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM queue_entries e WHERE e.song_id = p_song AND e.state = 'playing') THEN
    RETURN QUERY SELECT 'playing'::text, NULL::text, NULL::bigint;
    RETURN;
  END IF;
  RETURN QUERY SELECT 'ok'::text, t.key, t.version FROM song_touch(p_song) t;
  DELETE FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'song % vanished under its lock', p_song;
  END IF;
  -- One row even when nothing showed the song.
  RETURN QUERY SELECT 'ok'::text, NULL::text, NULL::bigint;
END
$$;
