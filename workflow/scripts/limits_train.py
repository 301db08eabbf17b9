"""Train one model of the chapter (ae | vae | beta<b> | vqvae at latent size d) on stochastically binarised MNIST."""

from aevq.models.vae import GaussianAE, binarized_mnist, parse_model_name
from aevq.models.vqvae import VQVAE
from aevq.runtime import seed_everything, snakemake_job, torch_device, torch_save

with snakemake_job(snakemake):
    p = snakemake.params
    name, dim = snakemake.wildcards.limits_model, int(snakemake.wildcards.limits_dim)
    seed = p.seed
    seed_everything(seed)
    device = torch_device(p.device, threads=snakemake.threads)
    x_train, _, _, _ = binarized_mnist(snakemake.input.mnist, p.binarize_seed, n_train=p.n_train, n_test=1)
    spec = parse_model_name(name)
    tr = p.train
    if spec["kind"] == "vqvae":
        vq = p.vqvae
        if vq["n_slots"] * vq["code_dim"] != dim:
            raise ValueError(f"vqvae_d{dim}: n_slots*code_dim = {vq['n_slots'] * vq['code_dim']} in config, not {dim}")
        model = VQVAE(
            codebook_size=vq["codebook_size"],
            code_dim=vq["code_dim"],
            n_slots=vq["n_slots"],
            commitment=vq["commitment"],
            hidden=tuple(p.hidden),
            device=device,
            seed=seed,
        )
        arch = {"kind": "vqvae", **vq, "hidden": list(p.hidden)}
    else:
        model = GaussianAE(dim, kind=spec["kind"], beta=spec["beta"], hidden=tuple(p.hidden), device=device, seed=seed)
        arch = model.config()
    model.fit(x_train, epochs=tr["epochs"], batch_size=tr["batch_size"], lr=tr["lr"], desc=f"{name}_d{dim}")
    torch_save(
        {"state_dict": model.state_dict(), "arch": arch, "history": model.history, "seed": seed}, snakemake.output.model
    )
