# Sourced by gdb-test.sh and reverse-debug-test.sh: the harness side of a
# gdb test.  Both start `vpci-rig run ... --gdb=PORT` in the background with
# its output in a file, then call these.

# wait_gdb_line OUT PID TRIES: print the script of the harness's
# "  gdb -x SCRIPT" line once it is in OUT (polled every 0.5 s, at most TRIES
# times, and no longer than harness PID lives); fail with OUT shown if the
# line never comes.
wait_gdb_line() {
	_out=$1 _pid=$2 _tries=$3 _script=
	for _ in $(seq 1 "$_tries"); do
		_script=$(sed -n 's/^  gdb -x \(.*\)$/\1/p' "$_out")
		[ -n "$_script" ] && break
		kill -0 "$_pid" 2>/dev/null || break
		sleep 0.5
	done
	if [ -z "$_script" ]; then
		echo "FAIL: no 'gdb -x' line from the harness" >&2
		cat "$_out" >&2
		return 1
	fi
	echo "$_script"
}

# end_gdb_run GDB_OUT PATTERN PID: show gdb's output (without its
# add-symbol-file chatter); if PATTERN is not in it, gdb failed before its
# last `continue` and the guest still waits under the gdbstub (a --gdb run
# has no --timeout), so end the harness here.  Then wait for it and return
# its exit status.
end_gdb_run() {
	sed 's/^/gdb: /' "$1" | grep -v '^gdb: add symbol\|^gdb: 	\.' | tail -40
	grep -q "$2" "$1" || kill "$3" 2>/dev/null
	wait "$3"
}
