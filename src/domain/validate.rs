//! Input validation for mutations. Each check trims, validates and returns
//! the value to store, or a short English message to which the caller
//! attaches the field name. These checks keep data clean; they are not the
//! defence against injection (queries are parameterised).

/// The 47 prefectures in JIS X 0401 order (code 01 北海道 … 47 沖縄県), so the
/// index plus one is the prefecture code.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// One of [`PREFECTURES`], matched exactly after trimming; returning the
/// canonical `&'static str` lets callers store it without allocating.
pub fn prefecture(s: &str) -> Result<&'static str, &'static str> {
    let s = s.trim();
    PREFECTURES
        .iter()
        .copied()
        .find(|p| *p == s)
        .ok_or("must be one of the 47 prefectures, in Japanese, e.g. 東京都")
}

/// A plausible mail address (not full RFC 5322: no quoted local parts, no
/// IP-literal domains). The domain is lowercased because it is
/// case-insensitive and addresses are compared when users sign in; the local
/// part is kept as typed since servers may treat its case as significant.
pub fn email(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if !(3..=254).contains(&s.chars().count()) {
        return Err("must be 3 to 254 characters");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters");
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err("must contain an @");
    };
    if domain.contains('@') {
        return Err("must contain exactly one @");
    }
    if local.is_empty() || local.chars().count() > 64 {
        return Err("must have 1 to 64 characters before the @");
    }
    if !domain.contains('.') || !domain.split('.').all(domain_label_ok) {
        return Err("must have a domain like example.com after the @");
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// An LDH label (RFC 1035): letters, digits, hyphens, not at either end,
/// at most 63 characters.
fn domain_label_ok(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The 医籍登録番号: 1 to 7 ASCII digits, kept as a string so leading zeros
/// survive. Full-width digits are rejected rather than converted, so the
/// stored value is exactly what the registry shows.
pub fn medical_license_number(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if (1..=7).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err("must be 1 to 7 digits (0-9, half-width)")
    }
}

/// A free-text name (person, institution, course): trimmed, 1 to `max_chars`
/// characters counted as chars, since Japanese text is 3 bytes a character.
/// Control characters (NUL, newlines, escapes) are rejected as they break
/// display and exports.
pub fn name(s: &str, max_chars: usize) -> Result<String, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Err("must not be empty");
    }
    if s.chars().count() > max_chars {
        return Err("is too long");
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(s.to_owned())
}

/// Like [`name`], but absent or blank input means "no value", so clearing a
/// form field removes it instead of failing.
pub fn optional_name(s: Option<&str>, max_chars: usize) -> Result<Option<String>, &'static str> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => name(s, max_chars).map(Some),
    }
}

/// The reading of a name (フリガナ): katakana or hiragana, with spaces
/// between family and given name; 1 to 100 characters after trimming.
pub fn kana(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if !(1..=100).contains(&s.chars().count()) {
        return Err("must be 1 to 100 characters");
    }
    let kana_or_space =
        |c: char| matches!(c, '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | ' ' | '\u{3000}');
    if s.chars().all(kana_or_space) {
        Ok(s.to_owned())
    } else {
        Err("must be written in katakana or hiragana")
    }
}

/// The year of graduation from medical school: not before 1950, and at most
/// next year, for final-year students applying before they graduate.
pub fn graduation_year(year: i32, this_year: i32) -> Result<i32, &'static str> {
    if (1950..=this_year.saturating_add(1)).contains(&year) {
        Ok(year)
    } else {
        Err("must be between 1950 and next year")
    }
}

/// Free text with line breaks (notes, reasons, report entries): trimmed,
/// CRLF as LF; line breaks and tabs are kept, other control characters
/// refused. Blank is `None`, so clearing a form field removes the value.
pub fn free_text(s: &str, max_chars: usize) -> Result<Option<String>, &'static str> {
    let s = s.trim().replace("\r\n", "\n");
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().count() > max_chars {
        return Err("is too long");
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err("must not contain control characters");
    }
    Ok(Some(s))
}

/// A DOI as stored: trimmed and lowercased (DOIs are case-insensitive),
/// `10.` + registrant + `/` + suffix, no spaces, at most 300 characters.
/// Blank is `None`.
pub fn doi(s: &str) -> Result<Option<String>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let s = s.to_lowercase();
    let shaped = s
        .strip_prefix("10.")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(registrant, suffix)| !registrant.is_empty() && !suffix.is_empty());
    if !shaped {
        return Err("must look like 10.1000/xyz123 (10., a registrant, a slash, a suffix)");
    }
    if s.chars().count() > 300 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be at most 300 characters without spaces");
    }
    Ok(Some(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INJECTION: &str = "'; DROP TABLE x; --";

    #[test]
    fn prefectures_in_jis_order() {
        assert_eq!(PREFECTURES[0], "北海道");
        assert_eq!(PREFECTURES[1], "青森県");
        assert_eq!(PREFECTURES[12], "東京都");
        assert_eq!(PREFECTURES[25], "京都府");
        assert_eq!(PREFECTURES[26], "大阪府");
        assert_eq!(PREFECTURES[46], "沖縄県");
        let mut unique = PREFECTURES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 47);
        assert_eq!(PREFECTURES.iter().filter(|p| p.ends_with('県')).count(), 43);
    }

    #[test]
    fn prefecture_accepts_japanese_names_only() {
        assert_eq!(prefecture("東京都"), Ok("東京都"));
        assert_eq!(prefecture(" 北海道\u{3000}"), Ok("北海道"));
        assert_eq!(prefecture("沖縄県"), Ok("沖縄県"));
        for bad in ["Tokyo", "東京", "tokyo-to", "", "東京都\0", INJECTION] {
            assert_eq!(
                prefecture(bad),
                Err("must be one of the 47 prefectures, in Japanese, e.g. 東京都"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_accepts_and_normalises() {
        assert_eq!(
            email("  Taro.Yamada@Example.AC.JP "),
            Ok("Taro.Yamada@example.ac.jp".to_owned())
        );
        assert_eq!(
            email("a+tag@x-y.example.com"),
            Ok("a+tag@x-y.example.com".to_owned())
        );
        assert_eq!(email("a@b.c"), Ok("a@b.c".to_owned()));
    }

    #[test]
    fn email_rejects() {
        for bad in [
            "",
            "a@",
            "@b.c",
            "ab.c",
            "a@b",
            "a@@b.c",
            "a@b@c.d",
            "a b@c.d",
            "a@b.c\0",
            "a\n@b.c",
            "a@.b.c",
            "a@b..c",
            "a@b.c.",
            "a@-b.c",
            "a@b-.c",
            "a@b_c.d",
            "a@例え.jp",
            "a@b.c'; DROP TABLE x; --",
            "x'@b.c; DROP TABLE x; --",
            INJECTION,
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn email_length_boundaries() {
        let local64 = "a".repeat(64);
        assert!(email(&format!("{local64}@b.c")).is_ok());
        assert!(email(&format!("{local64}a@b.c")).is_err());
        // 254 characters in all: 64 + 1 + 189.
        let domain = |len: usize| {
            let labels = ["b".repeat(60), "c".repeat(60), "d".repeat(60)].join(".");
            format!("{}.{labels}", "e".repeat(len - labels.len() - 1))
        };
        let max = format!("{local64}@{}", domain(189));
        assert_eq!(max.len(), 254);
        assert!(email(&max).is_ok());
        assert!(email(&format!("{local64}@{}", domain(190))).is_err());
        assert!(email(&format!("a@{}.c", "b".repeat(63))).is_ok());
        assert!(email(&format!("a@{}.c", "b".repeat(64))).is_err());
    }

    #[test]
    fn medical_license_number_is_ascii_digits() {
        assert_eq!(medical_license_number("1"), Ok("1".to_owned()));
        assert_eq!(
            medical_license_number(" 0123456 "),
            Ok("0123456".to_owned())
        );
        for bad in [
            "",
            "   ",
            "12345678",
            "１２３４５６",
            "123４",
            "12 34",
            "-123",
            "12a",
            "123\0",
            "1e5",
            INJECTION,
            "1; DROP TABLE x; --",
        ] {
            assert!(medical_license_number(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn name_counts_characters_not_bytes() {
        assert_eq!(name("  山田 太郎 ", 5), Ok("山田 太郎".to_owned()));
        assert_eq!(
            name("東京大学医学部附属病院", 11),
            Ok("東京大学医学部附属病院".to_owned())
        );
        assert_eq!(name("東京大学医学部附属病院", 10), Err("is too long"));
        assert_eq!(name("a", 1), Ok("a".to_owned()));
        assert_eq!(name("ab", 1), Err("is too long"));
        assert_eq!(name("", 10), Err("must not be empty"));
        assert_eq!(name(" \u{3000}\t", 10), Err("must not be empty"));
        assert_eq!(name("a", 0), Err("is too long"));
        assert_eq!(name("O'Brien", 20), Ok("O'Brien".to_owned()));
    }

    #[test]
    fn name_rejects_control_characters() {
        for bad in ["山田\0太郎", "a\nb", "a\u{1b}[31m", "a\u{7f}", "a\u{85}b"] {
            assert_eq!(
                name(bad, 100),
                Err("must not contain control characters"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn optional_name_treats_blank_as_absent() {
        assert_eq!(optional_name(None, 10), Ok(None));
        assert_eq!(optional_name(Some(""), 10), Ok(None));
        assert_eq!(optional_name(Some(" \u{3000} "), 10), Ok(None));
        assert_eq!(
            optional_name(Some(" 京都府立医科大学 "), 10),
            Ok(Some("京都府立医科大学".to_owned()))
        );
        assert_eq!(
            optional_name(Some("a\0"), 10),
            Err("must not contain control characters")
        );
        assert_eq!(optional_name(Some("abc"), 2), Err("is too long"));
    }

    #[test]
    fn kana_accepts_katakana_and_hiragana() {
        assert_eq!(kana(" ヤマダ タロウ "), Ok("ヤマダ タロウ".to_owned()));
        assert_eq!(
            kana("やまだ\u{3000}たろう"),
            Ok("やまだ\u{3000}たろう".to_owned())
        );
        assert_eq!(kana("サトー・ジョン"), Ok("サトー・ジョン".to_owned()));
        assert!(kana(&"ア".repeat(100)).is_ok());
        assert!(kana(&"ア".repeat(101)).is_err());
        for bad in [
            "",
            "   ",
            "山田",
            "Yamada",
            "ﾔﾏﾀﾞ",
            "ヤマダ\0",
            "ヤマダ\tタロウ",
            INJECTION,
        ] {
            assert!(kana(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn graduation_year_range() {
        assert_eq!(graduation_year(1950, 2026), Ok(1950));
        assert_eq!(graduation_year(2027, 2026), Ok(2027));
        assert!(graduation_year(1949, 2026).is_err());
        assert!(graduation_year(2028, 2026).is_err());
        assert_eq!(graduation_year(i32::MAX, i32::MAX), Ok(i32::MAX));
        assert!(graduation_year(i32::MIN, 2026).is_err());
    }

    #[test]
    fn free_text_keeps_line_breaks() {
        assert_eq!(
            free_text("  a\r\nb\tc ", 10),
            Ok(Some("a\nb\tc".to_owned()))
        );
        assert_eq!(free_text(" \n ", 10), Ok(None));
        assert_eq!(free_text("abc", 2), Err("is too long"));
        assert_eq!(
            free_text("a\u{0}b", 10),
            Err("must not contain control characters")
        );
        assert_eq!(free_text(INJECTION, 100), Ok(Some(INJECTION.to_owned())));
    }

    #[test]
    fn doi_is_lowercased_and_shaped() {
        assert_eq!(doi(" 10.1000/ABC "), Ok(Some("10.1000/abc".to_owned())));
        assert_eq!(doi(""), Ok(None));
        for bad in [
            "10./x",
            "10.1000/",
            "11.1000/x",
            "10.1000/a b",
            "doi:10.1/x",
        ] {
            assert!(doi(bad).is_err(), "{bad:?}");
        }
        assert!(doi(&format!("10.1/{}", "x".repeat(300))).is_err());
    }
}
