#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (FUZZTIME, default
# 2s each): a smoke test that the targets build, their seed corpora pass,
# and a little new input does not crash a decoder. `make fuzz` runs longer.
set -euo pipefail
fuzztime=${FUZZTIME:-2s}
failed=0
count=0
for pkg in $(go list ./...); do
  targets=$(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true)
  for f in $targets; do
    count=$((count + 1))
    if ! go test -run '^$' -fuzz "^${f}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/fuzz-$$.log 2>&1; then
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
