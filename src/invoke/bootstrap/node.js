// fgs-emulator Node.js bootstrap: runs one FunctionGraph handler inside one instance process.
//
// Embedded in the emulator binary (include_str!) and started as `node -e <this>` in the
// instance's own working directory, with the code unpacked under RUNTIME_CODE_ROOT.
// The protocol is the Python bootstrap's (see python.py and src/invoke/instance.rs): one
// JSON object per line, requests on stdin, answers on stdout. The original
// process.stdout.write is kept for the protocol; console.* and process.stdout/stderr writes
// from the handler go to the invocation's log instead.
'use strict';
const path = require('path');
const readline = require('readline');

const protoWrite = process.stdout.write.bind(process.stdout);
function send(message) {
  protoWrite(JSON.stringify(message) + '\n');
}

let logParts = [];
function logWrite(chunk) {
  logParts.push(String(chunk));
  return true;
}
function takeLog() {
  const text = logParts.join('');
  logParts = [];
  return text;
}
process.stdout.write = logWrite;
process.stderr.write = logWrite;
const util = require('util');
for (const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[name] = (...args) => logWrite(util.format(...args) + '\n');
}

const env = (name, dflt = '') => process.env[name] ?? dflt;
let userData = {};
try {
  userData = JSON.parse(env('RUNTIME_USERDATA', '{}') || '{}');
} catch (_) {
  userData = {};
}

const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };
class Logger {
  constructor(requestId) {
    this.requestId = requestId;
    this.level = 20;
  }
  setLevel(level) {
    this.level = LEVELS[String(level).toUpperCase()] ?? 20;
  }
  log(level, args) {
    if (LEVELS[level] < this.level) return;
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    logWrite(`${ts} ${this.requestId} ${level} ${util.format(...args)}\n`);
  }
  debug(...a) { this.log('DEBUG', a); }
  info(...a) { this.log('INFO', a); }
  warn(...a) { this.log('WARN', a); }
  error(...a) { this.log('ERROR', a); }
}

// The FunctionGraph context object (reference/invoke.md, sections 1 and 2).
class Context {
  constructor(requestId, deadline, alias) {
    this.requestId = requestId;
    this.deadline = deadline;
    this.alias = alias;
    this.logger = new Logger(requestId);
  }
  getRequestID() { return this.requestId; }
  getRemainingTimeInMilliSeconds() { return Math.max(0, Math.floor(this.deadline - Date.now())); }
  getRunningTimeInSeconds() { return parseInt(env('RUNTIME_TIMEOUT', '0'), 10); }
  getAccessKey() { return ''; }
  getSecretKey() { return ''; }
  getSecurityAccessKey() { return ''; }
  getSecuritySecretKey() { return ''; }
  getSecurityToken() { return ''; }
  getToken() { return ''; }
  getUserData(key) { return userData[key]; }
  getFunctionName() { return env('RUNTIME_FUNC_NAME'); }
  getVersion() { return env('RUNTIME_FUNC_VERSION'); }
  getMemorySize() { return parseInt(env('RUNTIME_MEMORY', '0'), 10); }
  getCPUNumber() { return parseInt(env('RUNTIME_CPU', '0'), 10); }
  getPackage() { return env('RUNTIME_PACKAGE'); }
  getProjectID() { return env('RUNTIME_PROJECT_ID'); }
  getAlias() { return this.alias; }
  getLogger() { return this.logger; }
}

function errorOf(e) {
  if (e instanceof Error) {
    const stack = String(e.stack || '').split('\n').slice(1).map((s) => s.trim());
    return { errorMessage: e.message, errorType: e.name || 'Error', stackTrace: stack };
  }
  const message = typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  return { errorMessage: message, errorType: typeof e, stackTrace: [] };
}

// Calls fn(...args, callback): the async form's promise or the callback, whichever the
// handler uses; a plain return value counts when the handler declares no callback parameter.
function call(fn, args) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    };
    try {
      const r = fn(...args, finish);
      if (r && typeof r.then === 'function') {
        r.then((v) => finish(null, v), (e) => finish(e === undefined ? new Error('rejected') : e));
      } else if (fn.length <= args.length) {
        finish(null, r);
      }
    } catch (e) {
      finish(e);
    }
  });
}

function load(entry) {
  const dot = entry.lastIndexOf('.');
  const file = path.resolve(env('RUNTIME_CODE_ROOT', '.'), entry.slice(0, dot));
  const fn = require(file)[entry.slice(dot + 1)];
  if (typeof fn !== 'function') {
    const e = new Error(`${entry} is not a function`);
    e.name = 'HandlerNotFound';
    throw e;
  }
  return fn;
}

async function main() {
  const parent = process.ppid;
  // Leave when the emulator is gone, even if the handler never yields.
  setInterval(() => { if (process.ppid !== parent) process.exit(1); }, 1000).unref();
  let handler;
  try {
    handler = load(env('RUNTIME_HANDLER'));
    const init = env('RUNTIME_INITIALIZER_HANDLER');
    if (init) {
      const timeout = parseInt(env('RUNTIME_INITIALIZER_TIMEOUT', '3'), 10) || 3;
      const ctx = new Context('', Date.now() + timeout * 1000, '');
      await call(load(init), [ctx]);
    }
  } catch (e) {
    send({ ready: false, error: errorOf(e), log: takeLog() });
    process.exit(0);
  }
  send({ ready: true, log: takeLog() });
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  // One request at a time per instance: the emulator never sends the next before the answer.
  for await (const line of rl) {
    const req = JSON.parse(line);
    const ctx = new Context(req.request_id, Date.now() + req.remaining_ms, req.alias || '');
    let answer;
    try {
      const result = await call(handler, [req.event, ctx]);
      if (result === undefined || result === null) answer = { ok: true, kind: 'none', body: '' };
      else if (typeof result === 'string') answer = { ok: true, kind: 'str', body: result };
      else answer = { ok: true, kind: 'json', body: JSON.stringify(result) };
    } catch (e) {
      answer = { ok: false, error: errorOf(e) };
    }
    answer.log = takeLog();
    send(answer);
  }
  process.exit(0);
}

main();
