#!/usr/bin/env bash
# The orb's install command, promoter part: promoter in its own venv ($HOME/.promoter), on PATH
# for the following steps. From a release wheel checked against its sha256, a pip requirement,
# or the git tag v<version> of the repository. Parameters arrive as ORB_VAL_* variables.
set -euo pipefail

venv="$HOME/.promoter"
if [ -n "${ORB_VAL_WHEEL_URL:-}" ]; then
  if [ -z "${ORB_VAL_WHEEL_SHA256:-}" ]; then
    echo "promoter orb: wheel-url needs wheel-sha256 (a wheel is installed only if it matches)" >&2
    exit 2
  fi
  download="$(mktemp -d)"
  requirement="$download/${ORB_VAL_WHEEL_URL##*/}"
  curl -fsSLo "$requirement" "$ORB_VAL_WHEEL_URL"
  # Refuse a wheel that does not match the checksum.
  echo "$ORB_VAL_WHEEL_SHA256  $requirement" | sha256sum --check --strict
elif [ -n "${ORB_VAL_SPEC:-}" ]; then
  requirement="$ORB_VAL_SPEC"
else
  requirement="promoter @ git+${ORB_VAL_REPOSITORY:?}@v${ORB_VAL_VERSION:?}"
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "$requirement"
rm -rf "${download:-}"
echo "export PATH=\"$venv/bin:\$PATH\"" >> "$BASH_ENV"
"$venv/bin/promoter" --version
