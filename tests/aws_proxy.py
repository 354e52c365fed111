#!/usr/bin/env python3
"""TEST STAND-IN: a proxy in front of moto_server for Landfall's AWS tests.

moto checks no signatures and lacks a few calls, so this proxy, started by the
tests on a free loopback port, sits between Landfall (or the aws CLI) and moto:

  * it verifies EVERY request's AWS Signature Version 4 independently, with
    botocore's signer: the canonical request, string to sign and signature are
    recomputed from the method, path, query, the signed headers and the body,
    with the test credentials, and compared with the Authorization header. A
    mismatch is answered 403 SignatureDoesNotMatch (so the caller fails) and
    counted; the canonical request is logged;
  * it injects faults from a spec such as "throttle:7,500:11,reset:13": every
    7th request gets the service's throttling error, every 11th an HTTP 500,
    every 13th a connection reset with no answer. A request right after a
    faulted one is never faulted, so retries get through. Faults happen before
    moto sees the request. "delay:MS" makes every request wait MS ms first
    (a far-away region, for the wizard's background reads);
  * it answers, as a stand-in, the calls moto 5.2 does not implement: AWS
    Backup selections (Create/Get/List/DeleteBackupSelection) and Service
    Quotas GetServiceQuota for the EC2 On-Demand standard vCPU quota;
  * GET /__proxy/stats answers counters as JSON; /__proxy/log the calls seen;
    POST /__proxy/faults with a spec (or nothing) changes the faults.

Usage: aws_proxy.py --upstream URL --port-file FILE [--faults SPEC]
                    [--access-key AK --secret-key SK] [--log FILE]
"""
import argparse
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

LOCK = threading.Lock()
STATS = {"requests": 0, "verified": 0, "signature_failures": 0, "unsigned": 0,
         "faults": {"throttle": 0, "500": 0, "reset": 0}, "standin": 0,
         "by_operation": {}}
CALLS = []
SELECTIONS = {}  # plan id -> {selection id -> selection}


def parse_faults(spec):
    """[(kind, every)] of "throttle:7,500:11,reset:13"; exits on a bad spec
    at start-up (raises ValueError later, when set at run time)."""
    out = []
    for part in filter(None, (spec or "").split(",")):
        kind, _, every = part.partition(":")
        if kind == "delay" and every.isdigit():
            out.append((kind, int(every)))
            continue
        if kind not in ("throttle", "500", "reset") or not every.isdigit() or int(every) < 2:
            raise ValueError("bad fault %r (want throttle:N, 500:N, reset:N with N >= 2, "
                             "or delay:MS)" % part)
        out.append((kind, int(every)))
    return out


def scope_of(auth):
    """service and region of a SigV4 Authorization header, or (None, None)."""
    for item in auth.replace("AWS4-HMAC-SHA256 ", "").split(","):
        k, _, v = item.strip().partition("=")
        if k == "Credential":
            parts = v.split("/")
            if len(parts) == 5:
                return parts[3], parts[2]
    return None, None


def auth_fields(auth):
    fields = {}
    for item in auth.replace("AWS4-HMAC-SHA256 ", "").split(","):
        k, _, v = item.strip().partition("=")
        fields[k] = v
    return fields


def operation_of(service, method, path, query, headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    if service in ("ec2", "iam", "sts", "elasticloadbalancing"):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return form.get("Action", ["?"])[0]
    return "%s %s" % (method, path.split("?")[0])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the stats and log tell
        pass

    # ---- plumbing ------------------------------------------------------
    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _reset(self):
        # SO_LINGER 0: close with RST, no answer.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # ---- signature -----------------------------------------------------
    def _verify(self, body):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return None, None, "no SigV4 Authorization header"
        f = auth_fields(auth)
        service, region = scope_of(auth)
        ak = f.get("Credential", "").split("/")[0]
        if ak != self.server.access_key:
            return service, region, "unknown access key %s" % ak
        signed = f.get("SignedHeaders", "").split(";")
        headers = {}
        for name in signed:
            if name == "host":
                continue
            v = self.headers.get_all(name)
            if v is None:
                return service, region, "signed header %s missing" % name
            headers[name] = ",".join(x.strip() for x in v)
        host = self.headers.get("Host", "")
        req = AWSRequest(method=self.command, url="http://%s%s" % (host, self.path),
                         data=body, headers=headers)
        req.context["timestamp"] = self.headers.get("X-Amz-Date", "")
        creds = Credentials(self.server.access_key, self.server.secret_key,
                            self.headers.get("X-Amz-Security-Token"))
        cls = S3SigV4Auth if service == "s3" else SigV4Auth
        signer = cls(creds, service, region)
        # botocore signs the headers it is given plus host: give exactly the
        # signed ones, so a header the client signed and botocore would not
        # (or the other way round) shows as a mismatch.
        signer.headers_to_sign = lambda r, _s=signed, _h=host: _signed_view(r, _s, _h)
        canonical = signer.canonical_request(req)
        sts = signer.string_to_sign(req, canonical)
        want = signer.signature(sts, req)
        if want != f.get("Signature"):
            return service, region, "signature mismatch; canonical request:\n" + canonical
        return service, region, None

    # ---- stand-ins -----------------------------------------------------
    def _standin(self, service, body):
        path = urllib.parse.urlsplit(self.path).path
        if service == "backup" and "/selections" in path:
            parts = [p for p in path.split("/") if p]  # backup plans ID selections [SID]
            if len(parts) < 4 or parts[:2] != ["backup", "plans"]:
                return None
            plan = parts[2]
            sels = SELECTIONS.setdefault(plan, {})
            if self.command == "PUT" and len(parts) == 4:
                req = json.loads(body or b"{}")
                sid = str(uuid.uuid4())
                sel = dict(req.get("BackupSelection", {}), SelectionId=sid, BackupPlanId=plan,
                           CreationDate=time.time(),
                           CreatorRequestId=req.get("CreatorRequestId"))
                sels[sid] = sel
                return 200, {"SelectionId": sid, "BackupPlanId": plan,
                             "CreationDate": sel["CreationDate"]}
            if self.command == "GET" and len(parts) == 4:
                return 200, {"BackupSelectionsList": [
                    {k: s[k] for k in ("SelectionId", "SelectionName", "BackupPlanId",
                                       "CreationDate", "IamRoleArn", "CreatorRequestId")}
                    for s in sels.values()]}
            if len(parts) == 5 and parts[4] in sels:
                if self.command == "GET":
                    s = sels[parts[4]]
                    return 200, {"BackupSelection": {k: s[k] for k in (
                        "SelectionName", "IamRoleArn", "Resources")},
                        "SelectionId": s["SelectionId"], "BackupPlanId": plan,
                        "CreationDate": s["CreationDate"]}
                if self.command == "DELETE":
                    del sels[parts[4]]
                    return 200, {}
            if len(parts) == 5:
                return 404, {"__type": "ResourceNotFoundException",
                             "message": "no selection %s" % parts[4]}
        target = self.headers.get("X-Amz-Target", "")
        if service == "servicequotas" and target.endswith(".GetServiceQuota"):
            req = json.loads(body or b"{}")
            if req.get("ServiceCode") == "ec2" and req.get("QuotaCode") == "L-1216C47A":
                return 200, {"Quota": {
                    "ServiceCode": "ec2", "ServiceName": "Amazon Elastic Compute Cloud (Amazon EC2)",
                    "QuotaCode": "L-1216C47A",
                    "QuotaName": "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
                    "Value": 64.0, "Unit": "None", "Adjustable": True, "GlobalQuota": False}}
        return None

    def _fault_answer(self, kind, service):
        if kind == "500":
            if service in ("acm", "ssm", "servicequotas", "backup"):
                return self._send(500, json.dumps({"__type": "InternalFailure",
                                                   "message": "injected by aws_proxy"}))
            return self._send(500, "<Error><Code>InternalError</Code><Message>injected by "
                              "aws_proxy</Message></Error>", "text/xml")
        # throttle, in the service's own words
        if service in ("acm", "ssm", "servicequotas", "backup"):
            return self._send(400, json.dumps({"__type": "ThrottlingException",
                                               "message": "Rate exceeded (aws_proxy)"}),
                              "application/x-amz-json-1.1")
        if service == "ec2":
            return self._send(503, "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                              "<Message>Request limit exceeded (aws_proxy)</Message></Error>"
                              "</Errors><RequestID>x</RequestID></Response>", "text/xml")
        if service == "s3":
            return self._send(503, "<Error><Code>SlowDown</Code><Message>Please reduce your "
                              "request rate (aws_proxy)</Message></Error>", "application/xml")
        return self._send(400, "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                          "<Message>Rate exceeded (aws_proxy)</Message></Error></ErrorResponse>",
                          "text/xml")

    # ---- one request ---------------------------------------------------
    def _handle(self):
        body = self._body()
        if self.path == "/__proxy/faults" and self.command == "POST":
            with LOCK:
                self.server.faults = parse_faults(body.decode())
            return self._send(200, "{}")
        if self.path.startswith("/__proxy/"):
            with LOCK:
                out = STATS if self.path == "/__proxy/stats" else CALLS
                return self._send(200, json.dumps(out))
        service, region, problem = self._verify(body)
        op = operation_of(service, self.command, self.path, None, self.headers, body)
        with LOCK:
            STATS["requests"] += 1
            n = STATS["requests"]
            key = "%s:%s" % (service, op)
            STATS["by_operation"][key] = STATS["by_operation"].get(key, 0) + 1
            if problem is None:
                STATS["verified"] += 1
            elif service is None:
                STATS["unsigned"] += 1
            else:
                STATS["signature_failures"] += 1
            fault = None
            delay = sum(ms for kind, ms in self.server.faults if kind == "delay")
            if not self.server.last_faulted:
                for kind, every in self.server.faults:
                    if kind != "delay" and n % every == 0:
                        fault = kind
                        break
            self.server.last_faulted = fault is not None
            if fault:
                STATS["faults"][fault] += 1
            CALLS.append({"n": n, "service": service, "operation": op, "method": self.command,
                          "path": self.path, "fault": fault, "signature_ok": problem is None})
        if delay:
            time.sleep(delay / 1000.0)
        if problem is not None:
            self.server.log("request %d %s %s: %s" % (n, self.command, self.path, problem))
            if service is not None or self.server.require_signature:
                return self._send(403, "<ErrorResponse><Error><Code>SignatureDoesNotMatch"
                                  "</Code><Message>aws_proxy: %s</Message></Error>"
                                  "</ErrorResponse>" % problem.split("\n")[0], "text/xml")
        if fault == "reset":
            return self._reset()
        if fault:
            return self._fault_answer(fault, service)
        answer = self._standin(service, body)
        if answer is not None:
            with LOCK:
                STATS["standin"] += 1
            status, obj = answer
            return self._send(status, json.dumps(obj), "application/json")
        return self._forward(body)

    def _forward(self, body):
        url = self.server.upstream + self.path
        # No body: none forwarded (urllib would add a form content type,
        # which moto takes for the query protocol).
        req = urllib.request.Request(url, data=body or None, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection", "expect"):
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, headers, data = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, data = e.code, e.headers, e.read()
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server",
                                 "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle


def _signed_view(request, signed, host):
    """The headers botocore puts in the canonical request: exactly the
    client's signed list, host included."""
    from botocore.awsrequest import HTTPHeaders

    out = HTTPHeaders()
    for name in signed:
        if name == "host":
            out["host"] = host
        elif name in request.headers:
            out[name] = request.headers[name]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--faults", default="")
    ap.add_argument("--access-key", default="AKIAIOSFODNN7EXAMPLE")
    ap.add_argument("--secret-key", default="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    ap.add_argument("--log", default=None)
    ap.add_argument("--allow-unsigned", action="store_true",
                    help="forward requests without a SigV4 header (counted as unsigned)")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.upstream = a.upstream.rstrip("/")
    try:
        srv.faults = parse_faults(a.faults)
    except ValueError as e:
        sys.exit("aws_proxy: %s" % e)
    srv.access_key, srv.secret_key = a.access_key, a.secret_key
    srv.require_signature = not a.allow_unsigned
    srv.last_faulted = False
    logf = open(a.log, "a", buffering=1) if a.log else sys.stderr
    srv.log = lambda line: print("aws_proxy: " + line, file=logf)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os

    os.replace(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
