// The GraphQL-over-HTTP audit (graphql-http's serverAudits) against a live
// service: exits 1 when any MUST or SHOULD audit fails.
// usage: CSC_URL=http://127.0.0.1:8080/graphql node audit.mjs
import { serverAudits } from 'graphql-http';

const url = process.env.CSC_URL ?? 'http://127.0.0.1:8080/graphql';
const results = [];
for (const audit of serverAudits({ url })) {
  results.push({ audit, result: await audit.fn() });
}
let failed = 0;
for (const { audit, result } of results) {
  const level = audit.name.split(' ')[0];
  if (result.status === 'ok') continue;
  const counts = level === 'MUST' || level === 'SHOULD';
  if (counts) failed += 1;
  console.log(`${counts ? 'FAIL' : 'note'} [${result.status}] ${audit.name}: ${result.reason}`);
}
const ok = results.filter((r) => r.result.status === 'ok').length;
console.log(`${ok} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
