"""Regenerate the seeds portal's attachments (run once; the files are committed).

    python -m mockportal.build_assets

Needs reportlab (a test extra); the server itself only reads the committed files.
"""

from __future__ import annotations

from mockportal.render import to_docx, to_pdf
from mockportal.sites.seeds import ASSETS, REPORTS, asset_path, seed_text


def main() -> None:
    titles = {r.seed: r.title for r in REPORTS}
    for seed in ASSETS:
        make = to_pdf if ASSETS[seed].endswith(".pdf") else to_docx
        path = asset_path(seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make(seed_text(seed), titles[seed]))
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
