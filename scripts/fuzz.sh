#!/usr/bin/env bash
# Runs every go test -fuzz target (the *_fuzz_test.go files under internal/)
# for the given number of seconds each, one after the other, with one worker
# (-parallel=1). Their seed corpora (f.Add and testdata/fuzz/<target>/) run as
# ordinary tests with go test ./...; a failing input found here is written to
# the package's testdata/fuzz/<target>/, where it then runs with them.
#
#   ./scripts/fuzz.sh          # every target, 30 s each
#   ./scripts/fuzz.sh 300      # every target, 5 min each
#   ./scripts/fuzz.sh -l       # list the targets
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# targets prints "<package dir> <target>" for each fuzz target.
targets() {
  grep -H '^func Fuzz[A-Za-z0-9_]*(f \*testing.F)' $(git ls-files --cached --others --exclude-standard 'internal/*_fuzz_test.go') |
    sed -E 's#^(.*)/[^/]+:func (Fuzz[A-Za-z0-9_]*)\(.*#./\1 \2#' | sort
}

if [ "${1:-}" = "-l" ]; then
  targets
  exit 0
fi
secs="${1:-30}"
[[ "$secs" =~ ^[0-9]+$ ]] || die "usage: $0 [seconds | -l]"

failed=()
while read -r pkg target; do
  log "$target ($pkg), ${secs}s"
  if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="${secs}s" -parallel=1 "$pkg"; then
    failed+=("$target")
  fi
done < <(targets)
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (the failing inputs are under testdata/fuzz/)"
log "every fuzz target passed"
