"""Checks for redirect targets, outbound fetches and uploaded files."""
import ipaddress
import re
import socket
import subprocess
from urllib.parse import urlparse

import requests

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
MAX_PREVIEW_BYTES = 64 * 1024


class FetchRefused(ValueError):
    """The URL is not one the link preview is allowed to fetch."""


def is_safe_redirect(target):
    """True only for a same-site relative path such as /notes/3?q=x."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlparse(target)
    return not parts.scheme and not parts.netloc


def check_fetch_url(url, allowed_hosts):
    """Refuse anything but http(s) on a standard port to an allow-listed host with public addresses."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("only http and https links can be previewed")
    host = (parts.hostname or "").lower()
    if host not in allowed_hosts:
        raise FetchRefused("that site is not on the preview allow-list")
    if parts.username or parts.password or parts.port not in (None, 80, 443):
        raise FetchRefused("links with credentials or unusual ports are not previewed")
    # Defence in depth: an allow-listed name must not resolve to an internal address.
    for info in socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP):
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise FetchRefused("that site resolves to a private address")


def fetch_page_title(url, allowed_hosts):
    """Title of an allow-listed page: no redirects, short timeouts, at most 64 KiB read."""
    check_fetch_url(url, allowed_hosts)
    with requests.get(url, timeout=(3, 5), allow_redirects=False, stream=True) as reply:
        if reply.status_code != 200:
            return None
        head = next(reply.iter_content(MAX_PREVIEW_BYTES), b"")
        match = TITLE_RE.search(head.decode(reply.encoding or "utf-8", errors="replace"))
    return match.group(1).strip()[:200] if match else None


def sniff_content_type(path):
    """MIME type of a file's bytes according to file(1); the path is server-generated."""
    result = subprocess.run(
        ["file", "--brief", "--mime-type", "--", path],
        shell=False, capture_output=True, text=True, timeout=10, check=True,
    )
    return result.stdout.strip()


def make_thumbnail(source, target, coder, size):
    """Resize an image with ImageMagick; every argument is a literal, an allow-listed size or a
    server-generated absolute path. convert has no end-of-options marker: the explicit coder prefix
    (png:, jpeg:) keeps it from choosing a reader from the name or the contents."""
    subprocess.run(
        ["convert", f"{coder}:{source}", "-resize", size, f"png:{target}"],
        shell=False, check=True, timeout=30,
    )
