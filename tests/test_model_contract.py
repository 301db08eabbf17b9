"""The model contract. Randomness: every model draws only from its own generators, never from (or into) torch's
process-wide one, and with the same seed it gives the same numbers as the plain ``torch.manual_seed`` recipe.
Checkpoints: one format that records the constructor arguments, so a file alone rebuilds the model."""

import numpy as np
import torch

from aevq.metrics.speed import matmul_gflops
from aevq.models.checkpoint import load_extra, load_model, save_model
from aevq.models.classifier import MnistCNN
from aevq.models.deep_ae import DeepAutoencoder
from aevq.models.mlp import mlp
from aevq.models.rbm import RBM
from aevq.models.vae import GaussianAE
from aevq.models.vqvae import VQVAE


def build_all(seed):
    return [
        GaussianAE(2, kind="vae", hidden=(16,), seed=seed),
        VQVAE(codebook_size=4, code_dim=2, n_slots=3, hidden=(16,), seed=seed),
        MnistCNN(arch="mlp", hidden=(16,), dropout=0.5, seed=seed),
        DeepAutoencoder([784, 16, 2], generator=torch.Generator().manual_seed(seed)),
    ]


def test_building_a_model_neither_reads_nor_moves_the_global_generator():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = build_all(5)
    assert torch.equal(torch.get_rng_state(), before)
    matmul_gflops(n=32, seconds=0.01)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(999)  # another global state: the same seed still gives the same weights
    for a, b in zip(first, build_all(5), strict=True):
        for (name, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert torch.equal(x, y), name
    other = build_all(6)
    assert not torch.equal(first[0].decoder[0].weight, other[0].decoder[0].weight)


def test_the_private_init_is_the_manual_seed_recipe():
    """The oracle: seed the global generator, then build the same layers in the same order."""
    model = GaussianAE(3, kind="ae", hidden=(8,), n_pixels=10, seed=11)
    torch.manual_seed(11)
    body = mlp([10, 8])
    assert torch.equal(model.encoder_body[0].weight, body[0].weight)


def test_dropout_masks_come_from_the_models_own_state():
    rng = np.random.default_rng(0)
    x = rng.random((64, 784)).astype(np.float32)
    y = rng.integers(0, 10, 64)

    def fitted(disturb):
        clf = MnistCNN(arch="mlp", hidden=(16,), dropout=0.5, seed=3)
        torch.manual_seed(disturb)  # whatever the global state is at fit time
        before = torch.get_rng_state()
        clf.fit(x, y, epochs=2, batch_size=16, lr=1e-3)
        assert torch.equal(torch.get_rng_state(), before)
        return clf.history_

    assert fitted(1) == fitted(2)


def test_a_checkpoint_alone_rebuilds_every_model(tmp_path):
    for model in build_all(4):
        model.history_ = [1.0, 0.5]
        save_model(model, tmp_path / "m.pt", note="kept")
        back = load_model(tmp_path / "m.pt")
        assert type(back) is type(model) and back.init_args() == model.init_args()
        assert back.history_ == [1.0, 0.5] and load_extra(tmp_path / "m.pt") == {"note": "kept"}
        rebuilt, saved = back.state_dict(), model.state_dict()
        assert rebuilt.keys() == saved.keys() and all(torch.equal(rebuilt[k], saved[k]) for k in saved)
        assert not back.training  # loaded for use: eval mode (dropout off)


def test_a_stack_is_one_checkpoint_and_a_load_draws_nothing(tmp_path):
    g = torch.Generator().manual_seed(0)
    stack = [RBM(12, 6, generator=g), RBM(6, 3, hidden="gaussian", generator=g)]
    save_model(stack, tmp_path / "stack.pt")
    before = torch.get_rng_state()
    back = load_model(tmp_path / "stack.pt")
    assert torch.equal(torch.get_rng_state(), before)
    assert [r.init_args() for r in back] == [r.init_args() for r in stack]
    assert all(torch.equal(a.W, b.W) for a, b in zip(back, stack, strict=True))


def test_a_checkpoint_of_another_format_is_refused_with_the_fix(tmp_path):
    import pytest

    torch.save({"state_dict": {}, "arch": {}}, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="rebuild it"):
        load_model(tmp_path / "old.pt")


def test_encode_and_decode_return_the_array_type_they_are_given():
    """NumPy in, NumPy out; a tensor in, a tensor out, the same numbers: for every model, whatever it computes in."""
    from aevq.models.linear_ae import LinearAE
    from aevq.models.logistic_pca import LogisticPCA
    from aevq.models.mlp_ae import MLPAutoencoder

    rng = np.random.default_rng(1)
    x = rng.random((6, 784)).astype(np.float32)
    g = torch.Generator().manual_seed(0)
    models = [
        LinearAE(784, 3, seed=0),
        MLPAutoencoder(784, 2, (8,), seed=0),
        GaussianAE(2, hidden=(8,), seed=0),
        VQVAE(codebook_size=4, code_dim=2, n_slots=3, hidden=(8,), seed=0),
        DeepAutoencoder([784, 8, 2], generator=g),
        RBM(784, 5, generator=g),
        LogisticPCA(2, steps=3, generator=g).fit(torch.as_tensor(x)),
    ]
    for model in models:
        z = model.encode(x)
        assert isinstance(z, np.ndarray), type(model).__name__
        zt = model.encode(torch.as_tensor(x))
        assert isinstance(zt, torch.Tensor), type(model).__name__
        if not isinstance(model, LogisticPCA):  # its encode fits codes by a few steps from a random start
            np.testing.assert_allclose(zt.detach().numpy(), z, rtol=1e-6, atol=1e-6)
        x_hat = model.decode(z)
        assert isinstance(x_hat, np.ndarray) and x_hat.shape == x.shape, type(model).__name__
        assert isinstance(model.decode(torch.as_tensor(z)), torch.Tensor), type(model).__name__


def test_every_model_names_its_sizes_n_features_and_n_latent():
    from aevq.models.helmholtz import HelmholtzMachine
    from aevq.models.linear_ae import LinearAE
    from aevq.models.logistic_pca import LogisticPCA
    from aevq.models.mlp_ae import MLPAutoencoder
    from aevq.models.ppca import PPCA

    rng = np.random.default_rng(2)
    x = rng.random((40, 784)).astype(np.float32)
    g = torch.Generator().manual_seed(0)
    models = [
        LinearAE(784, 3, seed=0),
        MLPAutoencoder(784, 2, (8,), seed=0),
        GaussianAE(2, hidden=(8,), seed=0),
        DeepAutoencoder([784, 8, 2], generator=g),
        RBM(784, 5, generator=g),
        LogisticPCA(2, steps=3, generator=g).fit(torch.as_tensor(x)),
        PPCA(4).fit(x.astype(np.float64)),
    ]
    for model in models:
        z = model.encode(x)
        z = z[0] if isinstance(z, tuple) else z
        assert (model.n_features, model.n_latent) == (784, z.shape[1]), type(model).__name__
    vq = VQVAE(codebook_size=4, code_dim=2, n_slots=3, hidden=(8,), seed=0)
    assert (vq.n_features, vq.n_latent) == (784, 6)  # z_e: 3 slots of 2 numbers
    hm = HelmholtzMachine([32, 16, 1])
    assert (hm.n_features, hm.n_latent) == (32, 16)
