#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The BPF programs' call chains within the stack a kernel without private
# stacks gives them (512 bytes: the verifier adds up a chain's frames), and
# the checker (bpf_stack.py) able to fail: it must see the exit programs'
# chain through their subprograms and bpf_loop callbacks, and refuse a
# limit below the deepest chain it reports.
set -u
obj=${1:?usage: bpf_stack_test.sh BPF_OBJECT}
here=$(dirname "$0")
fail=0
out=$("$here/bpf_stack.py" --top 50 "$obj")
rc=$?
case $rc in
0) ;;
1) echo "FAIL: a call chain over 512 bytes"; fail=1 ;;
*) echo "FAIL: bpf_stack.py could not read $obj (exit $rc)"; exit 1 ;;
esac
echo "$out" | head -3
# the exit programs' deepest chain goes through a bpf_loop callback (a
# read's further events) into consume(): the checker must follow both
exit_chain=$(echo "$out" | grep -m1 ' evt_exit_btf ')
if ! echo "$exit_chain" | grep -Eq ' (signalfd_more|pipe_more) [0-9]+ \+ consume '; then
	echo "FAIL: evt_exit_btf's chain not followed through a bpf_loop callback into consume(): '$exit_chain'"
	fail=1
fi
deepest=$(echo "$out" | awk 'NR == 1 { print $1 }')
"$here/bpf_stack.py" --limit $((deepest - 16)) "$obj" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: --limit $((deepest - 16)) below the deepest chain ($deepest): exit $rc, want 1"; fail=1; }
"$here/bpf_stack.py" /nonexistent.o >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: a missing object: exit $rc, want 2"; fail=1; }
[ "$fail" -eq 0 ] && echo "bpf_stack: all passed"
exit "$fail"
