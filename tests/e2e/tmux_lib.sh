# Reading and driving a program in tmux, for the wizard's end-to-end
# scripts. Needs: tm (tmux with the script's socket), S (the session under
# test), TIMEOUT (seconds), and check/ok/not_ok from lib.sh.

screen() { tm capture-pane -p -t "$S"; }

# wait_for TEXT [SECONDS]: poll the screen until it shows TEXT.
wait_for() {
	local text=$1 limit=${2:-$TIMEOUT} i=0
	while [ $i -lt $((limit * 10)) ]; do
		screen | grep -qF -- "$text" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "    timed out waiting for \"$text\"; the screen was:"
	screen | sed 's/^/    | /'
	return 1
}

# wait_gone TEXT: poll until the screen no longer shows TEXT.
wait_gone() {
	local i=0
	while [ $i -lt $((TIMEOUT * 10)) ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "    \"$1\" stayed on the screen:"
	screen | sed 's/^/    | /'
	return 1
}

# expect DESCRIPTION TEXT [SECONDS]: a check that the screen shows TEXT.
expect() { check "$1" wait_for "$2" "${3:-$TIMEOUT}"; }
shows() { screen | grep -qF -- "$1"; }
shows_re() { screen | grep -qE -- "$1"; }
# Colours on the screen (SGR 30-37, 40-47, 256-colour), as tmux saw them.
colored() { tm capture-pane -e -p -t "$S" | grep -qE $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]'; }
reversed() { tm capture-pane -e -p -t "$S" | grep -qE $'\e\\[([0-9;]*;)?7[;m]'; }
not_colored() { ! colored; }
lacks_screen() { ! screen | grep -qF -- "$1"; }

# keys KEY...: tmux key names (Enter, Down, F2, C-u ...).
keys() {
	local k
	for k in "$@"; do
		tm send-keys -t "$S" "$k"
		# Esc alone must not merge with what follows into an escape
		# sequence: give curses its escape delay.
		[ "$k" = Escape ] && sleep 0.2
	done
	sleep 0.05
}
# put TEXT: literal text.
put() { tm send-keys -t "$S" -l -- "$1"; sleep 0.05; }

# field TEXT: replace the focused text input's content.
field() { keys C-u; put "$1"; }
