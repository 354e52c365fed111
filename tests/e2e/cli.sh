#!/usr/bin/env bash
# End-to-end tests of the headless commands, driving the real binary:
# validate, plan, check, apply (dry-run backend) with resume, retries,
# interruption and crashes, destroy, outputs, bundle, exit codes, JSON
# events, secrets kept out of every file and of argv, and German.
# Usage: cli.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. "$SRC/tests/e2e/lib.sh"
ANS=$SRC/tests/answers

export HOME=$WORK/home XDG_STATE_HOME=$WORK/state LANG=C.UTF-8 LANGUAGE=
mkdir -p "$HOME/.config/landfall"
# Secrets with unique markers: none may ever appear in a file or argv.
export LANDFALL_TEST_SUPPORT_PASSWORD=Marker-Support-7f3a
export LANDFALL_TEST_REGISTRY_PASSWORD=Marker-Registry-91bc
export LANDFALL_TEST_SUDO_PASSWORD=Marker-Sudo-22de
export LANDFALL_TEST_ALICE_PASSWORD=Marker-Alice-5e10
export LANDFALL_TEST_ADMIN_PASSWORD=Marker-Admin-0c4f
printf 'Marker-File-88aa\n' >"$HOME/.config/landfall/support-password"
MARKERS="Marker-Support-7f3a Marker-Registry-91bc Marker-Sudo-22de Marker-Alice-5e10 Marker-Admin-0c4f Marker-File-88aa"

no_secrets_in() {
	local m
	for m in $MARKERS; do
		if grep -rqF -- "$m" "$1"; then echo "    secret $m found in $1"; return 1; fi
	done
}

mode_of() { stat -c %a "$1"; }

# ---- basics ----------------------------------------------------------
expect_exit 0 "--version" "$LF" --version
check "--version prints the version" contains "$WORK/last.out" "landfall 0."
expect_exit 0 "--help" "$LF" --help
check "--help lists every command" bash -c "for c in validate plan check apply destroy outputs bundle; do grep -q \"  \$c \" '$WORK/last.out' || exit 1; done"
check "--help documents exit codes" contains "$WORK/last.out" "130 interrupted"
expect_exit 2 "unknown command" "$LF" frobnicate
check "unknown command is named" contains "$WORK/last.err" 'unknown command "frobnicate"'
expect_exit 2 "unknown option" "$LF" plan --frob
expect_exit 2 "apply without answers" "$LF" apply
expect_exit 2 "wizard without a terminal" "$LF" </dev/null

# ---- validate and plan -----------------------------------------------
for t in aws ubuntu kubernetes; do
	expect_exit 0 "validate $t.yaml" "$LF" validate "$ANS/$t.yaml"
	expect_exit 0 "plan $t" "$LF" plan --answers "$ANS/$t.yaml"
	expect_exit 0 "plan --json $t" "$LF" plan --json --answers "$ANS/$t.yaml"
	check "plan --json $t is JSON with actions" python3 -c "
import json,sys; d=json.load(open('$WORK/last.out'))
assert d['target']=='$t' and len(d['actions'])>=5, d
assert len({a['id'] for a in d['actions']})==len(d['actions'])"
done
check "aws plan follows the guide" python3 -c "
import json; d=json.load(open('$WORK/last.out'.replace('last','last')))" 
"$LF" plan --answers "$ANS/aws.yaml" >"$WORK/aws.plan"
check "aws plan: target group health check" contains "$WORK/aws.plan" "/api/debug.ping (200, timeout 10 s, healthy 2, unhealthy 2)"
check "aws plan: disks of the guide" contains "$WORK/aws.plan" "data 100 GB gp3 on /dev/sdf, fileserver 500 GB st1 on /dev/sdg, docker 30 GB gp3 on /dev/sdh"
check "aws plan: TLS policy" contains "$WORK/aws.plan" "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
"$LF" plan --answers "$ANS/kubernetes.yaml" >"$WORK/k8s.plan"
check "kubernetes plan: node ports of the guide" contains "$WORK/k8s.plan" "API 30008, web 30080, files 30081"

sed 's/region: eu-west-1$/region: eu-west-1a/; s/  zones:/  zonez:/' "$ANS/aws.yaml" >"$WORK/bad.yaml"
expect_exit 2 "validate refuses a bad file" "$LF" validate "$WORK/bad.yaml"
check "bad region: file:line:col, field and rule" grep -qE "bad.yaml:[0-9]+:[0-9]+: aws.region: .*region" "$WORK/last.err"
check "unknown key suggests the right one" contains "$WORK/last.err" 'unknown key "zonez"; did you mean "zones"?'
printf 'version: 1\ntarget: aws\nserver:\n  registry: {password: hunter2}\n' >"$WORK/clear.yaml"
expect_exit 2 "a secret in clear is refused" "$LF" validate "$WORK/clear.yaml"
check "the clear secret is not echoed" lacks "$WORK/last.err" hunter2
expect_exit 2 "validate a missing file" "$LF" validate "$WORK/none.yaml"

# ---- apply, outputs, destroy for each target -------------------------
for t in aws ubuntu kubernetes; do
	st=$WORK/st-$t
	export LANDFALL_DRYRUN_LEDGER=$WORK/ledger-$t
	expect_exit 0 "apply --dry-run $t" "$LF" apply --dry-run --answers "$ANS/$t.yaml" --state "$st"
	check "$t: state directory is 0700" test "$(mode_of "$st")" = 700
	for f in journal.json answers.yaml landfall.log checks.json outputs.json outputs.md; do
		check "$t: $f exists with mode 0600" test "$(mode_of "$st/$f")" = 600
	done
	check "$t: every action done" python3 -c "
import json; j=json.load(open('$st/journal.json'))
assert j['actions'] and all(a['status']=='done' for a in j['actions'])"
	check "$t: each action applied once" python3 -c "
lines=open('$WORK/ledger-$t').read().split('\n')
ids=[l.split()[1] for l in lines if l.startswith('apply ')]
assert len(ids)==len(set(ids)) and ids, ids"
	check "$t: outputs name the web URL" contains "$st/outputs.md" "https://app.clearml.example.com"
	expect_exit 0 "$t: outputs --format json" "$LF" outputs --state "$st" --format json
	check "$t: outputs json parses" python3 -c "
import json; d=json.load(open('$WORK/last.out')); assert d['outputs'] and d['install_id']"
	check "$t: no secret in the state directory" no_secrets_in "$st"
	expect_exit 0 "$t: apply again is a no-op" "$LF" apply --dry-run --answers "$ANS/$t.yaml" --state "$st"
	check "$t: second apply skipped everything" bash -c "! grep -q '^apply' <(tail -n +$(($(wc -l <"$WORK/ledger-$t") + 1)) '$WORK/ledger-$t')"
	expect_exit 2 "$t: destroy without a terminal asks for --yes" "$LF" destroy --state "$st" </dev/null
	check "$t: nothing undone without confirmation" bash -c "! grep -q '^undo' '$WORK/ledger-$t'"
	expect_exit 0 "$t: destroy --yes" "$LF" destroy --state "$st" --yes
	check "$t: undone in reverse order" python3 -c "
lines=[l.split() for l in open('$WORK/ledger-$t') if l.strip()]
app=[i for v,i in lines if v=='apply']; und=[i for v,i in lines if v=='undo']
assert und==app[::-1], (app, und)"
done
unset LANDFALL_DRYRUN_LEDGER

# ---- the same state directory with other answers ---------------------
st=$WORK/st-mixed
"$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st" >/dev/null 2>&1
sed 's/retention_days: 7/retention_days: 9/' "$ANS/aws.yaml" >"$WORK/aws2.yaml"
expect_exit 2 "changed answers refused on an existing state" "$LF" apply --dry-run --answers "$WORK/aws2.yaml" --state "$st"
check "the refusal says why" contains "$WORK/last.err" "answers differ"
expect_exit 2 "another target refused on an existing state" "$LF" apply --dry-run --answers "$ANS/ubuntu.yaml" --state "$st"

# ---- failure, resume, retries ------------------------------------------
st=$WORK/st-fail
export LANDFALL_DRYRUN_LEDGER=$WORK/ledger-fail
LANDFALL_DRYRUN_FAIL=instance:fatal expect_exit 4 "a failed action gives exit 4" "$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st"
check "the failure is explained" contains "$WORK/last.err" "simulated permanent failure"
check "the failure says how to resume" contains "$WORK/last.err" "run the same command again to resume"
check "journal marks it failed" python3 -c "
import json; j=json.load(open('$st/journal.json'))
s={a['id']:a['status'] for a in j['actions']}
assert s['instance']=='failed' and s['vpc']=='done' and s['target-group']=='pending', s"
expect_exit 0 "resume finishes" "$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st"
check "resume applied each action once" python3 -c "
ids=[l.split()[1] for l in open('$WORK/ledger-fail') if l.startswith('apply')]
assert len(ids)==len(set(ids))==17, ids"
LANDFALL_DRYRUN_FAIL=vpc:fatal expect_exit 5 "destroy with an undo failing gives exit 5" "$LF" destroy --yes --state "$st"
expect_exit 0 "destroy again finishes" "$LF" destroy --yes --state "$st"

st=$WORK/st-retry
export LANDFALL_DRYRUN_LEDGER=$WORK/ledger-retry
LANDFALL_DRYRUN_FAIL=subnets:2 expect_exit 0 "temporary failures are retried" "$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st"
check "the retries are logged" grep -q "retry 2 of 4" "$WORK/last.out"
check "attempts recorded in the journal" python3 -c "
import json; j=json.load(open('$st/journal.json'))
assert [a for a in j['actions'] if a['id']=='subnets'][0]['attempts']==1"

# ---- Ctrl-C and kill -9 ---------------------------------------------------
st=$WORK/st-int
export LANDFALL_DRYRUN_LEDGER=$WORK/ledger-int
LANDFALL_DRYRUN_DELAY_MS=400 "$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st" >"$WORK/int.out" 2>"$WORK/int.err" &
pid=$!
sleep 1.5
ps -o args= -e >"$WORK/ps.txt"
kill -INT $pid
wait $pid
code=$?
check "Ctrl-C gives exit 130 (got $code)" test "$code" = 130
check "Ctrl-C says the state is resumable" contains "$WORK/int.err" "run the same command again to resume"
check "Ctrl-C stopped after the action in flight" python3 -c "
import json; j=json.load(open('$st/journal.json'))
s=[a['status'] for a in j['actions']]
assert 'running' not in s and s.count('done')>=1 and 'pending' in s, s"
check "no secret in any process argv" no_secrets_in "$WORK/ps.txt"
expect_exit 0 "resume after Ctrl-C" "$LF" apply --dry-run --answers "$ANS/aws.yaml" --state "$st"
check "after Ctrl-C each action ran once" python3 -c "
ids=[l.split()[1] for l in open('$WORK/ledger-int') if l.startswith('apply')]
assert len(ids)==len(set(ids))==17, ids"

for fault in engine.boundary:4 write.mid:9 write.before-rename:12 dryrun.applied:6; do
	st=$WORK/st-kill-${fault%%:*}
	export LANDFALL_DRYRUN_LEDGER=$WORK/ledger-kill-${fault%%:*}
	LANDFALL_FAULT=$fault "$LF" apply --dry-run --answers "$ANS/ubuntu.yaml" --state "$st" >/dev/null 2>&1
	code=$?
	check "kill -9 at $fault (exit $code)" test "$code" = 137
	expect_exit 0 "resume after kill at $fault" "$LF" apply --dry-run --answers "$ANS/ubuntu.yaml" --state "$st"
	check "after kill at $fault each action ran once" python3 -c "
import json
ids=[l.split()[1] for l in open('$LANDFALL_DRYRUN_LEDGER') if l.startswith('apply')]
j=json.load(open('$st/journal.json'))
assert len(ids)==len(set(ids))==len(j['actions']), ids
assert all(a['status']=='done' for a in j['actions'])"
done
unset LANDFALL_DRYRUN_LEDGER

mkdir -p "$WORK/empty-state"
expect_exit 1 "destroy on a directory without a journal" "$LF" destroy --yes --state "$WORK/empty-state"
check "it says what is missing" grep -q "answers.yaml is missing" "$WORK/last.err"

# ---- JSON events and checks --------------------------------------------
expect_exit 0 "apply --json" "$LF" apply --dry-run --json --answers "$ANS/kubernetes.yaml" --state "$WORK/st-json"
check "--json: one JSON object per line" python3 -c "
import json
ev=[json.loads(l) for l in open('$WORK/last.out')]
kinds={e['event'] for e in ev}
assert {'check','plan','started','log','done','finished'} <= kinds, kinds
assert ev[-1]['event']=='finished' and ev[-1]['status']=='done'"
expect_exit 0 "check --dry-run" "$LF" check --dry-run --answers "$ANS/aws.yaml"
# The aws backend with no way to reach AWS: no credentials, no metadata
# service, no endpoint (tests/e2e/aws_backend_moto.sh runs it for real).
expect_exit 3 "aws check without credentials" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	-u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_ENDPOINT_URL -u AWS_SHARED_CREDENTIALS_FILE \
	-u AWS_CONFIG_FILE AWS_EC2_METADATA_DISABLED=true "$LF" check --answers "$ANS/aws.yaml"
check "it says so plainly" contains "$WORK/last.err" "no AWS credentials found"

# ---- bundle --------------------------------------------------------------
st=$WORK/st-json
expect_exit 0 "bundle" "$LF" bundle --state "$st" -o "$WORK/b.tar.gz"
check "bundle is 0600" test "$(mode_of "$WORK/b.tar.gz")" = 600
mkdir -p "$WORK/unpacked" && tar -xzf "$WORK/b.tar.gz" -C "$WORK/unpacked"
for f in answers.yaml journal.json landfall.log checks.json outputs.json outputs.md versions.txt; do
	check "bundle holds $f" test -f "$WORK/unpacked/landfall-bundle-clearml-k8s/$f"
done
check "bundle versions name libcurl" contains "$WORK/unpacked/landfall-bundle-clearml-k8s/versions.txt" "libcurl"
check "no secret in the bundle" no_secrets_in "$WORK/unpacked"

# ---- German ----------------------------------------------------------------
LANGUAGE=de LANG=C.UTF-8 "$LF" --help >"$WORK/de.txt" 2>&1
check "German help under LANGUAGE=de" contains "$WORK/de.txt" "Aufruf"
LANGUAGE=de "$LF" validate "$WORK/bad.yaml" >"$WORK/de.txt" 2>&1
check "German validation messages" contains "$WORK/de.txt" "unbekannter Schlüssel"

finish
