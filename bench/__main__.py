"""`python -m bench`: run the benchmarks and write the results table into BENCHMARKS.md.

python -m bench                 # everything, full size (~25 min), rewrites BENCHMARKS.md
python -m bench --only scoring  # one benchmark; its rows replace the old ones
python -m bench --smoke         # tiny sizes, 1 repeat, to a temporary file
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

# Before Streamlit is imported: AppTest and cache clearing outside a script run would
# otherwise log a warning per call.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

from bench import report
from bench.context import Context
from bench.timing import Row

ROOT = Path(__file__).resolve().parent.parent
# Run order: cheap, self-contained ones first; the browser and the app process last.
BENCHMARKS = (
    "scoring",
    "peers",
    "dashboard",
    "xlsx_import",
    "pages",
    "browser",
    "memory",
)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks and write the report; exit 1 if one of them failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repeat, temp output")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per figure (5)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the Markdown file to write (BENCHMARKS.md; a temp file with --smoke)",
    )
    parser.add_argument("--no-pg", action="store_true", help="skip the PostgreSQL figures")
    args = parser.parse_args(argv)
    # Imported here: report.py imports this module for BENCHMARKS, and this file must
    # import cleanly beside an older bench.timing already loaded by a running harness.
    from bench.timing import Partial

    if args.out is None:
        args.out = (
            Path(tempfile.mkdtemp(prefix="bench-smoke-")) / "BENCHMARKS.md"
            if args.smoke
            else ROOT / "BENCHMARKS.md"
        )
    repeats = args.repeats or (1 if args.smoke else 5)
    ctx = Context(smoke=args.smoke, repeats=repeats, pg=not args.no_pg)
    names = args.only or list(BENCHMARKS)
    rows: list[Row] = []
    failed: list[str] = []
    started = time.perf_counter()
    load_before = report.load_average()
    for name in names:
        ctx.log(f"== {name}")
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        try:
            rows += module.run(ctx)
        except Partial as part:  # the figures measured before it stopped still count
            rows += part.rows
            failed.append(name)
            ctx.log("".join(traceback.format_exception(part.error)))
        except Exception:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            ctx.log(traceback.format_exc())
        ctx.log(f"   {name}: {time.perf_counter() - t0:.0f} s")
    ctx.close()
    run_info = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": round(time.perf_counter() - started),
        "load_before": load_before,
        "load_after": report.load_average(),
        "smoke": args.smoke,
        "repeats": repeats,
        "only": names if args.only else None,
        "failed": failed,
    }
    report.write(args.out, rows, run_info, replace=set(names))
    ctx.log(f"wrote {args.out}")
    print(json.dumps({"out": str(args.out), "rows": len(rows), "failed": failed}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
