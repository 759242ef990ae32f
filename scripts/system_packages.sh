#!/usr/bin/env bash
# Install the Debian packages listed in scripts/apt-packages.txt that are missing.
#
#   scripts/system_packages.sh            install the missing ones (as root), or print the
#                                         one apt-get line to run and exit 1 (not root)
#   scripts/system_packages.sh --check    only report; exit 1 when some are missing
#
# Used by `make install` and .ci/run. On a machine without dpkg (not Debian/Ubuntu) it says
# so and exits 0: install the equivalents by hand (docs/operations.md, "System packages").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LIST=scripts/apt-packages.txt
mode=${1:-install}

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$LIST" | grep -v '^$')

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "system packages: no dpkg here; install the equivalents of: ${wanted[*]}"
    exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    echo "system packages: all ${#wanted[@]} present"
    exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $mode == --check ]]; then
    echo "system packages: missing ${missing[*]}"
    echo "  run: sudo apt-get update && sudo $line"
    exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "system packages: missing ${missing[*]}" >&2
    echo "Run this once, then make install again:" >&2
    echo "  sudo apt-get update && sudo $line" >&2
    exit 1
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (a second shell, unattended upgrades) instead of failing.
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
