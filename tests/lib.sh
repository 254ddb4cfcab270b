# tests/lib.sh - helpers sourced by the shell integration tests.
#
# Sets $B (build dir), $S (source dir), $CORPUS (shared corpus, may be
# absent), makes a private temporary directory $T removed on exit, and
# offers fail/skip/pass that speak Automake's exit-code protocol.
B=${top_builddir:-$(pwd)}
S=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
CORPUS=${REBOUND_CORPUS:-$S/../shared/corpus}
T=$(mktemp -d "${TMPDIR:-/tmp}/rebound-test.XXXXXX")
chmod 755 "$T"
cleanup_hooks=
at_exit() { cleanup_hooks="$1; $cleanup_hooks"; }
trap 'eval "$cleanup_hooks"; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "PASS: $*"; }
# wait_until SECONDS COMMAND...: true as soon as COMMAND succeeds, false if
# it has not within SECONDS.  For what a daemon does at its own pace (a
# reload, a poll), where a fixed sleep is either slow or flaky.
wait_until() {
	_n=$(( $1 * 20 )); shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}
