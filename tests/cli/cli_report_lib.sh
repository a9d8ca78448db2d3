# Shared by tests/cli/cli_report.sh and cli_report_hostile.sh (sourced):
# failures counted in $fails, and the end of a script: its reports kept as
# seeds for the report reader's fuzzer (tests/fuzz/fuzz.mk) when
# $FUZZ_SEEDS names a folder, then the verdict. Needs $tmp.
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# finish NAME [N]: keeps $tmp/*.json, then exits 1 if anything failed (of N
# checks)
finish() {
	if [ -n "${FUZZ_SEEDS:-}" ] && mkdir -p "$FUZZ_SEEDS"; then
		for f in "$tmp"/*.json; do
			[ -f "$f" ] && cp "$f" "$FUZZ_SEEDS/$1-$(basename "$f")"
		done
	fi
	if [ "$fails" -ne 0 ]; then
		echo "$1: $fails ${2:+of $2 }checks failed" >&2
		exit 1
	fi
	echo "$1: ${2:+$2 checks }passed"
	exit 0
}
