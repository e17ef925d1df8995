#!/usr/bin/env bash
# The `orderpulse sql` workbench test drives the full-screen app under tmux (send keys, read
# the screen). Install Debian's tmux when we can (root with apt-get, as on CI); otherwise say
# how to, and that test skips itself (it fails instead when CI=true).
set -euo pipefail
if command -v tmux >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's tmux for the workbench test..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null
else
    echo "Note: tmux is missing; the workbench test will be skipped." >&2
    echo "      Install it with: sudo apt-get install tmux" >&2
fi
