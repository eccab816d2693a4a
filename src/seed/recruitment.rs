//! Doctors, their applications and parallel general applications, the
//! quotas and the selection, and the trainees it makes.

use super::*;

impl Generator<'_> {
    // --- doctors and applications ---

    /// New doctors per intake year, growing a little each year.
    pub(super) fn cohorts(&self, years: usize) -> Vec<usize> {
        let weights = [12, 13, 14, 14, 15, 16, 16];
        let total: usize = weights.iter().take(years).sum();
        let mut out: Vec<usize> = weights
            .iter()
            .take(years)
            .map(|w| self.sizes.applicants * w / total)
            .collect();
        let given: usize = out.iter().sum();
        if let Some(last) = out.last_mut() {
            *last += self.sizes.applicants - given;
        }
        out
    }

    /// A new doctor registered for the intake `year`.
    pub(super) fn applicant(&mut self, year: i32, eligible: bool) -> usize {
        let seq = self.people.len() + 1;
        let (family, given) = person(self.rng);
        // The ineligible: graduates with obligated service years, or doctors
        // with a regional quota obligation (guideline I.2.(1)).
        let (obligated, regional) = if eligible || seq == 1 {
            (false, false)
        } else if chance(self.rng, 0.5) {
            (true, false)
        } else {
            (false, true)
        };
        let school = if obligated {
            (*pick(self.rng, &OBLIGATED_SCHOOLS)).to_owned()
        } else {
            pick(self.rng, &self.schools).clone()
        };
        let graduation_year = year
            - match self.rng.random_range(0..100) {
                0..70 => 2,
                70..85 => 3,
                85..93 => 4,
                _ => self.rng.random_range(5..=8),
            };
        // A few apply before their initial training is over: not eligible.
        let completed = if seq != 1 && year <= SELECTION_YEAR && chance(self.rng, 0.01) {
            ymd(year, 9, 30)
        } else {
            ymd(graduation_year + 2, 3, 31)
        };
        // Registered from the August before the intake's call until it
        // closed; for the intake being planned, since the August before
        // the current call (they finish their initial training too late
        // for it, or chose to wait).
        let (from, to) = if year > SELECTION_YEAR {
            (ymd(SELECTION_YEAR - 1, 8, 1), sub_days(as_of(), 1))
        } else {
            let cycle = self.cycle_of(year);
            let (opens, closes) = (cycle.early_call_opens_on, cycle.early_call_closes_on);
            (ymd(year - 1, 8, 1), closes.min(as_of()).max(opens))
        };
        let registered = moment_between(self.rng, from, to);
        let row = applicant::Model {
            id: next(&mut self.ids.applicant),
            subject: format!("doctor-{seq:04}"),
            full_name: format!("{} {}", FAMILY_NAMES[family].0, GIVEN_NAMES[given].0),
            full_name_kana: Some(format!(
                "{} {}",
                FAMILY_NAMES[family].1, GIVEN_NAMES[given].1
            )),
            email: format!(
                "{}.{}.{seq}@example.com",
                GIVEN_NAMES[given].2, FAMILY_NAMES[family].2
            ),
            // Seven digits, unique: a bijection of the sequence number.
            medical_license_number: format!("{:07}", 1_000_000 + (seq as u64 * 7_919) % 9_000_000),
            university: school,
            graduation_year,
            initial_training_completed_on: completed,
            obligated_service_graduate: obligated,
            regional_quota_obligation: regional,
            created_at: registered,
        };
        self.people.push(Person {
            facts: ApplicantFacts {
                obligated_service_graduate: row.obligated_service_graduate,
                regional_quota_obligation: row.regional_quota_obligation,
                initial_training_completed_on: row.initial_training_completed_on,
            },
            seq,
        });
        self.plan.applicants.push(row);
        self.people.len() - 1
    }

    /// The year's applications: the new cohort and a few who were not
    /// adopted last year and try again. With the intake in selection, a
    /// few doctors register for the next one, without an application yet.
    /// Returns the application indices.
    pub(super) fn recruit(
        &mut self,
        year: i32,
        cohort: usize,
        courses: &[usize],
        not_adopted_last_year: &[usize],
    ) -> Vec<usize> {
        let idle = if year == SELECTION_YEAR {
            ((cohort as f64 * 0.15).round() as usize).clamp(1, cohort)
        } else {
            0
        };
        // Courses that took applications: published, or withdrawn during the call.
        let mut by_field: Vec<Vec<usize>> = vec![Vec::new(); FIELDS.len()];
        for &c in courses {
            let status = self.plan.courses[c].status;
            if status == CourseStatus::Published || status == CourseStatus::Withdrawn {
                by_field[self.course_info[c].field].push(c);
            }
        }
        let field_weights: Vec<f64> = (0..FIELDS.len())
            .map(|f| {
                if by_field[f].is_empty() {
                    0.0
                } else {
                    self.weight(f)
                }
            })
            .collect();
        let mut doctors: Vec<usize> = Vec::new();
        for &a in not_adopted_last_year {
            if chance(self.rng, 0.04) {
                doctors.push(a);
            }
        }
        for _ in 0..cohort - idle {
            let eligible = !chance(self.rng, 0.03);
            doctors.push(self.applicant(year, eligible));
        }
        let mut made = Vec::new();
        for a in doctors {
            // doctor-0001, the demo's trainee, is of internal medicine.
            let first = self.people[a].seq == 1;
            let Some(drawn) = weighted(self.rng, &field_weights) else {
                break;
            };
            let field = if first && !by_field[0].is_empty() {
                0
            } else {
                drawn
            };
            let choices: Vec<usize> = by_field[field]
                .iter()
                .copied()
                .filter(|&c| !first || self.plan.courses[c].status == CourseStatus::Published)
                .collect();
            let weights: Vec<f64> = choices
                .iter()
                .map(|&c| self.plan.courses[c].requested_capacity as f64 + 1.0)
                .collect();
            let Some(at) = weighted(self.rng, &weights) else {
                continue;
            };
            made.push(self.apply(year, a, choices[at], first));
        }
        for _ in 0..idle {
            let a = self.applicant(PLANNING_YEAR, true);
            self.plan
                .idle_subjects
                .push(self.plan.applicants[a].subject.clone());
        }
        made
    }

    pub(super) fn apply(&mut self, year: i32, a: usize, c: usize, first: bool) -> usize {
        let cycle = self.cycle_of(year).clone();
        let last_day = sub_days(cycle.early_call_closes_on, 1);
        let last_day = match self.course_info[c].withdrawn_on {
            Some(w) => sub_days(w, 1),
            None => last_day,
        };
        let submitted_at = moment_between(self.rng, cycle.early_call_opens_on, last_day);
        let withdrawn_at = (!first && chance(self.rng, 0.03)).then(|| {
            let day = day_between(self.rng, submitted_at.date_naive(), last_day);
            jst(day, 18, 30).max(submitted_at + chrono::Duration::hours(1))
        });
        let general =
            (first || chance(self.rng, 0.85)).then(|| self.general(year, c, submitted_at));
        self.plan.applications.push(application::Model {
            id: next(&mut self.ids.application),
            applicant_id: self.plan.applicants[a].id,
            course_id: self.plan.courses[c].id,
            year,
            status: if withdrawn_at.is_some() {
                ApplicationStatus::Withdrawn
            } else {
                ApplicationStatus::Submitted
            },
            outcome: ApplicationOutcome::Undecided,
            submitted_at,
            decided_at: None,
            withdrawn_at,
            proposed_decision: None,
            proposed_at: None,
            decision_basis: None,
        });
        let index = self.plan.applications.len() - 1;
        if let Some(g) = general {
            self.plan.general_applications[g].application_id = self.plan.applications[index].id;
        }
        self.apps.push(AppInfo {
            applicant: a,
            course: c,
            general,
        });
        index
    }

    /// The parallel application to a regular program (併願), mostly in the
    /// same field and near the course.
    pub(super) fn general(&mut self, year: i32, c: usize, submitted_at: DateTime<Utc>) -> usize {
        let course_field = self.course_info[c].field;
        let field = if chance(self.rng, 0.9) {
            course_field
        } else {
            self.rng.random_range(0..FIELDS.len())
        };
        let home = self.insts[self.course_info[c].institution].prefecture;
        let local: Vec<usize> = (0..self.insts.len())
            .filter(|&i| {
                let inst = &self.insts[i];
                inst.row.certified_training_facility
                    && inst.row.kind != InstitutionKind::NationalCenter
                    && (inst.prefecture == home)
            })
            .collect();
        let inst = if !local.is_empty() && chance(self.rng, 0.6) {
            *pick(self.rng, &local)
        } else {
            self.course_info[c].institution
        };
        let latest = self.cycle_of(year).general_call_opens_on.min(as_of());
        let created_at =
            moment_between(self.rng, submitted_at.date_naive(), latest).max(submitted_at);
        self.plan
            .general_applications
            .push(general_application::Model {
                id: next(&mut self.ids.general_application),
                application_id: 0,
                program_name: format!(
                    "{} {}専門研修プログラム",
                    self.insts[inst].row.name, self.societies[field].field_name_ja
                ),
                society_id: self.societies[field].id,
                institution_id: self.insts[inst].row.id,
                status: GeneralApplicationStatus::Pending,
                created_at,
                activated_at: None,
            });
        self.plan.general_applications.len() - 1
    }

    pub(super) fn eligible(&self, a: usize, year: i32) -> bool {
        ineligibility(&self.people[a].facts, year).is_empty()
    }

    /// The year's quotas by the board's rule (rows of `field_quotas`), and
    /// the applications the societies and the board adopt, in the order
    /// they decide them (doctor-0001 first), each within the room
    /// `selection::room_for_one_more` leaves.
    fn quotas_and_choices(
        &mut self,
        year: i32,
        participating: &[bool],
        apps: &[usize],
    ) -> Result<Vec<usize>, DbErr> {
        let cycle = self.cycle_of(year).clone();
        let counted: Vec<usize> = apps
            .iter()
            .copied()
            .filter(|&i| {
                let info = &self.apps[i];
                selection::counts_for_quota(
                    self.plan.courses[info.course].published_at.is_some(),
                    self.plan.applications[i].status == ApplicationStatus::Withdrawn,
                    self.eligible(info.applicant, year),
                )
            })
            .collect();
        let mut demand = vec![0u32; FIELDS.len()];
        for &i in &counted {
            demand[self.course_info[self.apps[i].course].field] += 1;
        }
        let demands: Vec<FieldDemand> = (0..FIELDS.len())
            .map(|f| FieldDemand {
                order: f,
                participating: participating[f],
                applicants: demand[f],
            })
            .collect();
        let allocation = quota::allocate(cycle.total_capacity as u32, &demands)
            .map_err(|e| DbErr::Custom(format!("{year}: {e}")))?;
        for (f, a) in allocation.iter().enumerate() {
            self.plan.field_quotas.push(field_quota::Model {
                id: next(&mut self.ids.field_quota),
                year,
                society_id: self.societies[f].id,
                participating: a.participating,
                applicants: a.applicants as i32,
                minimum_seats: a.minimum_seats as i32,
                share_numerator: a.share_numerator as i64,
                share_denominator: a.share_denominator as i64,
                remainder_seats: a.remainder_seats as i32,
                computed_quota: a.quota as i32,
                quota: a.quota as i32,
                adjustment_reason: None,
                adjusted_at: None,
            });
        }

        // The societies' proposals, in a random order, doctor-0001 first,
        // each within the room `selection::room_for_one_more` leaves.
        let mut order: Vec<usize> = counted
            .iter()
            .copied()
            .filter(|&i| self.plan.courses[self.apps[i].course].status != CourseStatus::Withdrawn)
            .collect();
        for i in (1..order.len()).rev() {
            let j = self.rng.random_range(0..=i);
            order.swap(i, j);
        }
        order.sort_by_key(|&i| self.people[self.apps[i].applicant].seq != 1);
        let mut seats: BTreeMap<i64, u32> = BTreeMap::new();
        for row in self
            .plan
            .courses
            .iter()
            .filter(|r| r.year == year && r.status != CourseStatus::Withdrawn)
        {
            *seats.entry(row.responsible_institution_id).or_default() +=
                row.requested_capacity as u32;
        }
        let mut in_field = vec![0u32; FIELDS.len()];
        let mut in_course: BTreeMap<usize, u32> = BTreeMap::new();
        let mut at_institution: BTreeMap<i64, u32> = BTreeMap::new();
        let mut chosen = Vec::new();
        for i in order {
            let c = self.apps[i].course;
            let f = self.course_info[c].field;
            let institution = self.plan.courses[c].responsible_institution_id;
            let room = Room {
                field_quota: allocation[f].quota,
                field_taken: in_field[f],
                course_capacity: self.plan.courses[c].requested_capacity as u32,
                course_taken: in_course.get(&c).copied().unwrap_or(0),
                institution_seats: seats.get(&institution).copied().unwrap_or(0),
                institution_cut: self.cuts.get(&(institution, year)).copied().unwrap_or(0),
                institution_taken: at_institution.get(&institution).copied().unwrap_or(0),
            };
            if selection::room_for_one_more(&room).is_ok() {
                in_field[f] += 1;
                *in_course.entry(c).or_default() += 1;
                *at_institution.entry(institution).or_default() += 1;
                chosen.push(i);
            }
        }
        Ok(chosen)
    }

    /// The basis of an adoption (I.2(2)④): the society proposes and the
    /// board confirms; for 総合診療 the board decides alone.
    fn basis(&self, field: usize) -> DecisionBasis {
        if self.societies[field].operated_by_board {
            DecisionBasis::Board
        } else {
            DecisionBasis::SocietyProposal
        }
    }

    /// Quotas by the board's rule, adoptions within them (proposed by the
    /// society, confirmed by the board), then what `finalizeSelection` does.
    /// Returns the doctors not adopted.
    pub(super) fn select(
        &mut self,
        year: i32,
        participating: &[bool],
        apps: &[usize],
    ) -> Result<Vec<usize>, DbErr> {
        let adopted: BTreeSet<usize> = self
            .quotas_and_choices(year, participating, apps)?
            .into_iter()
            .collect();
        let cycle = self.cycle_of(year).clone();

        let decided_at = jst(add_days(cycle.early_call_closes_on, 7), 17, 0);
        let finalized_at = jst(add_days(cycle.early_call_closes_on, 10), 10, 0);
        let mut not_adopted = Vec::new();
        for &i in apps {
            let info_applicant = self.apps[i].applicant;
            let general = self.apps[i].general;
            let c = self.apps[i].course;
            let adopted_here = adopted.contains(&i);
            let basis = self.basis(self.course_info[c].field);
            // One application per doctor and cycle: the doctor's fate is this one's.
            let candidate = Candidate {
                application: self.plan.applications[i].id,
                adopted: adopted_here,
                course_withdrawn: self.plan.courses[c].status == CourseStatus::Withdrawn,
                general_application: general.map(|g| self.plan.general_applications[g].id),
            };
            let fate = selection::fate(&[candidate]);
            let row = &mut self.plan.applications[i];
            if row.status != ApplicationStatus::Withdrawn {
                if adopted_here {
                    row.status = ApplicationStatus::Adopted;
                    row.decided_at = Some(decided_at);
                    row.decision_basis = Some(basis);
                } else {
                    // Left undecided: finalizeSelection makes it NOT_ADOPTED.
                    row.status = ApplicationStatus::NotAdopted;
                    row.decided_at = Some(finalized_at);
                }
            }
            row.outcome = match fate {
                Fate::Course { .. } => ApplicationOutcome::Course,
                Fate::RegularProgram { .. } => ApplicationOutcome::RegularProgram,
                Fate::Nothing => ApplicationOutcome::None,
            };
            if let Some(g) = general {
                let g = &mut self.plan.general_applications[g];
                if matches!(fate, Fate::RegularProgram { .. }) {
                    g.status = GeneralApplicationStatus::Active;
                    g.activated_at = Some(finalized_at);
                } else {
                    g.status = GeneralApplicationStatus::Withdrawn;
                }
            }
            if adopted_here {
                self.trainee(year, i, finalized_at);
            } else if row.status == ApplicationStatus::NotAdopted {
                not_adopted.push(info_applicant);
            }
        }
        Ok(not_adopted
            .into_iter()
            .filter(|&a| self.eligible(a, year + 1))
            .collect())
    }

    /// The selection of the intake in progress on [`as_of`]: quotas
    /// allocated the day after the call closed; each society has proposed a
    /// third of its adoptions, which the board confirmed the next evening
    /// (for 総合診療 the board decided alone); internal medicine's next
    /// proposal, made this morning, waits for the board (so `finalizeSelection`
    /// waits too); the rest are still to be decided, each within the room
    /// left. Nothing is final: no outcome, no trainee.
    pub(super) fn select_so_far(
        &mut self,
        year: i32,
        participating: &[bool],
        apps: &[usize],
    ) -> Result<(), DbErr> {
        let chosen = self.quotas_and_choices(year, participating, apps)?;
        let closes = self.cycle_of(year).early_call_closes_on;
        let confirmed_at = jst(add_days(closes, 2), 17, 0);
        let proposed_at = jst(as_of(), 9, 30);
        let mut by_field: Vec<Vec<usize>> = vec![Vec::new(); FIELDS.len()];
        for i in chosen {
            by_field[self.course_info[self.apps[i].course].field].push(i);
        }
        for (field, choices) in by_field.iter().enumerate() {
            let decided = choices.len() / 3;
            let basis = self.basis(field);
            for &i in &choices[..decided] {
                let row = &mut self.plan.applications[i];
                row.status = ApplicationStatus::Adopted;
                row.decided_at = Some(confirmed_at);
                row.decision_basis = Some(basis);
            }
            if field == 0
                && let Some(&i) = choices.get(decided)
            {
                let row = &mut self.plan.applications[i];
                row.proposed_decision = Some(Decision::Adopt);
                row.proposed_at = Some(proposed_at);
            }
        }
        Ok(())
    }

    pub(super) fn trainee(&mut self, year: i32, app: usize, created_at: DateTime<Utc>) {
        let rules = self.rules(year);
        let started_on = course_start(year);
        let research_from = add_months(started_on, 12 * rules.clinical_years);
        let course = self.apps[app].course;
        let first = self.people[self.apps[app].applicant].seq == 1;
        let row = trainee::Model {
            id: next(&mut self.ids.trainee),
            applicant_id: self.plan.applications[app].applicant_id,
            course_id: self.plan.courses[course].id,
            application_id: self.plan.applications[app].id,
            started_on,
            research_effort_percent: None,
            graduate_school: None,
            board_certified_on: None,
            degree: DegreeStatus::None,
            completion_confirmed_on: None,
            created_at,
        };
        self.plan.trainees.push(row);
        let departed_on = (!first && year <= 2025 && chance(self.rng, 0.025))
            .then(|| day_between(self.rng, add_months(started_on, 6), sub_days(as_of(), 30)));
        let mut info = TraineeInfo {
            course,
            started_on,
            research_from,
            departed_on,
            reduction: None,
            claimed: false,
            granted: false,
            efforts: BTreeMap::new(),
        };
        if let Some(on) = departed_on {
            self.departure_cut(&mut info, on);
        }
        self.trainee_info.push(info);
    }

    /// III.3: the departure is recorded the day after, mostly by the
    /// institution; claimed special circumstances are the board's to grant.
    /// Without them the institution loses a seat of its course and of its
    /// regular program in the next cycle still recruiting, which later
    /// years' courses and adoptions then respect (`cuts`).
    pub(super) fn departure_cut(&mut self, info: &mut TraineeInfo, on: NaiveDate) {
        let recorder = if chance(self.rng, 0.1) {
            Recorder::Board
        } else {
            Recorder::Institution
        };
        info.claimed = chance(self.rng, 0.4);
        let granted_on_record = leaving::special_circumstances_granted(recorder, info.claimed);
        let granted_later = !granted_on_record && info.claimed && chance(self.rng, 0.7);
        info.granted = granted_on_record || granted_later;
        if granted_on_record {
            return;
        }
        let institution_id = self.plan.courses[info.course].responsible_institution_id;
        let year = leaving::cut_year(&self.calendar_on(add_days(on, 1)), on);
        let seats = leaving::SEATS_PER_DEPARTURE as i32;
        let row = quota_reduction::Model {
            id: next(&mut self.ids.quota_reduction),
            institution_id,
            year,
            regular_program_seats: seats,
            course_seats: seats,
            created_at: jst(add_days(on, 1), 10, 0),
            cancelled_at: granted_later.then(|| jst(add_days(on, 21), 10, 0)),
        };
        info.reduction = Some(row.id);
        self.plan.quota_reductions.push(row);
        if !granted_later {
            *self.cuts.entry((institution_id, year)).or_default() += leaving::SEATS_PER_DEPARTURE;
        }
    }
}
