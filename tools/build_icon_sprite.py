"""Rebuild cwqbo/static/icons/sprite.svg from the lucide-static npm package.

Only the icons named in ICONS (below) go into the sprite, each as ``<symbol id="i-NAME">``;
the badge states also get a ``<view id="v-STATE">`` (with a drawn copy of their icon) so the
stylesheet can use them as a CSS mask (``url(sprite.svg#v-ok)``) on every ``.badge``.

Usage (needs npm and the npm registry; not run by the tests or CI):

    python tools/build_icon_sprite.py            # the pinned VERSION
    python tools/build_icon_sprite.py 1.63.0     # another version (then update VERSION)

It runs ``npm pack lucide-static@VERSION`` in a temporary folder, copies the package's
LICENSE to cwqbo/static/icons/LICENSE-lucide.txt and writes the sprite. To add an icon: add
its Lucide name (https://lucide.dev/icons) to ICONS and run the script; the page test
(tests/web/test_icons.py) fails on any ``#i-name`` a page uses that the sprite lacks.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

VERSION = "1.62.0"
OUT = Path(__file__).resolve().parents[1] / "cwqbo" / "static" / "icons"
ICONS = sorted(
    {
        # navigation
        "layout-dashboard", "play", "file-text", "file-check", "receipt", "receipt-text",
        "package", "package-check", "banknote", "list-checks", "chart-column", "scale",
        "life-buoy", "plug", "landmark", "users", "scroll-text", "server", "circle-user",
        "log-out", "menu",
        # states (badges) and notices
        "circle-check", "triangle-alert", "circle-x", "circle-dashed", "info", "clock",
        # buttons
        "link", "unlink", "rotate-cw", "undo-2", "download", "trash-2", "plus", "send", "search",
        "arrow-right", "external-link", "mail",
        # empty states and the dashboard
        "inbox", "history", "circle", "sparkles", "activity", "shield-check", "key-round",
    }
)  # fmt: skip
# Badge tone (and flash, download link) -> icon, drawn as a <view> for the stylesheet's mask-image.
VIEWS = {
    "ok": "circle-check",
    "warn": "triangle-alert",
    "bad": "circle-x",
    "muted": "clock",
    "info": "info",
    "download": "download",
    "retry": "rotate-cw",
    "unbatch": "undo-2",
}
SVG = "http://www.w3.org/2000/svg"
PAINT = {
    "fill": "none",
    "stroke": "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
}


def fetch(version: str, folder: Path) -> Path:
    subprocess.run(["npm", "pack", f"lucide-static@{version}", "--silent"], cwd=folder, check=True)
    archive = next(folder.glob("lucide-static-*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package"


def build(package: Path, version: str) -> str:
    ET.register_namespace("", SVG)
    root = ET.Element(f"{{{SVG}}}svg")
    defs = ET.SubElement(root, f"{{{SVG}}}defs")
    for name in ICONS:
        source = ET.parse(package / "icons" / f"{name}.svg").getroot()
        symbol = ET.SubElement(
            defs, f"{{{SVG}}}symbol", {"id": f"i-{name}", "viewBox": "0 0 24 24", **PAINT}
        )
        symbol.extend(list(source))
    # The views: each badge icon drawn once, side by side, 24 px apart.
    for n, (tone, name) in enumerate(VIEWS.items()):
        ET.SubElement(root, f"{{{SVG}}}view", {"id": f"v-{tone}", "viewBox": f"{n * 24} 0 24 24"})
        ET.SubElement(
            root,
            f"{{{SVG}}}use",
            {"href": f"#i-{name}", "x": str(n * 24), "width": "24", "height": "24"},
        )
    root.set("viewBox", f"0 0 {len(VIEWS) * 24} 24")
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return f"<!-- Lucide icons (lucide-static {version}, ISC: LICENSE-lucide.txt) -->\n{body}\n"


def main(version: str = VERSION) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        package = fetch(version, Path(tmp))
        (OUT / "sprite.svg").write_text(build(package, version), encoding="utf-8")
        license_text = (package / "LICENSE").read_text(encoding="utf-8")
        (OUT / "LICENSE-lucide.txt").write_text(
            f"lucide-static {version} (https://lucide.dev), from its npm package.\n\n"
            + license_text,
            encoding="utf-8",
        )
    print(f"wrote {OUT / 'sprite.svg'}: {len(ICONS)} icons from lucide-static {version}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
