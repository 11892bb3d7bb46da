#!/usr/bin/env bash
# Median wall time of the same full dialogue (EHLO, STARTTLS, EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT)
# with `smtp-workbench check` and swaks, against a mail stack started by tests/servers/mailstack.sh.
# usage: bench/check_vs_swaks.sh MAILSTACK_DIR [RUNS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:?usage: $0 MAILSTACK_DIR [RUNS]}
runs=${2:-20}
# shellcheck disable=SC1091
source "$dir/env"
export BENCH_PW=$MAILSTACK_PASSWORD
bin="$root/build/app/smtp-workbench"

time_ms() {  # prints the wall time of one run in milliseconds; fails if the run fails
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }
spread() { sort -n | awk '{a[NR]=$1} END {printf "%.1f-%.1f", a[1]/1000, a[NR]/1000}'; }

check_cmd=("$bin" check --host localhost --port "$MAILSTACK_TLS13_PORT" --security starttls --ca-file "$MAILSTACK_CA_FILE"
           --user "$MAILSTACK_USER" --password-env BENCH_PW --from "$MAILSTACK_USER" --to bench@example.test --color never)
swaks_cmd=(swaks --server localhost --port "$MAILSTACK_TLS13_PORT" --tls --tls-verify --tls-ca-path "$MAILSTACK_CA_FILE"
           --auth PLAIN --auth-user "$MAILSTACK_USER" --auth-password "$MAILSTACK_PASSWORD" --from "$MAILSTACK_USER" --to bench@example.test)

c=(); s=()
for ((i = 0; i < runs; i++)); do  # interleaved, so that both see the same machine state
  c+=("$(time_ms "${check_cmd[@]}")")
  s+=("$(time_ms "${swaks_cmd[@]}")")
done
cm=$(printf '%s\n' "${c[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
printf 'runs: %d each, full STARTTLS + AUTH PLAIN + message + QUIT, TLS 1.3\n' "$runs"
printf 'smtp-workbench check: median %s ms (range %s)\n' "$cm" "$(printf '%s\n' "${c[@]}" | spread)"
printf 'swaks:                median %s ms (range %s)\n' "$sm" "$(printf '%s\n' "${s[@]}" | spread)"
awk -v a="$cm" -v b="$sm" 'BEGIN {printf "ratio check/swaks: %.2f\n", a/b}'
