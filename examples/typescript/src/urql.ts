// The same operations with urql's framework-free core in its default
// settings: the documented exchanges (cacheExchange, fetchExchange), the URL
// and the Authorization header, and a pass-through fetch that records each
// request. urql sends queries as `GET /graphql?query=…` (its default
// `preferGetMethod: 'within-url-limit'`) and mutations as JSON POSTs; the
// script fails if they went otherwise.
//
// Run after src/main.ts (CSC_URL, CSC_TOKEN as there): lists the published
// courses, finds the applicant's live application to the first one and sets
// its parallel general application (the same input every run).

import { Client, CombinedError, cacheExchange, fetchExchange, type OperationResult } from "@urql/core";
import {
  authorization,
  checkGeneralApplication,
  endpoint,
  expectMethods,
  firstCourse,
  generalApplicationFor,
  liveApplication,
  recordingFetch,
  report,
  type Sent,
} from "./common.js";
import { MeDocument, PublishedCoursesDocument, SetGeneralApplicationDocument } from "./generated/graphql.js";

const name = "urql";
const sent: Sent[] = [];

/** The result's data; its error (GraphQL or network) is thrown. */
function dataOf<T>(result: OperationResult<T>): T {
  if (result.error) throw result.error;
  if (!result.data) throw new Error("a result without data");
  return result.data;
}

async function main(): Promise<void> {
  console.log("urql:");
  const client = new Client({
    url: endpoint,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: { headers: { authorization: authorization() } },
    fetch: recordingFetch(sent),
  });

  const published = dataOf(await client.query(PublishedCoursesDocument, { first: 20 }).toPromise());
  const course = firstCourse(published.courses);
  const me = dataOf(await client.query(MeDocument, {}).toPromise());
  const application = liveApplication(me.viewer, course);

  const input = generalApplicationFor(name, course);
  const data = dataOf(
    await client.mutation(SetGeneralApplicationDocument, { applicationId: application.id, input }).toPromise(),
  );
  checkGeneralApplication(data.setGeneralApplication, input);

  expectMethods(sent, { PublishedCourses: "GET", Me: "GET", SetGeneralApplication: "POST" });
  console.log("urql: ok");
}

main().catch((error: unknown) => {
  if (error instanceof CombinedError) {
    const status = error.response instanceof Response ? ` (HTTP ${error.response.status})` : "";
    report(name, `${error.networkError ? "network error" : "GraphQL errors"}${status}: ${error.message}`, error.graphQLErrors);
  } else {
    report(name, error instanceof Error ? error.message : String(error));
  }
  console.error(`  requests: ${JSON.stringify(sent)}`);
});
