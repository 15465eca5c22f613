-- 003_room_rules.sql: rooms people can run a party with: members and roles,
-- bans, settings, now playing with history, vote-to-skip, fallback playlist.
-- Every change is one function call that moves the room revision exactly once.

ALTER TABLE rooms
  ADD COLUMN voting_mode text NOT NULL DEFAULT 'updown'
      CHECK (voting_mode IN ('updown', 'up', 'off')),
  ADD COLUMN auto_remove_threshold integer,          -- NULL: never
  ADD COLUMN member_cap integer CHECK (member_cap > 0),
  ADD COLUMN max_queue integer CHECK (max_queue > 0),
  ADD COLUMN max_duration integer CHECK (max_duration > 0),
  ADD COLUMN tie_rule text NOT NULL DEFAULT 'arrival' CHECK (tie_rule IN ('arrival', 'fairness')),
  ADD COLUMN fallback_playlist_id text REFERENCES playlists (id) ON DELETE SET NULL;

CREATE TABLE room_members (
  room_id   text NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
  member_id text NOT NULL,
  name      text NOT NULL,
  role      text NOT NULL DEFAULT 'member' CHECK (role IN ('host', 'cohost', 'member')),
  banned    boolean NOT NULL DEFAULT false,
  played    integer NOT NULL DEFAULT 0,   -- songs this member added that have played (fairness)
  joined_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, member_id)
);
INSERT INTO room_members (room_id, member_id, name, role)
  SELECT id, host_id, host_name, 'host' FROM rooms;

ALTER TABLE queue_entries
  ADD COLUMN started_at timestamptz,
  ADD COLUMN ended_at   timestamptz,
  ADD COLUMN end_reason text CHECK (end_reason IN ('finished', 'skipped', 'removed', 'auto', 'banned')),
  ADD COLUMN fallback   boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX queue_entries_one_playing ON queue_entries (room_id) WHERE state = 'playing';
CREATE INDEX queue_entries_history ON queue_entries (room_id, ended_at DESC) WHERE state = 'played';

CREATE TABLE skip_votes (
  entry_id  bigint NOT NULL REFERENCES queue_entries (id) ON DELETE CASCADE,
  member_id text NOT NULL,
  PRIMARY KEY (entry_id, member_id)
);

-- The member row of an actor, created on first contact; the name follows the token.
CREATE FUNCTION room_member_touch(p_room text, p_member text, p_name text)
RETURNS room_members LANGUAGE sql AS $$
  INSERT INTO room_members AS m (room_id, member_id, name) VALUES (p_room, p_member, p_name)
  ON CONFLICT (room_id, member_id) DO UPDATE SET name = EXCLUDED.name
  RETURNING m.*
$$;

CREATE FUNCTION room_create(p_id text, p_code text, p_name text, p_host text, p_host_name text)
RETURNS SETOF rooms LANGUAGE sql AS $$
  WITH r AS (
    INSERT INTO rooms (id, code, name, host_id, host_name)
    VALUES (p_id, p_code, p_name, p_host, p_host_name) RETURNING *
  ), m AS (
    INSERT INTO room_members (room_id, member_id, name, role)
    SELECT id, host_id, host_name, 'host' FROM r
  )
  SELECT * FROM r
$$;

-- The entry now playing ends (p_reason) and the next takes its place: the top
-- waiting entry by the room's order, else a song of the fallback playlist,
-- least recently played first, in random order among equals. The caller holds
-- the room row lock. Returns the ended entry, the new one (NULL when nothing
-- is left) and the adder whose played count moved.
CREATE FUNCTION room_advance_locked(p_room rooms, p_reason text,
  OUT ended_id bigint, OUT next_id bigint, OUT played_member text, OUT played_count integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_song text;
  v_fallback_name text;
BEGIN
  UPDATE queue_entries e SET state = 'played', ended_at = clock_timestamp(), end_reason = p_reason
   WHERE e.room_id = p_room.id AND e.state = 'playing'
  RETURNING e.id INTO ended_id;
  IF ended_id IS NOT NULL THEN
    UPDATE room_members m SET played = m.played + 1
      FROM queue_entries e
     WHERE e.id = ended_id AND NOT e.fallback
       AND m.room_id = p_room.id AND m.member_id = e.added_by_id
    RETURNING m.member_id, m.played INTO played_member, played_count;
  END IF;

  SELECT e.id INTO next_id
    FROM queue_entries e
    LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id
   WHERE e.room_id = p_room.id AND e.state = 'waiting'
   ORDER BY e.fallback, e.score DESC,
            CASE WHEN p_room.tie_rule = 'fairness' THEN coalesce(m.played, 0) ELSE 0 END,
            e.id
   LIMIT 1;
  IF next_id IS NULL AND p_room.fallback_playlist_id IS NOT NULL THEN
    SELECT ps.song_id, p.name INTO v_song, v_fallback_name
      FROM playlist_songs ps JOIN playlists p ON p.id = ps.playlist_id
     WHERE ps.playlist_id = p_room.fallback_playlist_id
     ORDER BY (SELECT max(f.ended_at) FROM queue_entries f
                WHERE f.room_id = p_room.id AND f.fallback AND f.song_id = ps.song_id) NULLS FIRST,
              random()
     LIMIT 1;
    IF v_song IS NOT NULL THEN
      INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name, fallback)
      VALUES (p_room.id, v_song, 'fallback', v_fallback_name, true)
      RETURNING id INTO next_id;
    END IF;
  END IF;
  IF next_id IS NOT NULL THEN
    UPDATE queue_entries e SET state = 'playing', started_at = clock_timestamp() WHERE e.id = next_id;
  END IF;
END
$$;

DROP FUNCTION queue_add(text, text, text, text);

-- Add a song. A song already waiting becomes the adder's upvote on that entry.
-- status: ok | voted | unchanged | no_room | banned | no_song | too_long |
--         member_cap | queue_full
CREATE FUNCTION queue_add(p_code text, p_song text, p_by_id text, p_by_name text)
RETURNS TABLE (status text, entry_id bigint, revision bigint, score integer, adder_played integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_dur    integer;
  v_old    integer;
  v_count  integer;
BEGIN
  -- Caps count what is waiting: adds in one room take turns.
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  v_member := room_member_touch(v_room.id, p_by_id, p_by_name);
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  SELECT s.duration INTO v_dur FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;

  SELECT e.id, e.score INTO entry_id, score FROM queue_entries e
   WHERE e.room_id = v_room.id AND e.song_id = p_song AND e.state = 'waiting' AND NOT e.fallback
   ORDER BY e.id LIMIT 1 FOR UPDATE;
  IF entry_id IS NOT NULL THEN
    SELECT v.value INTO v_old FROM votes v WHERE v.entry_id = queue_add.entry_id AND v.voter_id = p_by_id;
    IF v_room.voting_mode = 'off' OR coalesce(v_old, 0) = 1 THEN
      status := 'unchanged';
      revision := v_room.revision;
      RETURN NEXT; RETURN;
    END IF;
    INSERT INTO votes AS v (entry_id, voter_id, value) VALUES (queue_add.entry_id, p_by_id, 1)
      ON CONFLICT ON CONSTRAINT votes_pkey DO UPDATE SET value = 1, voted_at = now();
    UPDATE queue_entries e SET score = e.score + (1 - coalesce(v_old, 0))
     WHERE e.id = queue_add.entry_id RETURNING e.score INTO score;
    UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
      RETURNING r.revision INTO revision;
    status := 'voted';
    RETURN NEXT; RETURN;
  END IF;

  IF v_room.max_duration IS NOT NULL AND coalesce(v_dur, 0) > v_room.max_duration THEN
    RETURN QUERY SELECT 'too_long', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  IF v_room.member_cap IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.added_by_id = p_by_id;
    IF v_count >= v_room.member_cap THEN
      RETURN QUERY SELECT 'member_cap', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
    END IF;
  END IF;
  IF v_room.max_queue IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND NOT e.fallback;
    IF v_count >= v_room.max_queue THEN
      RETURN QUERY SELECT 'queue_full', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
    END IF;
  END IF;
  INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name)
    VALUES (v_room.id, p_song, p_by_id, p_by_name)
    RETURNING queue_entries.id INTO entry_id;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  score := 0;
  adder_played := v_member.played;
  status := 'ok';
  RETURN NEXT;
END
$$;

DROP FUNCTION queue_vote(text, bigint, text, integer);

-- One member's vote on a waiting entry: -1, 0 (withdrawn) or +1.
-- status: ok | removed (auto-removed by the threshold) | unchanged | no_room |
--         banned | voting_off | down_off | no_entry | not_waiting
CREATE FUNCTION queue_vote(p_code text, p_entry bigint, p_voter text, p_name text, p_value integer)
RETURNS TABLE (status text, score integer, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_state  text;
  v_old    integer;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::integer, NULL::bigint; RETURN;
  END IF;
  SELECT m.* INTO v_member FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_voter;
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_room.voting_mode = 'off' THEN
    RETURN QUERY SELECT 'voting_off', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_room.voting_mode = 'up' AND p_value < 0 THEN
    RETURN QUERY SELECT 'down_off', NULL::integer, NULL::bigint; RETURN;
  END IF;
  -- The entry lock serialises votes on this entry, so the old value read next
  -- cannot change before this transaction ends.
  SELECT e.state, e.score INTO v_state, score
    FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room.id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_entry', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_state <> 'waiting' THEN
    RETURN QUERY SELECT 'not_waiting', score, NULL::bigint; RETURN;
  END IF;
  SELECT v.value INTO v_old FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  v_old := coalesce(v_old, 0);
  IF v_old = p_value THEN
    SELECT r.revision INTO revision FROM rooms r WHERE r.id = v_room.id;
    status := 'unchanged';
    RETURN NEXT; RETURN;
  END IF;
  IF v_member.member_id IS NULL THEN
    PERFORM room_member_touch(v_room.id, p_voter, p_name);
  END IF;
  IF p_value = 0 THEN
    DELETE FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  ELSE
    INSERT INTO votes AS v (entry_id, voter_id, value) VALUES (p_entry, p_voter, p_value)
      ON CONFLICT (entry_id, voter_id) DO UPDATE SET value = EXCLUDED.value, voted_at = now();
  END IF;
  UPDATE queue_entries e SET score = e.score + (p_value - v_old) WHERE e.id = p_entry
    RETURNING e.score INTO score;
  status := 'ok';
  IF v_room.auto_remove_threshold IS NOT NULL AND score <= v_room.auto_remove_threshold THEN
    UPDATE queue_entries e SET state = 'removed', ended_at = clock_timestamp(), end_reason = 'auto'
     WHERE e.id = p_entry;
    status := 'removed';
  END IF;
  -- Last, so the room row is locked for as short a time as possible.
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  RETURN NEXT;
END
$$;

-- Is this member a host or co-host of the room?
CREATE FUNCTION room_is_host(p_room text, p_member text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = p_room AND m.member_id = p_member
                 AND m.role IN ('host', 'cohost') AND NOT m.banned)
$$;

-- Remove a waiting entry: hosts any, members their own.
-- status: ok | no_room | no_entry | forbidden | not_waiting
CREATE FUNCTION queue_remove(p_code text, p_entry bigint, p_actor text)
RETURNS TABLE (status text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room  rooms;
  v_entry queue_entries;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint; RETURN;
  END IF;
  SELECT e.* INTO v_entry FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room.id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_entry', NULL::bigint; RETURN;
  END IF;
  IF v_entry.added_by_id <> p_actor AND NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint; RETURN;
  END IF;
  IF v_entry.state <> 'waiting' THEN
    RETURN QUERY SELECT 'not_waiting', NULL::bigint; RETURN;
  END IF;
  UPDATE queue_entries e SET state = 'removed', ended_at = clock_timestamp(), end_reason = 'removed'
   WHERE e.id = p_entry;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Host's "next": only when p_current still names what is playing (NULL: nothing).
-- status: ok | no_room | forbidden | conflict
CREATE FUNCTION room_advance(p_code text, p_current bigint, p_actor text)
RETURNS TABLE (status text, revision bigint, ended_id bigint, next_id bigint,
               played_member text, played_count integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room    rooms;
  v_playing bigint;
  v_adv     record;
BEGIN
  -- Two "next" presses serialise here; the second sees the first's result.
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  IF NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  SELECT e.id INTO v_playing FROM queue_entries e WHERE e.room_id = v_room.id AND e.state = 'playing';
  IF v_playing IS DISTINCT FROM p_current THEN
    RETURN QUERY SELECT 'conflict', v_room.revision, v_playing, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  SELECT * INTO v_adv FROM room_advance_locked(v_room, 'finished');
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  RETURN QUERY SELECT 'ok', revision, v_adv.ended_id, v_adv.next_id, v_adv.played_member, v_adv.played_count;
END
$$;

-- A member's vote to skip the entry now playing (p_entry: what they saw playing).
-- Skipped when the votes reach max(2, ceil(listeners / 2)).
-- status: ok | skipped | unchanged | no_room | banned | not_playing
CREATE FUNCTION room_skip(p_code text, p_entry bigint, p_member text, p_name text, p_listeners integer)
RETURNS TABLE (status text, revision bigint, votes integer, needed integer, ended_id bigint,
               next_id bigint, played_member text, played_count integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_adv    record;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  v_member := room_member_touch(v_room.id, p_member, p_name);
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  PERFORM 1 FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room.id AND e.state = 'playing';
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_playing', NULL::bigint, NULL::integer, NULL::integer, NULL::bigint, NULL::bigint, NULL::text, NULL::integer;
    RETURN;
  END IF;
  needed := greatest(2, ceil(greatest(p_listeners, 0) / 2.0)::integer);
  INSERT INTO skip_votes (entry_id, member_id) VALUES (p_entry, p_member) ON CONFLICT DO NOTHING;
  status := CASE WHEN FOUND THEN 'ok' ELSE 'unchanged' END;
  SELECT count(*) INTO votes FROM skip_votes s WHERE s.entry_id = p_entry;
  IF status = 'unchanged' THEN
    revision := v_room.revision;
    RETURN NEXT; RETURN;
  END IF;
  IF votes >= needed THEN
    SELECT * INTO v_adv FROM room_advance_locked(v_room, 'skipped');
    ended_id := v_adv.ended_id;
    next_id := v_adv.next_id;
    played_member := v_adv.played_member;
    played_count := v_adv.played_count;
    status := 'skipped';
  END IF;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  RETURN NEXT;
END
$$;

-- Ban or unban a member (hosts only; the host cannot be banned). A ban removes
-- the member's waiting entries and takes back their votes on waiting entries.
-- status: ok | unchanged | no_room | forbidden | no_member | protected
CREATE FUNCTION room_ban(p_code text, p_actor text, p_member text, p_ban boolean)
RETURNS TABLE (status text, revision bigint, removed bigint[], rescored bigint[], scores integer[])
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_target room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint[], NULL::bigint[], NULL::integer[]; RETURN;
  END IF;
  IF NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint, NULL::bigint[], NULL::bigint[], NULL::integer[]; RETURN;
  END IF;
  SELECT m.* INTO v_target FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_member FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_member', NULL::bigint, NULL::bigint[], NULL::bigint[], NULL::integer[]; RETURN;
  END IF;
  IF v_target.role = 'host' OR p_member = p_actor THEN
    RETURN QUERY SELECT 'protected', NULL::bigint, NULL::bigint[], NULL::bigint[], NULL::integer[]; RETURN;
  END IF;
  IF v_target.banned = p_ban THEN
    RETURN QUERY SELECT 'unchanged', v_room.revision, '{}'::bigint[], '{}'::bigint[], '{}'::integer[]; RETURN;
  END IF;
  UPDATE room_members m SET banned = p_ban, role = CASE WHEN p_ban THEN 'member' ELSE m.role END
   WHERE m.room_id = v_room.id AND m.member_id = p_member;
  removed := '{}';
  rescored := '{}';
  scores := '{}';
  IF p_ban THEN
    WITH r AS (
      UPDATE queue_entries e SET state = 'removed', ended_at = clock_timestamp(), end_reason = 'banned'
       WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.added_by_id = p_member
      RETURNING e.id)
    SELECT coalesce(array_agg(r.id ORDER BY r.id), '{}') INTO removed FROM r;
    WITH taken AS (
      DELETE FROM votes v USING queue_entries e
       WHERE v.voter_id = p_member AND e.id = v.entry_id AND e.room_id = v_room.id AND e.state = 'waiting'
      RETURNING v.entry_id, v.value),
    s AS (
      UPDATE queue_entries e SET score = e.score - t.value
        FROM taken t WHERE e.id = t.entry_id
      RETURNING e.id, e.score)
    SELECT coalesce(array_agg(s.id ORDER BY s.id), '{}'), coalesce(array_agg(s.score ORDER BY s.id), '{}')
      INTO rescored, scores FROM s;
    DELETE FROM skip_votes k USING queue_entries e
     WHERE k.member_id = p_member AND e.id = k.entry_id AND e.room_id = v_room.id;
  END IF;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Name or drop a co-host (the host only). status: ok | unchanged | no_room | forbidden | no_member | protected
CREATE FUNCTION room_cohost(p_code text, p_actor text, p_member text, p_cohost boolean)
RETURNS TABLE (status text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_target room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint; RETURN;
  END IF;
  IF v_room.host_id <> p_actor THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint; RETURN;
  END IF;
  SELECT m.* INTO v_target FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_member;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_member', NULL::bigint; RETURN;
  END IF;
  IF v_target.role = 'host' OR v_target.banned THEN
    RETURN QUERY SELECT 'protected', NULL::bigint; RETURN;
  END IF;
  IF (v_target.role = 'cohost') = p_cohost THEN
    RETURN QUERY SELECT 'unchanged', v_room.revision; RETURN;
  END IF;
  UPDATE room_members m SET role = CASE WHEN p_cohost THEN 'cohost' ELSE 'member' END
   WHERE m.room_id = v_room.id AND m.member_id = p_member;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Change settings (hosts only). p_patch holds only the keys to change, already
-- type-checked by the worker. status: ok | no_room | forbidden | no_playlist | playlist_forbidden
CREATE FUNCTION room_settings(p_code text, p_actor text, p_patch jsonb)
RETURNS TABLE (status text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
  v_pl   text;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint; RETURN;
  END IF;
  IF NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint; RETURN;
  END IF;
  IF p_patch ? 'fallbackPlaylistId' AND jsonb_typeof(p_patch -> 'fallbackPlaylistId') = 'string' THEN
    v_pl := playlist_access(p_patch ->> 'fallbackPlaylistId', p_actor);
    IF v_pl = 'none' THEN
      RETURN QUERY SELECT 'no_playlist', NULL::bigint; RETURN;
    ELSIF v_pl NOT IN ('owner', 'collaborator') THEN
      RETURN QUERY SELECT 'playlist_forbidden', NULL::bigint; RETURN;
    END IF;
  END IF;
  UPDATE rooms r SET
    name = CASE WHEN p_patch ? 'name' THEN p_patch ->> 'name' ELSE r.name END,
    voting_mode = CASE WHEN p_patch ? 'votingMode' THEN p_patch ->> 'votingMode' ELSE r.voting_mode END,
    auto_remove_threshold = CASE WHEN p_patch ? 'autoRemoveThreshold'
      THEN (p_patch ->> 'autoRemoveThreshold')::integer ELSE r.auto_remove_threshold END,
    member_cap = CASE WHEN p_patch ? 'memberCap' THEN (p_patch ->> 'memberCap')::integer ELSE r.member_cap END,
    max_queue = CASE WHEN p_patch ? 'maxQueueLength' THEN (p_patch ->> 'maxQueueLength')::integer ELSE r.max_queue END,
    max_duration = CASE WHEN p_patch ? 'maxSongDuration'
      THEN (p_patch ->> 'maxSongDuration')::integer ELSE r.max_duration END,
    tie_rule = CASE WHEN p_patch ? 'tieRule' THEN p_patch ->> 'tieRule' ELSE r.tie_rule END,
    fallback_playlist_id = CASE WHEN p_patch ? 'fallbackPlaylistId'
      THEN p_patch ->> 'fallbackPlaylistId' ELSE r.fallback_playlist_id END,
    revision = r.revision + 1
  WHERE r.id = v_room.id
  RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;
