"""Deep AutoEncoder of Hinton & Salakhutdinov (2006): a stack of RBMs pretrained layer by layer, unrolled into an
encoder G_phi and a decoder H_theta, then fine-tuned end to end by backpropagation on the cross-entropy.

With layer sizes d_0 = 784 > d_1 > ... > d_L (the code), RBM l has weights W_l (d_{l-1} x d_l) and biases b_l
(visible), c_l (hidden). Unrolling gives

    encoder  z = G_phi(x):    h_l = sigmoid(h_{l-1} W_l + c_l)  for l < L,  z = h_{L-1} W_L + c_L (linear code)
    decoder  x = H_theta(z):  g_{l-1} = sigmoid(g_l W_l^T + b_l), g_L = z, x_hat = g_0

so before fine-tuning the decoder's weights are the encoder's transposed (W_d = W_e^T, layer by layer). Fine-tuning
unties them and minimises the cross-entropy  -sum_i [x_i log x_hat_i + (1 - x_i) log(1 - x_hat_i)]  (pixels in [0, 1]
read as probabilities). The paper fine-tuned with conjugate gradients on blocks of 1000 cases (``optimizer="cg"``
here); the default is Adam on minibatches. The number of fine-tuning epochs is chosen on a validation split held out
of the training images (early stopping), never on the test set.

The reported error is the paper's: the squared reconstruction error summed over the 784 pixels, averaged over test
images.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from aevq.models.arrays import torch_native
from aevq.models.contract import CodeSizes
from aevq.models.rbm import RBM
from aevq.optim import minimize_cg
from aevq.precision import autocast
from aevq.runtime import DivergenceError, check_finite
from aevq.training import fit_minibatch


class DeepAutoencoder(nn.Module, CodeSizes):
    """Encoder/decoder MLP with logistic hidden units, a linear code layer and a logistic output layer.

    ``sizes = [784, 1000, 500, 250, 30]``; ``code_activation`` is ``"linear"`` (the paper's deep AE) or ``"sigmoid"``.
    The decoder's last layer returns logits (``decode_logits``); ``decode`` applies the sigmoid.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        code_activation: str = "linear",
        generator: torch.Generator | None = None,
        device=None,
    ):
        super().__init__()
        self.sizes = [int(s) for s in sizes]
        self.code_activation = code_activation
        pairs = list(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        # skip nn.Linear's own init: it draws from torch's global generator, which no model of ours touches
        self.enc = nn.ModuleList(nn.utils.skip_init(nn.Linear, a, b) for a, b in pairs)
        self.dec = nn.ModuleList(nn.utils.skip_init(nn.Linear, b, a) for a, b in reversed(pairs))
        for layer in [*self.enc, *self.dec]:
            bound = 1.0 / np.sqrt(layer.in_features)
            with torch.no_grad():
                if generator is None:  # zeros until from_rbms or load_state_dict sets them
                    layer.weight.zero_()
                    layer.bias.zero_()
                else:  # PyTorch's default init U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from the private generator
                    layer.weight.copy_((torch.rand(layer.weight.shape, generator=generator) * 2 - 1) * bound)
                    layer.bias.copy_((torch.rand(layer.bias.shape, generator=generator) * 2 - 1) * bound)
        if device is not None:
            self.to(device)

    def _code_sizes(self) -> tuple[int, int]:
        return self.sizes[0], self.sizes[-1]

    def init_args(self) -> dict:
        """The constructor arguments that rebuild this model (aevq.models.checkpoint); the weights are loaded."""
        return dict(sizes=list(self.sizes), code_activation=self.code_activation)

    @classmethod
    def from_rbms(cls, rbms: Sequence[RBM]) -> DeepAutoencoder:
        """Unroll a pretrained stack: encoder layer l = (W_l^T, c_l), decoder mirror = (W_l, b_l)."""
        sizes = [rbms[0].n_visible] + [r.n_hidden for r in rbms]
        code = "linear" if rbms[-1].hidden == "gaussian" else "sigmoid"
        model = cls(sizes, code_activation=code)
        with torch.no_grad():
            for layer, rbm in zip(model.enc, rbms, strict=True):
                layer.weight.copy_(rbm.W.T)
                layer.bias.copy_(rbm.c)
            for layer, rbm in zip(model.dec, reversed(rbms), strict=True):
                layer.weight.copy_(rbm.W)
                layer.bias.copy_(rbm.b)
        return model.to(rbms[0].W.device)

    @staticmethod
    def _logistic_stack(layers, h: torch.Tensor, last_sigmoid: bool) -> torch.Tensor:
        """Affine layers with the logistic function between them, and after the last one if ``last_sigmoid``."""
        for i, layer in enumerate(layers):
            h = layer(h)
            if i < len(layers) - 1 or last_sigmoid:
                h = torch.sigmoid(h)
        return h

    @torch_native
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Recognition: z = the code layer's output (linear, or logistic with ``code_activation="sigmoid"``)."""
        return self._logistic_stack(self.enc, x, self.code_activation == "sigmoid")

    @torch_native
    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Generation up to the output logits (the cross-entropy takes logits)."""
        return self._logistic_stack(self.dec, z, False)

    @torch_native
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def n_weights(self) -> int:
        return sum(layer.weight.numel() for layer in [*self.enc, *self.dec])

    def train_flops_per_sample(self) -> int:
        """Forward 2 FLOPs per weight, backward 4 (input and weight gradients): 6 per weight per sample."""
        return 6 * self.n_weights()


PRETRAIN_SETTINGS = (
    "epochs",
    "lr_binary",
    "lr_top",
    "momentum_initial",
    "momentum_final",
    "momentum_switch_epoch",
    "weight_decay",
)


def pretrain_settings(cfg: dict) -> dict:
    """The keyword arguments of ``pretrain_stack`` that a ``deep_ae.pretrain`` config block sets."""
    return {k: cfg[k] for k in PRETRAIN_SETTINGS}


def pretrain_stack(
    x: torch.Tensor,
    sizes: Sequence[int],
    *,
    epochs: int,
    batch_size: int,
    lr_binary: float,
    lr_top: float,
    momentum_initial: float,
    momentum_final: float,
    momentum_switch_epoch: int,
    weight_decay: float,
    generator: torch.Generator,
    rbms: Sequence[RBM] = (),
    top_gaussian: bool = True,
    precision: str = "fp32",
) -> list[RBM]:
    """Greedy layer-wise CD-1: RBM l is trained on p(h|v) of RBM l-1 (probabilities, as in the paper's code).

    ``rbms`` may hold already-trained lower layers (reused as they are, e.g. for the 2-D code net sharing the
    784-1000-500-250 stack); the top RBM has linear Gaussian hidden units when ``top_gaussian``.
    """
    stack = list(rbms)
    data = x
    with torch.no_grad():
        for rbm in stack:
            data = rbm.encode(data)
    for level in range(len(stack), len(sizes) - 1):
        top = level == len(sizes) - 2
        hidden = "gaussian" if (top and top_gaussian) else "binary"
        rbm = RBM(sizes[level], sizes[level + 1], hidden=hidden, generator=generator, device=x.device)
        rbm.fit(
            data,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr_top if hidden == "gaussian" else lr_binary,
            momentum_initial=momentum_initial,
            momentum_final=momentum_final,
            momentum_switch_epoch=momentum_switch_epoch,
            weight_decay=weight_decay,
            generator=generator,
            desc=f"RBM {sizes[level]}-{sizes[level + 1]} ({hidden})",
            precision=precision,
        )
        stack.append(rbm)
        if not top:
            with torch.no_grad():
                data = rbm.encode(data)
    return stack


@torch.no_grad()
def squared_error(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> float:
    """The paper's metric: sum over pixels of (x - x_hat)^2, averaged over the rows of x."""
    total = 0.0
    for start in range(0, x.shape[0], batch_size):
        xb = x[start : start + batch_size]
        total += float(((xb - model(xb)) ** 2).sum())
    return total / x.shape[0]


def cross_entropy_loss(model: DeepAutoencoder, batch: torch.Tensor) -> torch.Tensor:
    """Cross-entropy summed over pixels, averaged over the batch (on logits, numerically stable)."""
    logits = model.decode_logits(model.encode(batch)).float()  # the loss in float32, also under bfloat16 autocast
    return nn.functional.binary_cross_entropy_with_logits(logits, batch, reduction="sum") / batch.shape[0]


@torch.no_grad()
def evaluate(model: DeepAutoencoder, x: torch.Tensor, batch_size: int = 1000) -> dict[str, float]:
    """Mean cross-entropy (the training objective) and the paper's squared error on ``x``, in one pass; with the
    standard error of that mean over the images (``error_se``: the spread of the per-image errors / sqrt(n))."""
    ce = se = se2 = 0.0
    for start in range(0, x.shape[0], batch_size):
        xb = x[start : start + batch_size]
        logits = model.decode_logits(model.encode(xb))
        ce += float(nn.functional.binary_cross_entropy_with_logits(logits, xb, reduction="sum"))
        per_image = ((xb - torch.sigmoid(logits)) ** 2).sum(dim=1).double()
        se += float(per_image.sum())
        se2 += float((per_image**2).sum())
    n = x.shape[0]
    mean = se / n
    var = max(se2 / n - mean**2, 0.0) * n / max(n - 1, 1)
    return {"cross_entropy": ce / n, "error": mean, "error_se": math.sqrt(var / n)}


@dataclass
class FineTuneResult:
    """Per-epoch records (epoch 0 = before any update) and the epoch chosen on the validation split.

    Each record holds ``train_cross_entropy`` (mean over the epoch's updates; None at epoch 0), ``val_error``,
    ``val_cross_entropy``, ``seconds`` (the update steps only) and, on the monitored epochs (the start, the first
    ``monitor_every``, every ``monitor_every``-th, the last and the chosen one), whatever ``monitor`` returned (e.g.
    the test error, drawn in the figure but never read here).
    """

    history: list[dict]
    best_epoch: int
    stopped_early: bool
    optimizer: str
    n_evals_per_epoch: list[int] = field(default_factory=list)


def fine_tune(
    model: DeepAutoencoder,
    x: torch.Tensor,
    x_val: torch.Tensor,
    *,
    max_epochs: int,
    patience: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    optimizer: str = "adam",
    cg_block: int = 1000,
    cg_line_searches: int = 3,
    desc: str = "fine-tune",
    monitor: Callable[[DeepAutoencoder], dict] | None = None,
    monitor_every: int = 1,
    divergence_factor: float = 2.0,
    precision: str = "fp32",
) -> FineTuneResult:
    """Fine-tune on ``x``; choose the epoch on ``x_val`` alone; leave ``model`` at the chosen epoch's weights.

    The selection rule (early stopping): after each epoch the validation error (the paper's squared error) is
    measured; the weights with the lowest one are kept, and training stops once ``patience`` epochs in a row brought
    no new lowest value, or after ``max_epochs``. The test set is not an argument: ``monitor(model)`` may measure it
    for the figure, and its values are stored but never compared. It runs before training, after each of the first
    ``monitor_every`` epochs (where the curves fall fastest), after every ``monitor_every``-th one and after the last;
    the chosen epoch's record gets it too, measured once its weights are restored (the same weights, so the same
    numbers as a pass at that epoch). The full profile's monitor (10000 test and 2000 training images, float32) costs
    about a quarter of a bf16 epoch on 1000-case blocks, so it draws every 5th epoch.

    ``optimizer="adam"``: Adam on minibatches of ``batch_size``, reshuffled every epoch. ``optimizer="cg"``: the
    paper's protocol, ``cg_line_searches`` line searches of Polak-Ribiere conjugate gradients per block of
    ``cg_block`` cases (fixed blocks drawn once, no reshuffling between epochs), on the same objective.

    ``precision="bf16"`` runs the training passes (not the validation and monitor passes) under bfloat16 autocast
    with float32 weights, gradients and optimizer state (:mod:`aevq.precision`).

    A non-finite loss, a validation cross-entropy above ``divergence_factor`` x its start, or a chosen epoch no
    better than the start raise :class:`DivergenceError` (nothing is saved by the caller).
    """
    if optimizer not in ("adam", "cg"):
        raise ValueError(f"optimizer must be 'adam' or 'cg', not {optimizer!r}")
    n = x.shape[0]
    params = [p for p in model.parameters()]

    if monitor_every < 1:
        raise ValueError(f"monitor_every must be at least 1, not {monitor_every}")

    def record(epoch: int, train_ce, seconds: float) -> dict:
        rec = {"epoch": epoch, "train_cross_entropy": train_ce}
        val = evaluate(model, x_val)
        rec["val_error"], rec["val_cross_entropy"] = val["error"], val["cross_entropy"]
        rec["seconds"] = seconds
        return rec

    monitored_epochs: set[int] = set()

    def monitored(rec: dict) -> dict:
        """Add the monitor's values to the record of the epoch whose weights the model holds now."""
        if monitor is not None:
            rec.update(monitor(model))
        monitored_epochs.add(rec["epoch"])
        return rec

    history = [monitored(record(0, None, 0.0))]
    start_ce = history[0]["val_cross_entropy"]
    best = {"epoch": 0, "val_error": history[0]["val_error"], "state": _copy_state(model)}

    def after_epoch(epoch: int, ce: float, seconds: float) -> bool:
        """Record the epoch, keep the best weights on validation; True once ``patience`` epochs brought nothing."""
        rec = record(epoch, ce, seconds)
        history.append(rec)
        if not rec["val_cross_entropy"] <= divergence_factor * start_ce:
            raise DivergenceError(
                f"{desc}: validation cross-entropy rose from {start_ce:.4g} to {rec['val_cross_entropy']:.4g} at epoch"
                f" {epoch} (more than {divergence_factor}x its start): training diverged. Lower the learning rate"
                " in the config (deep_ae.finetune.lr; deep_ae.shallow.lr for the shallow AE); no output was written."
            )
        if rec["val_error"] < best["val_error"]:
            best.update(epoch=epoch, val_error=rec["val_error"], state=_copy_state(model))
        stop = epoch - best["epoch"] >= patience
        if stop or epoch <= monitor_every or epoch % monitor_every == 0 or epoch == max_epochs:
            monitored(rec)
        return stop

    n_evals: list[int] = []
    stopped_early = False
    if optimizer == "adam":  # the shared minibatch loop; its epochs count from 0, ours from 1 (0 = the start)
        clock = [time.perf_counter()]

        def on_epoch_end(epoch0: int, ce: float) -> bool:
            nonlocal stopped_early
            seconds = time.perf_counter() - clock[0]  # the update steps only, not the validation pass
            stopped_early = after_epoch(epoch0 + 1, ce, seconds)
            clock[0] = time.perf_counter()
            return stopped_early

        fit_minibatch(
            lambda batch: cross_entropy_loss(model, batch),
            torch.optim.Adam(params, lr=lr),
            x,
            epochs=max_epochs,
            batch_size=batch_size,
            generator=generator,
            desc=desc,
            on_epoch_end=on_epoch_end,
            precision=precision,
        )
    else:  # the paper's protocol: fixed blocks, drawn once, each minimised by a few CG line searches
        blocks = torch.randperm(n, generator=generator, device=generator.device).to(x.device).split(cg_block)
        for epoch in tqdm(range(1, max_epochs + 1), desc=desc, mininterval=2.0):
            t0 = time.perf_counter()
            total, evals = torch.zeros((), device=x.device), 0
            for idx in blocks:
                batch = x[idx]
                res = minimize_cg(
                    _fun_grad(model, params, batch, precision),
                    nn.utils.parameters_to_vector(params).detach(),
                    line_searches=cg_line_searches,
                )
                nn.utils.vector_to_parameters(res.x, params)
                evals += res.n_evals
                total += res.f * batch.shape[0]
            n_evals.append(evals)
            seconds = time.perf_counter() - t0
            if after_epoch(epoch, check_finite((total / n).item(), what=f"{desc} loss", step=epoch), seconds):
                stopped_early = True
                break
    if best["epoch"] == 0:
        raise DivergenceError(
            f"{desc}: no epoch improved the validation error ({history[0]['val_error']:.4g} before training): lower"
            " the learning rate or raise the budget in the config; no output was written."
        )
    model.load_state_dict(best["state"])
    if best["epoch"] not in monitored_epochs:
        monitored(history[best["epoch"]])
    return FineTuneResult(
        history=history,
        best_epoch=best["epoch"],
        stopped_early=stopped_early,
        optimizer=optimizer,
        n_evals_per_epoch=n_evals,
    )


def split_validation(x: np.ndarray, n_validation: int) -> tuple[np.ndarray, np.ndarray]:
    """(fit, validation): the last ``n_validation`` rows are held out (MNIST's official order: 50000 + 10000)."""
    n_validation = int(n_validation)
    if not 0 < n_validation < x.shape[0]:
        raise ValueError(
            f"deep_ae.validation = {n_validation} must be between 1 and the {x.shape[0]} training images - 1"
        )
    return x[:-n_validation], x[-n_validation:]


def describe_optimizer(ft: dict) -> str:
    if ft["optimizer"] == "cg":
        return (
            f"conjugate gradients (Polak-Ribiere, {ft['cg_line_searches']} line searches per fixed block of"
            f" {ft['cg_block']} cases), cross-entropy"
        )
    return f"Adam lr={ft['lr']}, minibatch {ft['batch_size']}, cross-entropy"


def _copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _fun_grad(model: DeepAutoencoder, params: list[torch.Tensor], batch: torch.Tensor, precision: str = "fp32"):
    """The block's mean cross-entropy and its gradient as functions of the flat parameter vector (for CG)."""

    def fun_grad(vec: torch.Tensor) -> tuple[float, torch.Tensor]:
        nn.utils.vector_to_parameters(vec, params)
        for p in params:
            p.grad = None
        with autocast(batch.device, precision):
            loss = cross_entropy_loss(model, batch)
        loss.backward()
        grad = torch.cat([p.grad.reshape(-1) for p in params])
        return float(loss.detach()), grad

    return fun_grad
