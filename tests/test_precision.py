"""The precision setting: auto picks bf16 only on native hardware, bf16 autocasts the products and nothing else, and a
bf16 run is as deterministic as an fp32 one."""

import pytest
import torch

from aevq import precision
from aevq.metrics.speed import matmul_gflops
from aevq.models.deep_ae import DeepAutoencoder, cross_entropy_loss, fine_tune
from aevq.models.rbm import RBM
from aevq.models.vae import GaussianAE
from aevq.runtime import torch_generator
from aevq.training import fit_minibatch

X86_WITH = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n"
X86_WITHOUT = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f\n"
ARM_WITH = "processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n"


def test_cpu_flags_are_read_from_x86_and_arm_cpuinfo():
    assert "avx512_bf16" in precision.cpu_flags(X86_WITH)
    assert not precision.cpu_flags(X86_WITHOUT) & precision.BF16_CPU_FLAGS
    assert precision.cpu_flags(ARM_WITH) & precision.BF16_CPU_FLAGS == {"bf16"}


@pytest.mark.parametrize("native, expected", [(True, "bf16"), (False, "fp32")])
def test_auto_is_bf16_only_on_a_cpu_that_has_it(monkeypatch, native, expected):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: native)
    assert precision.resolve("auto", "cpu") == expected
    assert precision.resolve("fp32", "cpu") == "fp32"
    assert precision.resolve("bf16", "cpu") == "bf16"  # asked for explicitly: honoured (emulated where not native)


def test_an_unknown_precision_is_a_clear_error():
    with pytest.raises(ValueError, match="precision must be one of fp32, bf16, auto"):
        precision.resolve("fp16", "cpu")
    with pytest.raises(ValueError, match="resolve 'auto' first"):
        precision.autocast("cpu", "auto")


def test_bf16_runs_the_products_in_bfloat16_and_keeps_weights_gradients_and_loss_float32():
    model = DeepAutoencoder([16, 8, 4], generator=torch_generator(0))
    seen = []
    model.enc[0].register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))
    x = torch.rand(32, 16, generator=torch_generator(1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []

    def loss_fn(batch):
        loss = cross_entropy_loss(model, batch)
        losses.append(loss.dtype)
        return loss

    fit_minibatch(loss_fn, opt, x, epochs=1, batch_size=8, generator=torch_generator(2), precision="bf16")
    assert set(seen) == {torch.bfloat16}
    assert set(losses) == {torch.float32}
    assert all(p.dtype == torch.float32 and p.grad.dtype == torch.float32 for p in model.parameters())
    assert all(v.dtype == torch.float32 for s in opt.state.values() for v in s.values() if v.dim() > 0)
    seen.clear()
    fit_minibatch(loss_fn, opt, x, epochs=1, batch_size=8, generator=torch_generator(2), precision="fp32")
    assert set(seen) == {torch.float32}


def _fine_tune(prec):
    g = torch_generator(3)
    data = torch.rand(300, 20, generator=torch_generator(4))
    model = DeepAutoencoder([20, 12, 6], generator=g)
    res = fine_tune(
        model, data[:240], data[240:], max_epochs=4, patience=4, batch_size=40, lr=0.01, generator=g, precision=prec
    )
    return [h["val_error"] for h in res.history], torch.cat([p.detach().flatten() for p in model.parameters()])


def test_bf16_fine_tuning_is_deterministic_and_close_to_fp32():
    curve_a, w_a = _fine_tune("bf16")
    curve_b, w_b = _fine_tune("bf16")
    assert curve_a == curve_b and torch.equal(w_a, w_b)  # the same config, the same numbers, twice
    curve_32, _ = _fine_tune("fp32")
    assert curve_a != curve_32  # bf16 really ran: its rounding shows
    # the same learning curve to within bfloat16's rounding (8-bit mantissa: ~0.4% per product)
    assert curve_a[-1] == pytest.approx(curve_32[-1], rel=0.03)


def _rbm(prec):
    g = torch_generator(5)
    x = (torch.rand(200, 12, generator=torch_generator(6)) < 0.3).float()
    rbm = RBM(12, 6, generator=g).fit(x, epochs=5, batch_size=20, lr=0.1, generator=g, precision=prec)
    return rbm.W.clone(), [h["recon_error"] for h in rbm.history_]


def test_bf16_cd1_is_deterministic_float32_and_close_to_fp32():
    w_a, err_a = _rbm("bf16")
    w_b, err_b = _rbm("bf16")
    assert torch.equal(w_a, w_b) and err_a == err_b and w_a.dtype == torch.float32
    w_32, err_32 = _rbm("fp32")
    assert not torch.equal(w_a, w_32)
    assert err_a[-1] == pytest.approx(err_32[-1], rel=0.05)
    assert float((w_a - w_32).abs().max()) < 0.05 * float(w_32.abs().max())


def test_bf16_vae_training_is_deterministic():
    x = (torch.rand(120, 16, generator=torch_generator(7)) < 0.4).float().numpy()

    def run():
        vae = GaussianAE(2, kind="vae", hidden=(8,), n_pixels=16, seed=11)
        vae.fit(x, epochs=2, batch_size=30, lr=1e-2, precision="bf16")
        return vae.history_, torch.cat([p.detach().flatten() for p in vae.parameters()])

    (h_a, w_a), (h_b, w_b) = run(), run()
    assert h_a == h_b and torch.equal(w_a, w_b)


def test_the_matmul_rate_is_measured_in_the_jobs_precision():
    assert matmul_gflops(64, seconds=0.01, precision="bf16") > 0
    assert matmul_gflops(64, seconds=0.01, precision="fp32") > 0
