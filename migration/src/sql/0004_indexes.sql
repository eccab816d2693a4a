-- Indexes for the foreign keys and filters the 0001 schema left unindexed,
-- and for reading pages of published courses in key order.

-- Foreign keys: the research host of a course, the course of a sanction.
CREATE INDEX courses_research_host_institution ON courses (research_host_institution_id);
CREATE INDEX sanctions_course ON sanctions (course_id);

-- Pages of courses by status (anonymous callers: published only) in id
-- order; (status) alone is a prefix of it and goes.
CREATE INDEX courses_status_id ON courses (status, id);
DROP INDEX courses_status;

-- Filters by year alone: participations of a cycle, annualReports(year:).
CREATE INDEX participations_year ON participations (year);
CREATE INDEX annual_reports_year ON annual_reports (year);
