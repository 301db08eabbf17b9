# Ch. 2 + 3.1: the AutoEncoder's components and Linear AE = PCA: rules, notebook and report section.
LAE = config["linear_ae"]


compute_rule(
    "linear_ae_train",
    "linear_ae_train.py",
    input=dict(mnist=MNIST),
    output=dict(
        npz="results/models/linear_ae/trajectory.npz",
        metrics="results/metrics/linear_ae.json",
    ),
    params=dict(
        profile=config["profile"],
        **MNIST_SIZES,
        **pick(LAE, "d", "train", "nll_sigma2", "bernoulli_clip"),
    ),
    # one thread: each step is a d x D x D product (~20 MFLOP), too small to gain from threads (measured on the
    # shared 2-core box: 74 ms/step with 1 thread, 395 ms/step with 2)
    threads=1,
)

compute_rule(
    "linear_ae_closed_forms",
    "linear_ae_closed_forms.py",
    input=dict(mnist=MNIST),
    output=dict(
        npz="results/models/linear_ae/closed_forms.npz",
        metrics="results/metrics/linear_ae_closed_forms.json",
    ),
    params=dict(
        **MNIST_SIZES,
        **pick(
            LAE,
            "pca_components",
            "bottleneck_dims",
            "hessian_examples",
            "claim_example",
            "landscape_example",
            "shift_pixels",
        ),
    ),
    threads=HEAVY_THREADS,
    gpu=0,
)


register_section(
    "linear_ae",
    notebook="02_linear_ae.ipynb",
    inputs=dict(
        trajectory=rules.linear_ae_train.output.npz,
        closed_forms=rules.linear_ae_closed_forms.output.npz,
        mnist=MNIST,
        metrics=rules.linear_ae_train.output.metrics,
        closed_metrics=rules.linear_ae_closed_forms.output.metrics,
    ),
    claims=[
        rules.linear_ae_train.output.metrics,
        rules.linear_ae_closed_forms.output.metrics,
    ],
    # what only the figures use belongs here, not to the training rules
    figure_args=figure_parameters(**pick(LAE, "n_scatter", "n_closer_examples")),
)
