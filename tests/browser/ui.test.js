// Debian's chromium, headless, drives the dashboard (issue 15) through playwright-core
// (pinned in package-lock.json; it downloads no browser). Each test starts the emulator
// binary ($FGS_EMULATOR_BIN) on a free port on 127.0.0.1 and stops it at the end. The
// browser may talk only to that emulator: any other request is aborted and fails the test,
// so the page provably needs no network.
//
// Env: FGS_EMULATOR_BIN (required), CHROMIUM (default /usr/bin/chromium),
// UI_SCREENSHOT (where to save the screenshot; default: none), UI_SCALE_FUNCTIONS (1000).
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const BIN = process.env.FGS_EMULATOR_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const PROJECT = '0123456789abcdef0123456789abcdef';
const SCALE = Number(process.env.UI_SCALE_FUNCTIONS || 1000);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fgs-ui-'));
const emulators = [];
let context;

// ---- the emulator -------------------------------------------------------------------

async function startEmulator(name, configToml) {
  const args = ['--host', '127.0.0.1', '--port', '0', '--port-file', path.join(tmp, `${name}.port`)];
  if (configToml) {
    fs.writeFileSync(path.join(tmp, `${name}.toml`), configToml);
    args.push('--config', path.join(tmp, `${name}.toml`));
  }
  // The emulator refuses FGS_EMULATOR_* variables it does not know, like our _BIN.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FGS_EMULATOR_')));
  const child = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  emulators.push(child);
  const portFile = path.join(tmp, `${name}.port`);
  for (let i = 0; i < 200; i++) {
    if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()) break;
    if (child.exitCode !== null) throw new Error(`emulator ${name} exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = fs.readFileSync(portFile, 'utf8').trim();
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, p, body, headers = {}) => {
    const r = await fetch(base + p, {
      method,
      headers: { 'X-Auth-Token': 'browser-test', 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, text, json: text ? JSON.parse(text) : null };
  };
  const ok = async (method, p, body, headers) => {
    const a = await call(method, p, body, headers);
    assert.ok(a.status < 300, `${method} ${p}: ${a.status} ${a.text}`);
    return a;
  };
  return { base, call, ok };
}

const fgs = (rest) => `/v2/${PROJECT}/fgs${rest}`;
const b64 = (s) => Buffer.from(s).toString('base64');
const createBody = (name, code, pkg = 'default') => ({
  func_name: name, package: pkg, runtime: 'Python3.9', handler: 'index.handler',
  memory_size: 128, timeout: 30, code_type: 'inline', func_code: { file: b64(code) },
  description: `the ${name} function`,
});

/** The canary session of the issue: create, publish twice, alias with weights and a rule. */
async function canarySession(emu, headers) {
  await emu.ok('PUT', '/_emulator/clock', { frozen_at: '2026-11-28T19:30:15+08:00' }, headers);
  await emu.ok('POST', fgs('/functions'), createBody('checkout', "def handler(e, c):\n    return 'v1'\n"));
  await emu.ok('POST', fgs('/functions/checkout/versions'), { version: 'v1', description: 'first release' });
  await emu.ok('PUT', '/_emulator/clock', { advance_seconds: 3600 }, headers);
  await emu.ok('PUT', fgs('/functions/checkout/code'), { code_type: 'inline', func_code: { file: b64("def handler(e, c):\n    return 'v2, faster'\n") } });
  await emu.ok('POST', fgs('/functions/checkout/versions'), { version: 'v2', description: 'faster checkout' });
  await emu.ok('POST', fgs('/functions/checkout/aliases'), {
    name: 'prod', version: 'v1', description: 'canary',
    additional_version_weights: { v2: 20 },
    additional_version_strategy: { v2: { combine_type: 'or', rules: [
      { rule_type: 'Header', param: 'x-canary', op: '=', value: 'yes' },
      { rule_type: 'Header', param: 'x-tenant', op: 'in', value: 'acme,globex' }] } },
  });
  await emu.ok('POST', fgs('/functions/checkout/aliases'), { name: 'staging', version: 'v2' });
  await emu.ok('POST', fgs('/functions'), createBody('invoices', 'print(1)', 'billing'));
  await emu.ok('POST', fgs('/functions/billing:invoices/versions'), { version: 'v1' });
  // A request that fails, for the journal's colours.
  await emu.call('GET', fgs('/functions/nothing/config'));
  await emu.ok('POST', '/_emulator/faults', {
    operation: 'CreateFunctionVersion', times: 2,
    action: { type: 'error', status: 503, error_code: 'FSS.0503', error_msg: 'Injected outage' },
  }, headers);
  await emu.ok('POST', '/_emulator/faults', {
    path: '/v2/*/fgs/functions/*/config', probability: 0.5, seed: 7,
    action: { type: 'delay', delay_ms: 200 },
  }, headers);
}

// ---- the browser --------------------------------------------------------------------

const foreign = [];
before(async () => {
  assert.ok(BIN, 'FGS_EMULATOR_BIN is required');
  // launchPersistentContext: a fresh --user-data-dir of our own (Playwright refuses the
  // flag in args), removed at the end.
  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 900 },
  });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    foreign.push(url.href);
    return route.abort();
  });
});

after(async () => {
  if (context) await context.close();
  for (const child of emulators) child.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(foreign, [], 'the page asked for something besides the emulator');
});

async function openPage(url) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(url);
  return { page, problems };
}

/** Waits until the page has polled at least `n` more times than now. */
async function nextUpdate(page) {
  const now = Number(await page.evaluate(() => document.body.dataset.updates || 0));
  await page.waitForFunction((n) => Number(document.body.dataset.updates || 0) > n, now, { timeout: 15000 });
}

test('a scripted canary session shows up live, the buttons work, the keyboard reaches everything', async () => {
  const emu = await startEmulator('session');
  const { page, problems } = await openPage(`${emu.base}/_emulator/ui`);
  await assert.doesNotReject(page.waitForSelector('#functions >> text=No function yet.'));
  assert.match(await page.locator('#requests').innerText(), /The journal is empty/);

  await canarySession(emu);
  // No reload: the poll brings it in.
  await page.waitForSelector('#functions >> text=2 of 10 versions', { timeout: 15000 });
  const functions = await page.locator('#functions').innerText();
  for (const expected of ['Project 0123456789abcdef0123456789abcdef', 'Package billing', 'Package default',
    'checkout', 'invoices', '1 of 10 versions', 'first release', 'faster checkout', 'working copy',
    '!prod', 'v1 80%', 'v2 20%', 'Requests where header x-canary = yes or header x-tenant is one of acme, globex go to v2',
    '!staging', 'v2 100%', '2026-11-28T19:30:15+08:00', '2026-11-28T20:30:15+08:00']) {
    assert.ok(functions.includes(expected), `functions section lacks ${JSON.stringify(expected)}:\n${functions}`);
  }
  const bar = page.locator('li.alias', { hasText: '!prod' }).locator('.bar');
  assert.equal(await bar.getAttribute('aria-label'), 'prod routes 80% to v1 and 20% to v2');
  const widths = await bar.locator('.seg').evaluateAll((s) => s.map((e) => e.getBoundingClientRect().width));
  assert.ok(Math.abs(widths[0] / (widths[0] + widths[1]) - 0.8) < 0.02, `bar widths ${widths}`);

  const faults = await page.locator('#faults').innerText();
  assert.match(faults, /Fault rules 2/);
  assert.match(faults, /operation CreateFunctionVersion/);
  assert.match(faults, /answer 503 FSS\.0503 \(Injected outage\)/);
  assert.match(faults, /delay 200 ms/);
  assert.match(faults, /p = 0\.5/);
  assert.match(await page.locator('#status').innerText(), /frozen at 2026-11-28T20:30:15\+08:00/);
  const requests = await page.locator('#requests').innerText();
  assert.match(requests, /CreateVersionAlias\tPOST\tcheckout\t200/);
  assert.match(requests, /ShowFunctionConfig\tGET\tnothing\t404 FSS\.1051/);
  // Newest first.
  const firstRow = await page.locator('#requests tbody tr').first().innerText();
  assert.match(firstRow, /ShowFunctionConfig/);

  if (process.env.UI_SCREENSHOT) {
    await page.screenshot({ path: process.env.UI_SCREENSHOT, fullPage: true });
  }

  // ---- keyboard: skip link, the buttons, the filter, the functions, in that order ----
  await page.locator('body').focus();
  const order = [];
  for (let i = 0; i < 7; i++) {
    await page.keyboard.press('Tab');
    order.push(await page.evaluate(() => {
      const e = document.activeElement;
      if (e.tagName === 'SUMMARY') return `summary:${e.parentElement.dataset.key.split('/').pop()}`;
      return e.id || e.textContent.trim();
    }));
  }
  assert.deepEqual(order, ['Skip to functions', 'Reset emulator', 'Clear journal', 'Disarm faults',
    'filter', 'summary:invoices', 'summary:checkout'], `tab order ${JSON.stringify(order)}`);
  // Enter on a focused summary folds the function; it stays folded, and focused, through updates.
  const checkout = page.locator('details[data-key$="/default/checkout"]');
  assert.equal(await checkout.evaluate((d) => d.open), true);
  await page.keyboard.press('Enter');
  assert.equal(await checkout.evaluate((d) => d.open), false);
  await emu.ok('POST', fgs('/functions'), createBody('zeta', 'print(3)'));
  await page.waitForSelector('#functions >> text=zeta');
  assert.equal(await checkout.evaluate((d) => d.open), false, 'a function the user folded stays folded');
  assert.equal(await page.evaluate(() => document.activeElement.parentElement.dataset.key.endsWith('/checkout')), true,
    'focus survives the update');
  await page.keyboard.press('Enter');
  assert.equal(await checkout.evaluate((d) => d.open), true);
  // Every control has an accessible name; every section is labelled.
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input')]
    .filter((e) => !(e.labels && e.labels.length) && !e.textContent.trim() && !e.getAttribute('aria-label'))
    .map((e) => e.outerHTML));
  assert.deepEqual(unnamed, []);
  assert.equal(await page.locator('section[aria-labelledby]').count(), 4);

  // ---- the filter ----
  await page.locator('#filter').fill('inv');
  assert.equal(await page.locator('#functions li.function').count(), 1);
  assert.equal(await page.locator('#functions .package:visible').count(), 1, 'empty packages are hidden');
  assert.match(await page.locator('#filter-count').innerText(), /1 of 3 shown/);
  await page.locator('#filter').fill('');
  assert.equal(await page.locator('#functions li.function').count(), 3);

  // ---- the buttons ----
  await page.getByRole('button', { name: 'Disarm faults' }).click();
  await page.waitForSelector('#faults >> text=No fault rule is armed.');
  assert.equal((await emu.ok('GET', '/_emulator/faults')).json.length, 0);
  await page.getByRole('button', { name: 'Clear journal' }).click();
  await page.waitForSelector('#requests >> text=The journal is empty.');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Reset emulator' }).click();
  await page.waitForSelector('#functions >> text=No function yet.');
  assert.match(await page.locator('#live-status').innerText(), /Live: updated/);
  assert.equal((await emu.ok('GET', '/_emulator/overview')).json.functions.length, 0);
  // Dismissing the confirmation changes nothing.
  await emu.ok('POST', fgs('/functions'), createBody('kept', 'print(4)'));
  await page.waitForSelector('#functions >> text=kept');
  page.once('dialog', (d) => d.dismiss());
  await page.getByRole('button', { name: 'Reset emulator' }).click();
  await nextUpdate(page);
  assert.equal((await emu.ok('GET', '/_emulator/overview')).json.functions.length, 1);

  assert.deepEqual(problems, []);
  await page.close();
});

test('with control.token the page asks for it, keeps it in the tab, and shows nothing without it', async () => {
  const emu = await startEmulator('token', '[control]\ntoken = "s3cret"\n');
  const auth = { Authorization: 'Bearer s3cret' };
  await canarySession(emu, auth);
  const { page, problems } = await openPage(`${emu.base}/_emulator/ui`);
  assert.match(await page.locator('#live-status').innerText(), /control token/);
  assert.doesNotMatch(await page.locator('main').innerText(), /checkout/);

  await page.getByLabel('Control token').fill('wrong');
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.waitForSelector('#live-status >> text=The control token was refused');
  await page.getByLabel('Control token').fill('s3cret');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#functions >> text=2 of 10 versions', { timeout: 15000 });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fgs-emulator.control-token')), 's3cret');
  assert.equal(await page.getByLabel('Control token').inputValue(), '', 'the field is emptied');

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Reset emulator' }).click();
  await page.waitForSelector('#functions >> text=No function yet.');
  // A reload in the same tab keeps the token; the state loads again.
  await page.reload();
  await page.waitForSelector('#functions >> text=No function yet.');
  // Forgetting the token reloads the page, which then shows no state again.
  await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Forget' }).click()]);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fgs-emulator.control-token')), null);
  assert.match(await page.locator('#functions').innerText(), /Not loaded/);

  // Ignore the 401s we caused on purpose; nothing else may complain.
  assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);
  await page.close();
});

test(`${SCALE} functions: the page loads, updates and filters in bounded time`, async () => {
  const emu = await startEmulator('scale', `[limits]\nmax_functions = ${SCALE + 10}\n`);
  const started = Date.now();
  const names = Array.from({ length: SCALE }, (_, i) => `fn-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(names.slice(i, i + 25).map(async (name, j) => {
      await emu.ok('POST', fgs('/functions'), createBody(name, `print(${i + j})`, `pkg${(i + j) % 4}`));
      await emu.ok('POST', fgs(`/functions/pkg${(i + j) % 4}:${name}/versions`), { version: 'v1' });
      if ((i + j) % 10 === 0) {
        await emu.ok('POST', fgs(`/functions/pkg${(i + j) % 4}:${name}/aliases`), { name: 'prod', version: 'v1' });
      }
    }));
  }
  const seeding = Date.now() - started;

  const t0 = Date.now();
  const { page, problems } = await openPage(`${emu.base}/_emulator/ui`);
  await page.waitForSelector('li.function >> nth=' + (SCALE - 1), { state: 'attached' });
  const load = Date.now() - t0;
  const htmlBytes = (await (await fetch(`${emu.base}/_emulator/ui`)).text()).length;
  const serverRender = Date.now();
  await fetch(`${emu.base}/_emulator/ui/live`).then((r) => r.text());
  const liveFetch = Date.now() - serverRender;

  // A change arrives through the poll and is swapped in.
  const t1 = Date.now();
  await emu.ok('POST', fgs('/functions'), createBody('needle', 'print(0)'));
  await page.waitForSelector('#functions >> text=needle', { timeout: 30000 });
  const update = Date.now() - t1;
  const lastUpdateMs = Number(await page.evaluate(() => document.body.dataset.lastUpdateMs));

  const t2 = Date.now();
  await page.locator('#filter').fill('needle');
  await page.waitForFunction(() => document.querySelectorAll('#functions li.function').length === 1);
  const filter = Date.now() - t2;
  // Still answers the keyboard.
  await page.locator('#filter').press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'SUMMARY');

  const numbers = { functions: SCALE + 1, seeding_ms: seeding, page_bytes: htmlBytes, first_load_ms: load,
    live_fetch_ms: liveFetch, change_visible_ms: update, poll_fetch_and_swap_ms: lastUpdateMs, filter_ms: filter };
  console.log(`# ui scale: ${JSON.stringify(numbers)}`);
  // Loose bounds: this is about staying usable on a busy CI machine, not a benchmark.
  assert.ok(load < 20000, `first load took ${load} ms`);
  assert.ok(update < 30000, `an update took ${update} ms`);
  assert.ok(filter < 5000, `filtering took ${filter} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});
