#!/usr/bin/env bash
# The browser test drives Debian's chromium headless. Install it when we can (root
# with apt-get, as on CI and the project's machines); otherwise say how to, and the
# browser test skips itself (it fails instead when CI=true).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser test..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "Note: /usr/bin/chromium is missing; the browser test will be skipped." >&2
    echo "      Install it with: sudo apt-get install chromium" >&2
fi
