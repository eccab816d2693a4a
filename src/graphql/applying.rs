//! Applications in the early call: submitting with the parallel general
//! application (併願), withdrawing, and the adoption decisions: a society
//! proposes, the board decides or confirms (I.2(2)④, `domain::selection`).

use super::application::Application;
use super::run::run;
use crate::entity::enums::{Decision, FieldCode};
use crate::ops::applying::{
    ConfirmDecision, DecideApplication, GeneralApplication, SetGeneralApplication,
    SubmitApplication, WithdrawApplication,
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A parallel application (併願) to a regular specialty training program
/// (II.2(3)): the doctor's fallback if not adopted.
#[derive(InputObject)]
pub struct GeneralApplicationInput {
    /// The regular program's name, 1 to 200 characters.
    pub program_name: String,
    /// The program's basic field; it need not be the course's.
    pub field: FieldCode,
    /// The hospital running the program (an Institution ID).
    pub institution_id: ID,
}

/// An application to a course in the early call.
#[derive(InputObject)]
pub struct SubmitApplicationInput {
    /// The course applied to (a Course ID): a PUBLISHED one, else NOT_FOUND.
    pub course_id: ID,
    /// the parallel general application, if already made; it can be added later
    pub general_application: Option<GeneralApplicationInput>,
}

#[derive(Default)]
pub struct ApplyingMutation;

#[Object]
impl ApplyingMutation {
    /// while EARLY_CALL_OPEN; one live application per applicant and cycle.
    /// An application to a course that was withdrawn (and not handed to
    /// another institution) does not hold the applicant back: it is
    /// withdrawn in the same step, and its parallel general application
    /// moves to the new one unless the input gives another (II.3(1)).
    /// APPLICANT only, for itself once registered (before: FORBIDDEN);
    /// INELIGIBLE lists every reason that bars the doctor (I.2(1)).
    async fn submit_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The course, and the parallel application if already made.")]
        input: SubmitApplicationInput,
    ) -> Result<Application> {
        run(ctx, SubmitApplication::from(input))
            .await
            .map(Application::from)
    }

    /// the parallel general application, added or replaced until selection is final:
    /// by the doctor (APPLICANT) on its own live application, from
    /// EARLY_CALL_OPEN to QUOTAS_ALLOCATED.
    async fn set_general_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The doctor's own live application (an Application ID); another's is FORBIDDEN."
        )]
        application_id: ID,
        #[graphql(desc = "The parallel application; it replaces the one on record, if any.")]
        input: GeneralApplicationInput,
    ) -> Result<Application> {
        let command = SetGeneralApplication {
            application_id,
            general_application: input.into(),
        };
        run(ctx, command).await.map(Application::from)
    }

    /// The applicant, or the board, withdraws a live application until the selection is final
    /// (EARLY_CALL_OPEN to QUOTAS_ALLOCATED; one no longer live is
    /// CONFLICT). Its parallel application stays: the doctor falls back to
    /// it like any doctor not adopted.
    async fn withdraw_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The application to withdraw (an Application ID); a doctor's own only.")]
        id: ID,
    ) -> Result<Application> {
        run(ctx, WithdrawApplication { id })
            .await
            .map(Application::from)
    }

    /// while QUOTAS_ALLOCATED; ADOPT fails with QUOTA_EXCEEDED past the field quota or the course capacity,
    /// or the seats the institution has left after departures (III.3); a
    /// society's proposals count against them too. The board (ADMIN)
    /// decides; the society of the course's field proposes, and its proposal
    /// is final once the board confirms it (confirmDecision) (I.2(2)④).
    async fn decide_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The application decided on (an Application ID); a withdrawn one is CONFLICT."
        )]
        id: ID,
        #[graphql(desc = "Adopt or not; it may change until the selection is final.")]
        decision: Decision,
    ) -> Result<Application> {
        run(ctx, DecideApplication { id, decision })
            .await
            .map(Application::from)
    }

    /// The board (ADMIN) confirms the decision the society proposed: it
    /// becomes the application's status, decided on the society's proposal.
    /// While QUOTAS_ALLOCATED; CONFLICT when nothing is proposed.
    async fn confirm_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The application with the society's pending proposal (an Application ID)."
        )]
        id: ID,
    ) -> Result<Application> {
        run(ctx, ConfirmDecision { id })
            .await
            .map(Application::from)
    }
}

impl From<GeneralApplicationInput> for GeneralApplication {
    fn from(input: GeneralApplicationInput) -> Self {
        Self {
            program_name: input.program_name,
            field: input.field,
            institution_id: input.institution_id,
        }
    }
}

impl From<SubmitApplicationInput> for SubmitApplication {
    fn from(input: SubmitApplicationInput) -> Self {
        Self {
            course_id: input.course_id,
            general_application: input.general_application.map(Into::into),
        }
    }
}
