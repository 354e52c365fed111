#!/usr/bin/env bash
# The wizard's live AWS probes against moto_server (no dry run): leaving the
# connection screen shows the account and identity the credentials resolve
# to; leaving the region screen shows its available zones; a region with
# fewer than 2 (an unknown one here) is refused and the wizard stays.
# Usage: wizard_aws.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-wizaws.XXXXXX)
SOCK=$WORK/tmux.sock
MOTO_PID=
cleanup() {
	tmux -S "$SOCK" kill-server >/dev/null 2>&1
	[ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"
TIMEOUT=${WIZ_TIMEOUT:-20}
S=aws
tm() { tmux -S "$SOCK" "$@"; }
. "$SRC/tests/e2e/tmux_lib.sh"

for v in $(compgen -e | grep -E '^(AWS_|https?_proxy$|HTTPS?_PROXY$)'); do unset "$v"; done
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for i in $(seq 150); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null && break
	sleep 0.1
done
export HOME=$WORK/home XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME" "$XDG_STATE_HOME" "$WORK/run"

# answers REGION: an AWS answers file using moto as the endpoint.
answers() {
	sed -e "/^  profile:/d" -e "s|^  region: .*|  region: $1|" -e "s|^aws:|aws:\n  endpoint_url: http://127.0.0.1:$port|" \
		"$SRC/tests/answers/aws.yaml" >"$WORK/a.yaml"
}
tm -f /dev/null new-session -d -s keeper "sleep 3600"
start() {
	S=$1
	tm new-session -d -s "$S" -x 80 -y 24 \
		"cd '$WORK/run' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1 LANDFALL_TEST_SUPPORT_PASSWORD=x LANDFALL_TEST_REGISTRY_PASSWORD=y LANG=C.UTF-8 LANGUAGE= TERM=xterm-256color ${ASAN_OPTIONS:+ASAN_OPTIONS='$ASAN_OPTIONS'} '$LF' --answers '$WORK/a.yaml' 2>'$WORK/$S.stderr'; sleep 600"
}

answers eu-west-1
start good
expect "the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
expect "connection: the identity the credentials resolve to" "AWS: account 123456789012 as arn:aws:"
expect "on to the region screen" "Landfall - Region"
keys PgDn
expect "region: its available zones" "eu-west-1: 3 available zones"
check "region: named" shows "eu-west-1a, eu-west-1b, eu-west-1c"
expect "on to the zones screen" "Landfall - Availability zones"

answers eu-south-9
start bad
expect "bad region: the answers load" "Continue with the current answers"
keys Enter PgDn PgDn
wait_for "Landfall - Region" >/dev/null
keys PgDn
expect "bad region: refused or asked about" "eu-south-9"
check "bad region: still on the region screen behind the message" shows "Region"
finish
