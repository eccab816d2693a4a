//! The reference data the generator draws from: fields, prefectures,
//! national centres, names, journals and the words of the free texts.

use super::*;

pub(super) struct Field {
    pub(super) code: FieldCode,
    /// Relative size: roughly the field's share of new regular-program trainees.
    pub(super) weight: f64,
    /// How likely the society takes part in a year's early call.
    pub(super) participation: f64,
}

pub(super) const fn field(code: FieldCode, weight: f64, participation: f64) -> Field {
    Field {
        code,
        weight,
        participation,
    }
}

/// The 19 fields in the board's official order.
pub(super) const FIELDS: [Field; 19] = [
    field(FieldCode::InternalMedicine, 29.0, 1.0),
    field(FieldCode::Pediatrics, 5.5, 0.95),
    field(FieldCode::Dermatology, 3.5, 0.95),
    field(FieldCode::Psychiatry, 5.0, 0.9),
    field(FieldCode::Surgery, 8.5, 0.9),
    field(FieldCode::Orthopedics, 6.5, 0.85),
    field(FieldCode::ObstetricsGynecology, 5.0, 0.85),
    field(FieldCode::Ophthalmology, 3.3, 0.9),
    field(FieldCode::Otolaryngology, 2.5, 0.8),
    field(FieldCode::Urology, 3.0, 0.9),
    field(FieldCode::Neurosurgery, 2.3, 0.5),
    field(FieldCode::Radiology, 3.0, 0.5),
    field(FieldCode::Anesthesiology, 5.0, 0.7),
    field(FieldCode::Pathology, 1.0, 0.5),
    field(FieldCode::LaboratoryMedicine, 0.3, 0.6),
    field(FieldCode::EmergencyMedicine, 3.0, 0.5),
    field(FieldCode::PlasticSurgery, 2.3, 0.8),
    field(FieldCode::RehabilitationMedicine, 1.0, 0.7),
    field(FieldCode::GeneralPractice, 2.5, 0.85),
];

/// Prefectures in the order of [`PREFECTURES`]: romanized name and population
/// (2020 census, tens of thousands), which weighs where hospitals are.
pub(super) const PREFECTURE_FACTS: [(&str, u32); 47] = [
    ("Hokkaido", 522),
    ("Aomori", 124),
    ("Iwate", 121),
    ("Miyagi", 230),
    ("Akita", 96),
    ("Yamagata", 107),
    ("Fukushima", 183),
    ("Ibaraki", 287),
    ("Tochigi", 193),
    ("Gunma", 194),
    ("Saitama", 734),
    ("Chiba", 628),
    ("Tokyo", 1405),
    ("Kanagawa", 924),
    ("Niigata", 220),
    ("Toyama", 103),
    ("Ishikawa", 113),
    ("Fukui", 77),
    ("Yamanashi", 81),
    ("Nagano", 205),
    ("Gifu", 198),
    ("Shizuoka", 363),
    ("Aichi", 754),
    ("Mie", 177),
    ("Shiga", 141),
    ("Kyoto", 258),
    ("Osaka", 884),
    ("Hyogo", 547),
    ("Nara", 132),
    ("Wakayama", 92),
    ("Tottori", 55),
    ("Shimane", 67),
    ("Okayama", 189),
    ("Hiroshima", 280),
    ("Yamaguchi", 134),
    ("Tokushima", 72),
    ("Kagawa", 95),
    ("Ehime", 133),
    ("Kochi", 69),
    ("Fukuoka", 514),
    ("Saga", 81),
    ("Nagasaki", 131),
    ("Kumamoto", 174),
    ("Oita", 112),
    ("Miyazaki", 107),
    ("Kagoshima", 159),
    ("Okinawa", 147),
];

/// Words that make hospital names look like the districts they serve.
pub(super) const AREAS: [&str; 40] = [
    "中央",
    "東",
    "西",
    "南",
    "北",
    "城東",
    "城西",
    "城南",
    "城北",
    "港",
    "青葉",
    "若葉",
    "桜ヶ丘",
    "緑ヶ丘",
    "旭",
    "朝日",
    "昭和",
    "大和",
    "平和",
    "協和",
    "明和",
    "松原",
    "高田",
    "本町",
    "新町",
    "栄",
    "泉",
    "山手",
    "浜",
    "川辺",
    "湖南",
    "湖北",
    "北部",
    "南部",
    "東部",
    "西部",
    "八幡",
    "宮前",
    "千代田",
    "日吉",
];

pub(super) struct NationalCenter {
    pub(super) name: &'static str,
    pub(super) name_en: &'static str,
    pub(super) prefecture: &'static str,
    pub(super) research: &'static str,
    pub(super) fields: &'static [FieldCode],
}

/// The six national centres (ナショナルセンター).
pub(super) const NATIONAL_CENTERS: [NationalCenter; 6] = {
    use FieldCode::*;
    [
        NationalCenter {
            name: "国立がん研究センター中央病院",
            name_en: "National Cancer Center Hospital",
            prefecture: "東京都",
            research: "国立がん研究センター研究所",
            fields: &[
                InternalMedicine,
                Surgery,
                Dermatology,
                Urology,
                ObstetricsGynecology,
                Otolaryngology,
                Radiology,
                Pathology,
            ],
        },
        NationalCenter {
            name: "国立循環器病研究センター",
            name_en: "National Cerebral and Cardiovascular Center",
            prefecture: "大阪府",
            research: "国立循環器病研究センター研究所",
            fields: &[
                InternalMedicine,
                Surgery,
                Neurosurgery,
                Radiology,
                LaboratoryMedicine,
            ],
        },
        NationalCenter {
            name: "国立精神・神経医療研究センター病院",
            name_en: "National Center of Neurology and Psychiatry Hospital",
            prefecture: "東京都",
            research: "国立精神・神経医療研究センター神経研究所",
            fields: &[
                Psychiatry,
                InternalMedicine,
                RehabilitationMedicine,
                Pediatrics,
            ],
        },
        NationalCenter {
            name: "国立国際医療研究センター病院",
            name_en: "National Center for Global Health and Medicine Hospital",
            prefecture: "東京都",
            research: "国立国際医療研究センター研究所",
            fields: &[
                InternalMedicine,
                GeneralPractice,
                EmergencyMedicine,
                Dermatology,
                Surgery,
            ],
        },
        NationalCenter {
            name: "国立成育医療研究センター",
            name_en: "National Center for Child Health and Development",
            prefecture: "東京都",
            research: "国立成育医療研究センター研究所",
            fields: &[Pediatrics, ObstetricsGynecology, Anesthesiology],
        },
        NationalCenter {
            name: "国立長寿医療研究センター",
            name_en: "National Center for Geriatrics and Gerontology",
            prefecture: "愛知県",
            research: "国立長寿医療研究センター研究所",
            fields: &[
                InternalMedicine,
                RehabilitationMedicine,
                Orthopedics,
                GeneralPractice,
            ],
        },
    ]
};

/// (kanji, katakana, romaji)
pub(super) const FAMILY_NAMES: [(&str, &str, &str); 40] = [
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"),
    ("中島", "ナカジマ", "nakajima"),
    ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"),
    ("前田", "マエダ", "maeda"),
    ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("藤田", "フジタ", "fujita"),
    ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"),
    ("村上", "ムラカミ", "murakami"),
    ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"),
    ("坂本", "サカモト", "sakamoto"),
];

/// (kanji, katakana, romaji)
pub(super) const GIVEN_NAMES: [(&str, &str, &str); 40] = [
    ("翔太", "ショウタ", "shota"),
    ("大輔", "ダイスケ", "daisuke"),
    ("健太", "ケンタ", "kenta"),
    ("拓也", "タクヤ", "takuya"),
    ("直樹", "ナオキ", "naoki"),
    ("亮", "リョウ", "ryo"),
    ("悠斗", "ユウト", "yuto"),
    ("大樹", "ダイキ", "daiki"),
    ("和也", "カズヤ", "kazuya"),
    ("隆之", "タカユキ", "takayuki"),
    ("誠", "マコト", "makoto"),
    ("陽介", "ヨウスケ", "yosuke"),
    ("浩二", "コウジ", "koji"),
    ("俊介", "シュンスケ", "shunsuke"),
    ("翼", "ツバサ", "tsubasa"),
    ("健一", "ケンイチ", "kenichi"),
    ("雄太", "ユウタ", "yuta"),
    ("智也", "トモヤ", "tomoya"),
    ("康平", "コウヘイ", "kohei"),
    ("慎也", "シンヤ", "shinya"),
    ("美咲", "ミサキ", "misaki"),
    ("彩", "アヤ", "aya"),
    ("愛", "アイ", "ai"),
    ("優子", "ユウコ", "yuko"),
    ("真由美", "マユミ", "mayumi"),
    ("由佳", "ユカ", "yuka"),
    ("恵", "メグミ", "megumi"),
    ("麻衣", "マイ", "mai"),
    ("沙織", "サオリ", "saori"),
    ("奈々", "ナナ", "nana"),
    ("千尋", "チヒロ", "chihiro"),
    ("明日香", "アスカ", "asuka"),
    ("遥", "ハルカ", "haruka"),
    ("理恵", "リエ", "rie"),
    ("舞", "マイ", "mai"),
    ("友美", "トモミ", "tomomi"),
    ("香織", "カオリ", "kaori"),
    ("裕子", "ユウコ", "yuko"),
    ("綾香", "アヤカ", "ayaka"),
    ("早紀", "サキ", "saki"),
];

/// Medical schools whose graduates owe years of service (義務年限): not eligible.
pub(super) const OBLIGATED_SCHOOLS: [&str; 3] = ["自治医科大学", "産業医科大学", "防衛医科大学校"];

/// (journal, SCI-indexed, English)
pub(super) const JOURNALS: [(&str, bool, bool); 16] = [
    ("Circulation Journal", true, true),
    ("Journal of Gastroenterology", true, true),
    ("Cancer Science", true, true),
    ("Internal Medicine", true, true),
    ("Pediatrics International", true, true),
    ("The Journal of Dermatology", true, true),
    ("Psychiatry and Clinical Neurosciences", true, true),
    ("International Journal of Urology", true, true),
    ("Japanese Journal of Ophthalmology", true, true),
    ("Journal of Orthopaedic Science", true, true),
    ("Surgery Today", true, true),
    ("Scientific Reports", true, true),
    ("PLOS ONE", true, true),
    ("JAMA Network Open", true, true),
    ("日本内科学会雑誌", false, false),
    ("臨床眼科", false, false),
];

pub(super) const PAPER_TOPICS: [&str; 12] = [
    "Long-term outcomes",
    "Risk factors for readmission",
    "Genomic profiling",
    "Prognostic value of inflammatory markers",
    "Real-world effectiveness of biologic therapy",
    "Machine-learning prediction of complications",
    "Sex differences in treatment response",
    "Frailty and survival",
    "Single-cell transcriptomic landscape",
    "Regional variation in care",
    "Quality of life after treatment",
    "Cost-effectiveness of early intervention",
];

pub(super) const PAPER_POPULATIONS: [&str; 10] = [
    "Japanese adults with type 2 diabetes",
    "patients with heart failure",
    "children with atopic dermatitis",
    "older adults after hip fracture",
    "patients with early-stage lung cancer",
    "patients with treatment-resistant depression",
    "patients undergoing radical prostatectomy",
    "patients with diabetic retinopathy",
    "pregnant women with gestational hypertension",
    "patients admitted to intensive care",
];

pub(super) const PAPER_DESIGNS: [&str; 6] = [
    "a nationwide cohort study",
    "a multicentre retrospective study",
    "a randomized controlled trial",
    "a prospective registry study",
    "a propensity-matched analysis",
    "a case report",
];

pub(super) const ABROAD: [(&str, &str); 8] = [
    ("Harvard Medical School", "United States"),
    ("Stanford University School of Medicine", "United States"),
    ("National Institutes of Health", "United States"),
    ("Karolinska Institutet", "Sweden"),
    ("University of Cambridge", "United Kingdom"),
    ("Institut Pasteur", "France"),
    ("University of Toronto", "Canada"),
    ("Charité – Universitätsmedizin Berlin", "Germany"),
];

pub(super) const WITHDRAWAL_REASONS: [&str; 3] = [
    "統括責任者の異動により研修体制を維持できなくなったため",
    "研究指導体制の見直しのため",
    "連携施設との調整が整わなかったため",
];

pub(super) const DEPARTURE_REASONS: [&str; 4] = [
    "家庭の事情により退職",
    "一般の専門研修プログラムへ移行",
    "健康上の理由により研修の継続が困難となったため",
    "他施設への転職",
];

pub(super) const GUIDANCE_TEXTS: [&str; 3] = [
    "研究期間中の臨床従事割合が指針の要件を満たしていない。研究時間の確保について改善計画を提出すること。",
    "社会保険の適用状況の記載が不十分である。雇用契約の内容を添えて再提出すること。",
    "指導医による評価の記録が欠けている。評価票を整備のうえ再提出すること。",
];
