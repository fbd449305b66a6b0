#!/usr/bin/env bash
# The record-fill rate of several commits in one run, interleaved round by round (the order rotates each round), so every
# build meets the same machine: each round runs the benchmark once per commit (--no-funding --rounds 1). Prints every
# round, the medians per provider, writer count and path, and each commit's median over the first's.
# Usage: compare-commits.sh [--rounds N] BASE OTHER... [-- benchmark options]     (N defaults to 5)
# e.g.   compare-commits.sh --rounds 9 282b1aa HEAD -- --sqlite
set -euo pipefail
rounds=5
if [ "${1:-}" = "--rounds" ]; then rounds=$2; shift 2; fi
commits=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do commits+=("$(git rev-parse --short "$1")"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#commits[@]} -ge 2 ] || { echo "usage: compare-commits.sh [--rounds N] BASE OTHER... [-- benchmark options]" >&2; exit 2; }
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
cleanup() { for c in "${commits[@]}"; do git -C "$repo" worktree remove --force "$work/$c" 2>/dev/null || true; done; echo "logs: $work"; }
trap cleanup EXIT
for c in "${commits[@]}"; do
  [ -d "$work/$c" ] && continue
  git -C "$repo" worktree add --detach "$work/$c" "$c" >/dev/null 2>&1
  echo "building $(git -C "$repo" log -1 --format='%h %s' "$c")"
  dotnet build -c Release "$work/$c/tests/TradingBot.Benchmarks" -v q -nologo >/dev/null
done
n=${#commits[@]}
for round in $(seq 1 "$rounds"); do
  order=()
  for i in $(seq 0 $((n - 1))); do order+=("${commits[$(( (i + round - 1) % n ))]}"); done
  for c in "${order[@]}"; do
    log="$work/$c-$round.log"
    (cd "$work/$c" && dotnet tests/TradingBot.Benchmarks/bin/Release/net10.0/TradingBot.Benchmarks.dll --no-funding --rounds 1 "$@") > "$log" 2>&1 \
      || { echo "round $round, $c: the benchmark failed"; tail -20 "$log"; exit 1; }
    awk -v round="$round" -v commit="$c" '
      /^== / { provider = $2 }
      /^  (EF RecordFill|raw [^,]*), [0-9]+ writer\(s\), round 1 \.\.\. / {
        path = ($1 == "EF") ? "EF" : "raw"; match($0, /, [0-9]+ writer/); writers = substr($0, RSTART + 2, RLENGTH - 9)
        match($0, /\.\.\. [0-9.]+ fills\/s/); rate = substr($0, RSTART + 4, RLENGTH - 12)
        print round, commit, provider, writers, path, rate }' "$log" >> "$work/rates"
  done
  echo "round $round done (${order[*]})"
done
echo
echo "every round (fills/s):"
printf '%-6s %-10s %-9s %-8s %-4s %s\n' round commit provider writers path rate
sort -k3,3 -k4,4n -k5,5 -k2,2 -k1,1n "$work/rates" | while read -r r c p w path rate; do printf '%-6s %-10s %-9s %-8s %-4s %s\n' "$r" "$c" "$p" "$w" "$path" "$rate"; done
echo
echo "medians (fills/s), and each over ${commits[0]}:"
printf '%-9s %-8s %-4s' provider writers path
for c in "${commits[@]}"; do printf ' %10s' "$c"; done
for c in "${commits[@]:1}"; do printf ' %10s' "/$c"; done
echo
awk -v list="${commits[*]}" '{ key = $3 " " $4 " " $5; vals[key, $2] = vals[key, $2] " " $6; keys[key] = 1 }
  function median(values,   n, a, i, j, t) { n = split(values, a, " "); if (n == 0) return 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END { m = split(list, cs, " ")
    for (key in keys) { split(key, k, " "); line = sprintf("%-9s %-8s %-4s", k[1], k[2], k[3])
      for (i = 1; i <= m; i++) { med[i] = median(vals[key, cs[i]]); line = line sprintf(" %10.1f", med[i]) }
      for (i = 2; i <= m; i++) line = line sprintf(" %10.3f", med[1] > 0 ? med[i] / med[1] : 0)
      print line } }' "$work/rates" | sort
echo
echo "EF / raw within each invocation (the same process, the same minute), medians, and each over ${commits[0]}:"
awk -v list="${commits[*]}" '{ key = $1 " " $2 " " $3 " " $4; if ($5 == "EF") ef[key] = $6; else raw[key] = $6 }
  function median(values,   n, a, i, j, t) { n = split(values, a, " "); if (n == 0) return 0
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END { for (key in ef) if (key in raw) { split(key, k, " "); group = k[3] " " k[4]; ratios[group, k[2]] = ratios[group, k[2]] " " ef[key] / raw[key]; groups[group] = 1 }
    m = split(list, cs, " ")
    for (group in groups) { split(group, g, " "); line = sprintf("%-9s %-8s EF/raw", g[1], g[2])
      for (i = 1; i <= m; i++) { med[i] = median(ratios[group, cs[i]]); line = line sprintf(" %10.3f", med[i]) }
      for (i = 2; i <= m; i++) line = line sprintf(" %10.3f", med[1] > 0 ? med[i] / med[1] : 0)
      print line } }' "$work/rates" | sort
