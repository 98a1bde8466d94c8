# fgs-emulator Python bootstrap: runs one FunctionGraph handler inside one instance process.
#
# Embedded in the emulator binary (include_str!) and started as `python3 -u -c <this>` in the
# instance's own working directory, with the code unpacked under RUNTIME_CODE_ROOT.
#
# Protocol (see src/invoke/instance.rs): one JSON object per line. The emulator writes
# requests on stdin; this script answers on the process's original stdout, which it keeps
# for itself before pointing fd 1 at stderr, so neither print() nor a child process that
# writes to fd 1 can corrupt the channel. print() and sys.stderr writes land in the
# invocation's log instead.
#
#   -> (first line, unprompted) {"ready": true} or {"ready": false, "error": {...}, "log": "..."}
#   <- {"request_id": "...", "event": <json>, "remaining_ms": n, "alias": "..."}
#   -> {"ok": true, "kind": "none"|"str"|"json", "body": "...", "log": "..."}
#   -> {"ok": false, "error": {"errorMessage", "errorType", "stackTrace"}, "log": "..."}
import datetime
import importlib
import json
import os
import sys
import threading
import time
import traceback

_PROTO = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
_REQUESTS = sys.stdin
sys.stdin = open(os.devnull)
_PARENT = os.getppid()


def _send(message):
    _PROTO.write(json.dumps(message) + "\n")
    _PROTO.flush()


class _Log:
    """The current invocation's log: print(), sys.stderr and the context logger."""

    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(str(s))
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return False

    def take(self):
        text = "".join(self.parts)
        self.parts = []
        return text


_LOG = _Log()
sys.stdout = _LOG
sys.stderr = _LOG

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "WARNING": 30, "ERROR": 40}


class _Logger:
    """getLogger(): lines `<UTC ts> <request id> <LEVEL> <message>`, INFO and above by default."""

    def __init__(self, request_id):
        self._request_id = request_id
        self._level = 20

    def setLevel(self, level):
        self._level = _LEVELS.get(str(level).upper(), 20)

    def _log(self, level, args):
        if _LEVELS[level] < self._level:
            return
        ts = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = " ".join(str(a) for a in args)
        _LOG.write("%s %s %s %s\n" % (ts, self._request_id, level, message))

    def debug(self, *args):
        self._log("DEBUG", args)

    def info(self, *args):
        self._log("INFO", args)

    def warn(self, *args):
        self._log("WARN", args)

    warning = warn

    def error(self, *args):
        self._log("ERROR", args)


def _env(name, default=""):
    return os.environ.get(name, default)


try:
    _USER_DATA = json.loads(_env("RUNTIME_USERDATA", "{}") or "{}")
except ValueError:
    _USER_DATA = {}


class Context:
    """The FunctionGraph context object (reference/invoke.md, section 1)."""

    def __init__(self, request_id, deadline, alias):
        self._request_id = request_id
        self._deadline = deadline
        self._alias = alias
        self._logger = _Logger(request_id)

    def getRequestID(self):
        return self._request_id

    def getRemainingTimeInMilliSeconds(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def getRunningTimeInSeconds(self):
        return int(_env("RUNTIME_TIMEOUT", "0"))

    def getAccessKey(self):
        return ""

    def getSecretKey(self):
        return ""

    def getSecurityAccessKey(self):
        return ""

    def getSecuritySecretKey(self):
        return ""

    def getSecurityToken(self):
        return ""

    def getToken(self):
        return ""

    def getUserData(self, key, default=None):
        return _USER_DATA.get(key, default)

    def getFunctionName(self):
        return _env("RUNTIME_FUNC_NAME")

    def getVersion(self):
        return _env("RUNTIME_FUNC_VERSION")

    def getMemorySize(self):
        return int(_env("RUNTIME_MEMORY", "0"))

    def getCPUNumber(self):
        return int(_env("RUNTIME_CPU", "0"))

    def getPackage(self):
        return _env("RUNTIME_PACKAGE")

    def getProjectID(self):
        return _env("RUNTIME_PROJECT_ID")

    def getAlias(self):
        return self._alias

    def getLogger(self):
        return self._logger


def _error(e, error_type=None):
    return {
        "errorMessage": str(e),
        "errorType": error_type or type(e).__name__,
        "stackTrace": [line.rstrip("\n") for line in traceback.format_tb(e.__traceback__)],
    }


def _load(entry):
    module_name, _, function_name = entry.rpartition(".")
    module = importlib.import_module(module_name.replace("/", "."))
    return getattr(module, function_name)


def _watch_parent():
    # Leave when the emulator is gone, even if the handler never returns to read stdin.
    while True:
        time.sleep(1)
        if os.getppid() != _PARENT:
            os._exit(1)


def main():
    threading.Thread(target=_watch_parent, daemon=True).start()
    sys.path.insert(0, _env("RUNTIME_CODE_ROOT", "."))
    try:
        handler = _load(_env("RUNTIME_HANDLER"))
        initializer = _env("RUNTIME_INITIALIZER_HANDLER")
        if initializer:
            deadline = time.monotonic() + int(_env("RUNTIME_INITIALIZER_TIMEOUT", "3") or "3")
            _load(initializer)(Context("", deadline, ""))
    except BaseException as e:  # noqa: B902 - report anything, even SystemExit
        _send({"ready": False, "error": _error(e), "log": _LOG.take()})
        return
    _send({"ready": True, "log": _LOG.take()})
    for line in _REQUESTS:
        request = json.loads(line)
        deadline = time.monotonic() + request["remaining_ms"] / 1000.0
        context = Context(request["request_id"], deadline, request.get("alias", ""))
        try:
            result = handler(request["event"], context)
            if result is None:
                answer = {"ok": True, "kind": "none", "body": ""}
            elif isinstance(result, str):
                answer = {"ok": True, "kind": "str", "body": result}
            else:
                answer = {"ok": True, "kind": "json", "body": json.dumps(result)}
        except BaseException as e:  # noqa: B902 - a handler's sys.exit() is its error too
            answer = {"ok": False, "error": _error(e)}
        answer["log"] = _LOG.take()
        _send(answer)


main()
