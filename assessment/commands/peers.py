"""`python -m assessment peers …`: fit, list and activate peer-group models."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from assessment.loader import load_questionnaires
from assessment.questionnaire import QuestionnaireSet
from assessment.storage import Repository, open_database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `peers` command group."""
    p = sub.add_parser(
        "peers",
        help="peer-group models: fit on submitted assessments, list, activate",
        description="Peer groups are found by clustering sub-domain scores (docs/peers.md).",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="message language")
    actions = p.add_subparsers(dest="action", required=True)
    fit = actions.add_parser("fit", help="fit a new model version and make it active")
    fit.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fit.add_argument("--models-dir", type=Path, default=None, help="where to write the model")
    fit.set_defaults(handler=fit_)
    ls = actions.add_parser("list", help="list model versions (* = active)")
    ls.set_defaults(handler=list_)
    act = actions.add_parser("activate", help="make an earlier model version active")
    act.add_argument("version")
    act.set_defaults(handler=activate)


def _repo() -> tuple[Repository, QuestionnaireSet]:
    qset = load_questionnaires()
    return Repository(open_database(), qset), qset


def fit_(args: argparse.Namespace) -> int:
    from assessment.peers import fit_and_register

    repo, qset = _repo()
    with tqdm(total=1, desc="fitting peer groups", unit="step") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        model = fit_and_register(
            repo,
            qset,
            folder=args.models_dir,
            random_state=args.seed,
            progress=progress,
            actor="cli",
        )
    meta = model.metadata
    print(
        f"model {model.version}: n={meta['n']}, k={meta['k']}, "
        f"silhouette={meta['silhouette']} (active)"
    )
    for p in model.profiles:
        print(f"  cluster {p.cluster} ({p.size}): {p.name.get(args.lang)}")
    return 0


def list_(args: argparse.Namespace) -> int:
    repo, _ = _repo()
    for rec in repo.list_peer_models():
        mark = "*" if rec.active else " "
        meta = rec.metadata
        print(f"{mark} {rec.version}  n={meta.get('n')} k={meta.get('k')}  {rec.path}")
    return 0


def activate(args: argparse.Namespace) -> int:
    repo, _ = _repo()
    repo.activate_peer_model(args.version, actor="cli")
    print(f"active model: {args.version}")
    return 0
