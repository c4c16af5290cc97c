"""`python -m assessment demo seed`: load the synthetic demo population (docs/demo-data.md)."""

from __future__ import annotations

import argparse

from assessment import demo
from assessment.loader import load_questionnaires
from assessment.storage import Repository, open_database
from assessment.storage.submissions import count_assessments

# Demo accounts exist only in a database seeded with the synthetic population; they are
# printed when created and documented in the README. Never use them in a deployment.
DEMO_USERS = (("demo-staff", "staff"), ("demo-advisor", "advisor"), ("demo-admin", "admin"))
DEMO_PASSWORD = "demo-password-2026"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `demo` command group."""
    p = sub.add_parser("demo", help="the synthetic demo population")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)
    s = actions.add_parser(
        "seed", help="fill an empty database with the synthetic population and fit peer groups"
    )
    s.add_argument("--n", type=int, default=3000, help="enterprises (default 3000)")
    s.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    s.add_argument(
        "--if-empty", action="store_true", help="do nothing when assessments already exist"
    )
    s.add_argument("--no-users", action="store_true", help="do not create the demo accounts")
    s.set_defaults(handler=seed_)


def seed_(args: argparse.Namespace) -> int:
    from assessment.peers import fit_and_register

    engine = open_database()
    qset = load_questionnaires()
    repo = Repository(engine, qset)
    existing = count_assessments(engine)
    if existing and args.if_empty:
        print(f"database already holds {existing} assessments; demo seed skipped")
        return 0
    n = demo.seed(engine, qset, args.n, seed=args.seed)
    print(
        f"seeded {n} synthetic assessments ({args.n} enterprises, labelled {demo.SYNTHETIC_PREFIX})"
    )
    model = fit_and_register(repo, qset, actor="demo-seed")
    print(f"peer model {model.version}: k={model.metadata['k']}")
    if not args.no_users:
        known = {u.username for u in repo.list_users()}
        for name, role in DEMO_USERS:
            if name not in known:
                repo.add_user(name, role, DEMO_PASSWORD, actor="demo-seed")
                print(f"demo account {name} ({role}), password {DEMO_PASSWORD}")
    return 0
