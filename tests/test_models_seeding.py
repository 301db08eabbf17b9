"""The model contract on randomness: every model draws only from its own generators, never from (or into) torch's
process-wide one, and with the same seed it gives the same numbers as the plain ``torch.manual_seed`` recipe."""

import numpy as np
import torch

from aevq.models.classifier import MnistCNN
from aevq.models.deep_ae import DeepAutoencoder, matmul_gflops
from aevq.models.vae import GaussianAE, mlp
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
        return clf.history

    assert fitted(1) == fitted(2)
