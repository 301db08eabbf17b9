"""Train the MNIST CNN that judges decodes (grey-level MNIST, /255) and record its test accuracy.

The judge is a measuring instrument, not a model under study: it is trained on ``classifier.n_train`` images (null =
all 60000) and scored on ``classifier.n_test`` (null = all 10000) in every profile, independent of ``data.n_train``.
"""

import time

from aevq.claims import claim
from aevq.data.mnist import load_mnist
from aevq.models.classifier import MnistCNN
from aevq.paper import JUDGE_MIN_ACCURACY, JUDGE_SOURCE
from aevq.runtime import seed_everything, snakemake_job, torch_device, torch_save, write_json


def describe(cfg):
    if cfg["arch"] != "cnn":
        return f"784-{'-'.join(map(str, cfg['hidden']))}-10"
    c1, c2 = cfg["channels"]
    k = cfg["kernel"]
    return (
        f"conv {k}x{k} {c1} - pool - conv {k}x{k} {c2} - pool - dropout {cfg['dropout']:g} - FC {cfg['hidden'][-1]}"
        " - 10, Adam"
    )


with snakemake_job(snakemake):
    p = snakemake.params
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    cfg = p.classifier
    x_train, y_train, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=cfg["n_train"], n_test=cfg["n_test"])
    shape = {"arch": cfg["arch"], "channels": list(cfg["channels"]), "kernel": cfg["kernel"], "hidden": cfg["hidden"]}
    t0 = time.perf_counter()
    clf = MnistCNN(
        arch=cfg["arch"],
        channels=tuple(cfg["channels"]),
        kernel=cfg["kernel"],
        dropout=cfg["dropout"],
        hidden=tuple(cfg["hidden"]),
        device=device,
        seed=seed,
    ).fit(x_train, y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"])
    train_s = time.perf_counter() - t0
    acc = clf.score(x_test, y_test)
    torch_save({"state_dict": clf.state_dict(), **shape, "history": clf.history}, snakemake.output.model)
    write_json(
        {
            "timing": {"train_s": train_s},
            "test_accuracy": acc,
            "n_train": len(x_train),
            "n_test": len(x_test),
            "epochs": cfg["epochs"],
            **shape,
            "dropout": cfg["dropout"],
            "loss_history": clf.history,
            "claims": [
                claim(
                    "The judge (a small MNIST CNN trained in the pipeline) reaches at least"
                    f" {JUDGE_MIN_ACCURACY:.0%} test accuracy",
                    acc,
                    ">=",
                    JUDGE_MIN_ACCURACY,
                    JUDGE_SOURCE,
                    detail=(
                        f"{cfg['arch'].upper()} judge ({describe(cfg)}), trained {cfg['epochs']} epoch(s) on"
                        f" {len(x_train)} training images, accuracy on {len(x_test)} test images. The judge is a"
                        " measuring instrument, not a model under study, so it is trained on all training images in"
                        " every profile (as another chapter's PCA-30 reference), while the models it judges see"
                        " data.n_train images."
                        + (
                            ""
                            if acc >= JUDGE_MIN_ACCURACY
                            else f" Below {JUDGE_MIN_ACCURACY:.0%}: the judge is NOT trustworthy at this scale, so"
                            " the confidence and Frechet numbers of this chapter are indicative only."
                        )
                    ),
                )
            ],
        },
        snakemake.output.metrics,
    )
