-- What `csc seed-demo` wrote (src/seed/): the day its data describes, which
-- `csc serve --dev` takes as today (src/demo.rs), and the scale and seed it
-- was made with. One row at most; a database without demo data has none.
CREATE TABLE demo_facts (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  today {date} NOT NULL,
  scale DOUBLE PRECISION NOT NULL CHECK (scale > 0),
  -- a u64 as text: BIGINT is signed
  seed TEXT NOT NULL
);
