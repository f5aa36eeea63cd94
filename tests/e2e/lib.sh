# Shared by the end-to-end shell tests: a scratch directory with the last
# run's stdout/stderr, a failure counter, and pattern checks on them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat "$tmp/out"
	echo "--- stderr"; cat "$tmp/err"
	fails=$((fails + 1))
}

expect() { # file pattern what
	grep -qF -- "$2" "$1" || fail "$3: missing '$2'"
}

# After a `memvisor run --transport kvm`: when it said KVM is unusable here,
# report the reason as the suite's kvm line and skip (exit 77).
skip_without_kvm() {
	if grep -q "KVM unavailable" "$tmp/err"; then
		echo "kvm: unavailable: $(sed -n 's/.*KVM unavailable: //p' "$tmp/err")"
		exit 77
	fi
}
