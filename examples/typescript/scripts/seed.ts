// Seeds a fresh csc database with what src/main.ts needs: a recruitment
// cycle with its early call open and one published course, set up as the
// board (CSC_ADMIN_TOKEN) and the internal medicine society
// (CSC_SOCIETY_TOKEN, `csc token --role SOCIETY --society INTERNAL_MEDICINE`)
// would. Used by ci.sh; prints the course's ID.

import { GraphQLClient } from "graphql-request";

const endpoint = process.env.CSC_URL ?? "http://127.0.0.1:8080/graphql";
const admin = client("CSC_ADMIN_TOKEN");
const society = client("CSC_SOCIETY_TOKEN");

function client(variable: string): GraphQLClient {
  const token = process.env[variable];
  if (!token) throw new Error(`${variable} is not set`);
  return new GraphQLClient(endpoint, { headers: { authorization: `Bearer ${token}` } });
}

interface Id {
  id: string;
}

async function main(): Promise<void> {
  // The next intake: its early call opens in September of this year.
  const year = new Date().getFullYear() + 1;

  const { createInstitution: hospital } = await admin.request<{ createInstitution: Id }>(
    `mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }`,
    { i: { name: "京都大学医学部附属病院", kind: "UNIVERSITY_HOSPITAL", prefecture: "京都府", certifiedTrainingFacility: true } },
  );
  const { createInstitution: partner } = await admin.request<{ createInstitution: Id }>(
    `mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }`,
    { i: { name: "京都市立病院", kind: "PUBLIC_HOSPITAL", prefecture: "京都府", certifiedTrainingFacility: true } },
  );
  await admin.request(
    `mutation($i: CreateRecruitmentCycleInput!) { createRecruitmentCycle(input: $i) { phase } }`,
    {
      i: {
        year,
        totalCapacity: 40,
        earlyCallOpensOn: `${year - 1}-09-01`,
        earlyCallClosesOn: `${year - 1}-09-30`,
        generalCallOpensOn: `${year - 1}-11-04`,
      },
    },
  );
  await society.request(
    `mutation($y: Int!) { setParticipation(year: $y, field: INTERNAL_MEDICINE, participating: true) { participating } }`,
    { y: year },
  );
  const { createCourse: course } = await society.request<{ createCourse: Id }>(
    `mutation($i: CreateCourseInput!) { createCourse(input: $i) { id } }`,
    {
      i: {
        year,
        field: "INTERNAL_MEDICINE",
        title: "京都大学 内科 臨床研究医コース",
        responsibleInstitutionId: hospital.id,
        director: "京大 一郎",
        requestedCapacity: 2,
        curriculum: "内科専門研修カリキュラム",
        partnerInstitutionIds: [partner.id],
        researchHost: { kind: "GRADUATE_SCHOOL", name: "京都大学大学院医学研究科", paperCountFiveYears: 1250 },
        statusGuarantee: {
          clinicalPhase: "専攻医と同等の給与・社会保険",
          researchPhase: "社会人大学院生として医員給与",
          socialInsurance: true,
          workingGraduateStudent: true,
        },
      },
    },
  );
  const vars = { id: course.id };
  await society.request(`mutation($id: ID!) { submitCourse(id: $id) { status } }`, vars);
  await admin.request(`mutation($id: ID!) { approveCourse(id: $id) { status } }`, vars);
  await admin.request(`mutation($id: ID!) { publishCourse(id: $id) { status } }`, vars);
  await admin.request(`mutation($y: Int!) { openEarlyCall(year: $y) { phase } }`, { y: year });
  console.log(`seeded: the ${year} early call is open with course ${course.id}`);
}

main().catch((error: unknown) => {
  console.error("seeding failed:", error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
