-- 016_history.sql: a room's history saved as one of the caller's playlists.
-- The playlist, its songs and their activity rows are made in one function
-- call, so a refusal (or a failure half-way) leaves no playlist behind. The
-- room is only read: its revision does not move and no message goes out.

-- What played: entries in state 'played' (finished or skipped; the entry
-- playing now has not played yet), each song once, where it first played,
-- oldest first. p_last (NULL: all) takes only the p_last most recent plays,
-- so a song played twice in them counts once and the playlist may hold fewer
-- songs than p_last. The caller must have a member row in the room and not
-- be banned from it.
-- status: ok | no_room | not_member | banned | nothing_played.
CREATE FUNCTION room_history_playlist(p_code text, p_user text, p_playlist text, p_name text, p_last integer)
RETURNS TABLE (status text, songs integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room text;
  v_member room_members;
  v_songs text[];
BEGIN
  SELECT r.id INTO v_room FROM rooms r WHERE r.code = p_code;
  IF v_room IS NULL THEN
    RETURN QUERY SELECT 'no_room', NULL::integer; RETURN;
  END IF;
  SELECT m.* INTO v_member FROM room_members m WHERE m.room_id = v_room AND m.member_id = p_user;
  IF v_member.member_id IS NULL THEN
    RETURN QUERY SELECT 'not_member', NULL::integer; RETURN;
  END IF;
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::integer; RETURN;
  END IF;

  -- Each song at the position of its first play among the plays taken.
  SELECT array_agg(f.song_id ORDER BY f.n) INTO v_songs
    FROM (SELECT p.song_id, min(p.n) AS n
            FROM (SELECT e.song_id, row_number() OVER (ORDER BY e.ended_at, e.id) AS n
                    FROM (SELECT x.song_id, x.ended_at, x.id FROM queue_entries x
                           WHERE x.room_id = v_room AND x.state = 'played'
                           ORDER BY x.ended_at DESC, x.id DESC
                           LIMIT p_last) e) p
           GROUP BY p.song_id) f;
  IF v_songs IS NULL THEN
    RETURN QUERY SELECT 'nothing_played', NULL::integer; RETURN;
  END IF;

  INSERT INTO playlists (id, name, owner) VALUES (p_playlist, p_name, p_user);
  -- A playlist lists its songs by added_at: one microsecond apart keeps the order of play.
  INSERT INTO playlist_songs (playlist_id, song_id, added_at)
    SELECT p_playlist, h.song_id, now() + h.n * interval '1 microsecond'
      FROM unnest(v_songs) WITH ORDINALITY AS h(song_id, n);
  INSERT INTO playlist_song_activities (playlist_id, song_id, user_id, username, title, action)
    SELECT p_playlist, h.song_id, u.id, u.username, s.title, 'add'
      FROM unnest(v_songs) WITH ORDINALITY AS h(song_id, n)
      JOIN songs s ON s.id = h.song_id JOIN users u ON u.id = p_user
     ORDER BY h.n;
  RETURN QUERY SELECT 'ok', cardinality(v_songs);
END
$$;
