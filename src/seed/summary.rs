//! What `seed-demo` inserted, and where to start exploring.

use super::*;

/// What was inserted, table by table, and where to start exploring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub institutions: usize,
    pub institution_certifications: usize,
    pub recruitment_cycles: usize,
    pub participations: usize,
    pub courses: usize,
    pub course_partner_sites: usize,
    pub field_quotas: usize,
    pub sanctions: usize,
    pub applicants: usize,
    pub applications: usize,
    pub general_applications: usize,
    pub trainees: usize,
    pub research_effort_reports: usize,
    pub papers: usize,
    pub extensions: usize,
    pub study_abroad_periods: usize,
    pub departures: usize,
    pub quota_reductions: usize,
    pub annual_reports: usize,
    pub annual_report_versions: usize,
    pub annual_report_entries: usize,
    pub guidance: usize,
    /// `doctor-0001`, a 2021 trainee with papers: a good APPLICANT token subject.
    pub first_subject: String,
    pub first_applicant_name: String,
    /// Doctors registered for the open cycle without an application yet, in
    /// subject order: they can `submitApplication` right away.
    pub idle_subjects: Vec<String>,
}

impl Summary {
    pub fn rows(&self) -> usize {
        self.institutions
            + self.institution_certifications
            + self.recruitment_cycles
            + self.participations
            + self.courses
            + self.course_partner_sites
            + self.field_quotas
            + self.sanctions
            + self.applicants
            + self.applications
            + self.general_applications
            + self.trainees
            + self.research_effort_reports
            + self.papers
            + self.extensions
            + self.study_abroad_periods
            + self.departures
            + self.quota_reductions
            + self.annual_reports
            + self.annual_report_versions
            + self.annual_report_entries
            + self.guidance
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let counts = [
            ("institutions", self.institutions),
            (
                "institution_certifications",
                self.institution_certifications,
            ),
            ("recruitment_cycles", self.recruitment_cycles),
            ("participations", self.participations),
            ("courses", self.courses),
            ("course_partner_sites", self.course_partner_sites),
            ("field_quotas", self.field_quotas),
            ("sanctions", self.sanctions),
            ("applicants", self.applicants),
            ("applications", self.applications),
            ("general_applications", self.general_applications),
            ("trainees", self.trainees),
            ("research_effort_reports", self.research_effort_reports),
            ("papers", self.papers),
            ("extensions", self.extensions),
            ("study_abroad_periods", self.study_abroad_periods),
            ("departures", self.departures),
            ("quota_reductions", self.quota_reductions),
            ("annual_reports", self.annual_reports),
            ("annual_report_versions", self.annual_report_versions),
            ("annual_report_entries", self.annual_report_entries),
            ("guidance", self.guidance),
        ];
        for (table, n) in counts {
            writeln!(f, "{table}: {n}")?;
        }
        writeln!(f, "rows: {}", self.rows())?;
        writeln!(
            f,
            "first_applicant: {} ({}, a {FIRST_YEAR} trainee)",
            self.first_subject, self.first_applicant_name
        )?;
        match (self.idle_subjects.first(), self.idle_subjects.last()) {
            (Some(first), Some(last)) => write!(
                f,
                "idle_subjects: {first}..{last} ({} registered for {OPEN_YEAR}, no application yet)",
                self.idle_subjects.len()
            ),
            _ => write!(f, "idle_subjects: none"),
        }
    }
}

impl Plan {
    pub(super) fn summary(&self) -> Summary {
        let first = self.applicants.first();
        Summary {
            institutions: self.institutions.len(),
            institution_certifications: self.certifications.len(),
            recruitment_cycles: self.cycles.len(),
            participations: self.participations.len(),
            courses: self.courses.len(),
            course_partner_sites: self.partner_sites.len(),
            field_quotas: self.field_quotas.len(),
            sanctions: self.sanctions.len(),
            applicants: self.applicants.len(),
            applications: self.applications.len(),
            general_applications: self.general_applications.len(),
            trainees: self.trainees.len(),
            research_effort_reports: self.effort_reports.len(),
            papers: self.papers.len(),
            extensions: self.extensions.len(),
            study_abroad_periods: self.study_abroad.len(),
            departures: self.departures.len(),
            quota_reductions: self.quota_reductions.len(),
            annual_reports: self.reports.len(),
            annual_report_versions: self.versions.len(),
            annual_report_entries: self.entries.len(),
            guidance: self.guidance.len(),
            first_subject: first.map(|a| a.subject.clone()).unwrap_or_default(),
            first_applicant_name: first.map(|a| a.full_name.clone()).unwrap_or_default(),
            idle_subjects: self.idle_subjects.clone(),
        }
    }
}
