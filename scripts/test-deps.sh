#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: a real
# redis-server (tests never mock Redis) and redis-cli for cluster tests,
# and Debian's Chromium for the browser tests in e2e/ (which look for
# /usr/bin/chromium; chromium-driver is for anyone using WebDriver), and
# Node.js for the JS SDK's tests.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
