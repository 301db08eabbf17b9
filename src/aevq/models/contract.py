"""What every model of the pipeline says about its sizes, in the same two words (the lecture's D and d)."""

from __future__ import annotations


class CodeSizes:
    """``n_features`` (D, the size of a data vector x) and ``n_latent`` (d, the size of a code z) on every model,
    whatever its constructor calls them (``input_dim``, ``n_visible``, ``sizes[0]``, ``n_components``, ...)."""

    def _code_sizes(self) -> tuple[int, int]:
        raise NotImplementedError

    @property
    def n_features(self) -> int:
        return int(self._code_sizes()[0])

    @property
    def n_latent(self) -> int:
        return int(self._code_sizes()[1])
