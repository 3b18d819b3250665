# Shared by check_provisioning_status.sh and monitor_provisioning.sh (sourced, not run):
# API_URL, the CLI, the API's liveness, and credentials for this run. Needs bash and curl.
# The caller sets `here` (its own folder) before sourcing.

API_URL="${API_URL:-http://localhost:4000/api}"
API_URL="${API_URL%/}"
export API_URL

uuid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

# ---- the CLI ---------------------------------------------------------------------------------
find_cli() {
  if [[ -x "$here/node_modules/.bin/provisioner" ]]; then cli=("$here/node_modules/.bin/provisioner")
  elif [[ -f "$here/bin/provisioner.js" ]]; then cli=(node "$here/bin/provisioner.js")
  elif command -v provisioner >/dev/null 2>&1; then cli=(provisioner)
  else echo "error [CLI_NOT_FOUND]: the provisioner CLI was not found" >&2; echo "hint: run this script from the repository (npm ci), or put provisioner on the PATH" >&2; exit 3
  fi
}

# ---- the API answers? --------------------------------------------------------------------------
require_api() {
  local err
  if ! err="$(curl -fsS -o /dev/null --max-time 10 "$API_URL/health" 2>&1)"; then
    echo "error [API_UNREACHABLE]: the API at $API_URL did not answer as expected: $err" >&2
    echo "hint: start the server (npm start), or set API_URL (e.g. API_URL=http://localhost:4000/api)" >&2
    exit 8
  fi
}

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

# Credentials, the first that applies: EMAIL PASSWORD given ($1 $2), PROVISIONER_TOKEN,
# PROVISIONER_EMAIL + PROVISIONER_PASSWORD, the CLI's cached login, the demo account on localhost.
# $3 says how to pass credentials, for the error message.
use_credentials() {
  if [[ -n $1 ]]; then login_for_this_run "$1" "$2"
  elif [[ -n ${PROVISIONER_TOKEN:-} ]]; then :
  elif [[ -n ${PROVISIONER_EMAIL:-} && -n ${PROVISIONER_PASSWORD:-} ]]; then login_for_this_run "$PROVISIONER_EMAIL" "$PROVISIONER_PASSWORD"
  elif "${cli[@]}" whoami >/dev/null 2>&1; then :
  elif is_local_api; then
    echo "note: not logged in; using the local demo account admin@moran.com" >&2
    login_for_this_run admin@moran.com admin123
  else
    echo "error [NOT_LOGGED_IN]: no credentials for $API_URL" >&2
    echo "hint: $3set PROVISIONER_EMAIL and PROVISIONER_PASSWORD (or PROVISIONER_TOKEN), or run: ${cli[*]} login --api-url $API_URL" >&2
    exit 4
  fi
}
