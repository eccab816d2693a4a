-- Guideline fidelity where things go wrong (docs/guideline.md).

-- I.3(3): partner sites (連携施設) are certified training facilities of the
-- regular programs *of their field*: one row per institution and field.
CREATE TABLE institution_certifications (
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  society_id {ref} NOT NULL REFERENCES societies (id),
  PRIMARY KEY (institution_id, society_id)
);
CREATE INDEX institution_certifications_society ON institution_certifications (society_id);
-- Before per-field certification the flag meant "certified": keep that
-- meaning for rows already there, in every field.
INSERT INTO institution_certifications (institution_id, society_id)
  SELECT i.id, s.id FROM institutions i CROSS JOIN societies s
  WHERE i.certified_training_facility;

-- I.2(2)④: the board decides adoption with the society. A society's
-- decision is a proposal until the board confirms it; the basis of the
-- final decision is kept.
ALTER TABLE applications ADD COLUMN proposed_decision TEXT CHECK (proposed_decision IN ('ADOPT','NOT_ADOPT'));
ALTER TABLE applications ADD COLUMN proposed_at {ts};
ALTER TABLE applications ADD COLUMN decision_basis TEXT CHECK (decision_basis IN ('BOARD','SOCIETY_PROPOSAL'));

-- III.1: an extension is agreed with the society and the board.
ALTER TABLE extensions ADD COLUMN society_agreed BOOLEAN;
ALTER TABLE extensions ADD COLUMN society_answered_at {ts};

-- III.3: special circumstances (特段の理由) are granted by the board; an
-- institution can only claim them. A reduction the board lifts is kept,
-- marked cancelled, so society systems see what changed.
ALTER TABLE departures ADD COLUMN special_circumstances_claimed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE departures ADD COLUMN special_circumstances_decided_at {ts};
UPDATE departures SET special_circumstances_claimed = special_circumstances;
ALTER TABLE quota_reductions ADD COLUMN cancelled_at {ts};

-- I.3(2): research effort of at least 50% in every research year, one
-- value per trainee and training year (April to March), from the annual
-- report or a progress update, the later report winning.
CREATE TABLE research_effort_reports (
  id {id},
  trainee_id {ref} NOT NULL REFERENCES trainees (id),
  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  percent INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
  source TEXT NOT NULL CHECK (source IN ('ANNUAL_REPORT','PROGRESS_UPDATE')),
  reported_at {ts} NOT NULL,
  UNIQUE (trainee_id, year)
);
