"""Train the zstd dictionary that stored mail is compressed with (reviewbot/mail.zdict).

    python bench/train_zdict.py [--out reviewbot/mail.zdict]

Run once; its output is committed. The samples are the real libvir-list mail in
tests/data/libvir-list (pipermail's text months and the backports mbox), so the
dictionary holds what list mail repeats: header names, the list's own headers,
git send-email's lines, diff boilerplate. Never replace the committed file: every
stored message names its dictionary by id, so a new one is added beside it
(reviewbot/packed.py) and the old one kept to read older rows.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "libvir-list"
SIZE = 16 * 1024  # larger dictionaries measured no smaller on the bench corpus
_SEPARATOR = re.compile(rb"\n(?=From )")


def samples() -> list[bytes]:
    """Every message of the real list archives under tests/data, in a stable order."""
    out: list[bytes] = []
    for path in sorted(SAMPLES.glob("*.txt.gz")) + sorted(SAMPLES.glob("*.mbox")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        out.extend(chunk for chunk in _SEPARATOR.split(data) if chunk.strip())
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "reviewbot" / "mail.zdict")
    args = parser.parse_args(argv)
    found = samples()
    trained = zstandard.train_dictionary(SIZE, found)
    args.out.write_bytes(trained.as_bytes())
    print(f"{args.out}: {SIZE} bytes, id {trained.dict_id()}, {len(found)} samples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
