-- 001_rooms.sql: songs, guests, rooms, queue entries and votes.
-- Every write to a room is one function call: one statement, one transaction,
-- and the room revision moves exactly once inside it.

CREATE FUNCTION iso_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE TABLE songs (
  id          text PRIMARY KEY,
  title       text NOT NULL,
  year        integer NOT NULL,
  genre       text NOT NULL,
  performer   text NOT NULL,
  duration    integer CHECK (duration IS NULL OR duration >= 0),  -- seconds
  album_id    text,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE guests (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rooms (
  id         text PRIMARY KEY,
  code       text NOT NULL UNIQUE,
  name       text NOT NULL,
  host_id    text NOT NULL,
  host_name  text NOT NULL,
  revision   bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE queue_entries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- also arrival order
  room_id       text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  song_id       text NOT NULL REFERENCES songs (id) ON DELETE CASCADE,
  added_by_id   text NOT NULL,
  added_by_name text NOT NULL,
  score         integer NOT NULL DEFAULT 0,  -- always the sum of this entry's votes
  state         text NOT NULL DEFAULT 'waiting'
                CHECK (state IN ('waiting', 'playing', 'played', 'removed')),
  added_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queue_entries_order ON queue_entries (room_id, state, score DESC, id);

CREATE TABLE votes (
  entry_id bigint NOT NULL REFERENCES queue_entries (id) ON DELETE CASCADE,
  voter_id text NOT NULL,
  value    smallint NOT NULL CHECK (value IN (-1, 1)),  -- a withdrawn vote has no row
  voted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entry_id, voter_id)
);

-- Add a song to a room's queue. status: ok | no_room | no_song.
CREATE FUNCTION queue_add(p_code text, p_song text, p_by_id text, p_by_name text)
RETURNS TABLE (status text, entry_id bigint, revision bigint, added_at text,
               title text, performer text, duration integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room text;
BEGIN
  SELECT r.id INTO v_room FROM rooms r WHERE r.code = p_code;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL, NULL, NULL, NULL::integer;
    RETURN;
  END IF;
  SELECT s.title, s.performer, s.duration INTO title, performer, duration
    FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song', NULL::bigint, NULL::bigint, NULL, NULL, NULL, NULL::integer;
    RETURN;
  END IF;
  INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name)
    VALUES (v_room, p_song, p_by_id, p_by_name)
    RETURNING queue_entries.id, iso_time(queue_entries.added_at) INTO entry_id, added_at;
  -- Last, so the room row is locked for as short a time as possible.
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Set one voter's vote on a waiting entry to -1, 0 (withdrawn) or +1.
-- status: ok | unchanged | no_room | no_entry | not_waiting.
-- The score moves by the difference inside this transaction; an unchanged vote
-- moves neither the score nor the revision.
CREATE FUNCTION queue_vote(p_code text, p_entry bigint, p_voter text, p_value integer)
RETURNS TABLE (status text, score integer, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room  text;
  v_state text;
  v_old   integer;
BEGIN
  SELECT r.id INTO v_room FROM rooms r WHERE r.code = p_code;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::integer, NULL::bigint;
    RETURN;
  END IF;
  -- The entry lock serialises votes on this entry, so the old value read next
  -- cannot change before this transaction ends.
  SELECT e.state, e.score INTO v_state, score
    FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_entry', NULL::integer, NULL::bigint;
    RETURN;
  END IF;
  IF v_state <> 'waiting' THEN
    RETURN QUERY SELECT 'not_waiting', score, NULL::bigint;
    RETURN;
  END IF;
  SELECT v.value INTO v_old FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  v_old := coalesce(v_old, 0);
  IF v_old = p_value THEN
    SELECT r.revision INTO revision FROM rooms r WHERE r.id = v_room;
    status := 'unchanged';
    RETURN NEXT;
    RETURN;
  END IF;
  IF p_value = 0 THEN
    DELETE FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  ELSE
    INSERT INTO votes AS v (entry_id, voter_id, value) VALUES (p_entry, p_voter, p_value)
      ON CONFLICT (entry_id, voter_id) DO UPDATE SET value = EXCLUDED.value, voted_at = now();
  END IF;
  UPDATE queue_entries e SET score = e.score + (p_value - v_old) WHERE e.id = p_entry
    RETURNING e.score INTO score;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;
