#!/usr/bin/env bash
# check_provisioning_status.sh [EMAIL] [PASSWORD] [TENANT_ID]
#
# Prints a tenant's provisioning status: status, progress, current step, each step with its
# outcome, errors with their code and hint, and the exact commands that resolve them (the
# guide's curl lines with the real tenant id, and the CLI's). Without TENANT_ID it reports every
# tenant that is not COMPLETED, which makes it the guide's "Getting Help" diagnostic:
#   ./check_provisioning_status.sh > provisioning_diagnostic.txt
#
#   ./check_provisioning_status.sh admin@moran.com admin123 <tenant_id>
#   ./check_provisioning_status.sh <tenant_id>          # credentials from below
#   ./check_provisioning_status.sh                      # every tenant that is not COMPLETED
#
# Environment:
#   API_URL               API base URL (default http://localhost:4000/api)
#   PROVISIONER_TOKEN     a bearer token to use as is
#   PROVISIONER_EMAIL, PROVISIONER_PASSWORD   credentials when none are given as arguments
# Credentials, first that applies: the EMAIL PASSWORD arguments; PROVISIONER_TOKEN;
# PROVISIONER_EMAIL and PROVISIONER_PASSWORD; the CLI's cached login (provisioner login); and,
# only when API_URL points at this machine (localhost, 127.x, ::1), the demo account of
# `npm start` (admin@moran.com / admin123). Credentials given here are used for this run only:
# the cached login is left as it is.
#
# Exit codes (the worst status among the tenants reported):
#   0 COMPLETED (or every tenant COMPLETED)   10 IN_PROGRESS   11 PARTIAL   12 FAILED   13 NOT_STARTED
#   1 failure   2 usage   3 configuration (no CLI found, bad API_URL)   4 not logged in or credentials refused
#   5 forbidden   6 tenant not found   8 API unreachable
#
# Needs bash, curl and the product's CLI (node_modules/.bin/provisioner or bin/provisioner.js
# next to this script, else `provisioner` on the PATH). See docs/cli.md.
set -uo pipefail

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
API_URL="${API_URL:-http://localhost:4000/api}"
API_URL="${API_URL%/}"
export API_URL

EMAIL="" PASSWORD="" TENANT_ID=""
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
uuid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
case $# in
  0) ;;
  1) if [[ $1 =~ $uuid ]]; then TENANT_ID=$1; else echo "error: \"$1\" is not a tenant id; give EMAIL PASSWORD [TENANT_ID], or a TENANT_ID alone" >&2; usage >&2; exit 2; fi ;;
  2) EMAIL=$1 PASSWORD=$2 ;;
  3) EMAIL=$1 PASSWORD=$2 TENANT_ID=$3 ;;
  *) echo "error: at most 3 arguments: [EMAIL] [PASSWORD] [TENANT_ID]" >&2; usage >&2; exit 2 ;;
esac
if [[ -n $EMAIL && -z $PASSWORD ]]; then echo "error: EMAIL needs a PASSWORD" >&2; exit 2; fi

# ---- the CLI ---------------------------------------------------------------------------------
if [[ -x "$here/node_modules/.bin/provisioner" ]]; then cli=("$here/node_modules/.bin/provisioner")
elif [[ -f "$here/bin/provisioner.js" ]]; then cli=(node "$here/bin/provisioner.js")
elif command -v provisioner >/dev/null 2>&1; then cli=(provisioner)
else echo "error [CLI_NOT_FOUND]: the provisioner CLI was not found" >&2; echo "hint: run this script from the repository (npm ci), or put provisioner on the PATH" >&2; exit 3
fi

# ---- the API answers? --------------------------------------------------------------------------
if ! err="$(curl -fsS -o /dev/null --max-time 10 "$API_URL/health" 2>&1)"; then
  echo "error [API_UNREACHABLE]: the API at $API_URL did not answer as expected: $err" >&2
  echo "hint: start the server (npm start), or set API_URL (e.g. API_URL=http://localhost:4000/api)" >&2
  exit 8
fi

# ---- credentials -----------------------------------------------------------------------------
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

if [[ -n $EMAIL ]]; then login_for_this_run "$EMAIL" "$PASSWORD"
elif [[ -n ${PROVISIONER_TOKEN:-} ]]; then :
elif [[ -n ${PROVISIONER_EMAIL:-} && -n ${PROVISIONER_PASSWORD:-} ]]; then login_for_this_run "$PROVISIONER_EMAIL" "$PROVISIONER_PASSWORD"
elif "${cli[@]}" whoami >/dev/null 2>&1; then :
elif is_local_api; then
  echo "note: not logged in; using the local demo account admin@moran.com" >&2
  login_for_this_run admin@moran.com admin123
else
  echo "error [NOT_LOGGED_IN]: no credentials for $API_URL" >&2
  echo "hint: pass EMAIL PASSWORD, set PROVISIONER_EMAIL and PROVISIONER_PASSWORD (or PROVISIONER_TOKEN), or run: ${cli[*]} login --api-url $API_URL" >&2
  exit 4
fi

# ---- the report --------------------------------------------------------------------------------
echo "Provisioning status report"
echo "  generated: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "  API:       $API_URL"
echo "  readiness: $(curl -sS --max-time 30 -w ' (HTTP %{http_code})' "$API_URL/ready" 2>&1)"
echo
if [[ -n $TENANT_ID ]]; then "${cli[@]}" status "$TENANT_ID"; else "${cli[@]}" status; fi
status=$?
if [[ $status -eq 0 || $status -ge 10 ]]; then
  echo
  echo "Step logs: ${cli[*]} logs <tenant_id>   Live: ./monitor_provisioning.sh   Full bundle: ${cli[*]} diagnose --output provisioning_diagnostic.txt"
fi
exit $status
