#!/usr/bin/env bash
# Runs every fuzz target of the module briefly (FUZZTIME per target, 2s by
# default; a count such as 5000x also works): a smoke test that the targets
# build, their seed corpora pass, and a little new input does not crash a
# decoder. `make fuzz` runs longer.
#
# The Go fuzzer can end a run with "context deadline exceeded" when its time
# runs out while a worker is busy, with no failing input. Such a run is tried
# again, at most twice; a run that saved a failing input is never retried.
set -euo pipefail
fuzztime=${FUZZTIME:-2s}
failed=0
count=0
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for f in $targets; do
    count=$((count + 1))
    ok=0
    for try in 1 2 3; do
      if go test -run '^$' -fuzz "^${f}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/fuzz-$$.log 2>&1; then
        ok=1
        break
      fi
      if grep -q "Failing input written" /tmp/fuzz-$$.log || ! grep -q "context deadline exceeded" /tmp/fuzz-$$.log; then
        break
      fi
      echo "retry fuzz $pkg $f (the fuzzer's deadline ran out mid-run, no failing input)"
    done
    if [ "$ok" -eq 0 ]; then
      echo "FAIL fuzz $pkg $f"
      cat /tmp/fuzz-$$.log
      failed=$((failed + 1))
    else
      echo "ok   fuzz $pkg $f ($fuzztime)"
    fi
  done
done
rm -f /tmp/fuzz-$$.log
echo "fuzz smoke: $count targets, $failed failed"
[ "$failed" -eq 0 ]
