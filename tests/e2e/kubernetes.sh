#!/usr/bin/env bash
# End-to-end test of the kubernetes backend: the real landfall binary against
# the STAND-IN API server (tests/k8s_standin.py: no real Kubernetes API server
# can be installed here), read back with the real kubectl.
#   A. client certificate; Landfall labels the node; apply, kubectl reads the
#      Deployments and Services back, apply again changes nothing, destroy
#      removes what was applied and the label Landfall added;
#   B. a node labelled beforehand; the server drops every connection in the
#      middle of the apply (exit 4), then comes back: apply resumes and
#      finishes; destroy keeps the label it did not add;
#   C. an exec credential plugin that hands out a bearer token;
#   D. two labelled nodes: the checks fail with the guide's warning;
#   E.-H. missing rights, claims kept and purged, a small node and an existing
#      namespace, node ports held elsewhere;
#   I. hostPath data on the node (a directory standing for the node's file
#      system, which the stand-in's kubelet maps hostPath into): destroy keeps
#      it; destroy --purge refuses a bad directory, fails in plain words while
#      the directory is missing (the pod kept for its logs), then deletes
#      exactly the server's directories with a pod bound to the recorded node;
#   J. a rollout that never completes (ProgressDeadlineExceeded): apply fails
#      naming the deployment, and resumes once it can complete.
# Usage: kubernetes.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-k8s.XXXXXX)
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"

for tool in python3 kubectl openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - the kubernetes end-to-end test needs '$tool' on PATH (CI installs it)"
		exit 1
	fi
done

export HOME=$WORK/home XDG_STATE_HOME=$WORK/state LANG=C.UTF-8 LANGUAGE=
export LANDFALL_K8S_ROLLOUT_INTERVAL_MS=50 LANDFALL_K8S_ROLLOUT_TIMEOUT_MS=60000
export LF_K8S_ADMIN_PASSWORD=Marker-K8s-Admin-3b7e
mkdir -p "$HOME"
SD=$WORK/standin
mkdir -p "$WORK/node"
printf '[{"name": "node-1", "address": "10.0.0.11"}, {"name": "node-2", "address": "10.0.0.12"},
  {"name": "node-3", "address": "10.0.0.13", "cpu": "1", "memory": "4Gi"}]\n' >"$WORK/nodes.json"

. "$SRC/tests/e2e/k8s_lib.sh"
start_standin() { # [PORT]
	k8s_standin_start "$SD" "$WORK/nodes.json" "${1:-0}" --node-root "$WORK/node" || exit 1
	SPID=$K8S_STANDIN_PID
}
start_standin
PORT=$(cat "$SD/port")
KC=$SD/kubeconfig
control() { # WHAT [JSON]
	python3 - "$PORT" "$SD/pki/ca.crt" "$1" "${2:-}" <<'EOF'
import json, ssl, sys, urllib.request
port, ca, what, body = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
req = urllib.request.Request(f"https://127.0.0.1:{port}/_standin/{what}",
                             data=body.encode() if body else None,
                             method="POST" if body else "GET",
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, context=ctx).read().decode())
EOF
}
kc() { kubectl --kubeconfig "$KC" "$@"; }

answers() { # FILE KUBECONFIG NODE (NODE "" for none) NAMESPACE [ELASTIC_INIT] [CONTEXT]
	{
		printf 'version: 1\ntarget: kubernetes\ninstall:\n  name: k8s-e2e\n'
		printf 'kubernetes:\n  kubeconfig: %s\n  namespace: %s\n' "$2" "$4"
		[ -n "$3" ] && printf '  node: %s\n' "$3"
		[ -n "${6:-}" ] && printf '  context: %s\n' "$6"
		printf '  storage: hostpath\n  elastic_init: %s\n' "${5:-true}"
		printf 'server:\n  domain: clearml.example.com\n  admin_users:\n'
		printf '    - username: admin\n      name: Admin\n      password: {env: LF_K8S_ADMIN_PASSWORD}\n      admin: true\n'
	} >"$1"
}

# What Landfall applied, as kubectl reads it back.
verify_applied() { # NAMESPACE [ELASTIC_INIT]
	kc get deployments,services -n "$1" -o json --show-managed-fields >"$WORK/applied.json" 2>"$WORK/kubectl.err" &&
		python3 - "$WORK/applied.json" "${2:-true}" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
deps = {o["metadata"]["name"]: o for o in items if o["kind"] == "Deployment"}
svcs = {o["metadata"]["name"]: o for o in items if o["kind"] == "Service"}
want = {"mongo", "elastic", "redis", "apiserver", "fileserver", "webserver"}
assert set(deps) == want, sorted(deps)
for name, d in deps.items():
    spec = d["spec"]
    assert spec["template"]["spec"]["nodeSelector"] == {"app": "clearml"}, name
    assert spec["strategy"]["type"] == "Recreate", name
    assert any(m.get("manager") == "landfall" and m.get("operation") == "Apply"
               for m in d["metadata"].get("managedFields", [])), name
# Every container asks for CPU and memory; together what the node check wants.
def qty(v):
    units = {"m": 0.001, "Mi": 1 / 1024, "Gi": 1.0}
    for u, f in units.items():
        if v.endswith(u):
            return float(v[: -len(u)]) * f
    return float(v)
cpu = mem = 0.0
for name, d in deps.items():
    for c in d["spec"]["template"]["spec"]["containers"]:
        r = c["resources"]["requests"]
        cpu += qty(r["cpu"])
        mem += qty(r["memory"])
        assert qty(c["resources"]["limits"]["memory"]) >= qty(r["memory"]), name
assert abs(cpu - 2.0) < 1e-6 and abs(mem - 8.0) < 1e-6, (cpu, mem)
init = deps["elastic"]["spec"]["template"]["spec"]["initContainers"]
privileged = any(c.get("securityContext", {}).get("privileged") for c in init)
assert privileged == (sys.argv[2] == "true"), init
ports = {n: [(p["port"], p.get("nodePort")) for p in s["spec"]["ports"]] for n, s in svcs.items()}
assert ports["apiserver"] == [(8008, 30008)], ports
assert ports["webserver"] == [(80, 30080)], ports
assert ports["fileserver"] == [(8081, 30081)], ports
for n in ("mongo", "elasticsearch", "redis"):
    assert svcs[n]["spec"]["type"] == "ClusterIP", n
for n in ("apiserver", "webserver", "fileserver"):
    assert svcs[n]["spec"]["type"] == "NodePort", n
EOF
}
label_of() { kc get node "$1" -o jsonpath='{.metadata.labels.app}'; }
no_secret_in() { ! grep -rqF -- "$LF_K8S_ADMIN_PASSWORD" "$1"; }

# ---- A: client certificate, Landfall labels node-1 ------------------------
answers "$WORK/a.yaml" "$KC" node-1 clearml
printf '  registry:\n    server: registry.example.com\n    username: pull-bot\n    password: {env: LF_K8S_REGISTRY_PASSWORD}\n' >>"$WORK/a.yaml"
export LF_K8S_REGISTRY_PASSWORD='Reg-Marker-5d1e'
expect_exit 0 "A: validate" "$LF" validate "$WORK/a.yaml"
expect_exit 0 "A: check" "$LF" check --answers "$WORK/a.yaml"
check "A: check says node-1 will be labelled" contains "$WORK/last.out" "node node-1 exists and will be labelled app=clearml"
expect_exit 0 "A: apply" "$LF" apply --answers "$WORK/a.yaml" --state "$WORK/st-a"
check "A: kubectl lists what Landfall applied (nodeSelector, Recreate, node ports)" verify_applied clearml
check "A: node-1 labelled app=clearml" test "$(label_of node-1)" = clearml
check "A: the image pull secret holds the registry credentials" bash -c "kubectl --kubeconfig '$KC' get secret clearml-registry -n clearml -o json | python3 -c \"
import json,sys,base64; d=json.load(sys.stdin)
assert d['type']=='kubernetes.io/dockerconfigjson', d['type']
c=json.loads(base64.b64decode(d['data']['.dockerconfigjson']))['auths']['registry.example.com']
assert c['username']=='pull-bot' and c['password']=='Reg-Marker-5d1e', c
assert base64.b64decode(c['auth']).decode()=='pull-bot:Reg-Marker-5d1e'\""
check "A: every pod pulls with it" bash -c "kubectl --kubeconfig '$KC' get deployments -n clearml -o json | python3 -c \"
import json,sys; d=json.load(sys.stdin)['items']
assert len(d)==6 and all(x['spec']['template']['spec']['imagePullSecrets']==[{'name':'clearml-registry'}] for x in d)\""
check "A: the registry password is not in the state directory" bash -c "! grep -rqF Reg-Marker-5d1e '$WORK/st-a'"
check "A: the Secret holds the fixed user" bash -c "kubectl --kubeconfig '$KC' get secret clearml-conf -n clearml -o json | python3 -c \"
import json,sys,base64; d=json.load(sys.stdin)
c=base64.b64decode(d['data']['apiserver.conf']).decode()
assert 'username: \\\"admin\\\"' in c and '$LF_K8S_ADMIN_PASSWORD' in c, c\""
check "A: outputs name the node address and ports" contains "$WORK/st-a/outputs.md" "http://10.0.0.11:30080"
check "A: outputs name the DNS records" contains "$WORK/st-a/outputs.md" "api.clearml.example.com -> load balancer -> nodes:30008"
check "A: no secret in the state directory" no_secret_in "$WORK/st-a"
control reset-log >/dev/null
expect_exit 0 "A: apply again" "$LF" apply --answers "$WORK/a.yaml" --state "$WORK/st-a"
control requests >"$WORK/requests.json"
check "A: apply again changes nothing (no PATCH, DELETE or create)" python3 -c "
import json; r=json.load(open('$WORK/requests.json'))['requests']
bad=[x for x in r if x['method'] in ('PATCH','PUT','DELETE') or
     (x['method']=='POST' and 'selfsubjectaccessreviews' not in x['path'])]
assert r and not bad, bad"
expect_exit 0 "A: destroy --yes" "$LF" destroy --yes --state "$WORK/st-a"
check "A: the Deployments are gone" bash -c "[ -z \"\$(kubectl --kubeconfig '$KC' get deployments -n clearml -o name 2>/dev/null)\" ]"
check "A: the label Landfall added is removed" test -z "$(label_of node-1)"

# ---- B: node-2 labelled beforehand; the server drops mid-apply ----------
kc label node node-2 app=clearml >/dev/null
answers "$WORK/b.yaml" "$KC" "" clearml-b
control drop '{"after": 45, "count": 100000}' >/dev/null
expect_exit 4 "B: apply fails while the server drops every connection" "$LF" apply --answers "$WORK/b.yaml" --state "$WORK/st-b"
check "B: some actions were done before the drop, some not" python3 -c "
import json; a=json.load(open('$WORK/st-b/journal.json'))['actions']
s=[x['status'] for x in a]; assert 'done' in s and any(v!='done' for v in s), s"
# The server crashes and comes back on the same state and port.
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
start_standin "$PORT"
expect_exit 0 "B: apply resumes and finishes" "$LF" apply --answers "$WORK/b.yaml" --state "$WORK/st-b"
check "B: every action done" python3 -c "
import json; a=json.load(open('$WORK/st-b/journal.json'))['actions']
assert all(x['status']=='done' for x in a), a"
check "B: every object applied" verify_applied clearml-b
expect_exit 0 "B: destroy --yes" "$LF" destroy --yes --state "$WORK/st-b"
check "B: the label Landfall did not add is kept" test "$(label_of node-2)" = clearml
check "B: the namespace is being deleted" bash -c "! kubectl --kubeconfig '$KC' get deployments -n clearml-b -o name 2>/dev/null | grep -q ."

# ---- C: an exec credential plugin hands out a bearer token ---------------
TOKEN=$(grep ',landfall-admin,' "$SD/tokens.csv" | cut -d, -f1)
cat >"$WORK/token-plugin" <<EOF
#!/bin/sh
echo run >>"$WORK/plugin-runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$TOKEN"
EOF
chmod 0700 "$WORK/token-plugin"
cat >"$WORK/exec-kubeconfig" <<EOF
apiVersion: v1
kind: Config
current-context: exec
clusters:
- name: standin
  cluster:
    server: https://127.0.0.1:$PORT
    certificate-authority: $SD/pki/ca.crt
users:
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $WORK/token-plugin
      interactiveMode: Never
contexts:
- name: exec
  context: {cluster: standin, user: plugin}
EOF
chmod 0600 "$WORK/exec-kubeconfig"
answers "$WORK/c.yaml" "$WORK/exec-kubeconfig" "" clearml-c false
expect_exit 0 "C: apply with an exec plugin's token" "$LF" apply --answers "$WORK/c.yaml" --state "$WORK/st-c"
check "C: the plugin ran" test -s "$WORK/plugin-runs"
check "C: every object applied, no privileged container" verify_applied clearml-c false
check "C: the check warned about the node's Elasticsearch settings" contains "$WORK/last.out" "vm.max_map_count and the Docker ulimits must be set on the node by hand"
check "C: outputs list the guide's manual steps" contains "$WORK/st-c/outputs.md" "vm.max_map_count=262144"
check "C: the token is not in the state directory" bash -c "! grep -rqF -- '$TOKEN' '$WORK/st-c'"
expect_exit 0 "C: destroy --yes" "$LF" destroy --yes --state "$WORK/st-c"

# ---- D: two labelled nodes -----------------------------------------------
kc label node node-1 app=clearml >/dev/null
answers "$WORK/d.yaml" "$KC" "" clearml-d
expect_exit 3 "D: check fails with two labelled nodes" "$LF" check --answers "$WORK/d.yaml"
check "D: the guide's warning is shown" contains "$WORK/last.out" "may not locate all of your data"

# ---- E: a user without the rights Landfall needs ---------------------------
kc label node node-1 app- >/dev/null
control rules '{"rules": [{"users": ["limited-user"], "verbs": ["get", "list"]}]}' >/dev/null
answers "$WORK/e.yaml" "$KC" "" clearml-e true limited
expect_exit 3 "E: check fails without the permissions" "$LF" check --answers "$WORK/e.yaml"
check "E: the missing permissions are named" contains "$WORK/last.out" "create apps/deployments"

# ---- F: claims instead of node directories ---------------------------------
answers "$WORK/f.yaml" "$KC" "" clearml-f
sed -i 's/  storage: hostpath/  storage: pvc\n  storage_class: standard/' "$WORK/f.yaml"
expect_exit 0 "F: apply with PersistentVolumeClaims" "$LF" apply --answers "$WORK/f.yaml" --state "$WORK/st-f"
check "F: every object applied" verify_applied clearml-f
check "F: four claims of class standard" python3 -c "
import json, subprocess
d = json.loads(subprocess.check_output(['kubectl', '--kubeconfig', '$KC', 'get', 'pvc', '-n', 'clearml-f', '-o', 'json']))
names = sorted(o['metadata']['name'] for o in d['items'])
assert names == ['clearml-elastic', 'clearml-fileserver', 'clearml-mongo', 'clearml-redis'], names
assert all(o['spec']['storageClassName'] == 'standard' for o in d['items'])"
expect_exit 0 "F: destroy --yes" "$LF" destroy --yes --state "$WORK/st-f"
check "F: the Deployments are gone or being deleted (foreground)" python3 -c "
import json, subprocess
d = json.loads(subprocess.check_output(['kubectl', '--kubeconfig', '$KC', 'get', 'deployments', '-n', 'clearml-f', '-o', 'json']))
assert all(o['metadata'].get('deletionTimestamp') for o in d['items']), d['items']"
check "F: the claims (the data) are kept" bash -c "[ \"\$(kubectl --kubeconfig '$KC' get pvc -n clearml-f -o name | wc -l)\" = 4 ]"
check "F: the journal says kept" grep -q '"status": "kept"' "$WORK/st-f/journal.json"
expect_exit 0 "F: destroy --purge=NAME deletes the claims too" "$LF" destroy --purge=k8s-e2e --state "$WORK/st-f"
kc get pvc -n clearml-f >/dev/null 2>&1 # a read finishes a foreground deletion
check "F: no claim is left" bash -c "[ \"\$(kubectl --kubeconfig '$KC' get pvc -n clearml-f -o name 2>/dev/null | wc -l)\" = 0 ]"

# ---- G: a small node, a namespace that existed before Landfall -------------
kc label node node-2 app- >/dev/null
kc create namespace clearml-g >/dev/null
kc get namespace clearml-f >/dev/null # ... and F's services, deleted in the foreground, are gone
kc get services -A >/dev/null 2>&1
answers "$WORK/g.yaml" "$KC" node-3 clearml-g
expect_exit 0 "G: apply on a small node" "$LF" apply --answers "$WORK/g.yaml" --state "$WORK/st-g"
check "G: the node's capacity is a warning" grep -q "warning.*Node capacity: node node-3: 1.0 CPU, 4.0 GiB allocatable" "$WORK/last.out"
check "G: the existing namespace is reported" contains "$WORK/st-g/checks.json" "namespace clearml-g exists"
control reset-log >/dev/null
expect_exit 0 "G: apply again" "$LF" apply --answers "$WORK/g.yaml" --state "$WORK/st-g"
check "G: apply again reports the existing installation" contains "$WORK/last.out" "exists with deployments"
expect_exit 0 "G: destroy --yes" "$LF" destroy --yes --state "$WORK/st-g"
check "G: the namespace Landfall did not create is kept" bash -c "kubectl --kubeconfig '$KC' get namespace clearml-g -o json | python3 -c 'import json,sys; assert not json.load(sys.stdin)[\"metadata\"].get(\"deletionTimestamp\")'"
check "G: the label Landfall added to node-3 is removed" test -z "$(label_of node-3)"

# ---- H: the node ports are held by another namespace ----------------------
# G's services, deleted in the foreground, go on the stand-in's second read.
kc get services -A >/dev/null 2>&1
kc get services -A >/dev/null 2>&1
kc create service nodeport held --tcp=8008:8008 --node-port=30008 -n default >/dev/null
answers "$WORK/h.yaml" "$KC" node-3 clearml-h
expect_exit 3 "H: check fails when the node ports are taken" "$LF" check --answers "$WORK/h.yaml"
check "H: the holder is named" contains "$WORK/last.out" "node ports already in use: 30008 (service default/held)"

# ---- I: hostPath data kept by destroy, deleted by destroy --purge ---------
kc delete service held -n default >/dev/null
kc get services -A >/dev/null 2>&1
DATA=$WORK/node/opt/clearml
seed_data() {
	local d
	for d in data/mongo_4/db data/elastic7plus/nodes data/redis data/fileserver/p1 logs/apiserver logs/fileserver; do
		mkdir -p "$DATA/$d"
		echo x >"$DATA/$d/file"
	done
	mkdir -p "$DATA/data/other" "$DATA/config"
	echo keep >"$DATA/data/other/notes"
	echo keep >"$DATA/config/apiserver.conf"
}
seed_data
journal_of() { # STATE_DIR ACTION: "status base_dir node"
	python3 -c "
import json, sys
a = [x for x in json.load(open(sys.argv[1] + '/journal.json'))['actions'] if x['id'] == sys.argv[2]][0]
r = a.get('resources') or {}
print(a['status'], r.get('base_dir'), r.get('node'))" "$1" "$2"
}
answers "$WORK/i.yaml" "$KC" node-1 clearml-i
expect_exit 0 "I: apply with hostPath storage" "$LF" apply --answers "$WORK/i.yaml" --state "$WORK/st-i"
check "I: the plan says the data stays on the node" contains "$WORK/last.out" "Keep the data on the node"
check "I: the journal records the directory and the node" test "$(journal_of "$WORK/st-i" node-data)" = "done /opt/clearml node-1"
expect_exit 0 "I: destroy --yes" "$LF" destroy --yes --state "$WORK/st-i"
check "I: destroy keeps the data on the node" test -f "$DATA/data/mongo_4/db/file"
check "I: the journal says kept" test "$(journal_of "$WORK/st-i" node-data)" = "kept /opt/clearml node-1"
check "I: no pod was run" test -z "$(kc get pods -A -o name 2>/dev/null)"
check "I: the label Landfall added is gone" test -z "$(label_of node-1)"
# A journal whose directory is the root is refused, nothing deleted.
cp -a "$WORK/st-i" "$WORK/st-i-root"
sed -i 's|"base_dir": "/opt/clearml"|"base_dir": "/"|' "$WORK/st-i-root/journal.json"
expect_exit 5 "I: --purge refuses to delete under /" "$LF" destroy --purge=k8s-e2e --state "$WORK/st-i-root"
check "I: ... and says so" contains "$WORK/last.out" "/ cannot be purged: nothing was deleted"
check "I: ... nothing deleted" test -f "$DATA/data/redis/file"
# The directory missing on the node: the pod cannot start; said, and kept.
mv "$DATA" "$DATA.away"
LANDFALL_K8S_POD_TIMEOUT_MS=3000 expect_exit 5 "I: --purge with the directory missing fails" "$LF" destroy --purge=k8s-e2e --state "$WORK/st-i"
check "I: ... in plain words" contains "$WORK/last.out" "hostPath type check failed: /opt/clearml is not a directory"
check "I: ... with how to look" contains "$WORK/last.out" "describe pod clearml-purge-"
kc get pods -n clearml-i -o json >"$WORK/purge-pod.json"
check "I: the purge pod: bound to node-1, runs once, mounts the base directory, deletes the server's directories" python3 - "$WORK/purge-pod.json" <<'EOF2'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
assert len(items) == 1, [i["metadata"]["name"] for i in items]
p = items[0]
s = p["spec"]
assert s["nodeName"] == "node-1" and "nodeSelector" not in s, s
assert s["restartPolicy"] == "Never", s
assert s["volumes"] == [{"name": "base", "hostPath": {"path": "/opt/clearml", "type": "Directory"}}], s["volumes"]
c = s["containers"][0]
assert c["image"] == "busybox:1.36", c["image"]
assert c["command"][:4] == ["rm", "-rf", "--one-file-system", "--"], c["command"]
assert sorted(c["command"][4:]) == sorted("/clearml/" + d for d in (
    "data/mongo_4", "data/elastic7plus", "data/redis", "data/fileserver",
    "logs/apiserver", "logs/fileserver")), c["command"]
assert p["metadata"]["labels"]["landfall.io/purge"] == "true", p["metadata"]["labels"]
EOF2
mv "$DATA.away" "$DATA"
expect_exit 0 "I: destroy --purge=NAME deletes the data on the node" "$LF" destroy --purge=k8s-e2e --state "$WORK/st-i"
check "I: the server's directories are gone" bash -c "[ ! -e '$DATA/data/mongo_4' ] && [ ! -e '$DATA/data/elastic7plus' ] && [ ! -e '$DATA/data/redis' ] && [ ! -e '$DATA/data/fileserver' ] && [ ! -e '$DATA/logs/apiserver' ] && [ ! -e '$DATA/logs/fileserver' ]"
check "I: what is not the server's is kept" bash -c "[ -f '$DATA/data/other/notes' ] && [ -f '$DATA/config/apiserver.conf' ]"
check "I: the failed pod and the purge pod are deleted" bash -c "kc() { kubectl --kubeconfig '$KC' \"\$@\"; }; kc get pods -A -o name >/dev/null; [ -z \"\$(kc get pods -A -o name)\" ]"
check "I: the journal says undone" test "$(journal_of "$WORK/st-i" node-data | cut -d' ' -f1)" = undone

# ---- J: a rollout that never completes ---------------------------------------
control rollout-fail '{"names": ["elastic"]}' >/dev/null
answers "$WORK/j.yaml" "$KC" node-2 clearml-j
expect_exit 4 "J: apply fails when a rollout exceeds its progress deadline" "$LF" apply --answers "$WORK/j.yaml" --state "$WORK/st-j"
check "J: the deployment and the reason are named" contains "$WORK/last.out" 'deployment elastic: deployment "elastic" exceeded its progress deadline (failed)'
check "J: how to look is said" contains "$WORK/last.out" "kubectl -n clearml-j describe deployment elastic"
check "J: the rollout action is failed, the rest done" python3 -c "
import json; a=json.load(open('$WORK/st-j/journal.json'))['actions']
s={x['id']: x['status'] for x in a}; assert s['rollout']=='failed' and all(v=='done' for k, v in s.items() if k!='rollout'), s"
control rollout-fail '{"names": []}' >/dev/null
expect_exit 0 "J: apply resumes once the rollout can complete" "$LF" apply --answers "$WORK/j.yaml" --state "$WORK/st-j"
expect_exit 0 "J: destroy --yes" "$LF" destroy --yes --state "$WORK/st-j"

finish
