//! A page of courses in one pass: the public course list (bench (a)).

use super::institution::{self, InstitutionFields};
use super::society::{self, SocietyFields};
use super::{Direct, Selected, TYPENAME, object};
use crate::catalog::SocietyCatalog;
use crate::entity::{course, institution as institution_row};
use crate::graphql::context::{loaders, societies};
use crate::graphql::course::{Course, SiteRole};
use crate::graphql::institution::missing_institution;
use crate::graphql::loaders::{InstitutionId, PartnersOf};
use crate::graphql::scalars::DateTime;
use crate::graphql::society::missing_society;
use crate::ids;
use async_graphql::parser::types::SelectionSet;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{ContextSelectionSet, Name, Pos, ScalarType, ServerResult, Value};
use std::collections::HashMap;

pub(super) enum CourseField {
    Typename,
    Id,
    Year,
    Title,
    Director,
    RequestedCapacity,
    Status,
    Curriculum,
    SubmittedAt,
    PublishedAt,
    Society(SocietyFields),
    ResponsibleInstitution(InstitutionFields),
    ClinicalSites(Vec<(Name, SiteField)>),
    ResearchHost(Vec<(Name, HostField)>),
}

pub(super) enum SiteField {
    Typename,
    Role,
    Institution(InstitutionFields),
}

pub(super) enum HostField {
    Typename,
    Kind,
    Name,
    PaperCountFiveYears,
    PaperRecord,
    Institution(InstitutionFields),
}

pub(super) type CourseFields = Vec<(Name, CourseField)>;

fn fields<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> Option<CourseFields> {
    use CourseField as F;
    selected.fields(set, "Course", &mut |field| {
        let under = &field.selection_set.node;
        Some(match field.name.node.as_str() {
            TYPENAME => F::Typename,
            "id" => F::Id,
            "year" => F::Year,
            "title" => F::Title,
            "director" => F::Director,
            "requestedCapacity" => F::RequestedCapacity,
            "status" => F::Status,
            "curriculum" => F::Curriculum,
            "submittedAt" => F::SubmittedAt,
            "publishedAt" => F::PublishedAt,
            "society" => F::Society(society::fields(selected, under)?),
            "responsibleInstitution" => {
                F::ResponsibleInstitution(institution::fields(selected, under)?)
            }
            "clinicalSites" => {
                F::ClinicalSites(selected.fields(under, "ClinicalSite", &mut |f| {
                    Some(match f.name.node.as_str() {
                        TYPENAME => SiteField::Typename,
                        "role" => SiteField::Role,
                        "institution" => SiteField::Institution(institution::fields(
                            selected,
                            &f.selection_set.node,
                        )?),
                        _ => return None,
                    })
                })?)
            }
            "researchHost" => {
                F::ResearchHost(selected.fields(under, "ResearchHost", &mut |f| {
                    Some(match f.name.node.as_str() {
                        TYPENAME => HostField::Typename,
                        "kind" => HostField::Kind,
                        "name" => HostField::Name,
                        "paperCountFiveYears" => HostField::PaperCountFiveYears,
                        "paperRecord" => HostField::PaperRecord,
                        "institution" => HostField::Institution(institution::fields(
                            selected,
                            &f.selection_set.node,
                        )?),
                        _ => return None,
                    })
                })?)
            }
            _ => return None,
        })
    })
}

/// Whether the writer takes this selection of a course (`super::writes`).
pub(super) fn takes<'a>(selected: &Selected<'a>, set: &'a SelectionSet) -> bool {
    fields(selected, set).is_some()
}

/// The fields selected of a course that show nothing but its own row and
/// its society (from the catalog), for a writer that has the row at hand
/// and no related rows ([`write_own`]).
pub(super) fn own_fields<'a>(
    selected: &Selected<'a>,
    set: &'a SelectionSet,
) -> Option<CourseFields> {
    let fields = fields(selected, set)?;
    let own = fields.iter().all(|(_, field)| match field {
        CourseField::ResponsibleInstitution(_) | CourseField::ClinicalSites(_) => false,
        CourseField::ResearchHost(host) => !host
            .iter()
            .any(|(_, f)| matches!(f, HostField::Institution(_))),
        _ => true,
    });
    own.then_some(fields)
}

/// The rows a page's nodes show beside their own: what the resolvers of
/// `responsibleInstitution`, `clinicalSites` and `researchHost.institution`
/// would load, in the same batches.
#[derive(Default)]
struct Related {
    institutions: HashMap<InstitutionId, institution_row::Model>,
    partners: HashMap<PartnersOf, Vec<institution_row::Model>>,
}

impl Related {
    async fn load(
        ctx: &ContextSelectionSet<'_>,
        fields: &CourseFields,
        nodes: &[Course],
    ) -> ServerResult<Self> {
        let (mut responsible, mut partners, mut host) = (false, false, false);
        for (_, field) in fields {
            match field {
                CourseField::ResponsibleInstitution(_) => responsible = true,
                CourseField::ClinicalSites(_) => (responsible, partners) = (true, true),
                CourseField::ResearchHost(host_fields) => {
                    host |= host_fields
                        .iter()
                        .any(|(_, f)| matches!(f, HostField::Institution(_)));
                }
                _ => {}
            }
        }
        if !(responsible || partners || host) {
            return Ok(Self::default());
        }
        let mut ids = Vec::new();
        for node in nodes {
            let m = &node.0;
            if responsible {
                ids.push(InstitutionId(m.responsible_institution_id));
            }
            if let (true, Some(id)) = (host, m.research_host_institution_id) {
                ids.push(InstitutionId(id));
            }
        }
        let courses = nodes.iter().map(|n| PartnersOf(n.0.id));
        let loaders = loaders(ctx).map_err(|e| e.into_server_error(ctx.item.pos))?;
        let (institutions, partners) = tokio::join!(loaders.many(ids), async {
            match partners {
                true => loaders.many(courses).await,
                false => Ok(HashMap::new()),
            }
        });
        let db_error =
            |e: sea_orm::DbErr| async_graphql::Error::from(e).into_server_error(ctx.item.pos);
        Ok(Self {
            institutions: institutions.map_err(db_error)?,
            partners: partners.map_err(db_error)?,
        })
    }

    /// A referenced institution; missing is a broken invariant, as in
    /// `institution_by_id`.
    fn institution(&self, id: i64, pos: Pos) -> ServerResult<&institution_row::Model> {
        self.institutions.get(&InstitutionId(id)).ok_or_else(|| {
            async_graphql::Error::from(missing_institution(id)).into_server_error(pos)
        })
    }
}

impl Direct for Course {
    async fn write<'a>(
        ctx: &'a ContextSelectionSet<'a>,
        nodes: &'a [Self],
    ) -> Option<ServerResult<Value>> {
        let fields = fields(&Selected::new(ctx), &ctx.item.node)?;
        Some(write_page(ctx, &fields, nodes).await)
    }
}

async fn write_page(
    ctx: &ContextSelectionSet<'_>,
    fields: &CourseFields,
    nodes: &[Course],
) -> ServerResult<Value> {
    let related = Related::load(ctx, fields, nodes).await?;
    let pos = ctx.item.pos;
    let catalog = societies(ctx);
    let mut list = Vec::with_capacity(nodes.len());
    for node in nodes {
        list.push(write_course(fields, &node.0, &related, catalog, pos)?);
    }
    Ok(Value::List(list))
}

/// A course of [`own_fields`]: no related rows to show.
pub(super) fn write_own(
    fields: &CourseFields,
    m: &course::Model,
    catalog: &SocietyCatalog,
    pos: Pos,
) -> ServerResult<Value> {
    write_course(fields, m, &Related::default(), catalog, pos)
}

/// One course, its related rows taken from `related`.
fn write_course(
    fields: &CourseFields,
    m: &course::Model,
    related: &Related,
    catalog: &SocietyCatalog,
    pos: Pos,
) -> ServerResult<Value> {
    object(fields, |field| {
        use CourseField as F;
        Ok(match field {
            F::Typename => Value::from("Course"),
            F::Id => ids::encode(ids::COURSE, m.id).to_value(),
            F::Year => Value::from(m.year),
            F::Title => Value::from(m.title.as_str()),
            F::Director => Value::from(m.director.as_str()),
            F::RequestedCapacity => Value::from(m.requested_capacity),
            F::Status => enum_value(m.status),
            F::Curriculum => Value::from(m.curriculum.as_str()),
            F::SubmittedAt => m
                .submitted_at
                .map_or(Value::Null, |t| DateTime(t).to_value()),
            F::PublishedAt => m
                .published_at
                .map_or(Value::Null, |t| DateTime(t).to_value()),
            F::Society(under) => match catalog.by_id(m.society_id) {
                Some(s) => society::write(under, s)?,
                None => return Err(missing_society().into_server_error(pos)),
            },
            F::ResponsibleInstitution(under) => institution::write(
                under,
                related.institution(m.responsible_institution_id, pos)?,
            )?,
            F::ClinicalSites(under) => clinical_sites(under, m, related, pos)?,
            F::ResearchHost(under) => research_host(under, m, related, pos)?,
        })
    })
}

/// The responsible institution first, then the partners, as `clinicalSites`.
fn clinical_sites(
    fields: &[(Name, SiteField)],
    m: &course::Model,
    related: &Related,
    pos: Pos,
) -> ServerResult<Value> {
    let responsible = related.institution(m.responsible_institution_id, pos)?;
    let partners = related
        .partners
        .get(&PartnersOf(m.id))
        .map_or(&[][..], Vec::as_slice);
    let sites = std::iter::once((SiteRole::Responsible, responsible))
        .chain(partners.iter().map(|p| (SiteRole::Partner, p)));
    let mut list = Vec::with_capacity(1 + partners.len());
    for (role, site) in sites {
        list.push(object(fields, |field| {
            Ok(match field {
                SiteField::Typename => Value::from("ClinicalSite"),
                SiteField::Role => enum_value(role),
                SiteField::Institution(under) => institution::write(under, site)?,
            })
        })?);
    }
    Ok(Value::List(list))
}

fn research_host(
    fields: &[(Name, HostField)],
    m: &course::Model,
    related: &Related,
    pos: Pos,
) -> ServerResult<Value> {
    object(fields, |field| {
        Ok(match field {
            HostField::Typename => Value::from("ResearchHost"),
            HostField::Kind => enum_value(m.research_host_kind),
            HostField::Name => Value::from(m.research_host_name.as_str()),
            HostField::PaperCountFiveYears => Value::from(m.research_host_paper_count),
            HostField::PaperRecord => m
                .research_host_paper_record
                .as_deref()
                .map_or(Value::Null, Value::from),
            HostField::Institution(under) => match m.research_host_institution_id {
                Some(id) => institution::write(under, related.institution(id, pos)?)?,
                None => Value::Null,
            },
        })
    })
}
