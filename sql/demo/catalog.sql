-- demo/catalog.sql: a small catalog for ./dev up and the tests. Safe to load again.
INSERT INTO songs (id, title, year, genre, performer, duration) VALUES
  ('song-demo00000000001', 'Bohemian Rhapsody', 1975, 'Rock', 'Queen', 354),
  ('song-demo00000000002', 'Don''t Stop Me Now', 1978, 'Rock', 'Queen', 209),
  ('song-demo00000000003', 'Billie Jean', 1982, 'Pop', 'Michael Jackson', 294),
  ('song-demo00000000004', 'Beat It', 1982, 'Pop', 'Michael Jackson', 258),
  ('song-demo00000000005', 'Smells Like Teen Spirit', 1991, 'Grunge', 'Nirvana', 301),
  ('song-demo00000000006', 'Come as You Are', 1991, 'Grunge', 'Nirvana', 219),
  ('song-demo00000000007', 'Hey Jude', 1968, 'Rock', 'The Beatles', 431),
  ('song-demo00000000008', 'Let It Be', 1970, 'Rock', 'The Beatles', 243),
  ('song-demo00000000009', 'Superstition', 1972, 'Funk', 'Stevie Wonder', 266),
  ('song-demo00000000010', 'September', 1978, 'Funk', 'Earth, Wind & Fire', 215),
  ('song-demo00000000011', 'Dancing Queen', 1976, 'Pop', 'ABBA', 231),
  ('song-demo00000000012', 'Mamma Mia', 1975, 'Pop', 'ABBA', 213),
  ('song-demo00000000013', 'Rolling in the Deep', 2010, 'Soul', 'Adele', 228),
  ('song-demo00000000014', 'Hello', 2015, 'Soul', 'Adele', 295),
  ('song-demo00000000015', 'Get Lucky', 2013, 'Disco', 'Daft Punk', 369),
  ('song-demo00000000016', 'One More Time', 2000, 'House', 'Daft Punk', 320),
  ('song-demo00000000017', 'Uptown Funk', 2014, 'Funk', 'Mark Ronson', 270),
  ('song-demo00000000018', 'Blinding Lights', 2019, 'Synth-pop', 'The Weeknd', 200),
  ('song-demo00000000019', 'Levitating', 2020, 'Pop', 'Dua Lipa', 203),
  ('song-demo00000000020', 'Don''t Start Now', 2019, 'Pop', 'Dua Lipa', 183),
  ('song-demo00000000021', 'Seven Nation Army', 2003, 'Rock', 'The White Stripes', 231),
  ('song-demo00000000022', 'Mr. Brightside', 2003, 'Rock', 'The Killers', 222),
  ('song-demo00000000023', 'Take On Me', 1985, 'Synth-pop', 'a-ha', 225),
  ('song-demo00000000024', 'Africa', 1982, 'Rock', 'Toto', 295),
  ('song-demo00000000025', 'Wonderwall', 1995, 'Britpop', 'Oasis', 258),
  ('song-demo00000000026', 'Hips Don''t Lie', 2006, 'Latin', 'Shakira', 218),
  ('song-demo00000000027', 'Despacito', 2017, 'Latin', 'Luis Fonsi', 229),
  ('song-demo00000000028', 'Crazy in Love', 2003, 'R&B', 'Beyoncé', 236),
  ('song-demo00000000029', 'Happy', 2013, 'Soul', 'Pharrell Williams', 233),
  ('song-demo00000000030', 'Shape of You', 2017, 'Pop', 'Ed Sheeran', 233),
  ('song-demo00000000031', 'Sweet Child o'' Mine', 1987, 'Rock', 'Guns N'' Roses', 356),
  ('song-demo00000000032', 'Purple Rain', 1984, 'Rock', 'Prince', 521),
  ('song-demo00000000033', 'Stayin'' Alive', 1977, 'Disco', 'Bee Gees', 285),
  ('song-demo00000000034', 'Le Freak', 1978, 'Disco', 'Chic', 330),
  ('song-demo00000000035', 'Halo', 2008, 'R&B', 'Beyoncé', 261),
  ('song-demo00000000036', 'Toxic', 2003, 'Pop', 'Britney Spears', 199)
ON CONFLICT (id) DO NOTHING;

-- A few albums, so the web client has something to browse and covers to show.
INSERT INTO albums (id, name, year) VALUES
  ('album-demo0000000001', 'A Night at the Opera', 1975),
  ('album-demo0000000002', 'Thriller', 1982),
  ('album-demo0000000003', 'Nevermind', 1991),
  ('album-demo0000000004', 'Random Access Memories', 2013),
  ('album-demo0000000005', 'Future Nostalgia', 2020),
  ('album-demo0000000006', 'Arrival', 1976)
ON CONFLICT (id) DO NOTHING;
UPDATE songs s SET album_id = a.album_id
  FROM (VALUES ('song-demo00000000001', 'album-demo0000000001'),
               ('song-demo00000000003', 'album-demo0000000002'),
               ('song-demo00000000004', 'album-demo0000000002'),
               ('song-demo00000000005', 'album-demo0000000003'),
               ('song-demo00000000006', 'album-demo0000000003'),
               ('song-demo00000000015', 'album-demo0000000004'),
               ('song-demo00000000019', 'album-demo0000000005'),
               ('song-demo00000000020', 'album-demo0000000005'),
               ('song-demo00000000011', 'album-demo0000000006')) AS a (song_id, album_id)
 WHERE s.id = a.song_id AND s.album_id IS NULL;
