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
# shellcheck source=scripts/provisioning-common.sh
source "$here/scripts/provisioning-common.sh"

EMAIL="" PASSWORD="" TENANT_ID=""
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
case $# in
  0) ;;
  1) if [[ $1 =~ $uuid ]]; then TENANT_ID=$1; else echo "error: \"$1\" is not a tenant id; give EMAIL PASSWORD [TENANT_ID], or a TENANT_ID alone" >&2; usage >&2; exit 2; fi ;;
  2) EMAIL=$1 PASSWORD=$2 ;;
  3) EMAIL=$1 PASSWORD=$2 TENANT_ID=$3 ;;
  *) echo "error: at most 3 arguments: [EMAIL] [PASSWORD] [TENANT_ID]" >&2; usage >&2; exit 2 ;;
esac
if [[ -n $EMAIL && -z $PASSWORD ]]; then echo "error: EMAIL needs a PASSWORD" >&2; exit 2; fi

find_cli
require_api
use_credentials "$EMAIL" "$PASSWORD" "pass EMAIL PASSWORD, "

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
