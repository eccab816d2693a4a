//! The example operations GraphiQL opens with: one tab per kind of user,
//! each naming the token it needs and how to get one.

use serde::Serialize;

/// The header every tab starts with. The page's fetcher sends no
/// `Authorization` while it still reads `Bearer …`: until a token is pasted
/// (or picked with "Sign in as") the tab runs anonymously.
pub const HEADERS_PLACEHOLDER: &str = "{\n  \"Authorization\": \"Bearer …\"\n}";

/// One tab as GraphiQL's `defaultTabs` takes it.
#[derive(Serialize)]
pub struct Tab {
    pub query: String,
    pub headers: &'static str,
}

/// The tabs, with the `csc` command of this installation (`cargo run --`
/// under cargo) in the hints; in `--dev` they point at "Sign in as" first.
pub fn tabs(csc: &str, dev: bool) -> Vec<Tab> {
    let token = |what: &str, args: &str| {
        let pick = if dev {
            "pick it in \"Sign in as\" (top right),\n# or "
        } else {
            ""
        };
        format!(
            "# {what}: {pick}put in place of … in Headers\n# the token that this prints:\n#   {csc} token {args}\n"
        )
    };
    [
        format!(
            "# Published courses: no token needed.\n# Another role: {}\nquery PublishedCourses {{\n  courses(filter: {{ status: PUBLISHED }}, first: 20) {{\n    totalCount\n    nodes {{ id year title society {{ fieldNameJa }} responsibleInstitution {{ name prefecture }} requestedCapacity }}\n  }}\n}}\n",
            if dev {
                "\"Sign in as\" (top right), or a token\n# in place of … in Headers below."
            } else {
                "a token in place of … in Headers below\n# (the other tabs say how to get one)."
            }
        ),
        format!(
            "# The board: a cycle's quotas and statistics.\n{}query CycleStatistics($year: Int = 2027) {{\n  recruitmentCycle(year: $year) {{\n    phase totalCapacity\n    fieldQuotas {{ society {{ fieldNameJa }} participating applicants quota }}\n    statistics {{ applicants adopted notAdopted fellBackToRegularProgram }}\n  }}\n}}\n",
            token("An ADMIN token", "--role ADMIN")
        ),
        format!(
            "# A society's review screen.\n{}query ReviewApplications {{\n  applications(first: 50, filter: {{ status: SUBMITTED }}) {{\n    totalCount\n    nodes {{ id status course {{ title }} applicant {{ fullName university }} generalApplication {{ programName status }} }}\n  }}\n}}\n",
            token(
                "A SOCIETY token",
                "--role SOCIETY --society INTERNAL_MEDICINE"
            )
        ),
        format!(
            "# A doctor's own record.\n{}query Me {{\n  viewer {{\n    role\n    applicant {{ fullName applications {{ status outcome course {{ title }} generalApplication {{ status }} }} trainee {{ phase plannedCompletionOn completion {{ complete unmet }} }} }}\n  }}\n}}\n",
            token("An APPLICANT token", "--role APPLICANT --sub doctor-0001")
        ),
    ]
    .into_iter()
    .map(|query| Tab {
        query,
        headers: HEADERS_PLACEHOLDER,
    })
    .collect()
}
