#!/usr/bin/env bash
# End-to-end tests of the wizard: the real binary in a real terminal
# (tmux, 80x24 and other sizes), driven with send-keys and read back with
# capture-pane. Covers a full walk for each target up to the dry run and
# its outputs, rules shown and Next blocked on bad input, Back and jumps
# from the review keeping values, F2 / Ctrl-S saving a file that replays
# headless to the same plan without any typed secret, resize and the
# too-small guard, NO_COLOR, TERM=vt100 with --ascii, prefill from
# --answers with problems, quitting with unsaved changes, and German.
# Usage: wizard.sh LANDFALL_BINARY SOURCE_DIR
set -u
LF=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d /tmp/landfall-wiz.XXXXXX)
SOCK=$WORK/tmux.sock
cleanup() {
	tmux -S "$SOCK" kill-server >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
. "$SRC/tests/e2e/lib.sh"

command -v tmux >/dev/null || { echo "not ok - tmux is missing (Debian package tmux)"; exit 1; }

export HOME=$WORK/home XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME" "$XDG_STATE_HOME" "$WORK/run"
# Secrets: references point at these; typed ones carry unique markers.
export LF_WIZ_ADMIN_PW=Marker-Ref-Admin-51c3
TYPED_SSH=Typed-Ssh-Marker-9d21
TYPED_SUDO=Typed-Sudo-Marker-44ab
TIMEOUT=${WIZ_TIMEOUT:-15}
S=wiz          # the tmux session under test
T0=$(date +%s)

tm() { tmux -S "$SOCK" "$@"; }
# A private tmux server, kept alive between the sessions under test by an
# idle one (a server with no session left exits, racing the next start).
tm -f /dev/null new-session -d -s keeper "sleep 3600"

# start NAME WIDTH HEIGHT ENV... -- ARGS...: run landfall in a new session.
# The exit status lands in $WORK/NAME.exit; the pane stays for capture.
start() {
	local name=$1 w=$2 h=$3
	shift 3
	local envs=() args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	S=$name
	rm -f "$WORK/$name.exit"
	local cmd
	cmd="cd '$WORK/run' && env HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' LANG=C.UTF-8 LANGUAGE= TERM=xterm-256color LANDFALL_DRYRUN_DELAY_MS=40 LF_WIZ_ADMIN_PW='$LF_WIZ_ADMIN_PW' ${ASAN_OPTIONS:+ASAN_OPTIONS='$ASAN_OPTIONS'} ${envs[*]} '$LF' ${args[*]} 2>'$WORK/$name.stderr'; echo \$? >'$WORK/$name.exit'; sleep 600"
	tm new-session -d -s "$name" -x "$w" -y "$h" "$cmd"
}

. "$SRC/tests/e2e/tmux_lib.sh"

# wait_exit NAME: the status landfall exited with, after it exits.
wait_exit() {
	local i=0
	while [ ! -s "$WORK/$1.exit" ] && [ $i -lt $((TIMEOUT * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cat "$WORK/$1.exit" 2>/dev/null || echo none
}

stop() { tm kill-session -t "$1" >/dev/null 2>&1; }

# The plan's action titles: from `landfall plan` output or a screen.
titles() { sed -nE 's/^ {0,3}([0-9]+)\. (.*[^ ])\s*$/\1 \2/p' "$1" | sort -n -u; }

# review_titles FILE: every action title of the review, read from a
# window tall enough to hold the whole plan, then back to 80x24.
review_titles() {
	tm resize-window -t "$S" -x 120 -y 90
	footer_at_bottom "Enter Run" || return 1
	screen >"$WORK/review.tall"
	tm resize-window -t "$S" -x 80 -y 24
	footer_at_bottom "Enter Run" || return 1
	titles "$WORK/review.tall" >"$1"
}

# footer_at_bottom TEXT: wait until the last line shows TEXT, i.e. the
# screen was redrawn for the window's current height.
footer_at_bottom() {
	local i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		screen | tail -n 1 | grep -qF -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "    the footer \"$1\" did not reach the bottom line"
	return 1
}

same_titles() {
	"$LF" plan --answers "$1" >"$WORK/plan.out" 2>"$WORK/plan.err" || {
		echo "    plan --answers $1 failed:"; sed 's/^/    | /' "$WORK/plan.err"; return 1; }
	titles "$WORK/plan.out" >"$WORK/plan.titles"
	if ! diff -u "$WORK/plan.titles" "$2" >"$WORK/titles.diff"; then
		sed 's/^/    | /' "$WORK/titles.diff"
		return 1
	fi
	[ -s "$2" ]
}

no_marker_in() {
	local m
	for m in "$TYPED_SSH" "$TYPED_SUDO"; do
		if grep -rqF -- "$m" "$1"; then echo "    typed secret $m found in $1"; return 1; fi
	done
}

# The checks screen: wait for it to finish and go on to the review.
through_checks() {
	wait_for "Enter Continue" 20 || return 1
	keys Enter
	wait_for "Landfall - Review" 10
}

# The outputs screen after a run: the path of outputs.md is at its end,
# which a long table pushes below the window (End scrolls there).
outputs_md() {
	wait_for "Landfall - Outputs of" 60 || return 1
	shows "outputs.md" && return 0
	keys End
	wait_for "outputs.md" 5
}

# ---- 1. aws: full walk, rules, Back, jumps, save, replay, run ---------
start aws 80 24 -- --dry-run
expect "welcome screen lists the choices" "Start a new install"
check "welcome says what to have at hand" shows "AWS credentials"
keys Enter
expect "first step: product and target" "Landfall - Product and target"
keys Down Right
expect "target cycles to aws" "(*) aws"
keys Down
put clearml-w
keys PgDn
expect "aws: connection step" "AWS profile"
check "aws: no SSH fields for aws" lacks_screen "SSH host"
keys PgDn
expect "aws: region step" "Landfall - Region"
check "colours on a colour terminal" colored
keys F1
expect "F1: the field's full help" "Default: us-east-1"
check "F1: the step intro too" shows "Pick the region"
keys Escape
expect "Esc closes the help" "F1 Help  F2 Save"
put eu-west-1a
keys PgDn
expect "bad region: the rule is shown" "this is an availability zone; its region is eu-west-1"
check "bad region: Next is blocked" shows "Landfall - Region"
check "bad region: the status says why" shows "needs fixing"
field eu-west-1
keys PgDn
expect "aws: zones step (multi-select of the region's zones)" "[ ]a [ ]b [ ]c"
keys PgDn
expect "no zone chosen: required" "is required (Availability zones)"
keys Space Right Space Right Space
expect "zones a, b, c picked" "[x]a [x]b [x]c"
keys PgDn
expect "aws: network step" "Landfall - Network"
keys Down
field 10.0.0.1/16
keys Down
expect "bad CIDR: rule shown on leaving the field" "host bits must be zero: did you mean 10.0.0.0/16?"
keys PgDn
sleep 0.3
check "bad CIDR: Next is blocked" shows "Landfall - Network"
check "bad CIDR: the focus is back on it" shows "▸ VPC CIDR"
field 10.20.0.0/16
keys Down Down
put "203.0.113.0/24"
keys PgDn
expect "aws: instance step" "Landfall - Instance"
keys Down
put clearml-admin
keys PgDn
expect "aws: disks step" "Landfall - Disks"
keys Down Down Down Down Down Right
expect "fileserver type set to st1" "(*) st1"
keys PgDn
expect "st1 at 100 GB: rule shown" "st1 disks must be at least 500 GB"
check "st1 at 100 GB: Next is blocked" shows "Landfall - Disks"
check "the focus moved to the size at fault" shows "▸ Fileserver disk (GB)"
field 500
keys PgDn
expect "aws: domain step" "Landfall - Domain"
put clearml.example.com
keys PgDn
expect "aws: certificate step" "Landfall - Certificate"
keys PgDn
expect "aws: backups step" "Landfall - Backups"
keys Down
put example-clearml-backups
keys PgDn
expect "aws: server step" "Landfall - Server settings"
keys Down Enter
expect "users: entry form" "Fixed users: entry 1"
put support
keys Enter
# UTF-8 editing: wide and accented characters, Backspace, Left, Home, End.
put "Grüße 日本"
keys BSpace Left BSpace
put "X"
keys Home
put "<"
keys End
put ">"
expect "UTF-8 editing: by character, wide ones too" "<GrüßeX日>"
field "Support User"
keys Enter F3
expect "password: reference prompt" "env:NAME or file:PATH"
keys C-u
put env:LF_WIZ_ADMIN_PW
keys Enter
expect "password shows the reference" "{env: LF_WIZ_ADMIN_PW}"
keys Enter Space Enter
expect "users: list" "{env: LF_WIZ_ADMIN_PW}"
check "users: list shows the entry" shows_re "support +Support User +yes"
keys Escape
expect "users: summary on the server step" "support (admin)"
keys PgDn
check "checks, then the review" through_checks
expect "review: the plan with its size" "Plan for clearml-w on aws:"
check "review: nothing ran yet" shows "Nothing has run yet"
check "review: first action" shows "1. Create the VPC"
review_titles "$WORK/review-aws.titles"
check "review: every action listed (tall window)" test "$(wc -l <"$WORK/review-aws.titles")" -ge 10
expect "review: redrawn at 80x24 after the tall window" "Enter Run"

# Back from the review keeps every value.
keys Escape
expect "Esc from the review: the last step" "Landfall - Server settings"
keys Escape
expect "Esc again: backups" "Landfall - Backups"
check "Back kept the bucket" shows "example-clearml-backups"
keys Escape
sleep 0.3
keys Escape
sleep 0.3
keys Escape
expect "Back to disks" "Landfall - Disks"
check "Back kept the fileserver size" shows_re "Fileserver disk \(GB\) +500"
check "Back kept st1" shows "(*) st1"
# Forward again to the review: unchanged answers skip the checks.
keys PgDn PgDn PgDn PgDn PgDn
expect "forwards again to the review" "Landfall - Review"
# Jump from the review to the region and back.
keys 3
expect "1-9 jumps to a step" "Landfall - Region"
check "the jump kept the region" shows "eu-west-1"
check "a jumped step offers the way back" shows "Esc/PgDn Review"
keys Escape
expect "Esc returns to the review" "Landfall - Review"
keys e
expect "e lists the steps" "Edit a step"
keys Down Down Down Down Enter
expect "the list opens the chosen step" "Landfall - Network"
check "network kept the CIDR" shows "10.20.0.0/16"
check "network kept the trusted addresses" shows "203.0.113.0/24"
keys PgDn
expect "PgDn returns to the review" "Landfall - Review"

# Resize: bigger, smaller than 80x24 (guard), back.
tm resize-window -t "$S" -x 100 -y 30
check "resize to 100x30: the footer moves to line 30" footer_at_bottom "Enter Run"
check "resize to 100x30 redraws at the new width" test "$(screen | head -1 | wc -L)" -ge 95
tm resize-window -t "$S" -x 70 -y 20
expect "below 80x24: the guard" "at least 80x24"
tm resize-window -t "$S" -x 80 -y 24
expect "back at 80x24: the review again" "Plan for clearml-w on aws:"
keys C-l
expect "Ctrl-L redraws" "Plan for clearml-w on aws:"

# Save and replay.
keys F2
expect "F2 asks where to save" "Save the answers to"
check "the default file name is offered" shows "landfall-answers.yaml"
field "$WORK/aws-saved.yaml"
keys Enter
expect "saved: status line" "Saved to"
check "aws: saved file exists with mode 0600" test "$(stat -c %a "$WORK/aws-saved.yaml" 2>/dev/null)" = 600
check "aws: saved file keeps the reference" contains "$WORK/aws-saved.yaml" "{env: LF_WIZ_ADMIN_PW}"
check "aws: saved file has no resolved secret" lacks "$WORK/aws-saved.yaml" "$LF_WIZ_ADMIN_PW"
check "aws: landfall validate accepts the saved file" bash -c "'$LF' validate '$WORK/aws-saved.yaml' >/dev/null"
check "aws: plan --answers replays the reviewed plan" same_titles "$WORK/aws-saved.yaml" "$WORK/review-aws.titles"

# Run (dry run) and the outputs.
keys Enter
expect "Enter asks before running" "Run the"
keys y
expect "run screen shows actions" "Create the VPC" 20
expect "outputs screen after the run" "Landfall - Outputs of clearml-w" 60
check "outputs screen shows the region" shows_re "Region +eu-west-1"
check "outputs screen shows the web URL" shows "https://app.clearml.example.com"
check "outputs screen names outputs.md" outputs_md
keys Enter
sleep 0.3
keys q Enter Escape
check "aws: wizard exits 0 after the run" test "$(wait_exit aws)" = 0
st=$XDG_STATE_HOME/landfall/clearml-w
check "aws: state directory with outputs.md" test -s "$st/outputs.md"
check "aws: every action done" python3 -c "
import json; j=json.load(open('$st/journal.json'))
assert j['actions'] and all(a['status']=='done' for a in j['actions'])"
check "aws: state answers replay to the same plan" same_titles "$st/answers.yaml" "$WORK/review-aws.titles"
check "aws: no sanitizer report" bash -c "! grep -q 'ERROR: \\(AddressSanitizer\\|LeakSanitizer\\)\\|runtime error' '$WORK/aws.stderr'"
stop aws

# ---- 2. ubuntu, NO_COLOR: typed secrets stay in memory ------------------
start ubuntu 80 24 NO_COLOR=1 -- --dry-run
expect "ubuntu: welcome" "Start a new install"
check "NO_COLOR: no colour on the screen" bash -c "! tmux -S '$SOCK' capture-pane -e -p -t ubuntu | grep -qE \$'\\e\\\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]'"
check "NO_COLOR: monochrome attributes instead (reverse bars)" reversed
keys Enter Down Right Right
expect "target ubuntu" "(*) ubuntu"
keys Down
put clearml-u
keys PgDn
expect "ubuntu: connection step with SSH" "SSH host"
check "ubuntu: no AWS fields" lacks_screen "AWS profile"
put "clearml.internal.example.com"
keys Down Down Down Down
put "$TYPED_SSH"
expect "typed password is masked" "***"
check "typed password not on screen" lacks_screen "$TYPED_SSH"
keys Down Down
put "$TYPED_SUDO"
keys Up
expect "typed secret: kept in memory" "(typed, kept in memory only)"
keys PgDn
expect "ubuntu: disks step" "Docker directory"
keys PgDn
expect "ubuntu: domain step" "Landfall - Domain"
put clearml.example.com
keys PgDn PgDn
expect "ubuntu: server step" "Landfall - Server settings"
keys Down Enter
expect "ubuntu users: entry form" "Fixed users: entry 1"
put support
keys Enter Enter F3
expect "ubuntu users: reference prompt" "env:NAME or file:PATH"
keys C-u
put env:LF_WIZ_ADMIN_PW
keys Enter Enter Enter
expect "ubuntu users: list" "{env: LF_WIZ_ADMIN_PW}"
keys a
expect "users: a adds an entry" "Fixed users: entry 2"
put alice
keys Escape
expect "users: an unfinished entry is listed with its problem" "password: is required"
keys d
expect "users: d asks before deleting" "Delete entry 2"
keys y
check "users: the entry is gone" wait_gone "alice"
keys e
expect "users: e edits an entry" "Fixed users: entry 1"
check "users: the entry form shows its values" shows_re "User name \\* +support"
keys Escape
expect "users: back to the list" "a Add  Enter Edit"
keys Escape
expect "ubuntu users: back on the step" "support  [Enter: edit]"
keys PgDn
check "ubuntu: checks, then the review" through_checks
expect "ubuntu: review" "Plan for clearml-u on ubuntu:"
review_titles "$WORK/review-ubuntu.titles"
keys C-s
expect "Ctrl-S saves too" "Save the answers to"
field "$WORK/ubuntu-saved.yaml"
keys Enter
expect "ubuntu: saved, typed secrets left out" "Typed secrets are left out"
check "ubuntu: saved file has no typed secret" no_marker_in "$WORK/ubuntu-saved.yaml"
check "ubuntu: plan --answers replays the reviewed plan" same_titles "$WORK/ubuntu-saved.yaml" "$WORK/review-ubuntu.titles"
keys Enter
expect "ubuntu: confirm run" "Run the"
keys y
check "ubuntu: outputs (names outputs.md)" outputs_md
keys Enter
sleep 0.3
keys q Enter Escape
check "ubuntu: wizard exits 0" test "$(wait_exit ubuntu)" = 0
check "ubuntu: no typed secret in the state directory" no_marker_in "$XDG_STATE_HOME/landfall/clearml-u"
check "ubuntu: no sanitizer report" bash -c "! grep -q 'ERROR: \\(AddressSanitizer\\|LeakSanitizer\\)\\|runtime error' '$WORK/ubuntu.stderr'"
stop ubuntu

# ---- 3. kubernetes, TERM=vt100 --ascii, Enter only ----------------------
start k8s 80 24 TERM=vt100 -- --dry-run --ascii
expect "vt100: welcome" "Start a new install"
keys Enter Down Right Right Right
expect "target kubernetes" "(*) kubernetes"
check "--ascii: plain lines" shows "-----"
check "--ascii: no line drawing" lacks_screen "─"
keys Enter
put clearml-k
keys Enter Enter
expect "kubernetes: connection step" "kubeconfig"
keys Enter
put prod-cluster
keys Enter
expect "kubernetes: cluster step" "Namespace"
keys Enter
put worker-3.example.internal
keys Enter Enter Enter Enter
expect "kubernetes: domain step" "Landfall - Domain"
put clearml.example.com
keys Enter
expect "kubernetes: server step" "Landfall - Server settings"
check "kubernetes: open-source base directory by default" shows "/opt/clearml"
keys Down Enter
put admin
keys Enter Enter F3
expect "vt100: F3 reference prompt" "env:NAME or file:PATH"
keys C-u
put env:LF_WIZ_ADMIN_PW
keys Enter Enter Space Enter
expect "kubernetes users: list" "admin"
keys Escape
keys Enter Enter
check "kubernetes: checks, then the review" through_checks
expect "kubernetes: review" "Plan for clearml-k on kubernetes:"
review_titles "$WORK/review-k8s.titles"
keys C-s
field "$WORK/k8s-saved.yaml"
keys Enter
expect "kubernetes: saved" "Saved to"
check "kubernetes: plan --answers replays the reviewed plan" same_titles "$WORK/k8s-saved.yaml" "$WORK/review-k8s.titles"
keys r
expect "r runs too (after asking)" "Run the"
keys y
check "kubernetes: outputs (names outputs.md)" outputs_md
keys Enter
sleep 0.3
keys q Enter Escape
check "kubernetes: wizard exits 0" test "$(wait_exit k8s)" = 0
stop k8s

# ---- 4. prefill from --answers with problems; quit with unsaved changes -
sed 's/region: eu-west-1$/region: eu-west-1a/; s/  zones:/  zonez:/' "$SRC/tests/answers/aws.yaml" >"$WORK/bad.yaml"
start prefill 100 30 -- --dry-run --answers "$WORK/bad.yaml"
expect "load problems: file:line:col and field" "bad.yaml:10:3: aws.region"
check "load problems: unknown key named" shows 'unknown key "zonez"'
keys Enter
expect "the wizard opens anyway" "Continue with the current answers"
keys Enter PgDn PgDn
expect "prefilled region shown with its rule" "this is an availability zone"
keys F10
expect "F10 asks" "Quit Landfall?"
keys Escape
expect "Esc cancels quitting" "Landfall - Region"
field eu-west-1
keys Down F10
expect "F10 with changes offers to save" "Save the answers, then quit"
keys 2
check "quit without saving exits 0" test "$(wait_exit prefill)" = 0
check "the prefill file was not touched" contains "$WORK/bad.yaml" "region: eu-west-1a"
stop prefill

# ---- 5. a real backend: the checks say why, the wizard carries on ------
# No credentials and no instance metadata: the connection fails at once,
# and nothing can reach AWS from here whatever the machine's network.
start real 80 24 LANDFALL_TEST_SUPPORT_PASSWORD=x LANDFALL_TEST_REGISTRY_PASSWORD=y \
	AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=http://127.0.0.1:9 -- --answers "$SRC/tests/answers/aws.yaml"
expect "real: answers load cleanly" "Continue with the current answers"
keys Enter PgDn PgDn
# Leaving the connection screen asks AWS who the credentials are: no answer.
expect "real: the connection screen's probe fails in plain words" "Go on anyway?"
check "real: ... naming the credentials" shows "credentials"
keys Enter
# ... and leaving the region screen counts its zones: no answer either.
keys PgDn
expect "real: the region screen's probe fails the same way" "Go on anyway?"
keys Enter
for _ in 1 2 3 4 5 6 7 8; do keys PgDn; sleep 0.15; done
check "real: the checks screen says a check failed" wait_for "failed" 20
check "real: in plain words, with the way out" shows "Esc Back"
# Leave the checks screen the way it offers (Enter or Esc) until a step shows.
for _ in 1 2 3 4 5; do
	shows "Step 11 of 11" && break
	keys Escape
	sleep 0.4
done
check "real: still running, back on the last step" shows "Step 11 of 11"
check "real: the step says the checks did not pass" shows "checks did not pass"
check "real: nothing was created" test ! -e "$XDG_STATE_HOME/landfall/clearml-prod/journal.json"
keys F10
sleep 0.3
keys y 2
check "real: quits cleanly" test "$(wait_exit real)" = 0
stop real

# ---- 6. resume the aws install from its state directory ----------------
start resume 80 24 -- 
expect "resume: welcome" "Resume from a state directory"
keys 3
expect "resume: asks for the directory" "Resume from the state directory"
field "$XDG_STATE_HOME/landfall/clearml-w"
keys Enter
expect "resume: the checks of the recorded (dry) run" "Dry run"
keys Enter
expect "resume: nothing left to do, the outputs" "Outputs of clearml-w" 30
keys Enter
check "resume: exits 0" test "$(wait_exit resume)" = 0
stop resume

# ---- 7. a state directory made for other answers refuses them ----------
start mismatch 80 24 -- --dry-run --answers "$WORK/aws-saved.yaml"
expect "mismatch: the saved answers load" "Continue with the current answers"
keys Enter PgDn PgDn PgDn PgDn PgDn PgDn PgDn PgDn PgDn
expect "mismatch: backups" "Landfall - Backups"
keys Down Down
field 9
keys PgDn PgDn
check "mismatch: checks, then the review" through_checks
keys Enter
expect "mismatch: asks before running" "Run the"
keys y
expect "mismatch: the state directory refuses other answers" "answers differ"
keys Enter
expect "mismatch: back on the last step, nothing ran" "Nothing ran"
check "mismatch: the first install's journal is untouched" python3 -c "
import json; j=json.load(open('$XDG_STATE_HOME/landfall/clearml-w/journal.json'))
assert all(a['status']=='done' for a in j['actions'])"
keys F10 2
check "mismatch: quits" test "$(wait_exit mismatch)" = 0
stop mismatch

# ---- 8. Back to the welcome, q, quitting with unsaved changes ----------
start quit 80 24 -- --dry-run
expect "quit: welcome" "Start a new install"
keys Enter
expect "quit: first step" "Product and target"
keys Escape
expect "Esc on the first step: the welcome" "Start a new install"
keys Enter
expect "quit: first step again" "Product and target"
keys q
expect "q on a choice asks to quit" "Quit Landfall?"
keys n
expect "n stays" "Product and target"
keys Down Down
put q
expect "q in a text field is typed" "Install name                q"
keys F10
expect "unsaved changes: save offered" "Save the answers, then quit"
keys 3
expect "Cancel stays" "Product and target"
keys F10 1
expect "save, then quit: asks where" "Save the answers to"
field "$WORK/quit-saved.yaml"
keys Enter
check "quit: exits 0 after saving" test "$(wait_exit quit)" = 0
check "quit: the answers were saved" contains "$WORK/quit-saved.yaml" "name: q"
stop quit

# ---- 9. German -----------------------------------------------------------
# The German of a one-line msgid in po/de.po, empty when not translated.
de_of() {
	python3 - "$SRC/po/de.po" "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'^msgid "%s"\nmsgstr "(.*)"$' % re.escape(sys.argv[2]), text, re.M)
print(m.group(1) if m else "")
PY
}
de_welcome=$(de_of "Start a new install")
de_step=$(de_of "Product and target")
if [ -n "$de_welcome$de_step" ]; then
	start german 80 24 LANGUAGE=de -- --dry-run
	if [ -n "$de_welcome" ]; then
		expect "German: the welcome in German" "$de_welcome"
	else
		echo "ok - SKIP German welcome: po/de.po has no translation of \"Start a new install\" yet"
	fi
	keys Enter
	if [ -n "$de_step" ]; then
		expect "German: a step title in German" "$de_step"
	else
		echo "ok - SKIP German step title: po/de.po has no translation of \"Product and target\" yet"
	fi
	keys F10
	sleep 0.3
	keys y
	check "German: quits" test "$(wait_exit german)" = 0
	stop german
else
	echo "ok - SKIP German: po/de.po has none of the wizard's strings translated yet"
fi

echo "time: $(($(date +%s) - T0)) s"
finish
