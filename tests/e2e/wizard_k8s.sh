#!/usr/bin/env bash
# The wizard's live Kubernetes probe against the STAND-IN API server (no
# dry run): leaving the connection screen shows the server's version and
# where the credentials come from; a context the kubeconfig lacks, or a
# server that is down, is said in plain words and the user may stay.
# Usage: wizard_k8s.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-wizk8s.XXXXXX)
SOCK=$WORK/tmux.sock
K8S_STANDIN_PID=
cleanup() {
	tmux -S "$SOCK" kill-server >/dev/null 2>&1
	[ -n "$K8S_STANDIN_PID" ] && kill "$K8S_STANDIN_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"
TIMEOUT=${WIZ_TIMEOUT:-20}
S=k8s
tm() { tmux -S "$SOCK" "$@"; }
. "$SRC/tests/e2e/tmux_lib.sh"
. "$SRC/tests/e2e/k8s_lib.sh"

export HOME=$WORK/home XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME" "$WORK/run"
printf '[{"name": "node-1", "address": "10.0.0.11"}]\n' >"$WORK/nodes.json"
k8s_standin_start "$WORK/standin" "$WORK/nodes.json" || exit 1
KC=$WORK/standin/kubeconfig
version=$(kubectl --kubeconfig "$KC" version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
check "kubectl reads the stand-in's version" test -n "$version"

answers() { # CONTEXT
	{
		printf 'version: 1\ntarget: kubernetes\ninstall:\n  name: wiz-k8s\nkubernetes:\n  kubeconfig: %s\n  context: %s\n  namespace: clearml\n' "$KC" "$1"
		printf 'server:\n  admin_users:\n    - username: admin\n      name: Admin\n      password: {env: LF_K8S_ADMIN_PASSWORD}\n      admin: true\n'
	} >"$WORK/a.yaml"
}
tm -f /dev/null new-session -d -s keeper "sleep 3600"
start() {
	S=$1
	tm new-session -d -s "$S" -x 80 -y 24 \
		"cd '$WORK/run' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' KUBECONFIG= LF_K8S_ADMIN_PASSWORD=x LANG=C.UTF-8 LANGUAGE= TERM=xterm-256color ${ASAN_OPTIONS:+ASAN_OPTIONS='$ASAN_OPTIONS'} '$LF' --answers '$WORK/a.yaml' 2>'$WORK/$S.stderr'; sleep 600"
}

answers admin
start good
expect "the answers load" "Continue with the current answers"
keys Enter PgDn
expect "on the connection screen" "Landfall - Connection"
keys PgDn
expect "connection: the server's version, as kubectl reads it" "Kubernetes $version; context admin"
check "connection: moved on" shows_re "Landfall - (Cluster|Kubernetes)"

answers nosuch
start badctx
expect "bad context: the answers load" "Continue with the current answers"
keys Enter PgDn
wait_for "Landfall - Connection" >/dev/null
keys PgDn
expect "bad context: the user is asked to go on or stay" "Go on anyway?"
check "bad context: named, with the contexts there are" shows_re 'context "nosuch" is not in'
check "bad context: ... and the contexts there are" shows "admin"
keys n
check "bad context: the question closes" wait_gone "Go on anyway?"
check "bad context: stays on the connection screen" shows "Landfall - Connection"

answers admin
kill "$K8S_STANDIN_PID"
wait "$K8S_STANDIN_PID" 2>/dev/null
K8S_STANDIN_PID=
start down
expect "server down: the answers load" "Continue with the current answers"
keys Enter PgDn
wait_for "Landfall - Connection" >/dev/null
keys PgDn
expect "server down: said, and asked" "Go on anyway?"
check "server down: the reason in plain words" shows_re "[Cc]onnect|refused"
keys y
check "server down: going on anyway leaves the screen" wait_gone "Landfall - Connection"
finish
