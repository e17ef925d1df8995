#!/usr/bin/env bash
# The browser test and the executive report's PDF use Debian's chromium headless; the report's
# tests render the PDF to PNG with poppler-utils' pdftoppm. Install them when we can (root with
# apt-get, as on CI and the project's machines); otherwise say how to, and the tests that need
# them skip themselves (they fail instead when CI=true).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the browser test and the report's PDF..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "Note: ${missing[*]} missing; the browser and PDF tests will be skipped." >&2
    echo "      Install with: sudo apt-get install ${missing[*]}" >&2
fi
