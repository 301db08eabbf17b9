# Ch. 3.4: the Helmholtz machine (issue 7): rules, notebook and report section.

HH = config["helmholtz"]
HH_CAT = "6. The Helmholtz machine"


rule helmholtz_train:
    input:
        library=library_of("helmholtz_train.py"),
    output:
        params="results/models/helmholtz/params.npz",
        arrays="results/models/helmholtz/arrays.npz",
        metrics="results/metrics/helmholtz.json",
    log:
        log_path("helmholtz_train"),
    benchmark:
        bench_path("helmholtz_train")
    conda:
        conda_env("data")
    threads: HEAVY_THREADS
    resources:
        mem_mb=config["resources"]["mem_mb"],
    params:
        profile=config["profile"],
        seed=config["seed"],
        p_on=HH["p_on"],
        sizes=HH["sizes"],
        lr_gen=HH["lr_gen"],
        lr_rec=HH["lr_rec"],
        init_scale=HH["init_scale"],
        batch_size=HH["batch_size"],
        n_steps=HH["n_steps"],
        n_train=HH["n_train"],
        n_evals=HH["n_evals"],
        n_wake=HH["n_wake"],
        n_mc=HH["n_mc"],
        n_dreams=HH["n_dreams"],
        n_show=HH["n_show"],
        control_steps=HH["control_steps"],
    script:
        "../scripts/helmholtz_train.py"


rule notebook_helmholtz:
    input:
        library=library_of("06_helmholtz.ipynb"),
        notebook=repo_path("notebooks/06_helmholtz.ipynb"),
        arrays="results/models/helmholtz/arrays.npz",
        metrics="results/metrics/helmholtz.json",
    output:
        notebook="results/notebooks/06_helmholtz.ipynb",
        patterns=figure("helmholtz_patterns_dreams", HH_CAT),
        free_energy=figure("helmholtz_free_energy", HH_CAT),
        gap=figure("helmholtz_bound_gap", HH_CAT),
        kl=figure("helmholtz_kl_data_model", HH_CAT),
        top=figure("helmholtz_top_layer", HH_CAT),
        wake_sleep=figure("helmholtz_wake_sleep_kl", HH_CAT),
    log:
        log_path("notebook_helmholtz"),
    benchmark:
        bench_path("notebook_helmholtz")
    group:
        "figures"
    conda:
        conda_env("notebook")
    params:
        args=papermill_parameters,
    shell:
        "papermill -k python3 --no-progress-bar {input.notebook} {output.notebook} {params.args} > {log} 2>&1"


register_section(
    rules=["helmholtz_train"],
    key="helmholtz",
    order=60,
    title="6. The Helmholtz machine: wake-sleep, the free energy and the exact bound gap",
    lecture="§3.4 Helmholtz Machine, Figs 8-10 (Dayan, Hinton, Neal & Zemel 1995; Hinton, Dayan, Frey & Neal 1995)",
    figures=[
        "helmholtz_patterns_dreams",
        "helmholtz_free_energy",
        "helmholtz_bound_gap",
        "helmholtz_kl_data_model",
        "helmholtz_top_layer",
        "helmholtz_wake_sleep_kl",
    ],
    metrics=["helmholtz"],
    intro=(
        f"A layered Helmholtz machine (layer sizes {'-'.join(map(str, HH['sizes']))}, visible first: 32 binary"
        f" pixels, {sum(HH['sizes'][1:])} binary latent units, so all 2^{sum(HH['sizes'][1:])} explanations of a"
        " pattern can be enumerated) is trained by wake-sleep on the shift patterns of the lecture's Fig 8. The 16"
        " first-layer units are enough for one cause per bottom pixel and shift direction, and the single top unit"
        " is the place for the direction itself. Because the 508 distinct patterns and all latent configurations"
        " are few, log p(x), the free energy F and the gap F + log p(x) = KL(Q||P) are computed exactly."
    ),
)
