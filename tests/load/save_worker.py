"""A stand-in app process for the kill test: opens a draft by its resume code and saves its
sections one after another through `Repository.save_section`, as the wizard does, printing
`<section> <version>` after each save has returned. The test SIGKILLs it part-way.

Usage: python save_worker.py DATABASE_URL RESUME_CODE ANSWERS_JSON_FILE
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# A script of its own, outside pytest: its folder (helpers) and the repository root (the
# assessment and bench packages that helpers imports) are put on the path here.
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]
import helpers as h  # noqa: E402

from assessment.storage import Repository, make_engine  # noqa: E402


def main(url: str, code: str, answers_path: str) -> None:
    repo = Repository(make_engine(url), h.qset())
    answers = json.loads(Path(answers_path).read_text(encoding="utf-8"))
    record = repo.resume(code)
    version = record.version
    print("ready", version, flush=True)
    for sid, own in h.sections(answers):
        if own and not sid.startswith("profile."):
            version = repo.save_section(record.id, sid, own, version, require_complete=False)
            print(sid, version, flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
