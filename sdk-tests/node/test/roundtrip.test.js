// The official Huawei Cloud Node.js SDK (@huaweicloud/huaweicloud-sdk-functiongraph, pinned in
// package.json) drives a real fgs-emulator binary in auth.mode = "verify": every request is
// signed with AK/SK (SDK-HMAC-SHA256) by the SDK and verified by the emulator.
//
// Run: npm ci && npm test   (or scripts/test-suites/node-sdk.sh from the repo root)
// The binary: $FGS_EMULATOR_BIN, default <repo>/target/debug/fgs-emulator.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
const fg = require('@huaweicloud/huaweicloud-sdk-functiongraph');

// The SDK logs every failed call (the whole axios error) to stdout through log4js; the error
// tests below fail on purpose, so keep the test output readable.
try {
  require('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger').Logger4jInstance.level = 'off';
} catch (_) {
  // a different core layout: keep the SDK's logging
}

const REPO = path.resolve(__dirname, '..', '..', '..');
const AK = 'TESTAK0123456789ABCD';
const SK = 'testSecretKey0123456789abcdefghijklmnopqr';
const PROJECT = '0123456789abcdef0123456789abcdef';
const REGION = 'cn-north-4';
const urnOf = (name, qualifier = 'latest') =>
  `urn:fss:${REGION}:${PROJECT}:function:default:${name}:${qualifier}`;

let emulator;
let endpoint;
let dir;

function emulatorBinary() {
  const bin = process.env.FGS_EMULATOR_BIN || path.join(REPO, 'target', 'debug', 'fgs-emulator');
  return path.resolve(bin);
}

// The emulator reads every FGS_EMULATOR_* variable as configuration and exits 2 on one it does
// not know (FGS_EMULATOR_BIN included); none may change the config under test anyway.
function emulatorEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('FGS_EMULATOR_')) env[k] = v;
  }
  env.RUST_LOG = process.env.RUST_LOG || 'warn';
  return env;
}

async function waitForPort(file, child, stderr) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`fgs-emulator exited with ${child.exitCode}: ${stderr()}`);
    }
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return Number(text.trim());
    } catch (_) {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fgs-emulator did not write its port within 15 s: ${stderr()}`);
}

before(async () => {
  const bin = emulatorBinary();
  assert.ok(fs.existsSync(bin), `no emulator binary at ${bin} (cargo build --bin fgs-emulator, or set FGS_EMULATOR_BIN)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fgs-node-sdk-'));
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(config, `
[auth]
mode = "verify"

[[auth.credentials]]
ak = "${AK}"
sk = "${SK}"
project_ids = ["${PROJECT}"]

[[projects]]
id = "${PROJECT}"
region = "${REGION}"
`);
  const portFile = path.join(dir, 'port');
  let err = '';
  emulator = spawn(bin, ['--config', config, '--port', '0', '--port-file', portFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: emulatorEnv(),
  });
  emulator.stderr.on('data', (d) => { err += d; });
  const port = await waitForPort(portFile, emulator, () => err);
  // No trailing slash: the Node SDK would sign "//v2/..." while axios sends "/v2/..." (401).
  endpoint = `http://127.0.0.1:${port}`;
});

after(async () => {
  if (emulator && emulator.exitCode === null) {
    const exited = new Promise((r) => emulator.once('exit', r));
    emulator.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function client() {
  const credentials = new BasicCredentials().withAk(AK).withSk(SK).withProjectId(PROJECT);
  return fg.FunctionGraphClient.newBuilder()
    .withCredential(credentials)
    .withEndpoint(endpoint)
    .build();
}

const b64 = (text) => Buffer.from(text).toString('base64');
const sha512 = (text) => crypto.createHash('sha512').update(text).digest('hex');

test('round trip: create, update code, publish, list versions, alias, delete', async () => {
  const c = client();
  const name = 'node-roundtrip';
  const code1 = "exports.handler = async () => 'one';\n";
  const code2 = "exports.handler = async () => 'two';\n";

  // CreateFunction
  const created = await c.createFunction(new fg.CreateFunctionRequest().withBody(
    new fg.CreateFunctionRequestBody()
      .withFuncName(name).withPackage('default').withRuntime('Node.js18.15')
      .withHandler('index.handler').withMemorySize(128).withTimeout(30)
      .withCodeType('inline').withDescription('from the node sdk')
      .withFuncCode(new fg.FuncCode().withFile(b64(code1)))));
  assert.equal(created.httpStatusCode, 200);
  assert.equal(created.func_urn, urnOf(name));
  assert.equal(created.func_name, name);
  assert.equal(created.version, 'latest');
  assert.equal(created.timeout, 30);
  assert.equal(created.memory_size, 128);
  assert.equal(created.digest, sha512(code1));
  assert.equal(created.code_size, Buffer.byteLength(code1));

  // UpdateFunctionCode
  const updated = await c.updateFunctionCode(new fg.UpdateFunctionCodeRequest()
    .withFunctionUrn(created.func_urn)
    .withBody(new fg.UpdateFunctionCodeRequestBody()
      .withCodeType('inline').withFuncCode(new fg.FuncCode().withFile(b64(code2)))));
  assert.equal(updated.httpStatusCode, 200);
  assert.equal(updated.digest, sha512(code2));
  assert.equal(updated.code_size, Buffer.byteLength(code2));

  // CreateFunctionVersion (publish)
  const published = await c.createFunctionVersion(new fg.CreateFunctionVersionRequest()
    .withFunctionUrn(created.func_urn)
    .withBody(new fg.CreateFunctionVersionRequestBody().withVersion('v1').withDescription('first')));
  assert.equal(published.httpStatusCode, 200);
  assert.equal(published.func_urn, urnOf(name, 'v1'));
  assert.equal(published.version, 'v1');
  assert.equal(published.version_description, 'first');
  assert.equal(published.digest, sha512(code2));

  // ListFunctionVersions
  const versions = await c.listFunctionVersions(new fg.ListFunctionVersionsRequest()
    .withFunctionUrn(created.func_urn).withMaxitems('10'));
  assert.equal(versions.httpStatusCode, 200);
  assert.equal(versions.count, 2);
  assert.equal(versions.next_marker, versions.count); // the last page: count, never 0
  assert.deepEqual(versions.versions.map((v) => v.version).sort(), ['latest', 'v1']);

  // CreateVersionAlias
  const alias = await c.createVersionAlias(new fg.CreateVersionAliasRequest()
    .withFunctionUrn(created.func_urn)
    .withBody(new fg.CreateVersionAliasRequestBody().withName('prod').withVersion('v1')
      .withDescription('production')));
  assert.equal(alias.httpStatusCode, 200);
  assert.equal(alias.name, 'prod');
  assert.equal(alias.version, 'v1');
  assert.equal(alias.alias_urn, urnOf(name, '!prod'));

  // ListVersionAliases: a bare JSON array, returned as an array.
  const aliases = await c.listVersionAliases(new fg.ListVersionAliasesRequest()
    .withFunctionUrn(created.func_urn));
  assert.ok(Array.isArray(aliases), 'the alias list is an array');
  assert.deepEqual(aliases.map((a) => a.name), ['prod']);

  // ShowFunctionConfig through the alias URN: the SDK sends the "!" raw and signs it as %21.
  const viaAlias = await c.showFunctionConfig(new fg.ShowFunctionConfigRequest()
    .withFunctionUrn(alias.alias_urn));
  assert.equal(viaAlias.httpStatusCode, 200);
  assert.equal(viaAlias.version, 'v1');
  assert.equal(viaAlias.digest, sha512(code2));

  // DeleteVersionAlias
  const aliasGone = await c.deleteVersionAlias(new fg.DeleteVersionAliasRequest()
    .withFunctionUrn(created.func_urn).withAliasName('prod'));
  assert.equal(aliasGone.httpStatusCode, 204);
  const noAliases = await c.listVersionAliases(new fg.ListVersionAliasesRequest()
    .withFunctionUrn(created.func_urn));
  assert.equal(noAliases.length, 0);

  // DeleteFunction with the unqualified URN (the whole function; ":latest" cannot be deleted).
  const unqualified = created.func_urn.replace(/:latest$/, '');
  const deleted = await c.deleteFunction(new fg.DeleteFunctionRequest()
    .withFunctionUrn(unqualified));
  assert.equal(deleted.httpStatusCode, 204);
  await assert.rejects(
    c.showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(created.func_urn)),
    (e) => e.httpStatusCode === 404 && e.errorCode === 'FSS.1051');
});

test('a missing function is 404 FSS.1051 with a request id', async () => {
  const c = client();
  let error;
  try {
    await c.showFunctionConfig(new fg.ShowFunctionConfigRequest().withFunctionUrn(urnOf('no-such-function')));
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'the call must fail');
  assert.equal(error.name, 'ClientRequestException', String(error));
  assert.equal(error.httpStatusCode, 404);
  assert.equal(error.errorCode, 'FSS.1051');
  assert.match(error.errorMsg, /Not found the function/);
  assert.equal(typeof error.requestId, 'string');
  assert.ok(error.requestId.length > 0, 'requestId comes from X-Request-Id');
});

test('a wrong secret key is 401 APIGW.0301', async () => {
  const credentials = new BasicCredentials().withAk(AK).withSk('not-the-secret').withProjectId(PROJECT);
  const c = fg.FunctionGraphClient.newBuilder().withCredential(credentials).withEndpoint(endpoint).build();
  await assert.rejects(
    c.listFunctions(new fg.ListFunctionsRequest()),
    (e) => {
      assert.equal(e.httpStatusCode, 401);
      assert.equal(e.errorCode, 'APIGW.0301');
      assert.ok(e.requestId, 'requestId');
      return true;
    });
});
