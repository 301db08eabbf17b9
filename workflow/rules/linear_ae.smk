# Ch. 2 + 3.1: the AutoEncoder's components and Linear AE = PCA: rules, notebook and report section.
LAE = config["linear_ae"]
LAE_CAT = "2. The AutoEncoder and Linear AE = PCA"


compute_rule(
    "linear_ae_train",
    "linear_ae_train.py",
    input=dict(mnist=MNIST),
    output=dict(
        npz="results/models/linear_ae/trajectory.npz",
        metrics="results/metrics/linear_ae.json",
    ),
    params=dict(
        seed=rule_seed("linear_ae_train"),
        device=DEVICE,
        profile=config["profile"],
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        d=LAE["d"],
        train=LAE["train"],
        nll_sigma2=LAE["nll_sigma2"],
        bernoulli_clip=LAE["bernoulli_clip"],
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
        seed=rule_seed("linear_ae_closed_forms"),
        n_train=config["data"]["n_train"],
        n_test=config["data"]["n_test"],
        pca_components=LAE["pca_components"],
        bottleneck_dims=LAE["bottleneck_dims"],
        hessian_examples=LAE["hessian_examples"],
        claim_example=LAE["claim_example"],
        landscape_example=LAE["landscape_example"],
        shift_pixels=LAE["shift_pixels"],
    ),
    threads=HEAVY_THREADS,
    gpu=0,
)


register_section(
    notebook="02_linear_ae.ipynb",
    inputs=dict(
        trajectory="results/models/linear_ae/trajectory.npz",
        closed_forms="results/models/linear_ae/closed_forms.npz",
        mnist="results/data/mnist.npz",
        metrics="results/metrics/linear_ae.json",
        closed_metrics="results/metrics/linear_ae_closed_forms.json",
    ),
    category=LAE_CAT,
    # what only the figures use belongs here, not to the training rules
    figure_args=figure_parameters(
        n_scatter=LAE["n_scatter"], n_closer_examples=LAE["n_closer_examples"]
    ),
    key="linear_ae",
    order=30,
    title="2. The AutoEncoder and Linear AE = PCA",
    lecture=(
        "'The AutoEncoder: definition and components' and §3.1 'Linear AutoEncoder' (Baldi & Hornik 1989;"
        " Hinton & Salakhutdinov 2006 for the PCA baseline)"
    ),
    figures=[
        "linear_ae_architecture",
        "linear_ae_bottleneck",
        "linear_ae_which_closer",
        "linear_ae_convergence",
        "linear_ae_landscape",
        "linear_ae_rotation",
    ],
    tables=[
        "linear_ae_nll_constants",
        "linear_ae_hessian_census",
        "linear_ae_projection",
    ],
    metrics=["linear_ae", "linear_ae_closed_forms"],
)
