"""A model's own copy of torch's global random state, for the draws torch only takes from the global generator.

nn.Linear's default initialisation and nn.Dropout accept no ``torch.Generator``. Rather than seed the process-wide
generator (which every other model and script shares), a model keeps a private state seeded from its own ``seed``
and swaps it in only around those draws: the numbers are exactly those of ``torch.manual_seed(seed)`` followed by the
same draws, and the caller's global state is untouched afterwards.
"""

from __future__ import annotations

import contextlib

import torch


class PrivateTorchRNG:
    """Private global-RNG state of one model, on the CPU and (for a CUDA model) on its GPU."""

    def __init__(self, seed: int, device="cpu"):
        self.device = torch.device(device)
        self._cuda = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=self._cuda):
            torch.manual_seed(int(seed))
            self._state = self._get()

    def _get(self):
        cuda = torch.cuda.get_rng_state(self._cuda[0]) if self._cuda else None
        return torch.get_rng_state(), cuda

    @contextlib.contextmanager
    def active(self):
        """Within the block, torch's global generator draws this model's stream; the caller's state is restored on
        leaving, and this model's advanced state is kept for the next block."""
        with torch.random.fork_rng(devices=self._cuda):
            cpu, cuda = self._state
            torch.set_rng_state(cpu)
            if self._cuda:
                torch.cuda.set_rng_state(cuda, self._cuda[0])
            try:
                yield
            finally:
                self._state = self._get()
