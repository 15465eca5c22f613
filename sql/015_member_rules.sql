-- 015_member_rules.sql: who may become a member, and what members are called.
-- A room may have a PIN (kept as a keyed hash the workers make: the database
-- never sees the digits), which becoming a member then needs, and with a PIN
-- may hide its queue from all but its members (the workers check); a member may
-- rename themself, and names are unique in a room whatever their case (a
-- second "Ada" becomes "Ada 2"); a room may refuse a song that played within
-- its replay cooldown.

ALTER TABLE rooms
  ADD COLUMN pin_hash text,                       -- NULL: no PIN
  ADD COLUMN replay_cooldown integer NOT NULL DEFAULT 0
      CHECK (replay_cooldown BETWEEN 0 AND 1440), -- minutes; 0: off
  ADD COLUMN hide_queue boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT rooms_hide_needs_pin CHECK (NOT hide_queue OR pin_hash IS NOT NULL);

-- Names are unique in a room from now on, whatever their case: every new
-- name (a first contact, a rename) is picked under the room row's lock
-- (room_member_insert, room_member_rename), so no two transactions pick the
-- same one. Names that clash already, in rooms from before, stay as they are
-- (an index could not be built over them, and closed rooms refuse changes).

-- The replay cooldown looks for the last time a song ended in a room.
CREATE INDEX queue_entries_song_played ON queue_entries (room_id, song_id, ended_at DESC)
  WHERE state = 'played';

-- p_name made unique in the room: trimmed, at most 40 characters, and when
-- another member (not p_member) has it in any case, " 2", " 3", ... appended
-- (the base shortened to keep 40): the number after the highest such suffix
-- taken, so a room of many namesakes costs one scan, not one try each. The
-- caller holds the room row's lock, so no other transaction picks the same
-- name meanwhile.
CREATE INDEX room_members_name ON room_members (room_id, lower(name));

CREATE FUNCTION room_member_unique_name(p_room text, p_member text, p_name text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_base text := left(btrim(p_name, E' \t\r\n\f' || chr(11)), 40);
  v_try  text;
  v_n    integer;
BEGIN
  IF v_base = '' THEN
    v_base := 'Guest';
  END IF;
  v_try := v_base;
  IF NOT EXISTS (SELECT 1 FROM room_members m
                  WHERE m.room_id = p_room AND lower(m.name) = lower(v_try) AND m.member_id <> p_member) THEN
    RETURN v_try;
  END IF;
  SELECT coalesce(max(substr(m.name, length(v_base) + 2)::integer), 1) INTO v_n
    FROM room_members m
   WHERE m.room_id = p_room AND m.member_id <> p_member
     AND lower(left(m.name, length(v_base) + 1)) = lower(v_base) || ' '
     AND substr(m.name, length(v_base) + 2) ~ '^[1-9][0-9]{0,5}$';
  LOOP
    v_n := v_n + 1;
    v_try := left(v_base, 40 - length(' ' || v_n)) || ' ' || v_n;
    EXIT WHEN NOT EXISTS (SELECT 1 FROM room_members m
                           WHERE m.room_id = p_room AND lower(m.name) = lower(v_try) AND m.member_id <> p_member);
  END LOOP;
  RETURN v_try;
END
$$;

-- A new member row for p_member, named p_name made unique; the row as it is
-- when p_member is one already. No PIN check: the callers decide admission.
CREATE FUNCTION room_member_insert(p_room text, p_member text, p_name text)
RETURNS room_members LANGUAGE plpgsql AS $$
DECLARE
  v room_members;
BEGIN
  -- Names are picked one new member at a time per room.
  PERFORM 1 FROM rooms r WHERE r.id = p_room FOR UPDATE;
  INSERT INTO room_members AS m (room_id, member_id, name)
  VALUES (p_room, p_member, room_member_unique_name(p_room, p_member, p_name))
  ON CONFLICT (room_id, member_id) DO NOTHING
  RETURNING m.* INTO v;
  IF v.member_id IS NULL THEN
    SELECT m.* INTO v FROM room_members m WHERE m.room_id = p_room AND m.member_id = p_member;
  END IF;
  RETURN v;
END
$$;

-- The member row of an actor, created on first contact with a unique name
-- from the token's; afterwards the name is the member's own (a rename sticks).
-- In a room with a PIN only admitted callers have a row (POST /rooms/{code}/join,
-- or members from before the PIN): anyone else's first write is refused here,
-- for every write that goes through this gate, by the error QPIN1, which
-- aborts the caller's transaction (nothing changes) and the workers answer 403.
CREATE OR REPLACE FUNCTION room_member_touch(p_room text, p_member text, p_name text)
RETURNS room_members LANGUAGE plpgsql AS $$
DECLARE
  v room_members;
BEGIN
  SELECT m.* INTO v FROM room_members m WHERE m.room_id = p_room AND m.member_id = p_member;
  IF FOUND THEN
    RETURN v;
  END IF;
  IF EXISTS (SELECT 1 FROM rooms r WHERE r.id = p_room AND r.pin_hash IS NOT NULL) THEN
    RAISE EXCEPTION 'this room has a PIN and % has not joined', p_member USING ERRCODE = 'QPIN1';
  END IF;
  RETURN room_member_insert(p_room, p_member, p_name);
END
$$;

-- POST /rooms/{code}/join: admit the caller. p_pin_hash is the keyed hash of
-- the PIN they sent (NULL: none sent). A member already (admitted before, or
-- host) stays one whatever the PIN. Not a change of the room's shared state
-- (members are not in the queue snapshot): no revision.
-- status: ok | member | no_room | banned | pin_required | wrong_pin
CREATE FUNCTION room_join(p_code text, p_member text, p_name text, p_pin_hash text)
RETURNS TABLE (status text, member_id text, name text, role text, banned boolean, played integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
  v      room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::integer; RETURN;
  END IF;
  SELECT m.* INTO v FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_member;
  IF FOUND THEN
    IF v.banned THEN
      RETURN QUERY SELECT 'banned', NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::integer; RETURN;
    END IF;
    RETURN QUERY SELECT 'member', v.member_id, v.name, v.role, v.banned, v.played; RETURN;
  END IF;
  IF v_room.pin_hash IS NOT NULL AND p_pin_hash IS NULL THEN
    RETURN QUERY SELECT 'pin_required', NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::integer; RETURN;
  END IF;
  IF v_room.pin_hash IS NOT NULL AND v_room.pin_hash <> p_pin_hash THEN
    RETURN QUERY SELECT 'wrong_pin', NULL::text, NULL::text, NULL::text, NULL::boolean, NULL::integer; RETURN;
  END IF;
  v := room_member_insert(v_room.id, p_member, p_name);
  RETURN QUERY SELECT 'ok', v.member_id, v.name, v.role, v.banned, v.played;
END
$$;

-- A member renames themself (a caller who is not one yet becomes one, through
-- the PIN gate). p_name is trimmed and 1-40 characters (the worker checked);
-- taken by another member in any case, it gets a suffix. Their waiting and
-- playing entries show the new name.
-- status: ok | unchanged | no_room | banned
CREATE FUNCTION room_member_rename(p_code text, p_member text, p_token_name text, p_name text)
RETURNS TABLE (status text, revision bigint, name text)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
  v      room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::text; RETURN;
  END IF;
  v := room_member_touch(v_room.id, p_member, p_token_name);
  IF v.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::text; RETURN;
  END IF;
  name := room_member_unique_name(v_room.id, p_member, p_name);
  IF name = v.name THEN
    RETURN QUERY SELECT 'unchanged', v_room.revision, v.name; RETURN;
  END IF;
  UPDATE room_members m SET name = room_member_rename.name
   WHERE m.room_id = v_room.id AND m.member_id = p_member;
  UPDATE queue_entries e SET added_by_name = room_member_rename.name
   WHERE e.room_id = v_room.id AND e.added_by_id = p_member AND e.state IN ('waiting', 'playing')
     AND NOT e.fallback;
  UPDATE rooms r SET revision = r.revision + 1,
         host_name = CASE WHEN r.host_id = p_member THEN room_member_rename.name ELSE r.host_name END
   WHERE r.id = v_room.id
  RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;

DROP FUNCTION queue_add(text, text, text, text);

-- Add a song. A song already waiting becomes the adder's upvote on that entry.
-- The entry shows the adder's name in this room (their own, once renamed).
-- A song that ended (finished or skipped) within the room's replay cooldown,
-- or is playing now, is refused with 'cooldown': allowed_at says when it may
-- come back (for the song playing: the end its length gives, plus the
-- cooldown), played_ago how many minutes ago it ended (NULL: playing).
-- status: ok | voted | unchanged | no_room | banned | no_song | cooldown |
--         too_long | no_duration | member_cap | queue_full
CREATE FUNCTION queue_add(p_code text, p_song text, p_by_id text, p_by_name text)
RETURNS TABLE (status text, entry_id bigint, revision bigint, score integer, adder_played integer,
               allowed_at text, played_ago integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_dur    integer;
  v_old    integer;
  v_count  integer;
  v_ended  timestamptz;
  v_start  timestamptz;
BEGIN
  -- Caps count what is waiting: adds in one room take turns.
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
  END IF;
  v_member := room_member_touch(v_room.id, p_by_id, p_by_name);
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
  END IF;
  SELECT s.duration INTO v_dur FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
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

  IF v_room.replay_cooldown > 0 THEN
    SELECT e.started_at INTO v_start FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'playing' AND e.song_id = p_song;
    IF FOUND THEN
      RETURN QUERY SELECT 'cooldown', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer,
        iso_time(greatest(now(), v_start + make_interval(secs => coalesce(v_dur, 0)))
                 + make_interval(mins => v_room.replay_cooldown)), NULL::integer;
      RETURN;
    END IF;
    SELECT max(e.ended_at) INTO v_ended FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'played' AND e.song_id = p_song
       AND e.end_reason IN ('finished', 'skipped');
    IF v_ended > now() - make_interval(mins => v_room.replay_cooldown) THEN
      RETURN QUERY SELECT 'cooldown', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer,
        iso_time(v_ended + make_interval(mins => v_room.replay_cooldown)),
        floor(extract(epoch FROM now() - v_ended) / 60)::integer;
      RETURN;
    END IF;
  END IF;
  IF v_room.max_duration IS NOT NULL AND v_dur IS NULL THEN
    RETURN QUERY SELECT 'no_duration', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
  END IF;
  IF v_room.max_duration IS NOT NULL AND v_dur > v_room.max_duration THEN
    RETURN QUERY SELECT 'too_long', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
  END IF;
  IF v_room.member_cap IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.added_by_id = p_by_id;
    IF v_count >= v_room.member_cap THEN
      RETURN QUERY SELECT 'member_cap', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
    END IF;
  END IF;
  IF v_room.max_queue IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND NOT e.fallback;
    IF v_count >= v_room.max_queue THEN
      RETURN QUERY SELECT 'queue_full', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer, NULL, NULL::integer; RETURN;
    END IF;
  END IF;
  INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name)
    VALUES (v_room.id, p_song, p_by_id, v_member.name)
    RETURNING queue_entries.id INTO entry_id;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  score := 0;
  adder_played := v_member.played;
  status := 'ok';
  RETURN NEXT;
END
$$;

-- Change settings (hosts only). p_patch holds only the keys to change, already
-- type-checked by the worker; a PIN arrives as its keyed hash ("pinHash",
-- null to remove it). Hiding the queue needs a PIN; removing the PIN shows
-- the queue again unless the same patch asks otherwise (then refused).
-- status: ok | no_room | forbidden | no_playlist | playlist_forbidden | hide_needs_pin
CREATE OR REPLACE FUNCTION room_settings(p_code text, p_actor text, p_patch jsonb)
RETURNS TABLE (status text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
  v_pl   text;
  v_pin  text;
  v_hide boolean;
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
  v_pin := CASE WHEN p_patch ? 'pinHash' THEN p_patch ->> 'pinHash' ELSE v_room.pin_hash END;
  v_hide := CASE WHEN p_patch ? 'hideQueue' THEN (p_patch ->> 'hideQueue')::boolean
                 ELSE v_room.hide_queue AND v_pin IS NOT NULL END;
  IF v_hide AND v_pin IS NULL THEN
    RETURN QUERY SELECT 'hide_needs_pin', NULL::bigint; RETURN;
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
    pin_hash = v_pin,
    hide_queue = v_hide,
    replay_cooldown = CASE WHEN p_patch ? 'replayCooldownMinutes'
      THEN coalesce((p_patch ->> 'replayCooldownMinutes')::integer, 0) ELSE r.replay_cooldown END,
    revision = r.revision + 1
  WHERE r.id = v_room.id
  RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;
