-- 002_catalog.sql: the OpenMusic v3 catalog: albums, users and their refresh
-- tokens, private playlists with collaborators and an activity log, album likes.
-- Writes that touch more than one row are functions: one statement, one
-- transaction, and the cache version moves inside it.

CREATE TABLE albums (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  year          integer NOT NULL,
  cover         text,                          -- stored file name, NULL until uploaded
  likes_version bigint NOT NULL DEFAULT 0,     -- bumped by every like and unlike
  inserted_at   timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Songs of a deleted album stay, with the reference cleared.
ALTER TABLE songs
  ADD CONSTRAINT songs_album_fk FOREIGN KEY (album_id) REFERENCES albums (id) ON DELETE SET NULL;
CREATE INDEX songs_album ON songs (album_id);

CREATE TABLE users (
  id         text PRIMARY KEY,
  username   text NOT NULL UNIQUE,
  password   text NOT NULL,                    -- libsodium argon2id string, never clear text
  fullname   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens that are valid: deleting the row revokes the token.
CREATE TABLE authentications (
  token      text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE playlists (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  owner      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  version    bigint NOT NULL DEFAULT 0,        -- bumped by every change to songs or collaborators
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX playlists_owner ON playlists (owner);

CREATE TABLE playlist_songs (
  playlist_id text NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  song_id     text NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  added_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (playlist_id, song_id)
);

CREATE TABLE collaborations (
  id          text PRIMARY KEY,
  playlist_id text NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  UNIQUE (playlist_id, user_id)
);
CREATE INDEX collaborations_user ON collaborations (user_id);

-- Names are copied in: the log keeps reading the same after a song is deleted.
CREATE TABLE playlist_song_activities (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  playlist_id text NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  song_id     text NOT NULL,
  user_id     text NOT NULL,
  username    text NOT NULL,
  title       text NOT NULL,
  action      text NOT NULL CHECK (action IN ('add', 'delete')),
  time        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX playlist_song_activities_playlist ON playlist_song_activities (playlist_id, id);

CREATE TABLE user_album_likes (
  user_id  text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  album_id text NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, album_id)
);
CREATE INDEX user_album_likes_album ON user_album_likes (album_id);

-- What p_user may do with a playlist: none (no such playlist), owner,
-- collaborator or stranger. Handlers answer 404, then 403, from this.
CREATE FUNCTION playlist_access(p_playlist text, p_user text) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p.id IS NULL THEN 'none'
    WHEN p.owner = p_user THEN 'owner'
    WHEN EXISTS (SELECT 1 FROM collaborations c
                 WHERE c.playlist_id = p.id AND c.user_id = p_user) THEN 'collaborator'
    ELSE 'stranger'
  END
  FROM (SELECT 1) AS one LEFT JOIN playlists p ON p.id = p_playlist
$$;

-- Add or remove a song of a playlist, with its activity row and the version
-- bump in the same transaction.
-- status: ok | no_playlist | forbidden | no_song | duplicate | absent.
CREATE FUNCTION playlist_song_change(p_playlist text, p_song text, p_user text, p_action text)
RETURNS TABLE (status text, version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_access text := playlist_access(p_playlist, p_user);
  v_title  text;
BEGIN
  IF v_access = 'none' THEN
    RETURN QUERY SELECT 'no_playlist', NULL::bigint; RETURN;
  ELSIF v_access = 'stranger' THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint; RETURN;
  END IF;
  SELECT s.title INTO v_title FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song', NULL::bigint; RETURN;
  END IF;
  IF p_action = 'add' THEN
    INSERT INTO playlist_songs (playlist_id, song_id) VALUES (p_playlist, p_song)
      ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'duplicate', NULL::bigint; RETURN;
    END IF;
  ELSE
    DELETE FROM playlist_songs ps WHERE ps.playlist_id = p_playlist AND ps.song_id = p_song;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'absent', NULL::bigint; RETURN;
    END IF;
  END IF;
  INSERT INTO playlist_song_activities (playlist_id, song_id, user_id, username, title, action)
    SELECT p_playlist, p_song, u.id, u.username, v_title, p_action FROM users u WHERE u.id = p_user;
  UPDATE playlists p SET version = p.version + 1 WHERE p.id = p_playlist
    RETURNING p.version INTO version;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Add or remove a collaborator (owner only).
-- status: ok | no_playlist | forbidden | no_user | duplicate | absent.
CREATE FUNCTION collaboration_change(p_playlist text, p_owner text, p_user text, p_id text, p_action text)
RETURNS TABLE (status text, collaboration_id text, version bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_access text := playlist_access(p_playlist, p_owner);
BEGIN
  IF v_access = 'none' THEN
    RETURN QUERY SELECT 'no_playlist', NULL::text, NULL::bigint; RETURN;
  ELSIF v_access <> 'owner' THEN
    RETURN QUERY SELECT 'forbidden', NULL::text, NULL::bigint; RETURN;
  END IF;
  PERFORM 1 FROM users u WHERE u.id = p_user;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_user', NULL::text, NULL::bigint; RETURN;
  END IF;
  IF p_action = 'add' THEN
    INSERT INTO collaborations (id, playlist_id, user_id) VALUES (p_id, p_playlist, p_user)
      ON CONFLICT (playlist_id, user_id) DO NOTHING
      RETURNING collaborations.id INTO collaboration_id;
    IF collaboration_id IS NULL THEN
      RETURN QUERY SELECT 'duplicate', NULL::text, NULL::bigint; RETURN;
    END IF;
  ELSE
    DELETE FROM collaborations c WHERE c.playlist_id = p_playlist AND c.user_id = p_user
      RETURNING c.id INTO collaboration_id;
    IF collaboration_id IS NULL THEN
      RETURN QUERY SELECT 'absent', NULL::text, NULL::bigint; RETURN;
    END IF;
  END IF;
  UPDATE playlists p SET version = p.version + 1 WHERE p.id = p_playlist
    RETURNING p.version INTO version;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Like or unlike an album. status: ok | no_album | duplicate | absent.
CREATE FUNCTION album_like_change(p_album text, p_user text, p_action text)
RETURNS TABLE (status text, version bigint)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM albums a WHERE a.id = p_album;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_album', NULL::bigint; RETURN;
  END IF;
  IF p_action = 'like' THEN
    INSERT INTO user_album_likes (user_id, album_id) VALUES (p_user, p_album) ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'duplicate', NULL::bigint; RETURN;
    END IF;
  ELSE
    DELETE FROM user_album_likes l WHERE l.user_id = p_user AND l.album_id = p_album;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'absent', NULL::bigint; RETURN;
    END IF;
  END IF;
  UPDATE albums a SET likes_version = a.likes_version + 1 WHERE a.id = p_album
    RETURNING a.likes_version INTO version;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- A song changed or is about to go: every cached snapshot that shows it moves
-- to a new version. Returns the cache keys to invalidate with their versions.
CREATE FUNCTION song_touch(p_song text) RETURNS TABLE (key text, version bigint)
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
  )
  SELECT key, version FROM p UNION ALL SELECT key, version FROM r
$$;
