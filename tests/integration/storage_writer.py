"""Writes drafts in a loop until killed; used by test_storage_kill.py.

Usage: python storage_writer.py DATABASE_URL SEARCH_PATH|-
Prints `saved ID VERSION` after each committed section and `submitted ID` after each
submission, so the test knows what must survive the kill.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from answers_factory import profile_answers, section_answers

import assessment
from assessment.storage import Repository, make_engine


def main() -> None:
    url, search_path = sys.argv[1], sys.argv[2]
    kwargs = (
        {} if search_path == "-" else {"connect_args": {"options": f"-csearch_path={search_path}"}}
    )
    qset = assessment.load_questionnaires()
    repo = Repository(make_engine(url, **kwargs), qset)
    sections = [s.id for q in qset.questionnaires for s in q.sections]
    n = 5000
    while True:
        n += 1
        draft = repo.create_draft(profile_answers(qset, n, "profile.basic"), 2026)
        print(f"saved {draft.assessment_id} 1", flush=True)
        version = draft.version
        for section in sections:
            version = repo.save_section(
                draft.assessment_id, section, section_answers(qset, n, section), version
            )
            print(f"saved {draft.assessment_id} {version}", flush=True)
        if n % 2:  # leave every other assessment a draft
            repo.submit(draft.assessment_id, version)
            print(f"submitted {draft.assessment_id}", flush=True)


if __name__ == "__main__":
    main()
