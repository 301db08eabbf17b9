"""Train the MNIST CNN that judges decodes (grey-level MNIST, /255) and record its test accuracy.

The judge is a measuring instrument, not a model under study: it is trained on ``classifier.n_train`` images (null =
all 60000) and scored on ``classifier.n_test`` (null = all 10000) in every profile, independent of ``data.n_train``.
"""

import time

from aevq.chapters.limits_judge import judge_claims, judge_shape, train_judge
from aevq.data.mnist import load_mnist
from aevq.models.checkpoint import save_model
from aevq.runtime import snakemake_job, start_torch_job, write_json

with snakemake_job(snakemake):
    p = snakemake.params
    device, _ = start_torch_job(p.seed, p.device, threads=snakemake.threads)
    cfg = p.classifier
    x_train, y_train, x_test, y_test = load_mnist(snakemake.input.mnist, n_train=cfg["n_train"], n_test=cfg["n_test"])
    t0 = time.perf_counter()
    clf = train_judge(cfg, x_train, y_train, device=device, seed=p.seed)
    train_s = time.perf_counter() - t0
    acc = clf.score(x_test, y_test)
    shape = judge_shape(cfg)
    save_model(clf, snakemake.output.model)
    write_json(
        {
            "timing": {"train_s": train_s},
            "test_accuracy": acc,
            "n_train": len(x_train),
            "n_test": len(x_test),
            "epochs": cfg["epochs"],
            **shape,
            "dropout": cfg["dropout"],
            "loss_history": clf.history_,
            "claims": judge_claims(acc, cfg, len(x_train), len(x_test)),
        },
        snakemake.output.metrics,
    )
