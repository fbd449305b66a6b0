#!/usr/bin/env bash
# The record-fill rate of two commits in one run, interleaved round by round (old new, new old, ...): each round runs the
# benchmark once per commit (--no-funding --rounds 1), so both builds meet the same machine. Prints every round, the
# medians per provider and writer count, and new/old. Usage: compare-commits.sh OLD [NEW=HEAD] [ROUNDS=5] [benchmark options]
set -euo pipefail
old=$(git rev-parse "$1"); new=$(git rev-parse "${2:-HEAD}"); rounds=${3:-5}; shift $(( $# < 3 ? $# : 3 ))
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
cleanup() { for side in old new; do git -C "$repo" worktree remove --force "$work/$side" 2>/dev/null || true; done; echo "logs: $work"; }
trap cleanup EXIT
for side in old new; do
  commit=$([ "$side" = old ] && echo "$old" || echo "$new")
  git -C "$repo" worktree add --detach "$work/$side" "$commit" >/dev/null 2>&1
  echo "building $side = $(git -C "$repo" log -1 --format='%h %s' "$commit")"
  dotnet build -c Release "$work/$side/tests/TradingBot.Benchmarks" -v q -nologo >/dev/null
done
for round in $(seq 1 "$rounds"); do
  order="old new"; [ $((round % 2)) -eq 0 ] && order="new old"
  for side in $order; do
    log="$work/$side-$round.log"
    (cd "$work/$side" && dotnet tests/TradingBot.Benchmarks/bin/Release/net10.0/TradingBot.Benchmarks.dll --no-funding --rounds 1 "$@") > "$log" 2>&1 \
      || { echo "round $round, $side: the benchmark failed"; tail -20 "$log"; exit 1; }
    awk -v round="$round" -v side="$side" '
      /^== / { provider = $2 }
      /^  (EF RecordFill|raw [^,]*), [0-9]+ writer\(s\), round 1 \.\.\. / {
        path = ($1 == "EF") ? "EF" : "raw"; match($0, /, [0-9]+ writer/); writers = substr($0, RSTART + 2, RLENGTH - 9)
        match($0, /\.\.\. [0-9.]+ fills\/s/); rate = substr($0, RSTART + 4, RLENGTH - 12)
        print round, side, provider, writers, path, rate }' "$log" >> "$work/rates"
  done
  echo "round $round done ($order)"
done
echo
echo "every round (fills/s):"
printf '%-6s %-4s %-9s %-8s %-4s %s\n' round side provider writers path rate
sort -k3,3 -k4,4n -k5,5 -k1,1n "$work/rates" | while read -r r s p w path rate; do printf '%-6s %-4s %-9s %-8s %-4s %s\n' "$r" "$s" "$p" "$w" "$path" "$rate"; done
echo
echo "medians (fills/s):"
awk '{ key = $3 " " $4 " " $5; vals[key, $2] = vals[key, $2] " " $6; keys[key] = 1 }
  function median(list,   n, a, i, j, t) { n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END { printf "%-9s %-8s %-4s %10s %10s %8s\n", "provider", "writers", "path", "old", "new", "new/old"
    for (key in keys) { o = median(vals[key, "old"]); n = median(vals[key, "new"]); split(key, k, " ")
      printf "%-9s %-8s %-4s %10.1f %10.1f %8.3f\n", k[1], k[2], k[3], o, n, n / o } }' "$work/rates" | sort
