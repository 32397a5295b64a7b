-- When the sink stored each zone event (the database's clock at the insert).
--
-- `at` is event time (the reader's clock of the evidence); `stored_at - at` is how long the system
-- took from the read to the stored event, the latency `bondtrack bench` reports: it reads this
-- column after the run instead of polling the table for new rows (a poll every 100 ms added up to
-- 100 ms to every figure and read thousands of rows a second off the database under test).
-- Nullable, no default: rows stored before this migration have none, and adding a column without a
-- default is a catalogue change on a hypertable, compressed chunks included.

ALTER TABLE zone_events ADD COLUMN stored_at timestamptz;
