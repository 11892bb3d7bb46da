#!/usr/bin/env bash
# Runs the interop matrix on its own: starts the suite's mail stack, runs tests/interop/matrix.py against
# the built binary, stops the stack by PID.
#   bash tests/interop/run.sh [--update-docs] [--only REGEX]
# --update-docs writes the table to docs/INTEROP.md instead of build/interop/INTEROP.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
report=$root/build/interop/INTEROP.md
args=()
while (($#)); do
  case $1 in
    --update-docs) report=$root/docs/INTEROP.md ;;
    --only) args+=(--only "$2"); shift ;;
    *) echo "usage: $0 [--update-docs] [--only REGEX]" >&2; exit 2 ;;
  esac
  shift
done
[[ -x $root/build/app/smtp-workbench ]] || { echo "run scripts/build.sh first" >&2; exit 2; }
stack=$(mktemp -d /tmp/smtpwb-interop-XXXXXX)
trap 'bash "$root/tests/servers/mailstack.sh" stop "$stack"; rm -rf "$stack"' EXIT
bash "$root/tests/servers/mailstack.sh" start "$stack"
mkdir -p "$root/build/interop"
version=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9.]*\)".*/\1/p' "$root/.deps/prefix/usr/include/mbedtls/build_info.h")
python3 "$root/tests/interop/matrix.py" --binary "$root/build/app/smtp-workbench" --workdir "$root/build/interop/work" \
  --mailstack-env "$stack/env" --exim "$root/.deps/prefix/usr/sbin/exim4" --report "$report" \
  --mbedtls-version "$version" "${args[@]}"
