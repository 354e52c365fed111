# Start the STAND-IN Kubernetes API server (tests/k8s_standin.py: no real
# API server can be installed here). Source it, then:
#   k8s_standin_start DIR NODES_JSON [PORT]   sets K8S_STANDIN_PID; the port
#                                            is in DIR/port, the kubeconfig
#                                            in DIR/kubeconfig
# The caller kills K8S_STANDIN_PID at exit. Needs $SRC and $WORK.
k8s_standin_start() {
	rm -f "$1/port"
	python3 "$SRC/tests/k8s_standin.py" --dir "$1" --nodes "$2" \
		--port "${3:-0}" >>"$WORK/standin.log" 2>&1 &
	K8S_STANDIN_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$1/port" ] && return 0
		sleep 0.1
	done
	echo "not ok - the stand-in API server did not start:"
	tail -20 "$WORK/standin.log"
	return 1
}
