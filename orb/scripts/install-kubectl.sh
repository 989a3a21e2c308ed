#!/usr/bin/env bash
# The orb's install command, kubectl part: promoter renders every edit with `kubectl kustomize`.
# The binary is checked against its sha256 (the kubectl-sha256 parameter, else the checksum
# dl.k8s.io publishes next to it) and installed to $HOME/.promoter/bin, without sudo.
set -euo pipefail

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "promoter orb: no kubectl build for $(uname -m)" >&2; exit 2 ;;
esac
base="https://dl.k8s.io/release/${ORB_VAL_KUBECTL_VERSION:?}/bin/linux/$arch"
download="$(mktemp -d)"
curl -fsSLo "$download/kubectl" "$base/kubectl"
expected="${ORB_VAL_KUBECTL_SHA256:-}"
if [ -z "$expected" ]; then
  expected="$(curl -fsSL "$base/kubectl.sha256")"
fi
# Refuse a binary that does not match the checksum.
echo "$expected  $download/kubectl" | sha256sum --check --strict
mkdir -p "$HOME/.promoter/bin"
install -m 0755 "$download/kubectl" "$HOME/.promoter/bin/kubectl"
rm -rf "$download"
echo "export PATH=\"\$HOME/.promoter/bin:\$PATH\"" >> "$BASH_ENV"
"$HOME/.promoter/bin/kubectl" version --client
