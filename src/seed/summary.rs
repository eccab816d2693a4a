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
    /// The day the data describes, recorded in `demo_facts`.
    pub today: NaiveDate,
    /// `doctor-0001`, an internal medicine trainee of 2021 with papers.
    pub first_subject: String,
    pub first_applicant_name: String,
    /// The hospital where doctor-0001 trains (id, name): the INSTITUTION
    /// to start with, as GraphiQL's "Sign in as" offers it.
    pub first_trainee_institution: Option<(i64, String)>,
    /// A doctor (subject, name) whose application to internal medicine for
    /// [`SELECTION_YEAR`] waits for a decision (nothing proposed yet): the
    /// first such by subject, as GraphiQL's "Sign in as" finds it.
    pub waiting_applicant: Option<(String, String)>,
    /// Doctors registered for [`PLANNING_YEAR`] without an application yet,
    /// in subject order: they can `submitApplication` once its call opens.
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
        writeln!(f, "today: {}", self.today)?;
        writeln!(
            f,
            "first_applicant: {} ({}, a {FIRST_YEAR} trainee)",
            self.first_subject, self.first_applicant_name
        )?;
        match (self.idle_subjects.first(), self.idle_subjects.last()) {
            (Some(first), Some(last)) => write!(
                f,
                "idle_subjects: {first}..{last} ({} registered for {PLANNING_YEAR}, no application yet)",
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
            today: as_of(),
            first_subject: first.map(|a| a.subject.clone()).unwrap_or_default(),
            first_applicant_name: first.map(|a| a.full_name.clone()).unwrap_or_default(),
            first_trainee_institution: self.showcase.trainee_institution.clone(),
            waiting_applicant: self.showcase.waiting_applicant.clone(),
            idle_subjects: self.idle_subjects.clone(),
        }
    }
}

impl Summary {
    /// Where to start: the demo's day and the tokens to start with, as
    /// commands that work where the reader is (`csc` is
    /// `crate::invocation::csc_command()`: `cargo run --` under cargo).
    pub fn start_here(&self, csc: &str) -> String {
        let mut tokens: Vec<(String, String)> = vec![
            (
                "--role ADMIN".into(),
                format!("the board: confirm decisions, finalize {SELECTION_YEAR}"),
            ),
            (
                "--role SOCIETY --society INTERNAL_MEDICINE".into(),
                format!("内科: {SELECTION_YEAR} applications to decide, {PLANNING_YEAR} courses"),
            ),
        ];
        if let Some((id, name)) = &self.first_trainee_institution {
            tokens.push((
                format!(
                    "--role INSTITUTION --institution {}",
                    ids::encode(ids::INSTITUTION, *id).0
                ),
                format!("{name}, where {} trains", self.first_subject),
            ));
        }
        tokens.push((
            format!("--role APPLICANT --sub {}", self.first_subject),
            format!(
                "{}, an internal medicine trainee of {FIRST_YEAR}",
                self.first_applicant_name
            ),
        ));
        if let Some((subject, name)) = &self.waiting_applicant {
            tokens.push((
                format!("--role APPLICANT --sub {subject}"),
                format!("{name}, applied for {SELECTION_YEAR}, not decided yet"),
            ));
        }
        let width = tokens.iter().map(|(args, _)| args.len()).max().unwrap_or(0);
        let mut out = format!(
            "The data describes {}: the {SELECTION_YEAR} selection is under way (QUOTAS_ALLOCATED) \
             and the {PLANNING_YEAR} courses are being set (PLANNING).\n\
             `{csc} serve --dev` takes that day as today; GraphiQL's \"Sign in as\" offers these roles.\n\
             Tokens to start with (export the JWT_SECRET that `{csc} serve --dev` prints):\n",
            self.today
        );
        for (args, what) in tokens {
            out.push_str(&format!("  {csc} token {args:width$}   # {what}\n"));
        }
        out.push_str(
            "Example operations for each role, with this data's ids: docs/examples/README.md",
        );
        out
    }
}

/// The rows the summary points at, found once the data is made.
#[derive(Default)]
pub(super) struct Showcase {
    trainee_institution: Option<(i64, String)>,
    waiting_applicant: Option<(String, String)>,
}

impl Generator<'_> {
    /// doctor-0001's hospital, and the first doctor (by subject) whose
    /// application to internal medicine for [`SELECTION_YEAR`] is
    /// undecided, with nothing proposed.
    pub(super) fn showcase(&self) -> Showcase {
        let plan = &self.plan;
        let trainee_institution = plan
            .trainees
            .iter()
            .find(|t| t.id == self.first_trainee_id())
            .and_then(|t| plan.courses.iter().find(|c| c.id == t.course_id))
            .and_then(|c| {
                plan.institutions
                    .iter()
                    .find(|i| i.id == c.responsible_institution_id)
            })
            .map(|i| (i.id, i.name.clone()));
        let internal_medicine = self.societies[0].id;
        let waiting_applicant = (0..plan.applications.len())
            .filter(|&i| {
                let row = &plan.applications[i];
                row.year == SELECTION_YEAR
                    && row.status == ApplicationStatus::Submitted
                    && row.proposed_decision.is_none()
                    && plan.courses[self.apps[i].course].society_id == internal_medicine
            })
            .map(|i| &plan.applicants[self.apps[i].applicant])
            .min_by(|a, b| a.subject.cmp(&b.subject))
            .map(|a| (a.subject.clone(), a.full_name.clone()));
        Showcase {
            trainee_institution,
            waiting_applicant,
        }
    }
}
