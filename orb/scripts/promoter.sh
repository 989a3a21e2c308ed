#!/usr/bin/env bash
# The orb's set-image, promote and check-pipeline commands: promoter's command line built from
# the command's parameters (ORB_VAL_* and ORB_BOOL_* variables of the step), then run.
# A string parameter may name environment variables ($CIRCLE_SHA1, ${GITOPS_REPO_URL}):
# `circleci env subst` expands them; nothing is evaluated as shell code.
set -euo pipefail

fail() {
  echo "promoter orb: $*" >&2
  exit 2
}

# expand NAME: the value of the parameter variable NAME with its $VARIABLES expanded. A
# parameter that names only unset or empty variables is an error, not a silent default.
expand() {
  local raw="${!1:-}" value
  if [ -z "$raw" ]; then
    return 0
  fi
  value="$(circleci env subst "$raw")"
  if [ -z "$value" ]; then
    fail "${1#ORB_VAL_} is '$raw', which is empty here: set the variable in the project or context"
  fi
  printf '%s' "$value"
}

enabled() {  # a boolean parameter: CircleCI gives true/false, or 1/0 in an environment
  case "${!1:-}" in
    true | 1) return 0 ;;
    false | 0 | "") return 1 ;;
    *) fail "${1#ORB_BOOL_} must be true or false, not '${!1}'" ;;
  esac
}

option() {  # option FLAG NAME: FLAG and the expanded parameter, when the parameter is set
  local value
  value="$(expand "$2")"
  if [ -n "$value" ]; then
    args+=("$1" "$value")
  fi
}

action="${ORB_VAL_ACTION:?}"
args=("$action")
case "$action" in
  set-image | promote)
    environment="$(expand ORB_VAL_ENVIRONMENT)"
    [ -n "$environment" ] || fail "$action needs the environment parameter"
    args+=("$environment")
    words="$(expand ORB_VAL_IMAGES)"
    # read -a splits on blanks only: no globbing, no quotes to interpret.
    read -r -a images <<< "$words"
    ;;
  check-pipeline)
    file="$(expand ORB_VAL_FILE)"
    if [ -n "$file" ]; then args+=("$file"); fi
    ;;
  *) fail "unknown action '$action'" ;;
esac

if [ "$action" = set-image ]; then
  [ "${#images[@]}" -gt 0 ] || fail "set-image needs images, for example web=\$CIRCLE_SHA1"
  args+=("${images[@]}")
  words="$(expand ORB_VAL_NEW_NAMES)"
  read -r -a new_names <<< "$words"
  for name in "${new_names[@]}"; do
    args+=(--new-name "$name")
  done
elif [ "$action" = promote ]; then
  for name in "${images[@]}"; do
    args+=(--image "$name")
  done
  option --tag ORB_VAL_TAG
  option --from ORB_VAL_FROM
  if enabled ORB_BOOL_PR; then args+=(--pr); fi
  if enabled ORB_BOOL_REQUIRE_APPROVAL; then args+=(--require-approval); fi
  if enabled ORB_BOOL_WAIT; then args+=(--wait); fi
  option --timeout ORB_VAL_TIMEOUT
  option --interval ORB_VAL_INTERVAL
fi

option --repo ORB_VAL_REPO
option --branch ORB_VAL_BRANCH
option --config ORB_VAL_CONFIG
if [ "$action" != check-pipeline ]; then
  if ! enabled ORB_BOOL_PUSH; then args+=(--no-push); fi
  if enabled ORB_BOOL_DRY_RUN; then args+=(--dry-run); fi
  if enabled ORB_BOOL_SKIP_CI; then args+=(--skip-ci); fi
  option --message ORB_VAL_MESSAGE
  option --max-attempts ORB_VAL_MAX_ATTEMPTS
fi
if enabled ORB_BOOL_DEBUG; then args+=(--debug); fi

# The command line in the log, without the password or token of a URL (https://user:TOKEN@...).
line="$(printf ' %q' "${args[@]}")"
printf 'promoter%s\n' "$(sed -E 's#(://)[^/@[:space:]]+@#\1***@#g' <<< "$line")"
exec promoter "${args[@]}"
