#!/usr/bin/env bash
# monitor_provisioning.sh [TENANT_ID...]
#
# Follows provisioning live until every watched tenant settles: by default every tenant that is
# IN_PROGRESS now, else the tenants given. On a terminal: a redrawn screen with a progress bar and
# the current step per tenant; otherwise (a pipe, a file, CI) one line per change. At the end:
# each tenant's outcome, its errors with hints, and the command that resolves them.
#
#   ./monitor_provisioning.sh
#   ./monitor_provisioning.sh <tenant_id> [<tenant_id>...]
#
# Environment: API_URL (default http://localhost:4000/api); credentials as for
# check_provisioning_status.sh: PROVISIONER_TOKEN; PROVISIONER_EMAIL and PROVISIONER_PASSWORD;
# the CLI's cached login (provisioner login); and, only when API_URL points at this machine, the
# demo account of `npm start` (admin@moran.com / admin123).
#
# Exit codes (the worst final status): 0 COMPLETED (or nothing IN_PROGRESS)   11 PARTIAL
#   12 FAILED   13 NOT_STARTED   1 failure   2 usage   3 configuration   4 not logged in
#   5 forbidden   6 tenant not found   8 API unreachable   130 interrupted (Ctrl-C)
#
# Needs bash, curl and the product's CLI (node_modules/.bin/provisioner or bin/provisioner.js
# next to this script, else `provisioner` on the PATH). See docs/cli.md.
set -uo pipefail

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in -h | --help) usage; exit 0 ;; esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
API_URL="${API_URL:-http://localhost:4000/api}"
API_URL="${API_URL%/}"
export API_URL

uuid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
for id in "$@"; do
  if ! [[ $id =~ $uuid ]]; then echo "error: \"$id\" is not a tenant id (a UUID)" >&2; usage >&2; exit 2; fi
done

if [[ -x "$here/node_modules/.bin/provisioner" ]]; then cli=("$here/node_modules/.bin/provisioner")
elif [[ -f "$here/bin/provisioner.js" ]]; then cli=(node "$here/bin/provisioner.js")
elif command -v provisioner >/dev/null 2>&1; then cli=(provisioner)
else echo "error [CLI_NOT_FOUND]: the provisioner CLI was not found" >&2; echo "hint: run this script from the repository (npm ci), or put provisioner on the PATH" >&2; exit 3
fi

if ! err="$(curl -fsS -o /dev/null --max-time 10 "$API_URL/health" 2>&1)"; then
  echo "error [API_UNREACHABLE]: the API at $API_URL did not answer as expected: $err" >&2
  echo "hint: start the server (npm start), or set API_URL (e.g. API_URL=http://localhost:4000/api)" >&2
  exit 8
fi

# Logs in for this run only: the token goes to this process's environment (PROVISIONER_TOKEN),
# the private folder the CLI cached it in is removed at once, the user's cached login is untouched.
login_for_this_run() {
  local session_dir token
  session_dir="$(mktemp -d)"
  PROVISIONER_CONFIG_DIR="$session_dir" PROVISIONER_PASSWORD="$2" "${cli[@]}" login --email "$1" >/dev/null || {
    local rc=$?
    rm -rf "$session_dir"
    exit $rc
  }
  token="$(sed -n 's/^ *"token": "\([^"]*\)".*/\1/p' "$session_dir/credentials.json")"
  rm -rf "$session_dir"
  export PROVISIONER_TOKEN="$token"
}

is_local_api() { [[ $API_URL =~ ^https?://(localhost|127\.[0-9.]+|\[::1\])(:[0-9]+)?(/|$) ]]; }

if [[ -n ${PROVISIONER_TOKEN:-} ]]; then :
elif [[ -n ${PROVISIONER_EMAIL:-} && -n ${PROVISIONER_PASSWORD:-} ]]; then login_for_this_run "$PROVISIONER_EMAIL" "$PROVISIONER_PASSWORD"
elif "${cli[@]}" whoami >/dev/null 2>&1; then :
elif is_local_api; then
  echo "note: not logged in; using the local demo account admin@moran.com" >&2
  login_for_this_run admin@moran.com admin123
else
  echo "error [NOT_LOGGED_IN]: no credentials for $API_URL" >&2
  echo "hint: set PROVISIONER_EMAIL and PROVISIONER_PASSWORD (or PROVISIONER_TOKEN), or run: ${cli[*]} login --api-url $API_URL" >&2
  exit 4
fi

exec "${cli[@]}" monitor "$@"
