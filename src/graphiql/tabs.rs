//! The example operations GraphiQL opens with: one tab per kind of user,
//! each naming the token it needs and how to get one, each about the intake
//! being recruited or selected (on the demo: 2027, its selection under way).
//! tests/api/demo.rs runs each on the demo with the token it names.

use crate::domain::cycle::training_year;
use chrono::NaiveDate;
use serde::Serialize;

/// The header every tab starts with. The page's fetcher sends no
/// `Authorization` while it still reads `Bearer …`: until a token is pasted
/// (or picked with "Sign in as") the tab runs anonymously.
pub const HEADERS_PLACEHOLDER: &str = "{\n  \"Authorization\": \"Bearer …\"\n}";

/// One tab as GraphiQL's `defaultTabs` takes it.
#[derive(Serialize, Debug)]
pub struct Tab {
    pub query: String,
    pub headers: &'static str,
    /// The "Sign in as" choice (its key) the tab is written for; `None`:
    /// anonymous. Not sent to the page: its comment says it.
    #[serde(skip)]
    pub sign_in_as: Option<&'static str>,
}

/// The intake whose courses applicants look at on `today`: the one that
/// starts next April (its call in the autumn, its selection after).
pub fn current_intake(today: NaiveDate) -> i32 {
    training_year(today) + 1
}

/// The tabs, with the `csc` command of this installation (`cargo run --`
/// under cargo) in the hints; in `--dev` they point at "Sign in as" first.
pub fn tabs(csc: &str, dev: bool, year: i32) -> Vec<Tab> {
    let token = |what: &str, choice: &str, args: &str| {
        let pick = if dev {
            format!("pick {choice} in \"Sign in as\" (top right),\n# or ")
        } else {
            String::new()
        };
        format!(
            "# {what}: {pick}put in place of … in Headers\n# the token that this prints:\n#   {csc} token {args}\n"
        )
    };
    let another_role = if dev {
        "\"Sign in as\" (top right), or a token\n# in place of … in Headers below."
    } else {
        "a token in place of … in Headers below\n# (the other tabs say how to get one)."
    };
    let tabs = [
        (
            None,
            format!(
                "# The courses published for the {year} intake: no token needed.\n# Another role: {another_role}\nquery PublishedCourses($year: Int = {year}) {{\n  courses(filter: {{ year: $year, status: PUBLISHED }}, first: 20) {{\n    totalCount\n    nodes {{ id year title society {{ fieldNameJa }} responsibleInstitution {{ name prefecture }} requestedCapacity applicantCount }}\n  }}\n}}\n"
            ),
        ),
        (
            Some("ADMIN"),
            format!(
                "# The board: the {year} cycle's quotas and numbers.\n{}query CycleStatistics($year: Int = {year}) {{\n  recruitmentCycle(year: $year) {{\n    phase totalCapacity\n    fieldQuotas {{ society {{ fieldNameJa }} participating applicants quota }}\n    statistics {{ applicants adopted notAdopted fellBackToRegularProgram }}\n  }}\n}}\n",
                token("An ADMIN token", "ADMIN", "--role ADMIN")
            ),
        ),
        (
            Some("SOCIETY"),
            format!(
                "# A society's review screen: its {year} applications to decide.\n{}query ReviewApplications($year: Int = {year}) {{\n  applications(first: 50, filter: {{ year: $year, status: SUBMITTED }}) {{\n    totalCount\n    nodes {{ id status proposedDecision course {{ title }} applicant {{ fullName university }} generalApplication {{ programName status }} }}\n  }}\n}}\n",
                token(
                    "A SOCIETY token",
                    "SOCIETY",
                    "--role SOCIETY --society INTERNAL_MEDICINE"
                )
            ),
        ),
        (
            Some("APPLICANT"),
            format!(
                "# A doctor's own record.\n{}query Me {{\n  viewer {{\n    role\n    applicant {{ fullName applications {{ status outcome course {{ title }} generalApplication {{ status }} }} trainee {{ phase plannedCompletionOn completion {{ complete unmet }} }} }}\n  }}\n}}\n",
                token(
                    "An APPLICANT token",
                    "APPLICANT doctor-0001",
                    "--role APPLICANT --sub doctor-0001"
                )
            ),
        ),
    ];
    tabs.into_iter()
        .map(|(sign_in_as, query)| Tab {
            query,
            headers: HEADERS_PLACEHOLDER,
            sign_in_as,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::current_intake;
    use chrono::NaiveDate;

    #[test]
    fn the_intake_that_starts_next_april() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(current_intake(day(2026, 10, 22)), 2027);
        assert_eq!(current_intake(day(2027, 3, 31)), 2027);
        assert_eq!(current_intake(day(2027, 4, 1)), 2028);
    }
}
