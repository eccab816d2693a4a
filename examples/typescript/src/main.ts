// A typed client of the csc API with graphql-request.
//
// 1. Lists the published courses anonymously (no token).
// 2. With an APPLICANT token in CSC_TOKEN: registers the doctor if the
//    token's subject has no applicant record yet, then applies to the first
//    published course and prints the application.
//
// Every operation comes from src/operations.graphql through codegen, so a
// field or variable that the schema does not have fails `tsc`, not the run.
// Any GraphQL error ends the process with exit code 1.

import { ClientError, GraphQLClient } from "graphql-request";
import {
  MeDocument,
  PublishedCoursesDocument,
  RegisterApplicantDocument,
  SubmitApplicationDocument,
  type PublishedCoursesQuery,
  type RegisterApplicantInput,
} from "./generated/graphql.js";

type Course = PublishedCoursesQuery["courses"]["nodes"][number];

const endpoint = process.env.CSC_URL ?? "http://127.0.0.1:8080/graphql";
const token = process.env.CSC_TOKEN;

async function main(): Promise<void> {
  const anonymous = new GraphQLClient(endpoint);
  const { courses } = await anonymous.request(PublishedCoursesDocument, { first: 20 });
  console.log(`${courses.totalCount} published course(s):`);
  for (const course of courses.nodes) {
    console.log(
      `  ${course.id}  ${course.year}  ${course.society.fieldNameJa}  ${course.title}` +
        ` (${course.responsibleInstitution.name}, ${course.requestedCapacity} seat(s))`,
    );
  }

  if (!token) {
    console.log("CSC_TOKEN is not set: an APPLICANT token is needed to apply.");
    return;
  }
  const course = courses.nodes[0];
  if (!course) {
    throw new Error("no published course to apply to");
  }

  const client = new GraphQLClient(endpoint, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { viewer } = await client.request(MeDocument);
  if (viewer.role !== "APPLICANT") {
    throw new Error(`CSC_TOKEN has role ${viewer.role ?? "none"}; an APPLICANT token is needed`);
  }

  let applicant = viewer.applicant;
  if (!applicant) {
    const { registerApplicant } = await client.request(RegisterApplicantDocument, {
      input: exampleDoctor(viewer.subject ?? "doctor", course),
    });
    console.log(`registered ${registerApplicant.fullName} (${registerApplicant.id})`);
    applicant = { ...registerApplicant, applications: [] };
  } else {
    console.log(`already registered: ${applicant.fullName} (${applicant.id})`);
  }

  const existing = applicant.applications.find(
    (a) => a.course.id === course.id && (a.status === "SUBMITTED" || a.status === "ADOPTED"),
  );
  if (existing) {
    console.log(`already applied to ${existing.course.title}: ${existing.id} ${existing.status}`);
    return;
  }

  // The key makes a retry after a lost response safe: the server replays
  // the stored answer instead of applying twice.
  const { submitApplication } = await client.request({
    document: SubmitApplicationDocument,
    variables: { input: { courseId: course.id } },
    requestHeaders: { "Idempotency-Key": `apply-${viewer.subject ?? ""}-${course.id}` },
  });
  console.log(
    `applied to ${submitApplication.course.title}: ${submitApplication.id}` +
      ` ${submitApplication.status} at ${submitApplication.submittedAt}`,
  );
}

/** Example registration data, eligible for the course's intake. */
function exampleDoctor(subject: string, course: Course): RegisterApplicantInput {
  // Six digits derived from the subject, so that two demo doctors differ.
  let hash = 0;
  for (const c of subject) hash = (hash * 31 + c.charCodeAt(0)) % 1_000_000;
  return {
    fullName: process.env.CSC_FULL_NAME ?? "山田 花子",
    fullNameKana: "ヤマダ ハナコ",
    email: `${subject.replace(/[^A-Za-z0-9._-]/g, "-")}@example.jp`,
    medicalLicenseNumber: String(hash).padStart(6, "0"),
    university: "大阪大学",
    graduationYear: course.year - 3,
    // The two-year initial training ends before the course starts on April 1.
    initialTrainingCompletedOn: `${course.year - 1}-03-31`,
    obligatedServiceGraduate: false,
    regionalQuotaObligation: false,
  };
}

main().catch((error: unknown) => {
  if (error instanceof ClientError) {
    console.error(`GraphQL request failed (HTTP ${error.response.status}):`);
    for (const e of error.response.errors ?? []) {
      const ext = e.extensions ?? {};
      console.error(`  ${String(ext.code ?? "ERROR")}: ${e.message}` +
        (ext.field ? ` (field ${String(ext.field)})` : "") +
        (ext.reasons ? ` reasons ${JSON.stringify(ext.reasons)}` : "") +
        (ext.requestId ? ` [request ${String(ext.requestId)}]` : ""));
    }
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exitCode = 1;
});
