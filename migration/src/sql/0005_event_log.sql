-- Live-update events as they were announced, kept about an hour: an
-- instance whose NOTIFY listener lost its connection reads here what it
-- missed. Written and read on PostgreSQL only; SQLite has the table so that
-- both backends have one schema.
CREATE TABLE event_log (
  id {id},
  -- The instance that published the events (a UUID), so it skips its own.
  origin TEXT NOT NULL,
  -- The events as a JSON array, at most one NOTIFY payload's worth.
  payload TEXT NOT NULL,
  created_at {ts} NOT NULL
);
CREATE INDEX event_log_created ON event_log (created_at);
