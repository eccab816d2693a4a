// The same operations with Apollo Client 4 (its framework-free core, no
// React) in its default settings: only the URL and the Authorization header
// are set, and a pass-through fetch records each request. Apollo sends
// queries and mutations alike as JSON POSTs.
//
// Run after src/main.ts (CSC_URL, CSC_TOKEN as there): lists the published
// courses, finds the applicant's live application to the first one and sets
// its parallel general application (the same input every run).

import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError } from "@apollo/client";
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

const name = "apollo";
const sent: Sent[] = [];

/** A result's data, which Apollo types as possibly missing. */
function present<T>(data: T | undefined): T {
  if (data === undefined) throw new Error("a result without data");
  return data;
}

async function main(): Promise<void> {
  console.log("Apollo Client:");
  const client = new ApolloClient({
    link: new HttpLink({
      uri: endpoint,
      headers: { authorization: authorization() },
      fetch: recordingFetch(sent),
    }),
    cache: new InMemoryCache(),
  });

  const published = await client.query({ query: PublishedCoursesDocument, variables: { first: 20 } });
  const course = firstCourse(present(published.data).courses);
  const me = await client.query({ query: MeDocument });
  const application = liveApplication(present(me.data).viewer, course);

  const input = generalApplicationFor(name, course);
  const { data } = await client.mutate({
    mutation: SetGeneralApplicationDocument,
    variables: { applicationId: application.id, input },
  });
  checkGeneralApplication(present(data).setGeneralApplication, input);

  expectMethods(sent, { PublishedCourses: "POST", Me: "POST", SetGeneralApplication: "POST" });
  console.log("Apollo Client: ok");
}

main().catch((error: unknown) => {
  if (CombinedGraphQLErrors.is(error)) {
    report(name, "GraphQL errors", error.errors);
  } else if (ServerError.is(error)) {
    report(name, `HTTP ${error.statusCode}: ${error.bodyText}`);
  } else {
    report(name, error instanceof Error ? error.message : String(error));
  }
  console.error(`  requests: ${JSON.stringify(sent)}`);
});
