#!/usr/bin/env bash
# The wizard's SSH host-key flow, against a real sshd (tests/sshd_peer.c):
# leaving the connection screen connects; an unknown host key is shown by
# its SHA256 fingerprint and must be accepted, which records it in
# ~/.ssh/known_hosts and pins it in the answers; a later run with the key
# changed is refused with both fingerprints on the screen; leaving the disks
# screen looks at what the server has mounted. No dry run: the
# wizard really connects (it goes no further than the next screen).
# Usage: wizard_hostkey.sh LANDFALL_BINARY SOURCE_DIR SSHD_PEER
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
PEER=$(realpath "$3")
WORK=$(mktemp -d /tmp/landfall-wizhk.XXXXXX)
SOCK=$WORK/tmux.sock
PEER_PID=
cleanup() {
	tmux -S "$SOCK" kill-server >/dev/null 2>&1
	exec 7>&- 2>/dev/null
	[ -n "$PEER_PID" ] && wait "$PEER_PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"
TIMEOUT=${WIZ_TIMEOUT:-20}
S=hk
tm() { tmux -S "$SOCK" "$@"; }
. "$SRC/tests/e2e/tmux_lib.sh"

# ---- the sshd ----------------------------------------------------------------
mkfifo "$WORK/peer.in"
"$PEER" "$WORK/peer.env" <"$WORK/peer.in" >"$WORK/peer.log" 2>&1 &
PEER_PID=$!
exec 7>"$WORK/peer.in"
for i in $(seq 200); do
	[ -s "$WORK/peer.env" ] && break
	sleep 0.1
done
if [ ! -s "$WORK/peer.env" ]; then
	echo "not ok - sshd_peer did not start (it needs root, openssh-server, sudo):"
	sed 's/^/    | /' "$WORK/peer.log"
	exit 1
fi
. "$WORK/peer.env"
echo "# sshd on 127.0.0.1:$PEER_PORT, host key $PEER_FP"

# The client's HOME: the fixture's, with an empty known_hosts.
export HOME=$PEER_HOME XDG_STATE_HOME=$WORK/state
rm -f "$HOME/.ssh/known_hosts"
mkdir -p "$XDG_STATE_HOME" "$WORK/run"
cat >"$WORK/ub.yaml" <<YAML
version: 1
target: ubuntu
install:
  name: hostkey
ubuntu:
  ssh:
    host: 127.0.0.1
    port: $PEER_PORT
    user: $PEER_USER
    identity_file: $PEER_KEY
server:
  base_dir: $WORK/base
  admin_users:
    - username: support
      password: {env: LF_HK_PW}
YAML

tm -f /dev/null new-session -d -s keeper "sleep 3600"
start() { # NAME: the wizard on the answers file, 80x24
	S=$1
	tm new-session -d -s "$S" -x 80 -y 24 \
		"cd '$WORK/run' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' LF_HK_PW=unused LANG=C.UTF-8 LANGUAGE= TERM=xterm-256color ${ASAN_OPTIONS:+ASAN_OPTIONS='$ASAN_OPTIONS'} '$LF' --answers '$WORK/ub.yaml' 2>'$WORK/$S.stderr'; echo \$? >'$WORK/$S.exit'; sleep 600"
}
# to_connection: from the welcome screen to the connection screen.
to_connection() {
	wait_for "Start a new install" >/dev/null || return 1
	keys Enter
	wait_for "Install name" >/dev/null || return 1
	keys PgDn
	wait_for "SSH host" >/dev/null
}

# ---- an unknown key: shown, accepted, recorded and pinned --------------------
start first
check "first: the connection screen" to_connection
keys PgDn
expect "first: the unknown host key is shown by its fingerprint" "$PEER_FP"
check "first: ... and the question to accept it" shows "Accept it, record it in known_hosts"
check "first: nothing recorded before the answer" bash -c "! grep -qs '$PEER_PORT' '$HOME/.ssh/known_hosts'"
keys Enter
expect "first: accepted and pinned" "accepted and"
check "first: known_hosts holds the key now" grep -q "\[127.0.0.1\]:$PEER_PORT" "$HOME/.ssh/known_hosts"
expect "first: on to the next screen" "Docker directory"
# Save (Ctrl-S) and read the pin back from the file.
keys C-s
expect "first: the save dialog" "Save the answers to"
keys C-u
put "$WORK/pinned.yaml"
keys Enter
sleep 0.5
check "first: the saved answers pin the host key" grep -qF "$PEER_FP" "$WORK/pinned.yaml"
keys PgDn
expect "first: leaving the disks screen looks at the server's disks, and asks" "Not every disk on the server is where"
check "first: ... the data directory is not a disk of its own (it is under $WORK)" shows "is not on a disk of its own"
check "first: ... named with the guide's disk" shows "Data disk"
check "first: ... and asked about" shows "Go on anyway?"
keys Enter
check "first: going on anyway leaves the disks screen" wait_gone "Docker directory"

# ---- declined: no record, and the wizard stays ------------------------------
rm -f "$HOME/.ssh/known_hosts"
start declined
to_connection >/dev/null
keys PgDn
wait_for "$PEER_FP" >/dev/null
keys Right Enter
expect "declined: the wizard says it will not connect" "will not connect to this server"
check "declined: still on the connection screen" shows "SSH host"
check "declined: known_hosts not written" bash -c "! grep -qs '$PEER_PORT' '$HOME/.ssh/known_hosts'"

# ---- the key changes: refused, both fingerprints shown ----------------------
start again
to_connection >/dev/null
keys PgDn
wait_for "$PEER_FP" >/dev/null
keys Enter
wait_for "accepted and pinned" >/dev/null
OLD_FP=$PEER_FP
echo newkey >&7
for i in $(seq 100); do
	. "$WORK/peer.env"
	[ "$PEER_FP" != "$OLD_FP" ] && break
	sleep 0.1
done
check "sshd has a new host key" test "$PEER_FP" != "$OLD_FP"
start changed
to_connection >/dev/null
keys PgDn
expect "changed: refused" "The host key has changed"
check "changed: the new key is shown" shows "${PEER_FP:0:30}"
check "changed: the recorded key is shown" shows "${OLD_FP:0:30}"
check "changed: how to fix it" shows "ssh-keygen -R"
keys Enter
expect "changed: back on the connection screen" "SSH host"

finish
