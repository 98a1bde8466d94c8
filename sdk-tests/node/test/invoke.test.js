// Invocation through the official Node.js SDK (issue 12): a Node.js handler run by the
// emulator on the machine's node, invoked by version and by alias with the v1 model, and
// asynchronously. Starts its own emulator, like roundtrip.test.js.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core');
const fg = require('@huaweicloud/huaweicloud-sdk-functiongraph');

try {
  require('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger').Logger4jInstance.level = 'off';
} catch (_) {
  // a different core layout: keep the SDK's logging
}

const REPO = path.resolve(__dirname, '..', '..', '..');
const AK = 'TESTAK0123456789ABCD';
const SK = 'testSecretKey0123456789abcdefghijklmnopqr';
const PROJECT = '0123456789abcdef0123456789abcdef';
const urnOf = (name, qualifier = 'latest') =>
  `urn:fss:cn-north-4:${PROJECT}:function:default:${name}:${qualifier}`;

let emulator;
let endpoint;
let dir;

before(async () => {
  const bin = path.resolve(process.env.FGS_EMULATOR_BIN || path.join(REPO, 'target', 'debug', 'fgs-emulator'));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fgs-node-invoke-'));
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(config, `
[auth]
mode = "verify"
[[auth.credentials]]
ak = "${AK}"
sk = "${SK}"
`);
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FGS_EMULATOR_')) env[k] = v;
  const portFile = path.join(dir, 'port');
  emulator = spawn(bin, ['--config', config, '--port', '0', '--port-file', portFile],
    { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').endsWith('\n')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  endpoint = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;
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
  return fg.FunctionGraphClient.newBuilder().withCredential(credentials).withEndpoint(endpoint).build();
}

const CODE = `exports.handler = async (event, context) => {
  console.log('seen', event.n);
  return { n: event.n * 2, version: context.getVersion(), alias: context.getAlias() };
};
`;

test('invoke a version and an alias (v1 model), and asynchronously', async () => {
  const c = client();
  const name = 'node-invoke';
  await c.createFunction(new fg.CreateFunctionRequest().withBody(
    new fg.CreateFunctionRequestBody()
      .withFuncName(name).withPackage('default').withRuntime('Node.js18.15')
      .withHandler('index.handler').withMemorySize(256).withTimeout(30)
      .withCodeType('inline').withFuncCode(new fg.FuncCode().withFile(Buffer.from(CODE).toString('base64')))));
  await c.createFunctionVersion(new fg.CreateFunctionVersionRequest()
    .withFunctionUrn(urnOf(name)).withBody(new fg.CreateFunctionVersionRequestBody().withVersion('v1')));
  await c.createVersionAlias(new fg.CreateVersionAliasRequest()
    .withFunctionUrn(urnOf(name)).withBody(new fg.CreateVersionAliasRequestBody().withName('prod').withVersion('v1')));

  for (const [qualifier, alias] of [['v1', ''], ['!prod', 'prod']]) {
    const r = await c.invokeFunction(new fg.InvokeFunctionRequest()
      .withFunctionUrn(urnOf(name, qualifier)).withXCFFRequestVersion('v1').withXCffLogType('tail')
      .withBody({ n: 21 }));
    assert.equal(r.httpStatusCode, 200);
    assert.equal(r.status, 200);
    assert.ok(r.request_id);
    assert.deepEqual(JSON.parse(r.result), { n: 42, version: 'v1', alias });
    assert.match(r.log, /seen 21/);
  }

  const queued = await c.asyncInvokeFunction(new fg.AsyncInvokeFunctionRequest()
    .withFunctionUrn(urnOf(name)).withBody({ n: 1 }));
  assert.equal(queued.httpStatusCode, 202);
  assert.ok(queued.request_id);
  let listed;
  for (let i = 0; i < 100; i++) {
    listed = await c.listAsyncInvocations(new fg.ListAsyncInvocationsRequest()
      .withFunctionUrn(urnOf(name)).withRequestId(queued.request_id));
    if (listed.invocations.length && !['WAIT', 'RUNNING'].includes(listed.invocations[0].status)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(listed.count, 1);
  assert.equal(listed.invocations[0].status, 'SUCCESS');
  assert.equal(listed.invocations[0].error_code, 0);
});
