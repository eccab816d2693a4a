// What src/apollo.ts and src/urql.ts share: the endpoint and token, a
// pass-through fetch that records how each operation went over the wire,
// and the checks on the results. Both run after src/main.ts has registered
// the CSC_TOKEN doctor and applied to the first published course.

import type {
  GeneralApplicationInput,
  MeQuery,
  PublishedCoursesQuery,
  SetGeneralApplicationMutation,
} from "./generated/graphql.js";

export type Course = PublishedCoursesQuery["courses"]["nodes"][number];
type Application = NonNullable<MeQuery["viewer"]["applicant"]>["applications"][number];

export const endpoint = process.env.CSC_URL ?? "http://127.0.0.1:8080/graphql";

/** The APPLICANT token of CSC_TOKEN, as an Authorization header value. */
export function authorization(): string {
  const token = process.env.CSC_TOKEN;
  if (!token) throw new Error("CSC_TOKEN is not set: an APPLICANT token is needed");
  return `Bearer ${token}`;
}

/** One HTTP request a client sent. */
export interface Sent {
  method: string;
  operation: string;
  status: number;
}

/**
 * `fetch`, unchanged, except that it notes each request's method, operation
 * name (from the query string of a GET, the JSON body of a POST) and status.
 */
export function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    let operation = new URL(request.url).searchParams.get("operationName") ?? "";
    if (request.method === "POST") {
      const body = (await request.clone().json()) as { operationName?: string };
      operation = body.operationName ?? "";
    }
    const response = await fetch(input, init);
    sent.push({ method: request.method, operation, status: response.status });
    return response;
  };
}

/** Fails unless every request went with the expected method and each operation was sent. */
export function expectMethods(sent: Sent[], expected: Record<string, string>): void {
  for (const [operation, method] of Object.entries(expected)) {
    const requests = sent.filter((s) => s.operation === operation);
    if (requests.length === 0) throw new Error(`no ${operation} request was sent`);
    for (const s of requests) {
      if (s.method !== method) {
        throw new Error(`${operation} went as ${s.method} (HTTP ${s.status}), expected ${method}`);
      }
    }
  }
  const unexpected = sent.filter((s) => !(s.operation in expected));
  if (unexpected.length > 0) throw new Error(`unexpected requests: ${JSON.stringify(unexpected)}`);
  console.log(`  sent: ${sent.map((s) => `${s.method} ${s.operation} -> ${s.status}`).join(", ")}`);
}

/** The first published course; fails when there is none. */
export function firstCourse(courses: PublishedCoursesQuery["courses"]): Course {
  const course = courses.nodes[0];
  if (courses.totalCount < 1 || !course || typeof course.title !== "string") {
    throw new Error(`no published course in ${JSON.stringify(courses)}`);
  }
  console.log(`  ${courses.totalCount} published course(s), the first: ${course.id} ${course.title}`);
  return course;
}

/** The viewer's live application to the course, which `npm start` made. */
export function liveApplication(viewer: MeQuery["viewer"], course: Course): Application {
  const application = viewer.applicant?.applications.find(
    (a) => a.course.id === course.id && (a.status === "SUBMITTED" || a.status === "ADOPTED"),
  );
  if (!application) {
    throw new Error(
      `${viewer.subject ?? "the viewer"} has no live application to ${course.id}; ` +
        "run `npm start` with this CSC_TOKEN first",
    );
  }
  return application;
}

/**
 * The parallel general application set by the harmless mutation: the same
 * input every run, so setting it again replaces it with itself.
 */
export function generalApplicationFor(client: string, course: Course): GeneralApplicationInput {
  return {
    programName: `${course.responsibleInstitution.name} ${course.society.fieldNameJa}専門研修プログラム (${client})`,
    field: course.society.code,
    institutionId: course.responsibleInstitution.id,
  };
}

/** Fails unless the mutation's answer holds what was sent. */
export function checkGeneralApplication(
  result: SetGeneralApplicationMutation["setGeneralApplication"],
  input: GeneralApplicationInput,
): void {
  const general = result.generalApplication;
  if (
    !general ||
    general.programName !== input.programName ||
    general.society.code !== input.field ||
    general.institution.id !== input.institutionId
  ) {
    throw new Error(`setGeneralApplication answered ${JSON.stringify(result)} for ${JSON.stringify(input)}`);
  }
  console.log(`  application ${result.id} ${result.status}: general application "${general.programName}" ${general.status}`);
}

/** Prints the error (each GraphQL error's code, field and request id) and sets exit code 1. */
export function report(client: string, message: string, errors: readonly { message: string; extensions?: Record<string, unknown> }[] = []): void {
  console.error(`${client}: ${message}`);
  for (const e of errors) {
    const ext = e.extensions ?? {};
    console.error(
      `  ${String(ext.code ?? "ERROR")}: ${e.message}` +
        (ext.field ? ` (field ${String(ext.field)})` : "") +
        (ext.requestId ? ` [request ${String(ext.requestId)}]` : ""),
    );
  }
  process.exitCode = 1;
}
