//! Recruitment cycles, each society's participation, and the courses.

use super::*;

impl Generator<'_> {
    // --- cycles, participation, courses ---

    /// One cycle per intake year, in sequence: finalized up to the year
    /// before [`SELECTION_YEAR`], that one in its selection, the next
    /// one being planned.
    pub(super) fn cycle(&mut self, year: i32) {
        let k = (year - FIRST_YEAR) as usize;
        let capacity = [40, 40, 40, 45, 50, 55, 60, 60][k.min(7)];
        let (opens, closes, general) = if year == FIRST_YEAR {
            // The first early call as it happened.
            (ymd(2020, 9, 23), ymd(2020, 10, 19), ymd(2020, 11, 4))
        } else {
            (
                ymd(year - 1, 9, 20),
                ymd(year - 1, 10, 19),
                ymd(year - 1, 11, 4),
            )
        };
        let revised = year >= 2024;
        self.plan.cycles.push(recruitment_cycle::Model {
            id: next(&mut self.ids.cycle),
            year,
            total_capacity: capacity,
            early_call_opens_on: opens,
            early_call_closes_on: closes,
            general_call_opens_on: general,
            sanction_years: 1,
            phase: match year.cmp(&SELECTION_YEAR) {
                std::cmp::Ordering::Less => CyclePhase::SelectionFinalized,
                std::cmp::Ordering::Equal => CyclePhase::QuotasAllocated,
                std::cmp::Ordering::Greater => CyclePhase::Planning,
            },
            course_years: if revised { 5 } else { 7 },
            clinical_years: if revised { 1 } else { 2 },
            flexible_second_paper: revised,
            // The board opens an intake's planning in the July fifteen
            // months before its early call, so the societies set its courses
            // while the intake before recruits; the first two intakes on the
            // day the guideline was approved.
            created_at: jst(ymd(year - 2, 7, 1).max(ymd(2020, 9, 18)), 10, 0),
        });
    }

    /// Each society decides whether it takes part (internal medicine always
    /// does); some that take part never say so, which counts as taking part
    /// (II.2(1), `quota::takes_part`). For the intake being planned about
    /// half have decided so far.
    pub(super) fn participations(&mut self, year: i32) -> Vec<bool> {
        let planning = year == PLANNING_YEAR;
        let (from, to) = if planning {
            let created = self.cycle_of(year).created_at.date_naive();
            (add_days(created, 14), sub_days(as_of(), 1))
        } else {
            (ymd(year - 1, 6, 1), ymd(year - 1, 7, 31))
        };
        let mut out = Vec::with_capacity(FIELDS.len());
        for (i, f) in FIELDS.iter().enumerate() {
            let yes = i == 0 || chance(self.rng, f.participation);
            let decided = if planning {
                chance(self.rng, 0.5)
            } else {
                !yes || !chance(self.rng, 0.15)
            };
            let decision = decided.then_some(yes);
            if let Some(participating) = decision {
                let decided_at = moment_between(self.rng, from, to);
                self.plan.participations.push(participation::Model {
                    id: next(&mut self.ids.participation),
                    society_id: self.societies[i].id,
                    year,
                    participating,
                    decided_at,
                });
            }
            out.push(quota::takes_part(decision));
        }
        out
    }

    /// The year's courses; returns their indices.
    pub(super) fn courses(&mut self, year: i32, participating: &[bool]) -> Vec<usize> {
        let fields: Vec<usize> = (0..FIELDS.len()).filter(|&f| participating[f]).collect();
        let n = self.sizes.courses_per_year;
        let mut per_field = vec![0usize; FIELDS.len()];
        let weights: Vec<f64> = (0..FIELDS.len())
            .map(|f| {
                if participating[f] {
                    self.weight(f)
                } else {
                    0.0
                }
            })
            .collect();
        if n >= fields.len() {
            for &f in &fields {
                per_field[f] = 1;
            }
            for _ in fields.len()..n {
                if let Some(f) = weighted(self.rng, &weights) {
                    per_field[f] += 1;
                }
            }
        } else {
            // Internal medicine, which always takes part, first.
            let mut left = weights.clone();
            per_field[0] = 1;
            left[0] = 0.0;
            for _ in 1..n {
                if let Some(f) = weighted(self.rng, &left) {
                    per_field[f] = 1;
                    left[f] = 0.0;
                }
            }
        }

        let cycle = self.cycle_of(year).clone();
        // I.2(2)①, II.3(2): universities and national centres that have
        // not lost the right to set courses for the year.
        let responsible: Vec<usize> = (0..self.insts.len())
            .filter(|&i| course_rules::check_responsible(&self.site(i, 0)).is_ok())
            .filter(|&i| !self.suspended(i, year))
            .collect();
        // Institutions that offered a field before tend to offer it again.
        let mut offered: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (c, info) in self.course_info.iter().enumerate() {
            if self.plan.courses[c].year < year {
                offered.insert((info.field, info.institution));
            }
        }

        let mut made = Vec::new();
        for (f, &count) in per_field.iter().enumerate() {
            let field_code = FIELDS[f].code;
            // I.3(3): partners are certified training facilities of the field.
            let mut certified_by_pref: Vec<Vec<usize>> = vec![Vec::new(); PREFECTURES.len()];
            let mut certified = Vec::new();
            for (i, inst) in self.insts.iter().enumerate() {
                if inst.row.kind != InstitutionKind::NationalCenter
                    && course_rules::check_partner(&self.site(i, f)).is_ok()
                {
                    certified_by_pref[inst.prefecture].push(i);
                    certified.push(i);
                }
            }
            let mut used = BTreeSet::new();
            for _ in 0..count {
                let weights: Vec<f64> = responsible
                    .iter()
                    .map(|&i| {
                        if used.contains(&i) {
                            return 0.0;
                        }
                        let base = match self.insts[i].center {
                            Some(c) if NATIONAL_CENTERS[c].fields.contains(&field_code) => 1.5,
                            Some(_) => 0.0,
                            None => 1.0,
                        };
                        if base > 0.0 && offered.contains(&(f, i)) {
                            base + 6.0
                        } else {
                            base
                        }
                    })
                    .collect();
                let Some(pick_at) = weighted(self.rng, &weights) else {
                    break;
                };
                let inst = responsible[pick_at];
                used.insert(inst);
                let c = self.course(year, &cycle, f, inst);
                // Partner sites: none for a course run at the institution alone.
                let partners = if chance(self.rng, 0.1) {
                    0
                } else {
                    self.rng.random_range(2..=6)
                };
                let mut chosen = BTreeSet::new();
                for _ in 0..partners * 4 {
                    if chosen.len() == partners {
                        break;
                    }
                    let local = &certified_by_pref[self.insts[inst].prefecture];
                    let pool = if !local.is_empty() && chance(self.rng, 0.7) {
                        local
                    } else {
                        &certified
                    };
                    if pool.is_empty() {
                        break;
                    }
                    let p = *pick(self.rng, pool);
                    if p != inst {
                        chosen.insert(p);
                    }
                }
                let course_id = self.plan.courses[c].id;
                for p in chosen {
                    self.plan.partner_sites.push(course_partner_site::Model {
                        course_id,
                        institution_id: self.insts[p].row.id,
                    });
                }
                made.push(c);
            }
        }
        made
    }

    pub(super) fn course(
        &mut self,
        year: i32,
        cycle: &recruitment_cycle::Model,
        field: usize,
        inst: usize,
    ) -> usize {
        let field_ja = self.societies[field].field_name_ja.clone();
        let institution = &self.insts[inst];
        let (host_kind, host_name, host_institution) =
            match (institution.center, &institution.university) {
                (Some(c), _) => (
                    ResearchHostKind::NationalCenter,
                    NATIONAL_CENTERS[c].research.to_owned(),
                    institution.row.id,
                ),
                (None, Some(university)) if !chance(self.rng, 0.15) => (
                    ResearchHostKind::GraduateSchool,
                    format!("{university}大学院医学研究科"),
                    institution.row.id,
                ),
                _ => {
                    let centers: Vec<usize> = (0..self.insts.len())
                        .filter(|&i| {
                            self.insts[i].center.is_some_and(|c| {
                                NATIONAL_CENTERS[c].fields.contains(&FIELDS[field].code)
                            })
                        })
                        .collect();
                    match centers.first() {
                        Some(_) => {
                            let i = *pick(self.rng, &centers);
                            let c = self.insts[i].center.expect("a national centre");
                            (
                                ResearchHostKind::NationalCenter,
                                NATIONAL_CENTERS[c].research.to_owned(),
                                self.insts[i].row.id,
                            )
                        }
                        None => (
                            ResearchHostKind::GraduateSchool,
                            format!(
                                "{}大学院医学研究科",
                                institution.university.clone().unwrap_or_default()
                            ),
                            institution.row.id,
                        ),
                    }
                }
            };
        let paper_count = match host_kind {
            ResearchHostKind::GraduateSchool => self.rng.random_range(300..=2_500),
            ResearchHostKind::NationalCenter => self.rng.random_range(400..=1_800),
        };
        let paper_record = chance(self.rng, 0.7).then(|| {
            let in_field = paper_count * self.rng.random_range(5..=20) / 100;
            format!("過去5年間の英文SCI論文 {paper_count} 編（うち{field_ja}領域 {in_field} 編）")
        });
        let graduate_school = host_kind == ResearchHostKind::GraduateSchool;
        let research_phase = if graduate_school {
            *pick(
                self.rng,
                &[
                    "社会人大学院生として常勤医師の雇用を継続し、給与を支給",
                    "大学院在籍中も医員として雇用し、臨床業務に応じた給与を支給",
                ],
            )
        } else {
            "ナショナルセンターの研究員として雇用し、給与を支給"
        };
        debug_assert!(
            course_rules::check_research_host(
                HostKind::from(host_kind),
                self.insts
                    .iter()
                    .position(|i| i.row.id == host_institution)
                    .map(|i| self.site(i, field))
                    .as_ref(),
            )
            .is_ok()
        );
        let capacity = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][self.rng.random_range(0..10)];
        // III.3: after departures the institution's courses keep more seats
        // than it lost (`departure::check_seats_after_cut`).
        let cut = self
            .cuts
            .get(&(institution.row.id, year))
            .copied()
            .unwrap_or(0);
        let capacity = capacity.max(cut as i32 + 1);
        let days = |rng: &mut ChaCha8Rng, range: std::ops::Range<i64>| {
            chrono::Duration::days(rng.random_range(range))
        };
        let status;
        let (created, submitted, approved, published);
        if year == PLANNING_YEAR {
            // Being set: drafted since the cycle was created, each as far
            // as it got by today (the board takes its time to consult).
            let opened = cycle.created_at.date_naive();
            created = moment_between(self.rng, add_days(opened, 21), sub_days(as_of(), 1));
            submitted = created + days(self.rng, 14..60);
            approved = submitted + days(self.rng, 14..40);
            published = approved + days(self.rng, 7..21);
            let now = jst(as_of(), 9, 0);
            status = if published <= now {
                CourseStatus::Published
            } else if approved <= now {
                CourseStatus::Approved
            } else if submitted <= now {
                CourseStatus::Submitted
            } else {
                CourseStatus::Draft
            };
        } else {
            created = moment_between(self.rng, ymd(year - 1, 5, 7), ymd(year - 1, 6, 10));
            submitted = created + days(self.rng, 7..30);
            approved = submitted + days(self.rng, 10..25);
            published = approved + days(self.rng, 3..14);
            status = if chance(self.rng, 0.04) {
                CourseStatus::Withdrawn
            } else {
                CourseStatus::Published
            };
        }
        let withdrawn_on = (status == CourseStatus::Withdrawn).then(|| {
            day_between(
                self.rng,
                add_days(cycle.early_call_opens_on, 5),
                sub_days(cycle.early_call_closes_on, 3),
            )
        });
        let withdrawn_at = withdrawn_on.map(|d| jst(d, 15, 0));
        let (submitted_at, approved_at, published_at) = match status {
            CourseStatus::Draft => (None, None, None),
            CourseStatus::Submitted => (Some(submitted), None, None),
            CourseStatus::Approved => (Some(submitted), Some(approved), None),
            _ => (Some(submitted), Some(approved), Some(published)),
        };
        let updated_at = withdrawn_at
            .or(published_at)
            .or(approved_at)
            .or(submitted_at)
            .unwrap_or(created);
        let director = person(self.rng);
        let row = course::Model {
            id: next(&mut self.ids.course),
            year,
            society_id: self.societies[field].id,
            title: format!("{} {field_ja}臨床研究医コース", institution.row.name),
            responsible_institution_id: institution.row.id,
            director: person_name(director),
            requested_capacity: capacity,
            status,
            curriculum: format!("{field_ja}領域専門研修カリキュラム（カリキュラム制）"),
            research_host_kind: host_kind,
            research_host_name: host_name,
            research_host_institution_id: Some(host_institution),
            research_host_paper_count: paper_count,
            research_host_paper_record: paper_record,
            guarantee_clinical_phase: "基本領域の専攻医と同等の給与・社会保険を保障".to_owned(),
            guarantee_research_phase: research_phase.to_owned(),
            // I.3(1): insured as in the regular programs (a course must promise it).
            guarantee_social_insurance: course_rules::check_status_guarantee(true).is_ok(),
            guarantee_working_graduate_student: graduate_school && chance(self.rng, 0.9),
            created_at: created,
            updated_at,
            submitted_at,
            approved_at,
            published_at,
            withdrawn_at,
            withdrawal_reason: withdrawn_on
                .map(|_| (*pick(self.rng, &WITHDRAWAL_REASONS)).to_owned()),
        };
        if let Some(on) = withdrawn_on {
            // Withdrawn after the call opened: the institution loses the
            // right to set its next courses (II.3(2)).
            let calendar = self.calendar_on(on);
            let years = cycle.sanction_years.max(0) as u32;
            let phase = calendar.phase(year).unwrap_or(Phase::EarlyCallOpen);
            if let Some(span) = suspension::after_course_lost(&calendar, year, phase, years) {
                self.plan.sanctions.push(sanction::Model {
                    id: next(&mut self.ids.sanction),
                    institution_id: row.responsible_institution_id,
                    course_id: Some(row.id),
                    reason: SanctionReason::CourseWithdrawn,
                    from_year: span.from_year,
                    until_year: span.until_year,
                    created_at: jst(on, 16, 0),
                });
                self.suspensions.push((inst, span));
            }
        }
        self.plan.courses.push(row);
        self.course_info.push(CourseInfo {
            field,
            institution: inst,
            withdrawn_on,
        });
        self.plan.courses.len() - 1
    }
}
