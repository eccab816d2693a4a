//! A page of applications in one pass: a society's review screen (bench
//! (b)), when its page carried every related row its nodes show (read in
//! part in the page's own statement, `graphql::joined`). Where a node lacks
//! one (whole rows went to the loaders), the executor answers.

use super::applicant::{self, ApplicantFields};
use super::course::{self, CourseFields};
use super::institution::{self, InstitutionFields};
use super::society::{self, SocietyFields};
use super::{Direct, Selected, TYPENAME, object};
use crate::catalog::SocietyCatalog;
use crate::graphql::application::{Application, GeneralApplication};
use crate::graphql::context::societies;
use crate::graphql::scalars::DateTime;
use crate::graphql::society::missing_society;
use crate::ids;
use async_graphql::parser::types::SelectionSet;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{ContextSelectionSet, Name, Pos, ScalarType, ServerResult, Value};

/// The fields of Application the writer knows. `cycle` (a load) and the
/// proposal (shown by role) stay with the executor.
enum ApplicationField {
    Typename,
    Id,
    Status,
    SubmittedAt,
    DecidedAt,
    Outcome,
    DecisionBasis,
    Course(CourseFields),
    Applicant(ApplicantFields),
    GeneralApplication(GeneralFields),
}

enum GeneralField {
    Typename,
    Id,
    ProgramName,
    Society(SocietyFields),
    Institution(InstitutionFields),
    Status,
    ActivatedAt,
}

type ApplicationFields = Vec<(Name, ApplicationField)>;
type GeneralFields = Vec<(Name, GeneralField)>;

fn fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<ApplicationFields> {
    use ApplicationField as F;
    selected.fields(set, "Application", &mut |field| {
        let under = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "status" => F::Status,
            "submittedAt" => F::SubmittedAt,
            "decidedAt" => F::DecidedAt,
            "outcome" => F::Outcome,
            "decisionBasis" => F::DecisionBasis,
            "course" => F::Course(course::own_fields(selected, under)?),
            "applicant" => F::Applicant(applicant::fields(selected, under)?),
            "generalApplication" => F::GeneralApplication(general_fields(selected, under)?),
            _ => return None,
        })
    })
}

fn general_fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<GeneralFields> {
    use GeneralField as F;
    selected.fields(set, "GeneralApplication", &mut |field| {
        let under = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "programName" => F::ProgramName,
            "society" => F::Society(society::fields(selected, under)?),
            "institution" => F::Institution(institution::fields(selected, under)?),
            "status" => F::Status,
            "activatedAt" => F::ActivatedAt,
            _ => return None,
        })
    })
}

/// Whether the writer takes this selection of an application
/// (`super::writes`; whether the page carried the rows is known only then).
pub(super) fn takes<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> bool {
    fields(selected, set).is_some()
}

/// Whether `node` came with every related row that `fields` show.
fn carries(node: &Application, fields: &ApplicationFields) -> bool {
    fields.iter().all(|(_, field)| match field {
        ApplicationField::Course(_) => node.carried_course().is_some(),
        ApplicationField::Applicant(_) => node.carried_applicant().is_some(),
        ApplicationField::GeneralApplication(under) => match node.carried_general() {
            None => false,
            Some(None) => true,
            Some(Some(general)) => {
                general.carried_institution().is_some()
                    || !under
                        .iter()
                        .any(|(_, f)| matches!(f, GeneralField::Institution(_)))
            }
        },
        _ => true,
    })
}

impl Direct for Application {
    async fn write<'a>(
        ctx: &'a ContextSelectionSet<'a>,
        nodes: &'a [Self],
    ) -> Option<ServerResult<Value>> {
        let fields = fields(&Selected::new(ctx), &ctx.item.node)?;
        if !nodes.iter().all(|node| carries(node, &fields)) {
            return None;
        }
        let catalog = societies(ctx);
        let list = nodes
            .iter()
            .map(|node| write_application(ctx, &fields, node, catalog))
            .collect::<ServerResult<_>>();
        Some(list.map(Value::List))
    }
}

fn write_application(
    ctx: &ContextSelectionSet<'_>,
    fields: &ApplicationFields,
    node: &Application,
    catalog: &SocietyCatalog,
) -> ServerResult<Value> {
    let m = &node.0;
    let pos = ctx.item.pos;
    // `carries` checked every related row before any node was written.
    let absent =
        || async_graphql::Error::new("a related row was not carried").into_server_error(pos);
    object(fields, |field| {
        use ApplicationField as F;
        Ok(match field {
            F::Typename => Value::from("Application"),
            F::Id => ids::encode(ids::APPLICATION, m.id).to_value(),
            F::Status => enum_value(m.status),
            F::SubmittedAt => DateTime(m.submitted_at).to_value(),
            F::DecidedAt => m.decided_at.map_or(Value::Null, |t| DateTime(t).to_value()),
            F::Outcome => enum_value(m.outcome),
            F::DecisionBasis => m.decision_basis.map_or(Value::Null, enum_value),
            F::Course(under) => {
                let course = node.carried_course().ok_or_else(absent)?;
                course::write_own(under, course, catalog, pos)?
            }
            F::Applicant(under) => {
                applicant::write(ctx, under, node.carried_applicant().ok_or_else(absent)?)?
            }
            F::GeneralApplication(under) => match node.carried_general().ok_or_else(absent)? {
                Some(general) => write_general(under, general, catalog, pos)?,
                None => Value::Null,
            },
        })
    })
}

fn write_general(
    fields: &GeneralFields,
    general: &GeneralApplication,
    catalog: &SocietyCatalog,
    pos: Pos,
) -> ServerResult<Value> {
    let m = &general.0;
    object(fields, |field| {
        use GeneralField as F;
        Ok(match field {
            F::Typename => Value::from("GeneralApplication"),
            F::Id => ids::encode(ids::GENERAL_APPLICATION, m.id).to_value(),
            F::ProgramName => Value::from(m.program_name.as_str()),
            F::Society(under) => match catalog.by_id(m.society_id) {
                Some(s) => society::write(under, s)?,
                None => return Err(missing_society().into_server_error(pos)),
            },
            F::Institution(under) => match general.carried_institution() {
                Some(institution) => institution::write(under, institution)?,
                None => {
                    let error = async_graphql::Error::new("the institution was not carried");
                    return Err(error.into_server_error(pos));
                }
            },
            F::Status => enum_value(m.status),
            F::ActivatedAt => m
                .activated_at
                .map_or(Value::Null, |t| DateTime(t).to_value()),
        })
    })
}
