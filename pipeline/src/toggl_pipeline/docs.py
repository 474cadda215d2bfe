"""`make docs`: the HTTP reference and the SDK reference, linked both ways, readable offline.

    build/docs/index.html          links to both
    build/docs/http/index.html     openapi.yaml rendered by Redocly, Redoc's script inlined
    build/docs/sdk/                toggl_track_client rendered by pdoc from its docstrings

Nothing is loaded from a CDN: Redocly's `--inlineBundle` puts Redoc's script into the page, and
pdoc's pages are static HTML.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .layout import Layout

TEMPLATES = Path(__file__).with_name("docs_templates")
INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf8"><title>toggl-track-client documentation</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>toggl-track-client</h1>
<ul>
<li><a href="http/index.html">HTTP API reference</a>: {title},
as <code>openapi.yaml</code> describes it.</li>
<li><a href="sdk/toggl_track_client.html">Python SDK reference</a>: <code>Toggl</code>,
<code>AsyncToggl</code>, the models and the errors.</li>
</ul>
</body></html>
"""


def build(layout: Layout, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    (out / "http").mkdir(parents=True)
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    subprocess.run(
        [str(layout.node_bin / "redocly"), "build-docs", str(layout.spec), "--inlineBundle",
         "--template", str(TEMPLATES / "redoc.hbs"), "--output", str(out / "http" / "index.html")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, "-m", "pdoc", "toggl_track_client", "--docformat", "google",
         "--template-directory", str(TEMPLATES / "pdoc"), "--output-directory", str(out / "sdk")],
        check=True, capture_output=True,
    )  # fmt: skip
    title = html.escape(yaml.safe_load(layout.spec.read_text(encoding="utf-8"))["info"]["title"])
    (out / "index.html").write_text(INDEX.format(title=title), encoding="utf-8")


def main() -> None:
    layout = Layout.here()
    out = layout.root / "build" / "docs"
    build(layout, out)
    print(f"docs: {out / 'index.html'} (HTTP reference and SDK reference, offline)")


if __name__ == "__main__":
    main()
