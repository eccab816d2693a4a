//! The course years: progress, papers, extensions, study abroad,
//! departures, annual reports, research effort and completions.

use super::*;

impl Generator<'_> {
    // --- course years ---

    /// Progress, papers, extensions, study abroad and departures as of [`as_of`].
    pub(super) fn training(&mut self) {
        for t in 0..self.plan.trainees.len() {
            let year = self.plan.trainees[t].started_on.year();
            let rules = self.rules(year);
            let info = &self.trainee_info[t];
            let (started_on, research_from, departed_on, course) = (
                info.started_on,
                info.research_from,
                info.departed_on,
                info.course,
            );
            let first = self.plan.trainees[t].id == self.first_trainee_id();
            let until = departed_on.unwrap_or(as_of());
            let in_research = until >= research_from;
            let host = self.plan.courses[course].research_host_name.clone();
            let trainee_id = self.plan.trainees[t].id;

            // Research effort for each training year of the research phase
            // so far: at least half in almost every year (I.3(2)).
            let mut efforts = BTreeMap::new();
            if in_research {
                for y in training_year(research_from)..=training_year(until) {
                    let percent = if chance(self.rng, 0.03) {
                        40
                    } else {
                        50 + 5 * self.rng.random_range(0..=6)
                    };
                    efforts.insert(y, percent);
                }
            }
            let graduate_school = (in_research || chance(self.rng, 0.4)).then_some(host);
            let certified_from = add_months(started_on, 36);
            let board_certified_on =
                (certified_from <= until && chance(self.rng, 0.65)).then(|| {
                    day_between(
                        self.rng,
                        certified_from,
                        until.min(add_months(started_on, 48)),
                    )
                });
            let research_years = (until - research_from).num_days() as f64 / 365.25;
            let degree = if research_years >= 3.0 {
                if chance(self.rng, 0.3) {
                    DegreeStatus::Obtained
                } else {
                    DegreeStatus::Expected
                }
            } else if research_years >= 1.0 && chance(self.rng, 0.5) {
                DegreeStatus::Expected
            } else {
                DegreeStatus::None
            };
            {
                let row = &mut self.plan.trainees[t];
                row.graduate_school = graduate_school;
                row.board_certified_on = board_certified_on;
                row.degree = degree;
            }
            self.trainee_info[t].efforts = efforts;

            // Papers: about one every two research years, some earlier.
            if in_research {
                let trials = (research_years * 2.0).ceil().max(1.0) as usize;
                let mut n = (0..trials).filter(|_| chance(self.rng, 0.3)).count();
                if first {
                    n = n.max(2);
                }
                for k in 0..n {
                    let strict = first && k < 2;
                    let (journal, sci, english) =
                        if let Some(fixed) = JOURNALS.get(k).filter(|_| strict) {
                            *fixed
                        } else {
                            *pick(self.rng, &JOURNALS)
                        };
                    let design = if strict {
                        PAPER_DESIGNS[0]
                    } else {
                        *pick(self.rng, &PAPER_DESIGNS)
                    };
                    let case_report = design == "a case report";
                    let title = format!(
                        "{} in {}: {}",
                        pick(self.rng, &PAPER_TOPICS),
                        pick(self.rng, &PAPER_POPULATIONS),
                        design
                    );
                    // Research papers follow the start of research (I.3(2) 「その後」).
                    let published_on = day_between(self.rng, research_from, until);
                    let doi = (strict || chance(self.rng, 0.92))
                        .then(|| format!("10.5555/csc-demo.{trainee_id}.{}", k + 1));
                    self.plan.papers.push(paper::Model {
                        id: next(&mut self.ids.paper),
                        trainee_id,
                        title,
                        journal: journal.to_owned(),
                        doi,
                        published_on,
                        sci_indexed: sci,
                        first_author: strict || chance(self.rng, 0.8),
                        english,
                        case_report,
                        created_at: jst(add_days(published_on, 14), 11, 0),
                    });
                }
            }

            if chance(self.rng, 0.07) {
                let reasons = [
                    (ExtensionReason::PregnancyChildbirthChildcare, 40.0),
                    (ExtensionReason::Illness, 15.0),
                    (ExtensionReason::StudyAbroad, 15.0),
                    (ExtensionReason::Caregiving, 10.0),
                    (ExtensionReason::OverseasWork, 5.0),
                    (ExtensionReason::ManagerialPost, 5.0),
                    (ExtensionReason::Disaster, 3.0),
                    (ExtensionReason::Other, 7.0),
                ];
                let weights: Vec<f64> = reasons.iter().map(|r| r.1).collect();
                let reason = reasons[weighted(self.rng, &weights).unwrap_or(0)].0;
                let status = match self.rng.random_range(0..100) {
                    0..80 => DecisionStatus::Approved,
                    80..92 => DecisionStatus::Requested,
                    _ => DecisionStatus::Rejected,
                };
                let requested_at =
                    moment_between(self.rng, add_months(started_on, 3), sub_days(until, 7));
                let decided_at = (status != DecisionStatus::Requested).then(|| {
                    (requested_at + chrono::Duration::days(self.rng.random_range(14..45)))
                        .min(jst(as_of(), 9, 0))
                        .max(requested_at)
                });
                // III.1: agreed with the society and the board; the board is
                // the society of 総合診療.
                let by_board = self.societies[self.course_info[course].field].operated_by_board;
                let society_agreed = match status {
                    _ if by_board => None,
                    DecisionStatus::Approved => Some(true),
                    DecisionStatus::Rejected => Some(chance(self.rng, 0.5)),
                    DecisionStatus::Requested => chance(self.rng, 0.5).then_some(true),
                };
                let society_answered_at = society_agreed.map(|agreed| match (agreed, decided_at) {
                    (false, Some(at)) => at,
                    (_, Some(at)) => (at - chrono::Duration::days(7)).max(requested_at),
                    (_, None) => (requested_at + chrono::Duration::days(10))
                        .min(jst(as_of(), 9, 0))
                        .max(requested_at),
                });
                let note = match reason {
                    ExtensionReason::PregnancyChildbirthChildcare => {
                        "産前産後休業および育児休業のため"
                    }
                    ExtensionReason::Illness => "療養のため",
                    ExtensionReason::StudyAbroad => "海外の研究機関への留学のため",
                    ExtensionReason::Caregiving => "家族の介護のため",
                    ExtensionReason::OverseasWork => "海外での臨床業務のため",
                    ExtensionReason::ManagerialPost => "管理職への就任のため",
                    ExtensionReason::Disaster => "災害対応のため",
                    ExtensionReason::Other => "その他の事情のため",
                };
                self.plan.extensions.push(extension::Model {
                    id: next(&mut self.ids.extension),
                    trainee_id,
                    reason,
                    months: [6, 6, 12, 12, 12, 18, 24][self.rng.random_range(0..7)],
                    status,
                    note: Some(note.to_owned()),
                    requested_at,
                    decided_at,
                    society_agreed,
                    society_answered_at,
                });
            }

            if in_research && departed_on.is_none() && chance(self.rng, 0.1) {
                let (host, country) = *pick(self.rng, &ABROAD);
                let starts_on = day_between(self.rng, research_from, as_of());
                let planned_end = sub_days(add_months(started_on, 12 * rules.course_years), 1);
                let ends_on = add_months(starts_on, self.rng.random_range(6..=24)).min(planned_end);
                self.plan.study_abroad.push(study_abroad::Model {
                    id: next(&mut self.ids.study_abroad),
                    trainee_id,
                    host: host.to_owned(),
                    country: country.to_owned(),
                    starts_on,
                    ends_on: ends_on.max(starts_on),
                });
            }

            if let Some(on) = departed_on {
                let info = &self.trainee_info[t];
                let (claimed, granted, reduction) = (info.claimed, info.granted, info.reduction);
                // The board decided on recording, or on a claim three weeks later.
                let decided_at = if reduction.is_none() {
                    Some(jst(add_days(on, 1), 10, 0))
                } else {
                    claimed.then(|| jst(add_days(on, 21), 10, 0))
                };
                self.plan.departures.push(departure::Model {
                    id: next(&mut self.ids.departure),
                    trainee_id,
                    departed_on: on,
                    reason: (*pick(self.rng, &DEPARTURE_REASONS)).to_owned(),
                    special_circumstances: granted,
                    special_circumstances_claimed: claimed,
                    special_circumstances_decided_at: decided_at,
                    quota_reduction_id: reduction,
                    created_at: jst(add_days(on, 1), 10, 0),
                });
            }
        }
    }

    pub(super) fn first_trainee_id(&self) -> i64 {
        let Some(first) = self.plan.applicants.first() else {
            return 0;
        };
        self.plan
            .trainees
            .iter()
            .find(|t| t.applicant_id == first.id)
            .map_or(0, |t| t.id)
    }

    /// Each course with trainees reports every year from its first; the
    /// latest year is partly still under review, a few had guidance.
    pub(super) fn reports(&mut self) {
        let mut by_course: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (t, info) in self.trainee_info.iter().enumerate() {
            by_course.entry(info.course).or_default().push(t);
        }
        let this_year = as_of().year();
        for (course, trainees) in by_course {
            let c = self.plan.courses[course].clone();
            let field_ja = self.societies[self.course_info[course].field]
                .field_name_ja
                .clone();
            for year in c.year..=this_year {
                let current = year == this_year;
                if current && !chance(self.rng, 0.4) {
                    continue;
                }
                let reported_on = if current {
                    day_between(self.rng, ymd(year, 9, 1), as_of())
                } else {
                    day_between(self.rng, ymd(year + 1, 4, 10), ymd(year + 1, 4, 28))
                };
                let members: Vec<usize> = trainees
                    .iter()
                    .copied()
                    .filter(|&t| {
                        self.trainee_info[t]
                            .departed_on
                            .is_none_or(|d| d >= ymd(year, 4, 1))
                    })
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let latest = year >= this_year - 1;
                let guidance = chance(self.rng, 0.06);
                let resubmitted = guidance && chance(self.rng, 0.5);
                let status = match (guidance, resubmitted) {
                    (true, false) => ReportStatus::GuidanceIssued,
                    _ if latest && (current || chance(self.rng, 0.2)) => ReportStatus::Submitted,
                    _ => ReportStatus::Accepted,
                };
                let v1_at = jst(reported_on, 14, 0);
                let v2_at = jst(add_days(reported_on, 60), 14, 0).min(jst(as_of(), 9, 0));
                let report_id = next(&mut self.ids.report);
                let versions = if resubmitted { 2 } else { 1 };
                for v in 1..=versions {
                    let at = if v == 1 { v1_at } else { v2_at };
                    let version_id = next(&mut self.ids.version);
                    let any_research = members
                        .iter()
                        .any(|&t| at.date_naive() >= self.trainee_info[t].research_from);
                    self.plan.versions.push(annual_report_version::Model {
                        id: version_id,
                        report_id,
                        version: v,
                        submitted_at: at,
                        salary_provided: chance(self.rng, 0.97),
                        social_insurance_provided: c.guarantee_social_insurance
                            && chance(self.rng, 0.98),
                        working_graduate_student: c.guarantee_working_graduate_student
                            && any_research,
                        note: (v == 2).then(|| "指導を受けて記載を補足しました".to_owned()),
                    });
                    for &t in &members {
                        let info = &self.trainee_info[t];
                        let day = at.date_naive();
                        let phase = match info.departed_on {
                            Some(d) if d <= day => TraineePhase::Departed,
                            _ if day < info.research_from => TraineePhase::Clinical,
                            _ => TraineePhase::Research,
                        };
                        // The effort of the reported year, when it was a
                        // research year (I.3(2)); the phase is as of the day
                        // of the report, as submitAnnualReport records it.
                        let (effort, progress) = match (info.efforts.get(&year), phase) {
                            (Some(&effort), _) => (
                                Some(effort),
                                format!(
                                    "研究計画に沿って研究を実施（エフォート{effort}%）、残りを{field_ja}の臨床に従事"
                                ),
                            ),
                            (None, TraineePhase::Departed) => (
                                None,
                                format!("{}付で本コースを離脱", info.departed_on.unwrap_or(day)),
                            ),
                            _ => (
                                None,
                                format!(
                                    "カリキュラムに沿って{field_ja}領域の症例を{}例経験",
                                    self.rng.random_range(40..160)
                                ),
                            ),
                        };
                        let issues = chance(self.rng, 0.1)
                            .then(|| "研究と臨床の時間配分について指導医と調整中".to_owned());
                        let trainee_id = self.plan.trainees[t].id;
                        self.plan.entries.push(annual_report_entry::Model {
                            id: next(&mut self.ids.entry),
                            version_id,
                            trainee_id,
                            phase,
                            research_effort_percent: effort,
                            clinical_progress: progress,
                            issues,
                        });
                        if let (Some(percent), true) = (effort, v == versions) {
                            self.plan
                                .effort_reports
                                .push(research_effort_report::Model {
                                    id: next(&mut self.ids.effort_report),
                                    trainee_id,
                                    year,
                                    percent,
                                    source: EffortSource::AnnualReport,
                                    reported_at: at,
                                });
                        }
                    }
                }
                if guidance {
                    self.plan.guidance.push(guidance::Model {
                        id: next(&mut self.ids.guidance),
                        report_id,
                        issued_at: (v1_at + chrono::Duration::days(30)).min(v2_at.max(v1_at)),
                        text: (*pick(self.rng, &GUIDANCE_TEXTS)).to_owned(),
                    });
                }
                self.plan.reports.push(annual_report::Model {
                    id: report_id,
                    course_id: c.id,
                    institution_id: c.responsible_institution_id,
                    year,
                    status,
                    submitted_at: Some(if resubmitted { v2_at } else { v1_at }),
                    created_at: v1_at,
                });
            }
        }
    }
}

impl Generator<'_> {
    /// The current year's research effort, for some trainees reported as a
    /// progress update before the annual report; then each trainee's latest
    /// reported value, as `Trainee.researchEffortPercent` shows it.
    pub(super) fn research_effort(&mut self) {
        let this_year = training_year(as_of());
        let reported: BTreeSet<(i64, i32)> = self
            .plan
            .effort_reports
            .iter()
            .map(|r| (r.trainee_id, r.year))
            .collect();
        for t in 0..self.plan.trainees.len() {
            let trainee_id = self.plan.trainees[t].id;
            let info = &self.trainee_info[t];
            let current = info.efforts.get(&this_year).copied();
            if let Some(percent) = current
                && info.departed_on.is_none()
                && !reported.contains(&(trainee_id, this_year))
                && chance(self.rng, 0.5)
            {
                let on = day_between(self.rng, ymd(this_year, 6, 1), sub_days(as_of(), 1));
                self.plan
                    .effort_reports
                    .push(research_effort_report::Model {
                        id: next(&mut self.ids.effort_report),
                        trainee_id,
                        year: this_year,
                        percent,
                        source: EffortSource::ProgressUpdate,
                        reported_at: jst(on, 11, 0),
                    });
            }
        }
        let mut latest: BTreeMap<i64, (i32, i32)> = BTreeMap::new();
        for r in &self.plan.effort_reports {
            let entry = latest.entry(r.trainee_id).or_insert((r.year, r.percent));
            if r.year >= entry.0 {
                *entry = (r.year, r.percent);
            }
        }
        for row in &mut self.plan.trainees {
            row.research_effort_percent = latest.get(&row.id).map(|&(_, p)| p);
        }
    }

    /// The course confirms completion for about half of those who meet
    /// every requirement (`training::unmet`) two weeks before [`as_of`].
    pub(super) fn completions(&mut self) {
        let day = sub_days(as_of(), 14);
        for t in 0..self.plan.trainees.len() {
            if self.trainee_info[t].departed_on.is_some() {
                continue;
            }
            let row = &self.plan.trainees[t];
            let papers: Vec<PaperFacts> = self
                .plan
                .papers
                .iter()
                .filter(|p| p.trainee_id == row.id)
                .map(PaperFacts::from)
                .collect();
            let efforts: Vec<EffortReport> = self
                .plan
                .effort_reports
                .iter()
                .filter(|r| r.trainee_id == row.id)
                .map(EffortReport::from)
                .collect();
            let approved = training_rules::approved_extension_months(
                self.plan
                    .extensions
                    .iter()
                    .filter(|e| e.trainee_id == row.id)
                    .map(|e| (e.status == DecisionStatus::Approved, e.months)),
            );
            let facts = TraineeFacts {
                started_on: row.started_on,
                rules: self.cycle_of(row.started_on.year()).into(),
                approved_extension_months: approved,
                research_effort: &efforts,
                board_certified_on: row.board_certified_on,
                degree: row.degree.into(),
                papers: &papers,
                departed_on: None,
                completion_confirmed_on: None,
            };
            if training_rules::unmet(&facts, day).is_empty() && chance(self.rng, 0.5) {
                self.plan.trainees[t].completion_confirmed_on = Some(day);
            }
        }
    }
}
