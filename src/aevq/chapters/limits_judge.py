"""The judge of the limits chapter: a small MNIST CNN trained in the pipeline, a measuring instrument rather than a
model under study, and the claims that say whether it can be trusted (its test accuracy against the bar of
LeNet-class nets). Its own module, so that training the judge depends on nothing the chapter's generative models do.
"""

from __future__ import annotations

import numpy as np

from aevq.claims import claim
from aevq.models.classifier import MnistCNN
from aevq.paper import JUDGE_MIN_ACCURACY, JUDGE_SOURCE


def judge_shape(cfg: dict) -> dict:
    """The judge's architecture, as its metrics record it."""
    return {"arch": cfg["arch"], "channels": list(cfg["channels"]), "kernel": cfg["kernel"], "hidden": cfg["hidden"]}


def describe_judge(cfg: dict) -> str:
    """The judge's layers in words: 'conv kxk c1 - pool - conv kxk c2 - pool - dropout - FC h - 10, Adam' (CNN)."""
    if cfg["arch"] != "cnn":
        return f"784-{'-'.join(map(str, cfg['hidden']))}-10"
    c1, c2 = cfg["channels"]
    k = cfg["kernel"]
    return (
        f"conv {k}x{k} {c1} - pool - conv {k}x{k} {c2} - pool - dropout {cfg['dropout']:g} - FC {cfg['hidden'][-1]}"
        " - 10, Adam"
    )


def train_judge(cfg: dict, x_train: np.ndarray, y_train: np.ndarray, *, device, seed: int) -> MnistCNN:
    """Fit the judge (grey-level pixels in [0, 1]) with the settings of ``limits.classifier``."""
    return MnistCNN(
        arch=cfg["arch"],
        channels=tuple(cfg["channels"]),
        kernel=cfg["kernel"],
        dropout=cfg["dropout"],
        hidden=tuple(cfg["hidden"]),
        device=device,
        seed=seed,
    ).fit(x_train, y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"])


def judge_claims(accuracy: float, cfg: dict, n_train: int, n_test: int) -> list[dict]:
    """The judge is trustworthy: its test accuracy is at least ``JUDGE_MIN_ACCURACY``."""
    return [
        claim(
            f"The judge (a small MNIST CNN trained in the pipeline) reaches at least {JUDGE_MIN_ACCURACY:.0%} test"
            " accuracy",
            accuracy,
            ">=",
            JUDGE_MIN_ACCURACY,
            JUDGE_SOURCE,
            detail=(
                f"{cfg['arch'].upper()} judge ({describe_judge(cfg)}), trained {cfg['epochs']} epoch(s) on"
                f" {n_train} training images, accuracy on {n_test} test images. The judge is a measuring instrument,"
                " not a model under study, so it is trained on all training images in every profile (as another"
                " chapter's PCA-30 reference), while the models it judges see only the training images this run uses."
                + (
                    ""
                    if accuracy >= JUDGE_MIN_ACCURACY
                    else f" Below {JUDGE_MIN_ACCURACY:.0%}: the judge is NOT trustworthy at this scale, so the"
                    " confidence and Frechet numbers of this chapter are indicative only."
                )
            ),
            kind="empirical",
            basis="paper",
        )
    ]


def judge_note(clf_metrics: dict) -> str:
    """One sentence on the judge for the claims' details, from its own metrics (and a warning if it is too weak)."""
    acc = clf_metrics["test_accuracy"]
    return (
        f"Judge: {clf_metrics['arch'].upper()} trained on {clf_metrics['n_train']} training images (a measuring"
        f" instrument, not a model under study, so it sees all of them in every profile), test accuracy {acc:.4f} on"
        f" {clf_metrics['n_test']} test images"
        + (
            ""
            if acc >= JUDGE_MIN_ACCURACY
            else f" (< {JUDGE_MIN_ACCURACY:.0%}: the judge is not trustworthy; indicative only)"
        )
        + "."
    )
