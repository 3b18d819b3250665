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
# shellcheck source=scripts/provisioning-common.sh
source "$here/scripts/provisioning-common.sh"

for id in "$@"; do
  if ! [[ $id =~ $uuid ]]; then echo "error: \"$id\" is not a tenant id (a UUID)" >&2; usage >&2; exit 2; fi
done

find_cli
require_api
use_credentials "" "" ""

exec "${cli[@]}" monitor "$@"
