//! Hospitals: university hospitals, the national centres and the rest,
//! named from their prefecture and kind, each certified in its fields.

use super::*;

impl Generator<'_> {
    // --- institutions ---

    pub(super) fn institutions(&mut self) {
        let mut names = BTreeSet::new();
        let mut insts = Vec::new();
        let population: Vec<f64> = PREFECTURE_FACTS.iter().map(|p| p.1 as f64).collect();

        // University hospitals: one per prefecture (the most populous first
        // when there are fewer than 47), then more where people are.
        let n = self.sizes.university_hospitals;
        let mut prefectures: Vec<usize> = Vec::new();
        let mut left = population.clone();
        while prefectures.len() < n.min(PREFECTURES.len()) {
            let p = weighted(self.rng, &left).expect("prefectures remain");
            left[p] = 0.0;
            prefectures.push(p);
        }
        prefectures.sort_unstable();
        for &p in &prefectures {
            let s = stem(PREFECTURES[p]);
            let name = format!("{s}大学病院");
            names.insert(name.clone());
            insts.push(self.inst(
                name,
                Some(format!("{} University Hospital", PREFECTURE_FACTS[p].0)),
                InstitutionKind::UniversityHospital,
                p,
                true,
                Some(format!("{s}大学")),
                None,
            ));
        }
        for _ in prefectures.len()..n {
            let p = weighted(self.rng, &population).expect("populated prefectures");
            let (full, s, en) = (PREFECTURES[p], stem(PREFECTURES[p]), PREFECTURE_FACTS[p].0);
            let mut made = None;
            for _ in 0..30 {
                let area = *pick(self.rng, &AREAS);
                let (university, hospital, name_en) = match self.rng.random_range(0..5) {
                    0 => (
                        format!("{s}医科大学"),
                        format!("{s}医科大学附属病院"),
                        Some(format!("{en} Medical University Hospital")),
                    ),
                    1 => (
                        format!("{full}立医科大学"),
                        format!("{full}立医科大学附属病院"),
                        None,
                    ),
                    2 => (
                        format!("{s}{area}大学"),
                        format!("{s}{area}大学医学部附属病院"),
                        None,
                    ),
                    3 => (format!("{s}医療大学"), format!("{s}医療大学病院"), None),
                    _ => (
                        format!("{area}医科大学"),
                        format!("{area}医科大学{s}病院"),
                        None,
                    ),
                };
                if names.insert(hospital.clone()) {
                    made = Some((university, hospital, name_en));
                    break;
                }
            }
            let (university, hospital, name_en) = made.unwrap_or_else(|| {
                let k = names.len();
                let hospital = format!("{s}大学医学部附属第{k}病院");
                names.insert(hospital.clone());
                (format!("{s}大学"), hospital, None)
            });
            insts.push(self.inst(
                hospital,
                name_en,
                InstitutionKind::UniversityHospital,
                p,
                true,
                Some(university),
                None,
            ));
        }

        for (i, c) in NATIONAL_CENTERS.iter().enumerate() {
            let p = PREFECTURES
                .iter()
                .position(|x| *x == c.prefecture)
                .expect("a prefecture of the list");
            names.insert(c.name.to_owned());
            insts.push(self.inst(
                c.name.to_owned(),
                Some(c.name_en.to_owned()),
                InstitutionKind::NationalCenter,
                p,
                true,
                None,
                Some(i),
            ));
        }

        for _ in 0..self.sizes.other_hospitals {
            let p = weighted(self.rng, &population).expect("populated prefectures");
            let public = chance(self.rng, 0.45);
            let (full, s) = (PREFECTURES[p], stem(PREFECTURES[p]));
            let mut made = None;
            for _ in 0..30 {
                let a = *pick(self.rng, &AREAS);
                let name = if public {
                    match self.rng.random_range(0..8) {
                        0 => format!("{full}立{a}病院"),
                        1 => format!("{s}{a}市民病院"),
                        2 => format!("国立病院機構{s}{a}医療センター"),
                        3 => format!("{s}{a}赤十字病院"),
                        4 => format!("公立{s}{a}総合病院"),
                        5 => format!("{s}{a}労災病院"),
                        6 => format!("{full}立{a}医療センター"),
                        _ => format!("{s}市立{a}病院"),
                    }
                } else {
                    match self.rng.random_range(0..8) {
                        0 => format!("{s}{a}記念病院"),
                        1 => format!("済生会{s}{a}病院"),
                        2 => format!("{s}{a}総合病院"),
                        3 => format!("{s}{a}中央病院"),
                        4 => format!("{a}会{s}病院"),
                        5 => format!("{s}{a}協立病院"),
                        6 => format!("{s}{a}循環器病院"),
                        _ => format!("{s}{a}徳洲会病院"),
                    }
                };
                if names.insert(name.clone()) {
                    made = Some(name);
                    break;
                }
            }
            let name = made.unwrap_or_else(|| {
                let name = format!("{s}第{}病院", names.len());
                names.insert(name.clone());
                name
            });
            let (kind, certified) = if public {
                (InstitutionKind::PublicHospital, chance(self.rng, 0.8))
            } else {
                (InstitutionKind::OtherHospital, chance(self.rng, 0.6))
            };
            insts.push(self.inst(name, None, kind, p, certified, None, None));
        }

        // Numbered like a registry: by prefecture (JIS order), then kind.
        let rank = |k: InstitutionKind| match k {
            InstitutionKind::UniversityHospital => 0,
            InstitutionKind::NationalCenter => 1,
            InstitutionKind::PublicHospital => 2,
            InstitutionKind::OtherHospital => 3,
        };
        insts.sort_by_key(|i| (i.prefecture, rank(i.row.kind)));
        let registered = jst(ymd(2020, 4, 1), 9, 0);
        for (n, inst) in insts.iter_mut().enumerate() {
            inst.row.id = next(&mut self.ids.institution);
            inst.row.created_at = registered + chrono::Duration::minutes(n as i64);
            inst.fields = self.certified_fields(inst);
            inst.row.certified_training_facility = !inst.fields.is_empty();
            for &f in &inst.fields {
                self.plan
                    .certifications
                    .push(institution_certification::Model {
                        institution_id: inst.row.id,
                        society_id: self.societies[f].id,
                    });
            }
        }
        self.plan.institutions = insts.iter().map(|i| i.row.clone()).collect();
        self.insts = insts;
    }

    /// The fields an institution is certified in (I.3(3)): a university
    /// hospital in every field, a national centre in its own, a certified
    /// hospital in internal medicine mostly and in the larger fields more
    /// often than the small ones.
    pub(super) fn certified_fields(&mut self, inst: &Inst) -> BTreeSet<usize> {
        if inst.row.kind == InstitutionKind::UniversityHospital {
            return (0..FIELDS.len()).collect();
        }
        if let Some(c) = inst.center {
            return (0..FIELDS.len())
                .filter(|&f| NATIONAL_CENTERS[c].fields.contains(&FIELDS[f].code))
                .collect();
        }
        if !inst.row.certified_training_facility {
            return BTreeSet::new();
        }
        let mut fields: BTreeSet<usize> = (0..FIELDS.len())
            .filter(|&f| chance(self.rng, (0.1 + FIELDS[f].weight / 12.0).min(0.9)))
            .collect();
        if fields.is_empty() {
            fields.insert(0);
        }
        fields
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn inst(
        &self,
        name: String,
        name_en: Option<String>,
        kind: InstitutionKind,
        prefecture: usize,
        certified: bool,
        university: Option<String>,
        center: Option<usize>,
    ) -> Inst {
        Inst {
            row: institution::Model {
                id: 0,
                name,
                name_en,
                kind,
                prefecture: PREFECTURES[prefecture].to_owned(),
                certified_training_facility: certified,
                created_at: jst(ymd(2020, 4, 1), 9, 0),
            },
            prefecture,
            university,
            center,
            fields: BTreeSet::new(),
        }
    }
}
