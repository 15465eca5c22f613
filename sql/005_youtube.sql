-- 005_youtube.sql: songs that play from YouTube. A video id names one song, so
-- adding the same video twice finds the same catalog row.
ALTER TABLE songs
  ADD COLUMN youtube_id text UNIQUE CHECK (youtube_id ~ '^[A-Za-z0-9_-]{11}$');
