-- The whole data model of the clinician scientist course.
-- Placeholders are filled per backend by `dialect.rs`:
--   {id}   primary key, {ref} foreign-key column type, {ts} timestamp with offset, {date} calendar date.
-- Rules that protect integrity live here as constraints, not only in Rust.

CREATE TABLE societies (
  id {id},
  code TEXT NOT NULL UNIQUE CHECK (code IN ('INTERNAL_MEDICINE','PEDIATRICS','DERMATOLOGY','PSYCHIATRY','SURGERY','ORTHOPEDICS','OBSTETRICS_GYNECOLOGY','OPHTHALMOLOGY','OTOLARYNGOLOGY','UROLOGY','NEUROSURGERY','RADIOLOGY','ANESTHESIOLOGY','PATHOLOGY','LABORATORY_MEDICINE','EMERGENCY_MEDICINE','PLASTIC_SURGERY','REHABILITATION_MEDICINE','GENERAL_PRACTICE')),
  position INTEGER NOT NULL UNIQUE CHECK (position BETWEEN 1 AND 19),
  field_name_ja TEXT NOT NULL,
  field_name_en TEXT NOT NULL,
  name_ja TEXT NOT NULL,
  name_en TEXT NOT NULL,
  operated_by_board BOOLEAN NOT NULL
);

CREATE TABLE institutions (
  id {id},
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  name_en TEXT CHECK (name_en IS NULL OR length(name_en) BETWEEN 1 AND 200),
  kind TEXT NOT NULL CHECK (kind IN ('UNIVERSITY_HOSPITAL','NATIONAL_CENTER','PUBLIC_HOSPITAL','OTHER_HOSPITAL')),
  prefecture TEXT NOT NULL CHECK (length(prefecture) BETWEEN 2 AND 4),
  certified_training_facility BOOLEAN NOT NULL,
  created_at {ts} NOT NULL
);

CREATE TABLE recruitment_cycles (
  id {id},
  year INTEGER NOT NULL UNIQUE CHECK (year BETWEEN 2000 AND 2200),
  total_capacity INTEGER NOT NULL CHECK (total_capacity >= 1),
  early_call_opens_on {date} NOT NULL,
  early_call_closes_on {date} NOT NULL,
  general_call_opens_on {date} NOT NULL,
  sanction_years INTEGER NOT NULL DEFAULT 1 CHECK (sanction_years BETWEEN 0 AND 20),
  phase TEXT NOT NULL DEFAULT 'PLANNING' CHECK (phase IN ('PLANNING','EARLY_CALL_OPEN','EARLY_CALL_CLOSED','QUOTAS_ALLOCATED','SELECTION_FINALIZED')),
  course_years INTEGER NOT NULL DEFAULT 7 CHECK (course_years BETWEEN 2 AND 15),
  clinical_years INTEGER NOT NULL DEFAULT 2 CHECK (clinical_years >= 1),
  flexible_second_paper BOOLEAN NOT NULL DEFAULT FALSE,
  created_at {ts} NOT NULL,
  CHECK (early_call_opens_on < early_call_closes_on),
  CHECK (early_call_opens_on < general_call_opens_on),
  CHECK (clinical_years < course_years)
);

CREATE TABLE participations (
  id {id},
  society_id {ref} NOT NULL REFERENCES societies (id),
  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  participating BOOLEAN NOT NULL,
  decided_at {ts} NOT NULL,
  UNIQUE (society_id, year)
);

CREATE TABLE courses (
  id {id},
  year INTEGER NOT NULL REFERENCES recruitment_cycles (year),
  society_id {ref} NOT NULL REFERENCES societies (id),
  title TEXT NOT NULL CHECK (length(title) >= 1),
  responsible_institution_id {ref} NOT NULL REFERENCES institutions (id),
  director TEXT NOT NULL CHECK (length(director) >= 1),
  requested_capacity INTEGER NOT NULL CHECK (requested_capacity >= 1),
  status TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','SUBMITTED','APPROVED','PUBLISHED','WITHDRAWN')),
  curriculum TEXT NOT NULL CHECK (length(curriculum) >= 1),
  research_host_kind TEXT NOT NULL CHECK (research_host_kind IN ('GRADUATE_SCHOOL','NATIONAL_CENTER')),
  research_host_name TEXT NOT NULL CHECK (length(research_host_name) >= 1),
  research_host_institution_id {ref} REFERENCES institutions (id),
  research_host_paper_count INTEGER NOT NULL CHECK (research_host_paper_count >= 0),
  research_host_paper_record TEXT,
  guarantee_clinical_phase TEXT NOT NULL CHECK (length(guarantee_clinical_phase) >= 1),
  guarantee_research_phase TEXT NOT NULL CHECK (length(guarantee_research_phase) >= 1),
  guarantee_social_insurance BOOLEAN NOT NULL,
  guarantee_working_graduate_student BOOLEAN NOT NULL,
  created_at {ts} NOT NULL,
  updated_at {ts} NOT NULL,
  submitted_at {ts},
  approved_at {ts},
  published_at {ts},
  withdrawn_at {ts},
  withdrawal_reason TEXT
);
CREATE INDEX courses_year_society ON courses (year, society_id);
CREATE INDEX courses_society ON courses (society_id);
CREATE INDEX courses_institution ON courses (responsible_institution_id);
CREATE INDEX courses_status ON courses (status);

CREATE TABLE course_partner_sites (
  course_id {ref} NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  PRIMARY KEY (course_id, institution_id)
);
CREATE INDEX course_partner_sites_institution ON course_partner_sites (institution_id);

CREATE TABLE field_quotas (
  id {id},
  year INTEGER NOT NULL REFERENCES recruitment_cycles (year),
  society_id {ref} NOT NULL REFERENCES societies (id),
  participating BOOLEAN NOT NULL,
  applicants INTEGER NOT NULL CHECK (applicants >= 0),
  minimum_seats INTEGER NOT NULL CHECK (minimum_seats IN (0, 1)),
  share_numerator BIGINT NOT NULL CHECK (share_numerator >= 0),
  share_denominator BIGINT NOT NULL CHECK (share_denominator > 0),
  remainder_seats INTEGER NOT NULL CHECK (remainder_seats IN (0, 1)),
  computed_quota INTEGER NOT NULL CHECK (computed_quota >= 0),
  quota INTEGER NOT NULL CHECK (quota >= 0),
  adjustment_reason TEXT,
  adjusted_at {ts},
  UNIQUE (year, society_id)
);
CREATE INDEX field_quotas_society ON field_quotas (society_id);

CREATE TABLE applicants (
  id {id},
  subject TEXT NOT NULL UNIQUE CHECK (length(subject) BETWEEN 1 AND 255),
  full_name TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
  full_name_kana TEXT,
  email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  medical_license_number TEXT NOT NULL UNIQUE,
  university TEXT NOT NULL CHECK (length(university) >= 1),
  graduation_year INTEGER NOT NULL CHECK (graduation_year BETWEEN 1950 AND 2200),
  initial_training_completed_on {date} NOT NULL,
  obligated_service_graduate BOOLEAN NOT NULL,
  regional_quota_obligation BOOLEAN NOT NULL,
  created_at {ts} NOT NULL
);

CREATE TABLE applications (
  id {id},
  applicant_id {ref} NOT NULL REFERENCES applicants (id),
  course_id {ref} NOT NULL REFERENCES courses (id),
  year INTEGER NOT NULL REFERENCES recruitment_cycles (year),
  status TEXT NOT NULL DEFAULT 'SUBMITTED' CHECK (status IN ('SUBMITTED','ADOPTED','NOT_ADOPTED','WITHDRAWN')),
  outcome TEXT NOT NULL DEFAULT 'UNDECIDED' CHECK (outcome IN ('UNDECIDED','COURSE','REGULAR_PROGRAM','NONE')),
  submitted_at {ts} NOT NULL,
  decided_at {ts},
  withdrawn_at {ts}
);
-- One live application per applicant and cycle, also under concurrent submissions.
CREATE UNIQUE INDEX applications_one_live ON applications (applicant_id, year) WHERE status IN ('SUBMITTED', 'ADOPTED');
CREATE INDEX applications_applicant ON applications (applicant_id);
CREATE INDEX applications_course_status ON applications (course_id, status);
CREATE INDEX applications_year_status ON applications (year, status);

CREATE TABLE general_applications (
  id {id},
  application_id {ref} NOT NULL UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
  program_name TEXT NOT NULL CHECK (length(program_name) BETWEEN 1 AND 200),
  society_id {ref} NOT NULL REFERENCES societies (id),
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  status TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','ACTIVE','WITHDRAWN')),
  created_at {ts} NOT NULL,
  activated_at {ts}
);
CREATE INDEX general_applications_society ON general_applications (society_id);
CREATE INDEX general_applications_institution ON general_applications (institution_id);

CREATE TABLE trainees (
  id {id},
  applicant_id {ref} NOT NULL UNIQUE REFERENCES applicants (id),
  course_id {ref} NOT NULL REFERENCES courses (id),
  application_id {ref} NOT NULL UNIQUE REFERENCES applications (id),
  started_on {date} NOT NULL,
  research_effort_percent INTEGER CHECK (research_effort_percent BETWEEN 0 AND 100),
  graduate_school TEXT,
  board_certified_on {date},
  degree TEXT NOT NULL DEFAULT 'NONE' CHECK (degree IN ('NONE','EXPECTED','OBTAINED')),
  completion_confirmed_on {date},
  created_at {ts} NOT NULL
);
CREATE INDEX trainees_course ON trainees (course_id);

CREATE TABLE papers (
  id {id},
  trainee_id {ref} NOT NULL REFERENCES trainees (id),
  title TEXT NOT NULL CHECK (length(title) >= 1),
  journal TEXT NOT NULL CHECK (length(journal) >= 1),
  doi TEXT,
  published_on {date} NOT NULL,
  sci_indexed BOOLEAN NOT NULL,
  first_author BOOLEAN NOT NULL,
  english BOOLEAN NOT NULL,
  case_report BOOLEAN NOT NULL,
  created_at {ts} NOT NULL,
  UNIQUE (trainee_id, doi)
);

CREATE TABLE extensions (
  id {id},
  trainee_id {ref} NOT NULL REFERENCES trainees (id),
  reason TEXT NOT NULL CHECK (reason IN ('STUDY_ABROAD','OVERSEAS_WORK','PREGNANCY_CHILDBIRTH_CHILDCARE','ILLNESS','CAREGIVING','MANAGERIAL_POST','DISASTER','OTHER')),
  months INTEGER NOT NULL CHECK (months BETWEEN 1 AND 36),
  status TEXT NOT NULL DEFAULT 'REQUESTED' CHECK (status IN ('REQUESTED','APPROVED','REJECTED')),
  note TEXT,
  requested_at {ts} NOT NULL,
  decided_at {ts}
);
CREATE INDEX extensions_trainee ON extensions (trainee_id);

CREATE TABLE study_abroad_periods (
  id {id},
  trainee_id {ref} NOT NULL REFERENCES trainees (id),
  host TEXT NOT NULL CHECK (length(host) >= 1),
  country TEXT NOT NULL CHECK (length(country) >= 1),
  starts_on {date} NOT NULL,
  ends_on {date} NOT NULL,
  CHECK (starts_on <= ends_on)
);
CREATE INDEX study_abroad_periods_trainee ON study_abroad_periods (trainee_id);

CREATE TABLE quota_reductions (
  id {id},
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  year INTEGER NOT NULL,
  regular_program_seats INTEGER NOT NULL CHECK (regular_program_seats >= 0),
  course_seats INTEGER NOT NULL CHECK (course_seats >= 0),
  created_at {ts} NOT NULL
);
CREATE INDEX quota_reductions_institution ON quota_reductions (institution_id, year);

CREATE TABLE departures (
  id {id},
  trainee_id {ref} NOT NULL UNIQUE REFERENCES trainees (id),
  departed_on {date} NOT NULL,
  reason TEXT NOT NULL CHECK (length(reason) >= 1),
  special_circumstances BOOLEAN NOT NULL,
  quota_reduction_id {ref} UNIQUE REFERENCES quota_reductions (id),
  created_at {ts} NOT NULL
);

CREATE TABLE sanctions (
  id {id},
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  course_id {ref} REFERENCES courses (id),
  reason TEXT NOT NULL CHECK (reason IN ('COURSE_CHANGED','COURSE_WITHDRAWN','QUOTA_UNFILLED')),
  from_year INTEGER NOT NULL,
  until_year INTEGER NOT NULL,
  created_at {ts} NOT NULL,
  CHECK (from_year <= until_year)
);
CREATE INDEX sanctions_institution ON sanctions (institution_id, until_year);

CREATE TABLE annual_reports (
  id {id},
  course_id {ref} NOT NULL REFERENCES courses (id),
  institution_id {ref} NOT NULL REFERENCES institutions (id),
  year INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','SUBMITTED','ACCEPTED','GUIDANCE_ISSUED')),
  submitted_at {ts},
  created_at {ts} NOT NULL,
  UNIQUE (course_id, year)
);
CREATE INDEX annual_reports_institution ON annual_reports (institution_id, year);

-- Each submission is kept: a resubmission after guidance adds a version.
CREATE TABLE annual_report_versions (
  id {id},
  report_id {ref} NOT NULL REFERENCES annual_reports (id),
  version INTEGER NOT NULL CHECK (version >= 1),
  submitted_at {ts} NOT NULL,
  salary_provided BOOLEAN NOT NULL,
  social_insurance_provided BOOLEAN NOT NULL,
  working_graduate_student BOOLEAN NOT NULL,
  note TEXT,
  UNIQUE (report_id, version)
);

CREATE TABLE annual_report_entries (
  id {id},
  version_id {ref} NOT NULL REFERENCES annual_report_versions (id),
  trainee_id {ref} NOT NULL REFERENCES trainees (id),
  phase TEXT NOT NULL CHECK (phase IN ('CLINICAL','RESEARCH','COMPLETED','DEPARTED')),
  research_effort_percent INTEGER CHECK (research_effort_percent BETWEEN 0 AND 100),
  clinical_progress TEXT NOT NULL,
  issues TEXT,
  UNIQUE (version_id, trainee_id)
);
CREATE INDEX annual_report_entries_trainee ON annual_report_entries (trainee_id);

CREATE TABLE guidance (
  id {id},
  report_id {ref} NOT NULL REFERENCES annual_reports (id),
  issued_at {ts} NOT NULL,
  text TEXT NOT NULL CHECK (length(text) >= 1)
);
CREATE INDEX guidance_report ON guidance (report_id);

CREATE TABLE audit_events (
  id {id},
  at {ts} NOT NULL,
  role TEXT CHECK (role IN ('ADMIN','SOCIETY','INSTITUTION','APPLICANT')),
  subject TEXT,
  operation TEXT NOT NULL,
  target_id TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('OK','REFUSED')),
  summary TEXT NOT NULL
);
CREATE INDEX audit_events_target ON audit_events (target_id);
