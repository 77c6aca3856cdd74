#!/usr/bin/env bash
# Fetches Flask, gunicorn and the extensions the `flaskwarden init` skeleton uses from Debian's
# archive and unpacks them, without root and without installing anything, into .live-deps/ (git-ignored).
# The live skeleton test (test/init.test.ts) puts .live-deps/root/usr/lib/python3/dist-packages on
# PYTHONPATH and serves the generated app with gunicorn; without this folder that test is skipped.
# Needs apt-get and dpkg-deb (a Debian or Ubuntu machine with package lists: apt-get update).
#
# It also installs Debian's `chromium` for the browser tests of the HTML report
# (test/html-browser.test.ts, driven by playwright-core with `executablePath`; playwright's own
# browser download is never used). Unlike the Python packages, Chromium is installed system-wide
# with `apt-get install --no-install-recommends`: it links against some 25-100 shared libraries
# (GTK, NSS, codecs, ...) whose closure differs from one base image to the next, and its launcher
# script expects /usr/lib/chromium; resolving and unpacking that by hand into a private folder with an
# LD_LIBRARY_PATH would be fragile for no gain, since CI and the developers' machines run as root.
# Skip it with FLASKWARDEN_SKIP_CHROMIUM=1. A failure here is reported and never fatal: the browser
# tests then skip with a message naming the reason.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

install_chromium() {
  if [ -n "${FLASKWARDEN_SKIP_CHROMIUM:-}" ]; then
    echo "install-live-deps: FLASKWARDEN_SKIP_CHROMIUM is set; not installing chromium"
    return 0
  fi
  if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
    echo "install-live-deps: chromium is already installed ($(command -v chromium || command -v chromium-browser))"
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "install-live-deps: not root and no password-less sudo; chromium not installed, the browser tests will be skipped" >&2
      return 1
    fi
  fi
  local start=$SECONDS
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 -y -q --no-install-recommends)
  local log
  # Package lists may be missing or stale on a fresh machine: refresh once and retry.
  if ! log=$($sudo "${apt[@]}" install chromium 2>&1); then
    $sudo apt-get -o DPkg::Lock::Timeout=120 -q update >/dev/null 2>&1 || true
    if ! log=$($sudo "${apt[@]}" install chromium 2>&1); then
      echo "$log" | tail -n 5 >&2
      echo "install-live-deps: installing chromium failed; the browser tests will be skipped" >&2
      return 1
    fi
  fi
  echo "install-live-deps: installed chromium $(dpkg-query -W -f='${Version}' chromium 2>/dev/null) in $((SECONDS - start)) s"
}

install_chromium || true
DEST=.live-deps
PACKAGES=(
  # Flask and what it imports
  python3-flask python3-werkzeug python3-jinja2 python3-markupsafe python3-itsdangerous python3-click
  # the WSGI server (gunicorn 20 imports pkg_resources)
  python3-gunicorn python3-pkg-resources
  # CSRF protection
  python3-flaskext.wtf python3-wtforms
  # rate limiting and its dependencies
  python3-flask-limiter python3-limits python3-ordered-set python3-rich python3-pygments
  python3-markdown-it python3-mdurl python3-typing-extensions python3-deprecated python3-wrapt
  python3-packaging
  # pytest, to run the generated project's own tests
  python3-pytest python3-attr python3-more-itertools python3-pluggy python3-py python3-iniconfig
  python3-exceptiongroup python3-tomli
)

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "install-live-deps: $tool not found; this script needs a Debian-based system" >&2; exit 1; }
done

if [ -f "$DEST/complete" ] && [ "$(cat "$DEST/complete")" = "${PACKAGES[*]}" ]; then
  echo "install-live-deps: $DEST is up to date"
  exit 0
fi

rm -rf "$DEST"
mkdir -p "$DEST/debs" "$DEST/root"
# apt-get download writes into the working directory; as root it warns that the _apt user cannot
# write there, which is harmless.
(cd "$DEST/debs" && apt-get download "${PACKAGES[@]}" 2> >(grep -v 'unsandboxed' >&2))
for deb in "$DEST"/debs/*.deb; do
  dpkg-deb -x "$deb" "$DEST/root"
done
echo "${PACKAGES[*]}" > "$DEST/complete"
echo "install-live-deps: unpacked $(ls "$DEST"/debs/*.deb | wc -l) packages into $DEST/root"
echo "PYTHONPATH=$PWD/$DEST/root/usr/lib/python3/dist-packages"
