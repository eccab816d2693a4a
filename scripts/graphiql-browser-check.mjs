// Opens csc's GraphiQL in a real headless Chromium with no network but
// 127.0.0.1, and checks that it renders, that the first tab (published
// courses, anonymous) runs and shows data, that no request left 127.0.0.1
// and that the page's Content-Security-Policy blocked nothing. With
// --sign-in (a server started with --dev on the demo data) it also checks
// that the page shows the demo's day, picks SOCIETY in "Sign in as" and
// runs the tab again with that token.
//
// Node only, no packages: Chromium's DevTools protocol over
// --remote-debugging-pipe (file descriptors 3 and 4).
//
// Without --sign-in (a server started without --dev) it checks that the
// page offers no "Sign in as".
//
//   node scripts/graphiql-browser-check.mjs http://127.0.0.1:PORT/graphql \
//     [--sign-in] [--screenshot FILE.png] [--chromium /usr/bin/chromium]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const pageUrl = args.find((a) => a.startsWith('http://'));
const signIn = args.includes('--sign-in');
const screenshot = option('--screenshot', null);
const chromiumPath = option('--chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const DEADLINE_MS = 120_000;
const STEP_MS = 30_000;

if (!pageUrl || !pageUrl.startsWith('http://127.0.0.1:')) {
  console.error('usage: graphiql-browser-check.mjs http://127.0.0.1:PORT/graphql [--sign-in] [--screenshot FILE]');
  process.exit(2);
}
const origin = new URL(pageUrl).origin;
const wsOrigin = origin.replace(/^http:/, 'ws:');

const profile = mkdtempSync(join(tmpdir(), 'csc-chromium-'));
const chromium = spawn(chromiumPath, [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--metrics-recording-only',
  '--no-default-browser-check',
  // No network: every other host goes to a closed port of 127.0.0.1 and
  // resolves to nothing; 127.0.0.1 itself is never proxied.
  '--proxy-server=http://127.0.0.1:9',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--window-size=1440,900',
  `--user-data-dir=${profile}`,
  '--remote-debugging-pipe',
  'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

let chromiumLog = '';
chromium.stderr.on('data', (chunk) => { chromiumLog = (chromiumLog + chunk).slice(-4000); });

let finishing = false;
function finish(code, message) {
  if (finishing) return;
  finishing = true;
  if (message) (code === 0 ? console.log : console.error)(message);
  chromium.removeAllListeners('exit');
  const done = () => {
    // Chromium's helper processes may still write into the profile for a
    // moment after the browser exits: removing it is best effort and never
    // changes the check's result.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (err) {
      console.error(`note: could not remove ${profile}: ${err.code ?? err}`);
    }
    process.exit(code);
  };
  if (chromium.exitCode !== null || chromium.signalCode !== null) return done();
  chromium.once('exit', done);
  setTimeout(done, 5000).unref();
  chromium.kill('SIGKILL');
}
const deadline = setTimeout(() => finish(1, `graphiql browser check: no result after ${DEADLINE_MS / 1000} s`), DEADLINE_MS);
chromium.on('exit', (code) => finish(1, `chromium exited (${code}) before the check ended:\n${chromiumLog}`));

// --- the DevTools protocol over the pipe --------------------------------------------
const toBrowser = chromium.stdio[3];
const fromBrowser = chromium.stdio[4];
let nextId = 1;
const pending = new Map();
const listeners = [];
let buffer = '';
fromBrowser.on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    if (message.id && pending.has(message.id)) {
      const { resolve, reject, method } = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result);
    } else if (message.method) {
      for (const listener of listeners) listener(message);
    }
  }
});
function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  const message = { id, method, params };
  if (sessionId) message.sessionId = sessionId;
  toBrowser.write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(what, probe) {
  const until = Date.now() + STEP_MS;
  let last;
  while (Date.now() < until) {
    last = await probe();
    if (last) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// --- the check ------------------------------------------------------------------------
const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

const requests = [];
const consoleErrors = [];
listeners.push((message) => {
  if (message.method === 'Network.requestWillBeSent') requests.push(message.params.request.url);
  if (message.method === 'Network.webSocketCreated') requests.push(message.params.url);
  if (message.method === 'Runtime.exceptionThrown') {
    consoleErrors.push(message.params.exceptionDetails.exception?.description || message.params.exceptionDetails.text);
  }
  if (message.method === 'Log.entryAdded' && message.params.entry.level === 'error') {
    consoleErrors.push(`${message.params.entry.text} ${message.params.entry.url || ''}`);
  }
});

async function run() {
  const { targetInfos } = await send('Target.getTargets');
  const page = targetInfos.find((t) => t.type === 'page');
  if (!page) throw new Error('chromium opened no page');
  const { sessionId } = await send('Target.attachToTarget', { targetId: page.targetId, flatten: true });
  const call = (method, params) => send(method, params, sessionId);
  const evaluate = async (expression) => {
    const { result, exceptionDetails } = await call('Runtime.evaluate', {
      expression, returnByValue: true, awaitPromise: true,
    });
    if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description || exceptionDetails.text}`);
    return result.value;
  };
  await call('Network.enable');
  await call('Runtime.enable');
  await call('Log.enable');
  await call('Page.enable');
  // Violations of the page's Content-Security-Policy, as the page sees them.
  await call('Page.addScriptToEvaluateOnNewDocument', {
    source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));`,
  });
  await call('Page.navigate', { url: pageUrl });

  // GraphiQL rendered, with the first tab's query and the Headers pane open.
  await waitFor('GraphiQL to render', () => evaluate(
    `!!document.querySelector('.graphiql-container .graphiql-execute-button')`));
  const editors = () => evaluate(`(() => {
    const all = [...document.querySelectorAll('.CodeMirror')].map((el) => ({
      text: el.CodeMirror ? el.CodeMirror.getValue() : '',
      visible: el.offsetParent !== null,
      classes: el.parentElement ? el.parentElement.className : '',
    }));
    return all;
  })()`);
  const query = await waitFor('the first tab\'s query', async () => {
    const found = (await editors()).find((e) => e.text.includes('query PublishedCourses'));
    return found && found.text;
  });
  check('GraphiQL renders with the first tab (published courses)', query.includes('courses('));
  const headers = await waitFor('the Headers pane', async () =>
    (await editors()).find((e) => e.visible && e.text.includes('"Authorization"')));
  check('the Headers pane is open with an Authorization header ready', headers.text.includes('Bearer'), JSON.stringify(headers.text));

  // Run the first tab and read the result editor.
  const runAndRead = async (what) => {
    await evaluate(`(() => { const r = document.querySelector('.result-window .CodeMirror');
      if (r && r.CodeMirror) r.CodeMirror.setValue(''); })()`);
    await evaluate(`document.querySelector('.graphiql-execute-button').click()`);
    const text = await waitFor(`the result of ${what}`, () => evaluate(`(() => {
      const r = document.querySelector('.result-window .CodeMirror');
      return r && r.CodeMirror ? r.CodeMirror.getValue() : '';
    })()`));
    try { return JSON.parse(text); } catch { throw new Error(`the result is not JSON: ${text.slice(0, 500)}`); }
  };
  const anonymous = await runAndRead('the first tab');
  const courses = anonymous?.data?.courses;
  check('the first tab runs anonymously and shows published courses',
    !anonymous.errors && courses && courses.totalCount > 0 && courses.nodes.length > 0 && !!courses.nodes[0].title,
    anonymous.errors ? JSON.stringify(anonymous.errors) : `${courses?.totalCount} courses, first "${courses?.nodes?.[0]?.title}"`);
  const shown = await evaluate(`document.querySelector('.result-window').innerText`);
  check('the result pane shows the data', shown.includes('totalCount') && shown.includes(courses?.nodes?.[0]?.title ?? '\u0000'));

  const signInShown = await evaluate(`!!document.querySelector('.csc-sign-in')`);
  if (!signIn) {
    check('no "Sign in as" without --dev', !signInShown);
  } else {
    // serve --dev on the demo data takes the demo's day as today.
    const day = await evaluate(`(document.querySelector('.csc-today') || {}).textContent || ''`);
    check('the page shows the day the demo data describes', /^Demo data as of \d{4}-\d{2}-\d{2}$/.test(day), JSON.stringify(day));
    const options = await waitFor('the "Sign in as" choices', () => evaluate(`(() => {
      const s = document.querySelector('.csc-sign-in select');
      return s && s.options.length > 2 ? [...s.options].map((o) => o.value) : null;
    })()`));
    check('"Sign in as" offers ADMIN, SOCIETY, INSTITUTION and APPLICANT',
      ['ADMIN', 'SOCIETY', 'INSTITUTION', 'APPLICANT'].every((r) => options.includes(r)), options.join(', '));
    await evaluate(`(() => { const s = document.querySelector('.csc-sign-in select');
      s.value = 'SOCIETY'; s.dispatchEvent(new Event('change', { bubbles: true })); })()`);
    const filled = await waitFor('the SOCIETY token in Headers', async () =>
      (await editors()).find((e) => /"Bearer ey[^"]+"/.test(e.text)));
    check('"Sign in as SOCIETY" fills the Authorization header', !!filled);
    const society = await runAndRead('the first tab as SOCIETY');
    check('the first tab runs with the SOCIETY token', !society.errors && society?.data?.courses?.totalCount > 0,
      society.errors ? JSON.stringify(society.errors) : `${society?.data?.courses?.totalCount} courses`);
  }

  const violations = await evaluate('window.__csp');
  check('the Content-Security-Policy blocked nothing', violations.length === 0, violations.join('; '));
  const foreign = requests.filter((url) => !(url.startsWith(`${origin}/`) || url.startsWith(`${wsOrigin}/`) || url.startsWith('data:')));
  check(`every request went to ${origin}`, foreign.length === 0 && requests.length > 0,
    foreign.length ? foreign.join(', ') : `${requests.length} requests`);
  check('no script error', consoleErrors.length === 0, consoleErrors.join(' | '));

  if (screenshot) {
    const { data } = await call('Page.captureScreenshot', { format: 'png' });
    writeFileSync(screenshot, Buffer.from(data, 'base64'));
    console.log(`screenshot: ${screenshot}`);
  }
}

run().then(
  () => {
    clearTimeout(deadline);
    const failed = results.filter((r) => !r.ok).length;
    finish(failed ? 1 : 0, `graphiql: ${results.length - failed} passed, ${failed} failed`);
  },
  (error) => {
    clearTimeout(deadline);
    const failed = results.filter((r) => !r.ok).length + 1;
    finish(1, `graphiql browser check: ${error.message}\ngraphiql: ${results.length - failed + 1} passed, ${failed} failed`);
  },
);
