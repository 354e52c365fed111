#!/usr/bin/env python3
# =============================================================================
#  STAND-IN KUBERNETES API SERVER -- FOR LANDFALL'S TESTS ONLY.
#
#  This is NOT Kubernetes. No real Kubernetes API server (kube-apiserver,
#  kind, k3s, minikube) can be installed on the machines these tests run
#  on, so this small server imitates the parts of the API that Landfall and
#  `kubectl get` use, closely enough that both talk to it unchanged:
#
#    * TLS with a CA, server and client certificates generated per run with
#      the `openssl` command (server SANs: IP:127.0.0.1, DNS:localhost,
#      DNS:k8s-standin.test, the last one to test tls-server-name);
#    * authentication by client certificate (verified against the CA; user
#      from the CN, groups from O) and by bearer token (a kube-apiserver
#      style token CSV file, re-read when it changes); a bad token is a 401,
#      no credentials is system:anonymous (403 except /version, /healthz);
#    * authorization from a small rules file (also answering
#      SelfSubjectAccessReview); group system:masters may do anything;
#    * legacy discovery (/version, /api, /apis, /api/v1, /apis/G/V). The
#      aggregated discovery Accept types get plain discovery (kubectl falls
#      back), /openapi/v2 and /openapi/v3 answer 404 (kubectl get copes);
#    * namespaces, nodes (seeded from a JSON file), configmaps, secrets,
#      services (NodePort allocation and conflicts), persistentvolumeclaims,
#      serviceaccounts, deployments, statefulsets, daemonsets, pods,
#      storageclasses: GET, LIST (label/field selectors, limit and
#      continue), POST, PUT, DELETE (Foreground leaves the object with a
#      deletionTimestamp for one more read), JSON merge patch, and
#      server-side apply (create when missing, merge otherwise, fields owned
#      per manager in managedFields, conflicts unless force=true, fields
#      dropped from a manager's apply are removed, metadata.generation bumped
#      on spec changes);
#    * Deployments whose status advances over a few reads and that fail with
#      ProgressDeadlineExceeded when no node matches their nodeSelector;
#    * one-off pods (Landfall's purge pod) run by a stand-in kubelet: Pending
#      (for good when no node matches the nodeSelector, or while a hostPath
#      of type Directory is missing), Running, then the end of the container.
#      The only command it runs is exec-form `rm -rf [--one-file-system] --
#      PATHS` with the paths under hostPath mounts, mapped into --node-root
#      (a directory standing for the node's file system); anything else
#      fails;
#    * Table output (Accept: ...;as=Table) for kubectl's printers;
#    * Status objects for 400/401/403/404/405/409/415/422;
#    * test controls under /_standin/ (no authentication): drop the next N
#      connections without an answer, inject 429/5xx answers, add or revoke
#      tokens, replace the rules, make named Deployments' rollouts stall
#      (ProgressDeadlineExceeded), read the state and the request log, stop.
#
#  State is kept in a JSON file written atomically after every change, so a
#  test can kill the server and start it again on the same state (and port)
#  to test resuming.
#
#  Usage: k8s_standin.py --dir DIR [--port N] [--nodes FILE] [--rules FILE]
#         [--tokens FILE] [--state FILE] [--rollout-reads N] [--node-root DIR]
#  DIR receives pki/ (certificates), kubeconfig, tokens.csv, state.json
#  and `port` (written once the server listens).
# =============================================================================

import argparse
import base64
import copy
import csv
import datetime
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import urllib.parse
import uuid

try:
    import yaml  # PyYAML, in the machine image; only for YAML apply bodies
except ImportError:  # pragma: no cover
    yaml = None

SERVER_NAME = "k8s-standin.test"
GIT_VERSION = "v1.30.0-landfall-standin"

# group -> version -> list of (plural, kind, namespaced, verbs, shortNames)
RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
RESOURCES = {
    "": {"v1": [
        ("namespaces", "Namespace", False, ["create", "delete", "get", "list", "patch", "update", "watch"], ["ns"]),
        ("nodes", "Node", False, RW, ["no"]),
        ("configmaps", "ConfigMap", True, RW, ["cm"]),
        ("secrets", "Secret", True, RW, []),
        ("services", "Service", True, ["create", "delete", "get", "list", "patch", "update", "watch"], ["svc"]),
        ("persistentvolumeclaims", "PersistentVolumeClaim", True, RW, ["pvc"]),
        ("serviceaccounts", "ServiceAccount", True, RW, ["sa"]),
        ("pods", "Pod", True, RW, ["po"]),
    ]},
    "apps": {"v1": [
        ("deployments", "Deployment", True, RW, ["deploy"]),
        ("statefulsets", "StatefulSet", True, RW, ["sts"]),
        ("daemonsets", "DaemonSet", True, RW, ["ds"]),
    ]},
    "storage.k8s.io": {"v1": [
        ("storageclasses", "StorageClass", False, RW, ["sc"]),
    ]},
    "authorization.k8s.io": {"v1": [
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False, ["create"], []),
    ]},
}

NO_STATUS_KINDS = {"ConfigMap", "Secret", "ServiceAccount", "StorageClass"}
ANONYMOUS_PATHS = {"/version", "/version/", "/healthz", "/livez", "/readyz"}


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def gv_of(group, version):
    return f"{group}/{version}" if group else version


def find_resource(group, version, plural):
    for r in RESOURCES.get(group, {}).get(version, []):
        if r[0] == plural:
            return r
    return None


def qualified(plural, group):
    return f"{plural}.{group}" if group else plural


# ---- PKI --------------------------------------------------------------------

def run_openssl(args, cwd):
    if shutil.which("openssl") is None:
        sys.exit("k8s_standin: the `openssl` command is missing (Debian package openssl)")
    subprocess.run(["openssl"] + args, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def make_ca(pki, name, cn):
    write(os.path.join(pki, f"{name}.cnf"),
          "[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n"
          f"[dn]\nCN={cn}\n"
          "[v3]\nbasicConstraints=critical,CA:TRUE\n"
          "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n")
    run_openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "3",
                 "-config", f"{name}.cnf"], pki)


def make_leaf(pki, name, subject, ext, ca="ca"):
    write(os.path.join(pki, f"{name}.ext"), "[v3]\n" + ext)
    run_openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject], pki)
    run_openssl(["x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key",
                 "-set_serial", "0x" + secrets.token_hex(8), "-out", f"{name}.crt", "-days", "3",
                 "-extfile", f"{name}.ext", "-extensions", "v3"], pki)
    os.chmod(os.path.join(pki, f"{name}.key"), 0o600)


def ensure_pki(pki):
    """CA, server certificate, two client certificates, and an unrelated CA
    (to test that a wrong CA is refused). Made once per DIR."""
    if os.path.exists(os.path.join(pki, "done")):
        return
    os.makedirs(pki, exist_ok=True)
    make_ca(pki, "ca", "landfall-standin-ca")
    make_ca(pki, "other-ca", "some-other-ca")
    make_leaf(pki, "server", "/CN=k8s-standin",
              f"subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:{SERVER_NAME}\n"
              "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
              "extendedKeyUsage=serverAuth\n")
    client_ext = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=clientAuth\n")
    make_leaf(pki, "admin", "/O=system:masters/CN=landfall-admin", client_ext)
    make_leaf(pki, "limited", "/CN=limited-user", client_ext)
    make_leaf(pki, "stranger", "/CN=stranger", client_ext, ca="other-ca")
    write(os.path.join(pki, "done"), "")


def write_kubeconfig(d, port, tokens):
    pki = os.path.join(d, "pki")
    admin_token = next((t for t, u in tokens.items() if u["user"] == "landfall-admin"), "")
    text = f"""# Written by the STAND-IN API server (tests/k8s_standin.py).
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: standin
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: pki/ca.crt
- name: standin-by-name
  cluster:
    server: https://127.0.0.1:{port}
    certificate-authority: pki/ca.crt
    tls-server-name: {SERVER_NAME}
users:
- name: admin
  user:
    client-certificate: pki/admin.crt
    client-key: pki/admin.key
- name: limited
  user:
    client-certificate: pki/limited.crt
    client-key: pki/limited.key
- name: admin-token
  user:
    token: {admin_token}
contexts:
- name: admin
  context: {{cluster: standin, user: admin}}
- name: limited
  context: {{cluster: standin, user: limited}}
- name: token
  context: {{cluster: standin, user: admin-token, namespace: clearml}}
- name: by-name
  context: {{cluster: standin-by-name, user: admin}}
"""
    path = os.path.join(d, "kubeconfig")
    write(path + ".tmp", text, 0o600)
    os.replace(path + ".tmp", path)
    del pki


# ---- selectors --------------------------------------------------------------

class BadRequest(Exception):
    pass


def parse_label_selector(sel):
    """Equality and set based selectors: a=b, a==b, a!=b, a, !a, a in (x,y),
    a notin (x,y). Returns a predicate over a labels dict."""
    if not sel:
        return lambda labels: True
    parts, depth, cur = [], 0, ""
    for ch in sel:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    tests = []
    for p in (x.strip() for x in parts):
        m = re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", p)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            if op == "in":
                tests.append(lambda l, k=key, v=vals: l.get(k) in v)
            else:
                tests.append(lambda l, k=key, v=vals: l.get(k) not in v)
            continue
        m = re.fullmatch(r"([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)", p)
        if m:
            key, op, val = m.groups()
            if op == "!=":
                tests.append(lambda l, k=key, v=val: l.get(k) != v)
            else:
                tests.append(lambda l, k=key, v=val: l.get(k) == v)
            continue
        m = re.fullmatch(r"(!?)([\w./-]+)", p)
        if m:
            neg, key = m.groups()
            tests.append((lambda l, k=key: k not in l) if neg else (lambda l, k=key: k in l))
            continue
        raise BadRequest(f"unable to parse requirement: {p!r}")
    return lambda labels: all(t(labels or {}) for t in tests)


def parse_field_selector(sel):
    if not sel:
        return lambda obj: True
    tests = []
    for p in sel.split(","):
        m = re.fullmatch(r"\s*([\w.]+)\s*(==|=|!=)\s*([^,]*)", p)
        if not m or m.group(1) not in ("metadata.name", "metadata.namespace"):
            raise BadRequest(f'"{p}" is not a known field selector: only "metadata.name", '
                             f'"metadata.namespace"')
        field, op, val = m.groups()
        key = field.split(".")[1]

        def t(o, k=key, v=val, neg=(op == "!=")):
            return (o.get("metadata", {}).get(k) == v) != neg
        tests.append(t)
    return lambda obj: all(t(obj) for t in tests)


# ---- field ownership (server-side apply) -------------------------------------

IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
SERVER_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
               "deletionTimestamp", "selfLink")


def leaf_paths(obj, prefix=()):
    """Paths to the leaves of a config: maps recurse, everything else
    (scalars and lists) is a leaf; an empty map is a leaf itself."""
    out = []
    if isinstance(obj, dict) and (obj or not prefix):
        for k, v in obj.items():
            out.extend(leaf_paths(v, prefix + (k,)))
    else:
        out.append(prefix)
    return out


def owned_paths(config, has_status):
    paths = []
    for p in leaf_paths(config):
        if p in IDENTITY or (has_status and p[:1] == ("status",)):
            continue
        if p[:1] == ("metadata",) and len(p) > 1 and p[1] in SERVER_META:
            continue
        paths.append(p)
    return paths


def get_path(obj, path):
    for k in path:
        if not isinstance(obj, dict) or k not in obj:
            return None, False
        obj = obj[k]
    return obj, True


def del_path(obj, path):
    parents = []
    for k in path[:-1]:
        if not isinstance(obj, dict) or k not in obj:
            return
        parents.append((obj, k))
        obj = obj[k]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)
    # prune maps left empty, but never top-level ones (metadata, spec)
    for depth, (parent, k) in reversed(list(enumerate(parents))):
        if depth >= 1 and parent[k] == {}:
            del parent[k]
        else:
            break


def overlaps(a, b):
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def deep_merge(live, config):
    for k, v in config.items():
        if isinstance(v, dict) and isinstance(live.get(k), dict) and v:
            deep_merge(live[k], v)
        else:
            live[k] = copy.deepcopy(v)


def fields_v1(paths):
    tree = {}
    for p in paths:
        node = tree
        for k in p:
            node = node.setdefault("f:" + k, {})
    return tree


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    for k, v in patch.items():
        if v is None:
            target.pop(k, None)
        else:
            target[k] = merge_patch(target.get(k), v)
    return target


# ---- the server state ------------------------------------------------------

class Store:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.state_path = args.state
        self.tokens_path = args.tokens
        self.tokens_mtime = None
        self.tokens = {}
        self.extra_tokens = {}
        self.revoked = set()
        self.rules_path = args.rules
        self.rules_mtime = None
        self.rules = None
        self.drop = {"after": 0, "count": 0}
        self.faults = []
        self.fail_rollouts = set()  # Deployment names whose rollout never completes
        self.log = []
        if os.path.exists(self.state_path):
            with open(self.state_path) as f:
                self.state = json.load(f)
        else:
            self.state = {"rv": 1, "objects": {}, "meta": {}}
            self.seed()
            self.save()

    # -- persistence
    def save(self):
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.state, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_path)

    def next_rv(self):
        self.state["rv"] += 1
        return str(self.state["rv"])

    @staticmethod
    def key(group, plural, ns, name):
        return f"{group}|{plural}|{ns or ''}|{name}"

    def seed(self):
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.put_new("", "v1", "namespaces", None,
                         {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                         "standin-seed")
        seed = {"nodes": [{"name": "node-1", "labels": {}}]}
        if self.args.nodes:
            with open(self.args.nodes) as f:
                seed = json.load(f)
            if isinstance(seed, list):
                seed = {"nodes": seed}
        for n in seed.get("nodes", []):
            self.put_new("", "v1", "nodes", None, node_object(n), "standin-seed")
        for sc in seed.get("storageclasses", [{"name": "standard", "default": True}]):
            obj = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                   "metadata": {"name": sc["name"]},
                   "provisioner": sc.get("provisioner", "standin.landfall.test/hostpath"),
                   "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}
            if sc.get("default"):
                obj["metadata"]["annotations"] = {
                    "storageclass.kubernetes.io/is-default-class": "true"}
            self.put_new("storage.k8s.io", "v1", "storageclasses", None, obj, "standin-seed")

    def put_new(self, group, version, plural, ns, obj, manager, operation="Update"):
        md = obj.setdefault("metadata", {})
        md["uid"] = str(uuid.uuid4())
        md["creationTimestamp"] = now_iso()
        md["resourceVersion"] = self.next_rv()
        if "spec" in obj:
            md["generation"] = 1
        if ns:
            md["namespace"] = ns
        key = self.key(group, plural, ns, md["name"])
        self.state["objects"][key] = obj
        has_status = obj.get("kind") not in NO_STATUS_KINDS
        self.state["meta"][key] = {"managers": {manager: {
            "operation": operation, "apiVersion": gv_of(group, version), "time": now_iso(),
            "paths": [list(p) for p in owned_paths(obj, has_status)]}}, "reads": 0}
        self.render_managed(key)
        return obj

    def render_managed(self, key):
        obj = self.state["objects"][key]
        entries = []
        for name, m in sorted(self.state["meta"][key]["managers"].items()):
            if not m["paths"]:
                continue
            entries.append({"manager": name, "operation": m["operation"],
                            "apiVersion": m["apiVersion"], "time": m["time"],
                            "fieldsType": "FieldsV1",
                            "fieldsV1": fields_v1([tuple(p) for p in m["paths"]])})
        obj["metadata"]["managedFields"] = entries

    # -- authentication data
    def token_user(self, token):
        if token in self.revoked:
            return None
        path = self.tokens_path
        if path and os.path.exists(path):
            mtime = os.stat(path).st_mtime_ns
            if mtime != self.tokens_mtime:
                self.tokens = read_tokens(path)
                self.tokens_mtime = mtime
        return self.extra_tokens.get(token) or self.tokens.get(token)

    def current_rules(self):
        path = self.rules_path
        if path and os.path.exists(path):
            mtime = os.stat(path).st_mtime_ns
            if mtime != self.rules_mtime:
                with open(path) as f:
                    self.rules = json.load(f)
                self.rules_mtime = mtime
        return self.rules


def read_tokens(path):
    """kube-apiserver --token-auth-file format: token,user,uid,"group1,group2"."""
    out = {}
    with open(path) as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#") or len(row) < 2:
                continue
            groups = row[3].split(",") if len(row) > 3 and row[3] else []
            out[row[0].strip()] = {"user": row[1].strip(), "groups": groups}
    return out


def node_object(n):
    if "metadata" in n:
        obj = copy.deepcopy(n)
        obj.setdefault("apiVersion", "v1")
        obj.setdefault("kind", "Node")
        return obj
    cpu, mem = str(n.get("cpu", "4")), str(n.get("memory", "16Gi"))
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": n["name"], "labels": dict(
            {"kubernetes.io/hostname": n["name"], "kubernetes.io/os": "linux",
             "kubernetes.io/arch": "amd64"}, **n.get("labels", {}))},
        "spec": {},
        "status": {
            "capacity": {"cpu": cpu, "memory": mem, "pods": "110"},
            "allocatable": {"cpu": n.get("allocatable_cpu", cpu),
                            "memory": n.get("allocatable_memory", mem), "pods": "110"},
            "addresses": [{"type": "InternalIP", "address": n.get("address", "10.0.0.10")},
                          {"type": "Hostname", "address": n["name"]}],
            "conditions": [{"type": "Ready", "status": "True" if n.get("ready", True) else "False",
                            "reason": "KubeletReady", "lastHeartbeatTime": now_iso(),
                            "lastTransitionTime": now_iso()}],
            "nodeInfo": {"kubeletVersion": GIT_VERSION, "osImage": "Stand-in Linux",
                         "architecture": "amd64", "operatingSystem": "linux",
                         "containerRuntimeVersion": "standin://1.0"},
        },
    }


# ---- status objects ---------------------------------------------------------

class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers = details, headers or {}

    def body(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            s["details"] = self.details
        return s


def not_found(plural, group, name):
    return ApiError(404, "NotFound", f'{qualified(plural, group)} "{name}" not found',
                    {"name": name, "group": group, "kind": plural})


# ---- the HTTP side ----------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "k8s-standin"
    timeout = 30

    # TLS per connection, in the connection's thread, so a failed handshake
    # (the wrong-CA and stranger-certificate tests) only ends that thread.
    def setup(self):
        self.request.settimeout(self.timeout)
        s = self.server.tls.wrap_socket(self.request, server_side=True,
                                        do_handshake_on_connect=False)
        try:
            s.do_handshake()
        except (ssl.SSLError, OSError):
            # OpenSSL has sent its alert ("unknown ca"). Read what the client
            # already sent before closing, or the kernel answers that unread
            # data with a reset that can overtake the alert.
            try:
                socket.socket.shutdown(s, socket.SHUT_WR)
                s.settimeout(1)
                while socket.socket.recv(s, 65536):
                    pass
            except OSError:
                pass
            s.close()
            raise
        self.request = s
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("k8s_standin: " + (fmt % args) + "\n")

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # -- plumbing
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def send_json(self, code, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.status_sent = code

    def send_text(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.status_sent = code

    def dispatch(self):
        st = self.server.store
        url = urllib.parse.urlsplit(self.path)
        self.q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        path = url.path
        body = self.read_body()
        self.status_sent = None
        self.user = None
        if path.startswith("/_standin/"):
            with st.lock:
                return self.control(path, body)
        with st.lock:
            if st.drop["after"] > 0:
                st.drop["after"] -= 1
            elif st.drop["count"] > 0:
                st.drop["count"] -= 1
                self.record(path, "dropped")
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
        try:
            with st.lock:
                self.inject_fault()
                self.authenticate()
                self.route(path, body)
        except ApiError as e:
            self.send_json(e.code, e.body(), e.headers)
        except BadRequest as e:
            self.send_json(400, ApiError(400, "BadRequest", str(e)).body())
        finally:
            with st.lock:
                self.record(path, self.status_sent)

    def record(self, path, status):
        st = self.server.store
        st.log.append({"method": self.command, "path": path, "query": getattr(self, "q", {}),
                       "contentType": self.headers.get("Content-Type"),
                       "accept": self.headers.get("Accept"),
                       "userAgent": self.headers.get("User-Agent"),
                       "user": self.user, "auth": getattr(self, "auth", None),
                       "status": status})
        del st.log[:-2000]

    def inject_fault(self):
        st = self.server.store
        for f in st.faults:
            if f.get("method") and f["method"] != self.command:
                continue
            if f.get("after", 0) > 0:
                f["after"] -= 1
                continue
            if f["count"] <= 0:
                continue
            f["count"] -= 1
            code = int(f.get("code", 503))
            headers = {}
            if f.get("retry_after") is not None:
                headers["Retry-After"] = str(f["retry_after"])
            reasons = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                       504: "Timeout"}
            raise ApiError(code, reasons.get(code, "InternalError"),
                           f"injected by the stand-in ({code})", headers=headers)

    def authenticate(self):
        st = self.server.store
        self.auth = "anonymous"
        cert = self.connection.getpeercert()
        if cert:
            subject = dict(x[0] for x in cert.get("subject", ()))
            groups = [v for rdn in cert.get("subject", ()) for k, v in rdn
                      if k == "organizationName"]
            self.user = {"user": subject.get("commonName", ""), "groups": groups}
            self.auth = "cert"
            return
        authz = self.headers.get("Authorization", "")
        if authz:
            m = re.fullmatch(r"Bearer\s+(\S+)", authz)
            u = st.token_user(m.group(1)) if m else None
            if not u:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            self.user = u
            self.auth = "token"
            return
        self.user = {"user": "system:anonymous", "groups": ["system:unauthenticated"]}

    # -- authorization
    def decide(self, user, verb, group, plural, ns, name):
        """(allowed, denied, reason)"""
        if user["user"] == "system:anonymous":
            return False, False, ""
        if "system:masters" in user.get("groups", []):
            return True, False, "member of system:masters"
        rules = self.server.store.current_rules()
        if rules is None:
            return True, False, "the stand-in allows everything without a rules file"

        def match(rule):
            def has(field, value):
                vals = rule.get(field, ["*"])
                return "*" in vals or value in vals
            return (has("users", user["user"]) and has("verbs", verb) and has("groups", group)
                    and has("resources", plural) and has("namespaces", ns or "")
                    and has("names", name or ""))
        for i, r in enumerate(rules.get("rules", [])):
            if r.get("effect") == "deny" and match(r):
                return False, True, r.get("reason", f"denied by stand-in rule {i}")
        for i, r in enumerate(rules.get("rules", [])):
            if r.get("effect", "allow") == "allow" and match(r):
                return True, False, r.get("reason", f"allowed by stand-in rule {i}")
        return False, False, ""

    def authorize(self, verb, group, plural, ns, name):
        allowed, _denied, _reason = self.decide(self.user, verb, group, plural, ns, name)
        if allowed:
            return
        what = qualified(plural, group) + (f' "{name}"' if name else "")
        scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
        raise ApiError(403, "Forbidden",
                       f'{what} is forbidden: User "{self.user["user"]}" cannot {verb} resource '
                       f'"{plural}" in API group "{group}" {scope}',
                       {"name": name or "", "group": group, "kind": plural})

    # -- routing
    def route(self, path, body):
        if self.user["user"] == "system:anonymous" and path not in ANONYMOUS_PATHS:
            raise ApiError(403, "Forbidden",
                           f'forbidden: User "system:anonymous" cannot {self.command.lower()} '
                           f'path "{path}"', {})
        if path in ("/healthz", "/livez", "/readyz"):
            return self.send_text(200, "ok")
        if path.rstrip("/") == "/version":
            return self.send_json(200, {"major": "1", "minor": "30", "gitVersion": GIT_VERSION,
                                        "gitCommit": "0" * 40, "gitTreeState": "clean",
                                        "buildDate": "2024-01-01T00:00:00Z",
                                        "goVersion": "go1.22", "compiler": "gc",
                                        "platform": "linux/amd64"})
        if path.startswith("/openapi/"):
            raise ApiError(404, "NotFound", "the stand-in serves no OpenAPI documents")
        segs = [s for s in path.split("/") if s]
        if self.command not in ("GET", "HEAD") and len(segs) <= 3 and (
                segs[:1] == ["api"] and len(segs) <= 2 or segs[:1] == ["apis"] and len(segs) <= 3):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method")
        if segs == ["api"]:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [
                                            {"clientCIDR": "0.0.0.0/0",
                                             "serverAddress": "127.0.0.1"}]})
        if segs == ["apis"]:
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": [self.group_doc(g) for g in RESOURCES if g]})
        if segs[:1] == ["apis"] and len(segs) == 2:
            if segs[1] not in RESOURCES or not segs[1]:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return self.send_json(200, dict(self.group_doc(segs[1]), kind="APIGroup",
                                            apiVersion="v1"))
        if segs[:1] == ["api"] and len(segs) >= 2:
            group, version, rest = "", segs[1], segs[2:]
        elif segs[:1] == ["apis"] and len(segs) >= 3:
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if group not in RESOURCES or version not in RESOURCES[group] or not group and segs[1] != "v1":
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return self.send_json(200, self.resource_list(group, version))
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        plural = rest[0]
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        res = find_resource(group, version, plural)
        if not res or len(rest) > 3 or (ns and not res[2]):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if sub and sub != "status":
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        self.resource_request(group, version, res, ns, name, sub, body)

    def group_doc(self, g):
        versions = [{"groupVersion": f"{g}/{v}", "version": v} for v in RESOURCES[g]]
        return {"name": g, "versions": versions, "preferredVersion": versions[0]}

    def resource_list(self, group, version):
        resources = []
        for plural, kind, namespaced, verbs, short in RESOURCES[group][version]:
            resources.append({"name": plural, "singularName": kind.lower(),
                              "namespaced": namespaced, "kind": kind, "verbs": verbs,
                              **({"shortNames": short} if short else {})})
            if kind not in NO_STATUS_KINDS and "update" in verbs:
                resources.append({"name": plural + "/status", "singularName": "",
                                  "namespaced": namespaced, "kind": kind,
                                  "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": gv_of(group, version), "resources": resources}

    def resource_request(self, group, version, res, ns, name, sub, body):
        plural, kind, namespaced = res[0], res[1], res[2]
        m = self.command
        verb = {"GET": "get" if name else ("watch" if self.q.get("watch") in ("1", "true") else "list"),
                "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}[m]
        if verb not in res[3] and not (sub == "status" and verb in ("get", "patch", "update")):
            raise ApiError(405, "MethodNotAllowed",
                           f"the server does not allow this method on the requested resource")
        if plural == "selfsubjectaccessreviews":
            return self.access_review(body)
        self.authorize(verb, group, plural, ns, name)
        if verb == "watch":
            raise ApiError(405, "MethodNotAllowed", "the stand-in does not implement watch")
        ctx = Ctx(self.server.store, group, version, plural, kind, namespaced, ns)
        if verb == "list":
            return self.send_list(ctx)
        if verb == "get":
            obj = ctx.read(name)
            return self.send_object(200, ctx, obj)
        if verb == "create":
            if name:
                raise ApiError(405, "MethodNotAllowed", "POST to a named object is not allowed")
            obj = self.decode(body)
            code, obj = ctx.create(obj, self.manager("create"), self.q.get("dryRun") == "All")
            return self.send_object(code, ctx, obj)
        if verb == "update":
            obj = self.decode(body)
            code, obj = ctx.update(name, obj, self.manager("update"), self.q.get("dryRun") == "All")
            return self.send_object(code, ctx, obj)
        if verb == "patch":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            dry = self.q.get("dryRun") == "All"
            if ctype == "application/apply-patch+yaml":
                manager = self.q.get("fieldManager")
                if not manager:
                    raise ApiError(400, "BadRequest",
                                   'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                   'Required value: is required for apply patch')
                obj = self.decode(body, allow_yaml=True)
                force = self.q.get("force") in ("true", "1")
                code, obj = ctx.apply(name, obj, manager, force, dry)
                return self.send_object(code, ctx, obj)
            if ctype in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                patch = self.decode(body)
                code, obj = ctx.patch(name, patch, self.manager("patch"), dry)
                return self.send_object(code, ctx, obj)
            raise ApiError(415, "UnsupportedMediaType",
                           f'the body of the request was in an unknown format - accepted media '
                           f'types include: application/merge-patch+json, '
                           f'application/strategic-merge-patch+json, application/apply-patch+yaml')
        if verb == "delete":
            opts = self.decode(body) if body else {}
            policy = self.q.get("propagationPolicy") or (opts or {}).get("propagationPolicy")
            code, obj = ctx.delete(name, policy or "Background", self.q.get("dryRun") == "All")
            return self.send_object(code, ctx, obj)
        raise ApiError(405, "MethodNotAllowed", "not supported by the stand-in")

    def manager(self, op):
        m = self.q.get("fieldManager")
        if m:
            return m
        ua = self.headers.get("User-Agent") or "unknown"
        return ua.split("/")[0] or "unknown"

    def decode(self, body, allow_yaml=False):
        try:
            obj = json.loads(body or b"null")
        except ValueError:
            if not allow_yaml or yaml is None:
                raise BadRequest("the request body is not JSON")
            try:
                obj = yaml.safe_load(body)
            except yaml.YAMLError as e:
                raise BadRequest(f"error decoding YAML: {e}")
        if not isinstance(obj, dict):
            raise BadRequest("the request body must be an object")
        return obj

    def send_list(self, ctx):
        labels = parse_label_selector(self.q.get("labelSelector"))
        fields = parse_field_selector(self.q.get("fieldSelector"))
        items = [o for o in ctx.list_all() if labels(o["metadata"].get("labels")) and fields(o)]
        start = 0
        if self.q.get("continue"):
            try:
                start = int(json.loads(base64.b64decode(self.q["continue"]))["o"])
            except (ValueError, KeyError, TypeError):
                raise ApiError(400, "BadRequest", "invalid continue token")
        limit = int(self.q.get("limit") or 0)
        page = items[start:start + limit] if limit > 0 else items[start:]
        meta = {"resourceVersion": str(ctx.store.state["rv"])}
        if limit > 0 and start + limit < len(items):
            meta["continue"] = base64.b64encode(
                json.dumps({"o": start + limit}).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
        if self.wants_table():
            return self.send_json(200, self.table(ctx, page, meta))
        out = []
        for o in page:
            o = copy.deepcopy(o)
            o.pop("apiVersion", None)
            o.pop("kind", None)
            out.append(o)
        self.send_json(200, {"kind": ctx.kind + "List", "apiVersion": gv_of(ctx.group, ctx.version),
                             "metadata": meta, "items": out})

    def send_object(self, code, ctx, obj):
        if self.wants_table() and self.command == "GET":
            return self.send_json(code, self.table(ctx, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]}))
        self.send_json(code, obj)

    def wants_table(self):
        accept = self.headers.get("Accept") or ""
        return "as=Table" in accept

    def table(self, ctx, objs, meta):
        cols, cells = table_columns(ctx.kind)
        include = self.q.get("includeObject", "Metadata")
        rows = []
        for o in objs:
            row = {"cells": cells(o)}
            if include == "Object":
                row["object"] = o
            elif include != "None":
                row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": o["metadata"]}
            rows.append(row)
        return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                "columnDefinitions": cols, "rows": rows}

    def access_review(self, body):
        if self.command != "POST":
            raise ApiError(405, "MethodNotAllowed", "only create is allowed")
        review = self.decode(body)
        spec = review.get("spec") or {}
        ra = spec.get("resourceAttributes")
        if ra is None:
            if spec.get("nonResourceAttributes") is None:
                raise ApiError(422, "Invalid",
                               'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: '
                               'spec.resourceAttributes: Invalid value: "null": exactly one of '
                               'nonResourceAttributes or resourceAttributes must be specified',
                               {"kind": "SelfSubjectAccessReview", "group": "authorization.k8s.io",
                                "causes": [{"reason": "FieldValueInvalid",
                                            "field": "spec.resourceAttributes",
                                            "message": "exactly one of nonResourceAttributes or "
                                                       "resourceAttributes must be specified"}]})
            allowed, denied, reason = True, False, "non-resource paths are open in the stand-in"
        else:
            allowed, denied, reason = self.decide(
                self.user, ra.get("verb", ""), ra.get("group", ""), ra.get("resource", ""),
                ra.get("namespace", ""), ra.get("name", ""))
        status = {"allowed": allowed}
        if denied:
            status["denied"] = True
        if reason:
            status["reason"] = reason
        review["status"] = status
        review.setdefault("metadata", {})["creationTimestamp"] = None
        self.send_json(201, review)

    # -- controls (no authentication: tests only)
    def control(self, path, body):
        st = self.server.store
        req = json.loads(body) if body else {}
        what = path[len("/_standin/"):]
        if what == "health":
            return self.send_json(200, {"ok": True})
        if what == "drop":
            st.drop = {"after": int(req.get("after", 0)), "count": int(req.get("count", 1))}
            return self.send_json(200, st.drop)
        if what == "fail":
            st.faults.append({"code": int(req.get("code", 503)), "count": int(req.get("count", 1)),
                              "after": int(req.get("after", 0)), "method": req.get("method"),
                              "retry_after": req.get("retry_after")})
            return self.send_json(200, {"faults": st.faults})
        if what == "rollout-fail":
            st.fail_rollouts = set(req.get("names") or [])
            return self.send_json(200, {"names": sorted(st.fail_rollouts)})
        if what == "tokens":
            for tok, user in (req.get("add") or {}).items():
                st.revoked.discard(tok)
                st.extra_tokens[tok] = user if isinstance(user, dict) else {"user": user, "groups": []}
            for tok in req.get("revoke") or []:
                st.revoked.add(tok)
            return self.send_json(200, {"ok": True})
        if what == "rules":
            st.rules_path = None
            st.rules = req if req else None
            return self.send_json(200, {"ok": True})
        if what == "state":
            return self.send_json(200, st.state)
        if what == "requests":
            return self.send_json(200, {"requests": st.log})
        if what == "reset-log":
            st.log.clear()
            return self.send_json(200, {"ok": True})
        if what == "shutdown":
            self.send_json(200, {"ok": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        self.send_json(404, {"error": "unknown control " + what})


def status_signature(st):
    """A status without its condition timestamps, to tell real changes."""
    s = {k: v for k, v in st.items() if k != "conditions"}
    s["conditions"] = [(c.get("type"), c.get("status"), c.get("reason"))
                       for c in st.get("conditions", [])]
    return json.dumps(s, sort_keys=True)


def age(o):
    try:
        t = datetime.datetime.strptime(o["metadata"]["creationTimestamp"],
                                       "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    except (KeyError, ValueError, TypeError):
        return "<unknown>"
    return f"{s}s" if s < 120 else f"{s // 60}m"


def table_columns(kind):
    def col(name, typ="string", fmt="", prio=0):
        return {"name": name, "type": typ, "format": fmt, "description": name, "priority": prio}
    name = col("Name", fmt="name")
    if kind == "Node":
        def cells(o):
            ready = next((c["status"] for c in o.get("status", {}).get("conditions", [])
                          if c.get("type") == "Ready"), "Unknown")
            roles = ",".join(sorted(k.split("/", 1)[1] for k in o["metadata"].get("labels", {})
                                    if k.startswith("node-role.kubernetes.io/"))) or "<none>"
            return [o["metadata"]["name"], "Ready" if ready == "True" else "NotReady", roles,
                    age(o), o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")]
        return [name, col("Status"), col("Roles"), col("Age"), col("Version")], cells
    if kind == "Deployment":
        def cells(o):
            s, want = o.get("status", {}), o.get("spec", {}).get("replicas", 1)
            return [o["metadata"]["name"], f'{s.get("readyReplicas", 0)}/{want}',
                    s.get("updatedReplicas", 0), s.get("availableReplicas", 0), age(o)]
        return [name, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"),
                col("Age")], cells
    if kind == "Namespace":
        return [name, col("Status"), col("Age")], lambda o: [
            o["metadata"]["name"], o.get("status", {}).get("phase", "Active"), age(o)]
    if kind == "Service":
        def cells(o):
            sp = o.get("spec", {})
            ports = ",".join(f'{p.get("port")}' + (f':{p["nodePort"]}' if p.get("nodePort") else "")
                             + f'/{p.get("protocol", "TCP")}' for p in sp.get("ports", []))
            return [o["metadata"]["name"], sp.get("type", "ClusterIP"), sp.get("clusterIP", ""),
                    "<none>", ports or "<none>", age(o)]
        return [name, col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"),
                col("Age")], cells
    if kind in ("ConfigMap", "Secret"):
        return [name, col("Data", "integer"), col("Age")], lambda o: [
            o["metadata"]["name"], len(o.get("data", {}) or {}), age(o)]
    return [name, col("Age")], lambda o: [o["metadata"]["name"], age(o)]


# ---- object semantics -------------------------------------------------------

class Ctx:
    """One request's view of a resource type."""

    def __init__(self, store, group, version, plural, kind, namespaced, ns):
        self.store, self.group, self.version = store, group, version
        self.plural, self.kind, self.namespaced, self.ns = plural, kind, namespaced, ns
        self.api_version = gv_of(group, version)
        self.has_status = kind not in NO_STATUS_KINDS

    def key(self, name, ns=None):
        return Store.key(self.group, self.plural, ns if ns is not None else self.ns, name)

    def objects(self):
        return self.store.state["objects"]

    def meta(self, key):
        return self.store.state["meta"][key]

    def list_all(self):
        prefix = f"{self.group}|{self.plural}|"
        out = []
        for key in sorted(self.objects()):
            if not key.startswith(prefix):
                continue
            ns = key.split("|")[2]
            if self.namespaced and self.ns and ns != self.ns:
                continue
            obj = self.advance(key)
            if obj is not None:
                out.append(obj)
        return out

    def read(self, name):
        key = self.key(name)
        if key not in self.objects():
            raise not_found(self.plural, self.group, name)
        obj = self.advance(key)
        if obj is None:
            raise not_found(self.plural, self.group, name)
        return obj

    # -- reads move simulated controllers forward
    def advance(self, key):
        obj = self.objects()[key]
        meta = self.meta(key)
        md = obj["metadata"]
        if md.get("deletionTimestamp"):
            meta["reads"] = meta.get("reads", 0) + 1
            if meta["reads"] > 1:
                self.remove(key)
                self.store.save()
                return None
            return obj
        changed = False
        if self.kind == "Deployment":
            changed = self.advance_deployment(obj, meta)
        elif self.kind == "Pod":
            changed = self.advance_pod(obj, meta)
        elif self.kind in ("StatefulSet", "DaemonSet"):
            changed = self.advance_workload(obj)
        elif self.kind == "PersistentVolumeClaim":
            st = obj.setdefault("status", {})
            if st.get("phase") != "Bound" and self.storage_class_for(obj):
                st["phase"] = "Bound"
                obj.setdefault("spec", {})["volumeName"] = "pvc-" + md["uid"]
                changed = True
        if changed:
            md["resourceVersion"] = self.store.next_rv()
            self.store.save()
        return obj

    def storage_class_for(self, pvc):
        name = pvc.get("spec", {}).get("storageClassName")
        for key, o in self.objects().items():
            if not key.startswith("storage.k8s.io|storageclasses|"):
                continue
            ann = o["metadata"].get("annotations", {})
            if name == o["metadata"]["name"] or (name is None and ann.get(
                    "storageclass.kubernetes.io/is-default-class") == "true"):
                return o
        return None

    def schedulable(self, obj):
        sel = obj.get("spec", {}).get("template", {}).get("spec", {}).get("nodeSelector") or {}
        for key, o in self.objects().items():
            if key.startswith("|nodes|"):
                labels = o["metadata"].get("labels", {})
                if all(labels.get(k) == v for k, v in sel.items()):
                    return True
        return False

    def advance_deployment(self, obj, meta):
        md, spec = obj["metadata"], obj.get("spec", {})
        gen = md.get("generation", 1)
        ro = meta.setdefault("rollout", {"generation": 0, "reads": 0, "stuck": 0})
        if ro["generation"] != gen:
            ro.update(generation=gen, reads=0, stuck=0)
        ro["reads"] += 1
        ann = md.get("annotations", {})
        per = int(ann.get("standin.landfall.test/reads-per-step", self.store.args.rollout_reads))
        step = (ro["reads"] - 1) // max(per, 1)  # the first read shows the old status
        want = spec.get("replicas", 1)
        st = obj.setdefault("status", {})
        before = status_signature(st)
        if step == 0:
            return False
        t = now_iso()
        st["observedGeneration"] = gen
        ok = (self.schedulable(obj) and ann.get("standin.landfall.test/rollout") != "fail"
              and md["name"] not in self.store.fail_rollouts)
        if step == 1:
            st.update(replicas=want, updatedReplicas=0, availableReplicas=0, readyReplicas=0,
                      unavailableReplicas=want)
            cond = [("Progressing", "True", "ReplicaSetUpdated",
                     f'ReplicaSet "{md["name"]}-standin" is progressing.')]
        elif step == 2 or not ok:
            st.update(replicas=want, updatedReplicas=want, availableReplicas=0, readyReplicas=0,
                      unavailableReplicas=want)
            cond = [("Progressing", "True", "ReplicaSetUpdated",
                     f'ReplicaSet "{md["name"]}-standin" is progressing.')]
            if not ok:
                ro["stuck"] += 1
                if ro["stuck"] > int(self.store.args.deadline_reads):
                    cond = [("Progressing", "False", "ProgressDeadlineExceeded",
                             f'ReplicaSet "{md["name"]}-standin" has timed out progressing.')]
        else:
            st.update(replicas=want, updatedReplicas=want, availableReplicas=want,
                      readyReplicas=want)
            st.pop("unavailableReplicas", None)
            cond = [("Progressing", "True", "NewReplicaSetAvailable",
                     f'ReplicaSet "{md["name"]}-standin" has successfully progressed.')]
        available = st.get("availableReplicas", 0) >= want
        cond.append(("Available", "True" if available else "False",
                     "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                     "Deployment has minimum availability." if available
                     else "Deployment does not have minimum availability."))
        old = {c["type"]: c for c in st.get("conditions", [])}
        st["conditions"] = [{"type": ty, "status": s, "reason": r, "message": m,
                             "lastUpdateTime": t,
                             "lastTransitionTime": old.get(ty, {}).get("lastTransitionTime", t)
                             if old.get(ty, {}).get("status") == s else t}
                            for ty, s, r, m in cond]
        return before != status_signature(st)

    def node_for(self, selector):
        for key, o in sorted(self.objects().items()):
            if key.startswith("|nodes|"):
                labels = o["metadata"].get("labels", {})
                if all(labels.get(k) == v for k, v in selector.items()):
                    return o["metadata"]["name"]
        return None

    def advance_pod(self, obj, meta):
        st = obj.setdefault("status", {})
        before = json.dumps(st, sort_keys=True)
        if st.get("phase") in ("Succeeded", "Failed"):
            return False
        spec = obj.get("spec", {})
        node = spec.get("nodeName") or self.node_for(spec.get("nodeSelector") or {})
        if node and f"|nodes||{node}" not in self.objects():
            node = None  # bound to a node that does not exist: never runs
        t = now_iso()
        if node is None:
            n = sum(1 for k in self.objects() if k.startswith("|nodes|"))
            st.update(phase="Pending", conditions=[{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "lastTransitionTime": t,
                "message": f"0/{n} nodes are available: {n} node(s) didn't match Pod's node "
                           "affinity/selector."}])
            return before != json.dumps(st, sort_keys=True)
        spec["nodeName"] = node
        meta["pod_reads"] = meta.get("pod_reads", 0) + 1
        name = (spec.get("containers") or [{}])[0].get("name", "")
        missing = self.missing_directory(spec)
        if missing or meta["pod_reads"] == 1:
            st.update(phase="Pending", conditions=[
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": t}])
            waiting = {"reason": "ContainerCreating"}
            if missing:
                waiting["message"] = (f'MountVolume.SetUp failed for volume "{missing[0]}" : '
                                      f'hostPath type check failed: {missing[1]} is not a directory')
            st["containerStatuses"] = [{"name": name, "ready": False, "restartCount": 0,
                                        "state": {"waiting": waiting}}]
        elif meta["pod_reads"] == 2:
            st.update(phase="Running")
            st["containerStatuses"] = [{"name": name, "ready": True, "restartCount": 0,
                                        "state": {"running": {"startedAt": t}}}]
        else:
            code, message = self.kubelet_run(spec)
            st.update(phase="Succeeded" if code == 0 else "Failed")
            term = {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                    "finishedAt": t}
            if message:
                term["message"] = message
            st["containerStatuses"] = [{"name": name, "ready": False, "restartCount": 0,
                                        "state": {"terminated": term}}]
        return before != json.dumps(st, sort_keys=True)

    def host_path(self, path):
        root = self.store.args.node_root
        return os.path.normpath(os.path.join(root, path.lstrip("/"))) if root else None

    def missing_directory(self, spec):
        """(volume, path) of a hostPath of type Directory that is not there."""
        for v in spec.get("volumes", []):
            hp = v.get("hostPath")
            if hp and hp.get("type") == "Directory":
                host = self.host_path(hp.get("path", ""))
                if host is not None and not os.path.isdir(host):
                    return v.get("name"), hp.get("path")
        return None

    def kubelet_run(self, spec):
        """The container's command, if it is the one the stand-in runs."""
        root = self.store.args.node_root
        c = (spec.get("containers") or [{}])[0]
        cmd = list(c.get("command") or []) + list(c.get("args") or [])
        if not root:
            return 1, "the stand-in was started without --node-root: it runs no container"
        if cmd[:2] != ["rm", "-rf"] or "--" not in cmd:
            return 1, f"the stand-in kubelet runs only `rm -rf ... -- PATHS`, not {cmd}"
        flags, paths = cmd[2:cmd.index("--")], cmd[cmd.index("--") + 1:]
        if any(f != "--one-file-system" for f in flags):
            return 1, f"the stand-in kubelet does not know the flags {flags}"
        mounts = {m["name"]: m["mountPath"].rstrip("/") for m in c.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for p in paths:
            p = os.path.normpath(p)
            host = None
            for vname, mp in mounts.items():
                hp = volumes.get(vname, {}).get("hostPath")
                if hp and (p == mp or p.startswith(mp + "/")):
                    host = self.host_path(hp["path"] + p[len(mp):])
            if host is None:
                return 1, f"rm: {p} is not under a hostPath mount (the stand-in removes nothing else)"
            real_root = os.path.realpath(root)
            if os.path.commonpath([os.path.realpath(host), real_root]) != real_root or \
                    os.path.realpath(host) == real_root:
                return 1, f"rm: refusing {p}: outside the node root"
            if os.path.isdir(host) and not os.path.islink(host):
                shutil.rmtree(host)
            elif os.path.lexists(host):
                os.remove(host)
        return 0, ""

    def advance_workload(self, obj):
        md, spec = obj["metadata"], obj.get("spec", {})
        st = obj.setdefault("status", {})
        before = json.dumps(st, sort_keys=True)
        st["observedGeneration"] = md.get("generation", 1)
        if self.kind == "StatefulSet":
            want = spec.get("replicas", 1)
            rev = f'{md["name"]}-{md.get("generation", 1)}'
            st.update(replicas=want, readyReplicas=want, currentReplicas=want,
                      updatedReplicas=want, availableReplicas=want, currentRevision=rev,
                      updateRevision=rev)
        else:
            n = sum(1 for k in self.objects() if k.startswith("|nodes|"))
            st.update(desiredNumberScheduled=n, currentNumberScheduled=n, numberReady=n,
                      updatedNumberScheduled=n, numberAvailable=n, numberMisscheduled=0)
        return before != json.dumps(st, sort_keys=True)

    # -- writes
    def check_identity(self, obj, name=None):
        if obj.get("apiVersion") != self.api_version or obj.get("kind") != self.kind:
            raise ApiError(400, "BadRequest",
                           f'the API version in the data ({obj.get("apiVersion")}) and kind '
                           f'({obj.get("kind")}) do not match the endpoint '
                           f'({self.api_version}, {self.kind})')
        md = obj.setdefault("metadata", {})
        if not isinstance(md, dict):
            raise BadRequest("metadata must be an object")
        if name is not None and md.get("name") not in (None, name):
            raise ApiError(400, "BadRequest",
                           "the name of the object does not match the name on the URL")
        if name is not None:
            md["name"] = name
        if self.namespaced:
            if md.get("namespace") not in (None, "", self.ns):
                raise ApiError(400, "BadRequest",
                               "the namespace of the provided object does not match the "
                               "namespace sent on the request")
            if self.ns:
                md["namespace"] = self.ns
        n = md.get("name")
        if not n or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?", n):
            raise self.invalid(n or "", "metadata.name",
                               f'Invalid value: "{n}": a lowercase RFC 1123 subdomain must '
                               f'consist of lower case alphanumeric characters, \'-\' or \'.\'')
        if self.kind == "Namespace" and not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", n):
            raise self.invalid(n, "metadata.name", f'Invalid value: "{n}": a lowercase RFC 1123 label')

    def invalid(self, name, field, message):
        return ApiError(422, "Invalid",
                        f'{self.kind} "{name}" is invalid: {field}: {message}',
                        {"name": name, "group": self.group, "kind": self.kind,
                         "causes": [{"reason": "FieldValueInvalid", "message": message,
                                     "field": field}]})

    def check_namespace(self, creating=True):
        if not self.namespaced:
            return
        key = Store.key("", "namespaces", None, self.ns)
        ns = self.objects().get(key)
        if ns is None:
            raise ApiError(404, "NotFound", f'namespaces "{self.ns}" not found',
                           {"name": self.ns, "kind": "namespaces"})
        if creating and ns["metadata"].get("deletionTimestamp"):
            raise ApiError(403, "Forbidden",
                           f'{self.plural} "x" is forbidden: unable to create new content in '
                           f'namespace {self.ns} because it is being terminated',
                           {"kind": self.plural})

    def defaults_and_validate(self, obj, key):
        """What the API server's defaulting and validation would do, for the
        fields Landfall's objects use."""
        name = obj["metadata"]["name"]
        spec = obj.get("spec")
        if self.kind == "Namespace":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        if self.kind == "Secret":
            data = obj.get("data") or {}
            for k, v in data.items():
                try:
                    base64.b64decode(v, validate=True)
                except (ValueError, TypeError):
                    raise ApiError(400, "BadRequest", f"illegal base64 data in data.{k}")
            for k, v in (obj.pop("stringData", None) or {}).items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            if data:
                obj["data"] = data
            obj.setdefault("type", "Opaque")
        if self.kind in ("Deployment", "StatefulSet", "DaemonSet"):
            if not isinstance(spec, dict):
                raise self.invalid(name, "spec", "Required value")
            if self.kind != "DaemonSet":
                spec.setdefault("replicas", 1)
                if not isinstance(spec["replicas"], int) or spec["replicas"] < 0:
                    raise self.invalid(name, "spec.replicas",
                                       f'Invalid value: {spec["replicas"]}: must be greater '
                                       f'than or equal to 0')
            sel = (spec.get("selector") or {}).get("matchLabels")
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            if not sel:
                raise self.invalid(name, "spec.selector", "Required value")
            if any(labels.get(k) != v for k, v in sel.items()):
                raise self.invalid(name, "spec.template.metadata.labels",
                                   f"Invalid value: {json.dumps(labels)}: `selector` does not "
                                   f"match template `labels`")
            if not ((spec.get("template") or {}).get("spec") or {}).get("containers"):
                raise self.invalid(name, "spec.template.spec.containers", "Required value")
            if self.kind == "Deployment":
                spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {
                    "maxUnavailable": "25%", "maxSurge": "25%"}})
                spec.setdefault("progressDeadlineSeconds", 600)
                spec.setdefault("revisionHistoryLimit", 10)
            else:
                spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if self.kind == "Service":
            if not isinstance(spec, dict):
                raise self.invalid(name, "spec.ports", "Required value")
            spec.setdefault("type", "ClusterIP")
            if spec.get("type") != "ExternalName":
                old = self.objects().get(key)
                spec.setdefault("clusterIP", (old or {}).get("spec", {}).get("clusterIP")
                                or f"10.96.{self.store.state['rv'] % 250}.{len(self.objects()) % 250 + 1}")
                spec["clusterIPs"] = [spec["clusterIP"]]
            self.allocate_node_ports(obj, key)
        if self.kind == "PersistentVolumeClaim":
            obj.setdefault("status", {"phase": "Pending"})

    def allocate_node_ports(self, obj, key):
        spec = obj["spec"]
        used = {}
        for k, o in self.objects().items():
            if k.startswith("|services|") and k != key:
                for p in o.get("spec", {}).get("ports", []):
                    if p.get("nodePort"):
                        used[p["nodePort"]] = o["metadata"]["name"]
        for i, p in enumerate(spec.get("ports") or []):
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
            if spec["type"] not in ("NodePort", "LoadBalancer"):
                if p.get("nodePort"):
                    raise self.invalid(obj["metadata"]["name"], f"spec.ports[{i}].nodePort",
                                       "Forbidden: may not be used when `type` is 'ClusterIP'")
                continue
            np = p.get("nodePort")
            if np is None:
                np = next(n for n in range(31000, 32768) if n not in used)
                p["nodePort"] = np
            if not 30000 <= np <= 32767:
                raise self.invalid(obj["metadata"]["name"], f"spec.ports[{i}].nodePort",
                                   f"Invalid value: {np}: provided port is not in the valid "
                                   f"range. The range of valid ports is 30000-32767")
            if np in used:
                raise self.invalid(obj["metadata"]["name"], f"spec.ports[{i}].nodePort",
                                   f"Invalid value: {np}: provided port is already allocated")
            used[np] = obj["metadata"]["name"]

    def strip_server_fields(self, obj):
        md = obj.get("metadata", {})
        for f in SERVER_META:
            if f != "resourceVersion":
                md.pop(f, None)

    def create(self, obj, manager, dry):
        self.check_identity(obj)
        self.check_namespace()
        name = obj["metadata"]["name"]
        key = self.key(name)
        if key in self.objects():
            raise ApiError(409, "AlreadyExists", f'{qualified(self.plural, self.group)} "{name}" already exists',
                           {"name": name, "group": self.group, "kind": self.plural})
        self.strip_server_fields(obj)
        obj["metadata"].pop("resourceVersion", None)
        self.defaults_and_validate(obj, key)
        if dry:
            return 201, obj
        self.store.put_new(self.group, self.version, self.plural, self.ns if self.namespaced else None,
                           obj, manager)
        self.store.save()
        return 201, obj

    def update(self, name, obj, manager, dry):
        self.check_identity(obj, name)
        key = self.key(name)
        live = self.objects().get(key)
        if live is None:
            raise not_found(self.plural, self.group, name)
        rv = obj["metadata"].get("resourceVersion")
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict",
                           f'Operation cannot be fulfilled on {qualified(self.plural, self.group)} '
                           f'"{name}": the object has been modified; please apply your changes '
                           f'to the latest version and try again',
                           {"name": name, "group": self.group, "kind": self.plural})
        new = copy.deepcopy(obj)
        self.strip_server_fields(new)
        for f in ("uid", "creationTimestamp", "generation", "resourceVersion", "deletionTimestamp"):
            if f in live["metadata"]:
                new["metadata"][f] = live["metadata"][f]
        if self.has_status:
            new["status"] = live.get("status", {})
        self.defaults_and_validate(new, key)
        return self.commit(key, live, new, manager, "Update",
                           owned_paths(obj, self.has_status), dry)

    def patch(self, name, patch, manager, dry):
        key = self.key(name)
        live = self.objects().get(key)
        if live is None:
            raise not_found(self.plural, self.group, name)
        rv = (patch.get("metadata") or {}).get("resourceVersion")
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict",
                           f'Operation cannot be fulfilled on {qualified(self.plural, self.group)} '
                           f'"{name}": the object has been modified; please apply your changes '
                           f'to the latest version and try again',
                           {"name": name, "group": self.group, "kind": self.plural})
        new = merge_patch(copy.deepcopy(live), patch)
        self.check_identity(new, name)
        if self.has_status:
            new["status"] = live.get("status", {})
        for f in SERVER_META:
            if f in live["metadata"]:
                new["metadata"][f] = live["metadata"][f]
        self.defaults_and_validate(new, key)
        return self.commit(key, live, new, manager, "Update",
                           [p for p in owned_paths(patch, self.has_status)], dry)

    def apply(self, name, config, manager, force, dry):
        self.check_identity(config, name)
        config = copy.deepcopy(config)
        rv = config["metadata"].pop("resourceVersion", None)
        self.strip_server_fields(config)
        key = self.key(name)
        live = self.objects().get(key)
        if live is None:
            self.check_namespace()
            if rv:
                raise not_found(self.plural, self.group, name)
            obj = copy.deepcopy(config)
            self.defaults_and_validate(obj, key)
            if dry:
                return 201, obj
            self.store.put_new(self.group, self.version, self.plural,
                               self.ns if self.namespaced else None, obj, manager, "Apply")
            # the manager owns what it applied, not the defaults
            self.meta(key)["managers"][manager]["paths"] = [
                list(p) for p in owned_paths(config, self.has_status)]
            self.store.render_managed(key)
            self.store.save()
            return 201, obj
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict",
                           f'Operation cannot be fulfilled on {qualified(self.plural, self.group)} '
                           f'"{name}": the object has been modified; please apply your changes '
                           f'to the latest version and try again',
                           {"name": name, "group": self.group, "kind": self.plural})
        self.check_namespace(creating=False)
        managers = self.meta(key)["managers"]
        new_paths = owned_paths(config, self.has_status)
        conflicts = []
        for other, info in managers.items():
            if other == manager:
                continue
            for p in (tuple(x) for x in info["paths"]):
                for q in new_paths:
                    if overlaps(p, q):
                        lv, lok = get_path(live, q)
                        cv, _ = get_path(config, q)
                        if not lok or lv != cv:
                            conflicts.append((other, info["apiVersion"], q))
        if conflicts and not force:
            causes = [{"reason": "FieldManagerConflict",
                       "message": f'conflict with "{m}" using {gv}',
                       "field": "." + ".".join(q)} for m, gv, q in conflicts]
            lines = "\n".join(f'- {c["message"]}: {c["field"]}' for c in causes)
            raise ApiError(409, "Conflict",
                           f"Apply failed with {len(causes)} conflict{'s' if len(causes) > 1 else ''}: "
                           f"{lines}",
                           {"name": name, "group": self.group, "kind": self.plural,
                            "causes": causes})
        new = copy.deepcopy(live)
        prev = [tuple(p) for p in managers.get(manager, {}).get("paths", [])]
        for p in prev:
            if p in new_paths or any(overlaps(p, q) for q in new_paths):
                continue
            shared = any(tuple(x) == p for m, i in managers.items() if m != manager
                         for x in i["paths"])
            if not shared:
                del_path(new, p)
        deep_merge(new, config)
        self.defaults_and_validate(new, key)
        return self.commit(key, live, new, manager, "Apply", new_paths, dry, take_all=force)

    def commit(self, key, live, new, manager, operation, paths, dry, take_all=False):
        """Store `new` in place of `live`: ownership moves to `manager` for the
        fields it wrote (and changed, for other managers), generation bumps
        when spec changed, resourceVersion when anything changed."""
        managers = copy.deepcopy(self.meta(key)["managers"])
        for other, info in managers.items():
            if other == manager:
                continue
            keep = []
            for x in info["paths"]:
                p = tuple(x)
                touched = [q for q in paths if overlaps(p, q)]
                lv, _ = get_path(live, p)
                nv, _ = get_path(new, p)
                if touched and (take_all or lv != nv):
                    continue
                keep.append(x)
            info["paths"] = keep
        mine = managers.setdefault(manager, {"operation": operation, "paths": []})
        if operation == "Apply":
            mine["paths"] = [list(p) for p in paths]
        else:
            have = {tuple(x) for x in mine["paths"]}
            mine["paths"] = [list(p) for p in sorted(have | set(paths))]
        mine.update(operation=operation, apiVersion=self.api_version, time=now_iso())
        managers = {m: i for m, i in managers.items() if i["paths"]}
        strip = lambda o: {k: v for k, v in o.items() if k != "metadata"}
        md_cmp = lambda o: {k: v for k, v in o["metadata"].items()
                            if k not in ("managedFields", "resourceVersion")}
        changed = strip(live) != strip(new) or md_cmp(live) != md_cmp(new)
        if live.get("spec") != new.get("spec") and "generation" in live["metadata"]:
            new["metadata"]["generation"] = live["metadata"]["generation"] + 1
        if dry:
            return 200, new
        if not changed and {m: i["paths"] for m, i in managers.items()} == {
                m: i["paths"] for m, i in self.meta(key)["managers"].items()}:
            return 200, live
        if changed:
            new["metadata"]["resourceVersion"] = self.store.next_rv()
        self.objects()[key] = new
        self.meta(key)["managers"] = managers
        self.store.render_managed(key)
        self.store.save()
        return 200, new

    def delete(self, name, policy, dry):
        key = self.key(name)
        live = self.objects().get(key)
        if live is None:
            raise not_found(self.plural, self.group, name)
        if dry:
            return 200, live
        if live["metadata"].get("deletionTimestamp"):
            return 202, live
        if policy == "Foreground" or self.kind == "Namespace":
            live["metadata"]["deletionTimestamp"] = now_iso()
            live["metadata"]["deletionGracePeriodSeconds"] = 0
            if policy == "Foreground":
                live["metadata"]["finalizers"] = ["foregroundDeletion"]
            if self.kind == "Namespace":
                live.setdefault("status", {})["phase"] = "Terminating"
                for k in [k for k in self.objects() if k.split("|")[2] == name]:
                    self.remove(k)
            live["metadata"]["resourceVersion"] = self.store.next_rv()
            self.meta(key)["reads"] = 0
            self.store.save()
            return 202 if policy == "Foreground" else 200, live
        self.remove(key)
        self.store.save()
        return 200, live

    def remove(self, key):
        self.objects().pop(key, None)
        self.store.state["meta"].pop(key, None)


# ---- main ------------------------------------------------------------------

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if self.verbose or not isinstance(exc, (ssl.SSLError, ConnectionError, OSError)):
            sys.stderr.write(f"k8s_standin: connection from {client_address}: {exc!r}\n")


def main():
    ap = argparse.ArgumentParser(description="STAND-IN Kubernetes API server for Landfall tests")
    ap.add_argument("--dir", required=True, help="work directory (pki, kubeconfig, state, port)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    ap.add_argument("--nodes", help="JSON seed: a list of nodes, or {nodes: [...], storageclasses: [...]}")
    ap.add_argument("--rules", help="JSON authorization rules (re-read when it changes)")
    ap.add_argument("--tokens", help="token CSV: token,user,uid,\"groups\" (default DIR/tokens.csv)")
    ap.add_argument("--state", help="state file (default DIR/state.json)")
    ap.add_argument("--rollout-reads", type=int, default=1,
                    help="reads of a Deployment per rollout step (default 1)")
    ap.add_argument("--deadline-reads", type=int, default=3,
                    help="reads of an unschedulable Deployment before ProgressDeadlineExceeded")
    ap.add_argument("--node-root", help="a directory standing for the node's file system: "
                    "the stand-in kubelet maps hostPath volumes into it")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    ensure_pki(os.path.join(d, "pki"))
    if not args.tokens:
        args.tokens = os.path.join(d, "tokens.csv")
        if not os.path.exists(args.tokens):
            write(args.tokens, f'{secrets.token_hex(16)},landfall-admin,1,"system:masters"\n'
                               f'{secrets.token_hex(16)},limited-user,2,""\n', 0o600)
    args.state = args.state or os.path.join(d, "state.json")

    store = Store(args)
    httpd = Server(("127.0.0.1", args.port), Handler)
    httpd.store = store
    httpd.verbose = args.verbose
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(os.path.join(d, "pki", "server.crt"), os.path.join(d, "pki", "server.key"))
    tls.load_verify_locations(os.path.join(d, "pki", "ca.crt"))
    tls.verify_mode = ssl.CERT_OPTIONAL
    httpd.tls = tls
    port = httpd.server_address[1]
    write_kubeconfig(d, port, read_tokens(args.tokens))
    write(os.path.join(d, "port.tmp"), f"{port}\n")
    os.replace(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    sys.stderr.write(f"k8s_standin: STAND-IN API server on https://127.0.0.1:{port} ({d})\n")
    try:
        httpd.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
