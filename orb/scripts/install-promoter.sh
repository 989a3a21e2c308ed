#!/usr/bin/env bash
# The orb's install command, promoter part: promoter in its own venv ($HOME/.promoter), on PATH
# for the following steps. From a release wheel checked against its sha256, a pip requirement,
# or the git tag v<version> of the repository. Parameters arrive as ORB_VAL_* variables.
set -euo pipefail

venv="$HOME/.promoter"
python3 -m venv "$venv"
if [ -n "${ORB_VAL_WHEEL_URL:-}" ]; then
  if [ -z "${ORB_VAL_WHEEL_SHA256:-}" ]; then
    echo "promoter orb: wheel-url needs wheel-sha256 (a wheel is installed only if it matches)" >&2
    exit 2
  fi
  download="$(mktemp -d)"
  wheel="$download/${ORB_VAL_WHEEL_URL##*/}"
  curl -fsSLo "$wheel" "$ORB_VAL_WHEEL_URL"
  # Refuse a wheel that does not match the checksum.
  echo "$ORB_VAL_WHEEL_SHA256  $wheel" | sha256sum --check --strict
  "$venv/bin/pip" install --quiet "$wheel"
  rm -rf "$download"
elif [ -n "${ORB_VAL_SPEC:-}" ]; then
  "$venv/bin/pip" install --quiet "$ORB_VAL_SPEC"
else
  "$venv/bin/pip" install --quiet \
    "promoter @ git+${ORB_VAL_REPOSITORY:?}@v${ORB_VAL_VERSION:?}"
fi
echo "export PATH=\"$venv/bin:\$PATH\"" >> "$BASH_ENV"
"$venv/bin/promoter" --version
