#!/usr/bin/env bash
# Fetches Flask, gunicorn and the extensions the `flaskwarden init` skeleton uses from Debian's
# archive and unpacks them, without root and without installing anything, into .live-deps/ (git-ignored).
# The live skeleton test (test/init.test.ts) puts .live-deps/root/usr/lib/python3/dist-packages on
# PYTHONPATH and serves the generated app with gunicorn; without this folder that test is skipped.
# Needs apt-get and dpkg-deb (a Debian or Ubuntu machine with package lists: apt-get update).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
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
