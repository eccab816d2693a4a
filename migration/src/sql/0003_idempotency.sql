-- Responses to mutations sent with an Idempotency-Key, kept 24 hours per
-- caller: a retry with the same key and body gets the stored response.
CREATE TABLE idempotency_keys (
  id {id},
  caller TEXT NOT NULL CHECK (length(caller) BETWEEN 1 AND 300),
  idempotency_key TEXT NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash TEXT NOT NULL CHECK (length(request_hash) = 64),
  state TEXT NOT NULL CHECK (state IN ('RUNNING', 'DONE')),
  response TEXT,
  created_at {ts} NOT NULL,
  UNIQUE (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
