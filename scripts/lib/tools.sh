# shellcheck shell=bash
# Sourced, not executed: provides ensure_test_tools.
#
#   ensure_test_tools
#     The suite talks to a real SMTP server on loopback: Debian's
#     python3-aiosmtpd, run as /usr/bin/python3 -m aiosmtpd (override the
#     interpreter with SCHOOLOPS_PYTHON). Installs it with apt-get if missing.

ensure_test_tools() {
  local python="${SCHOOLOPS_PYTHON:-/usr/bin/python3}"
  if [[ -x "$python" ]] && "$python" -c 'import aiosmtpd' >/dev/null 2>&1; then
    return 0
  fi
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "tools: need root or sudo to install python3-aiosmtpd" >&2; return 1; }
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null 2>&1 || { echo "tools: python3-aiosmtpd is missing and apt-get is not available" >&2; return 1; }
  echo "tools: installing the Debian package python3-aiosmtpd (the suite's SMTP server)" >&2
  "${sudo[@]}" apt-get update -q >&2 || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-aiosmtpd >&2 || return 1
  "$python" -c 'import aiosmtpd' || { echo "tools: aiosmtpd still does not import with $python" >&2; return 1; }
}
