"""lossgui: PyTorch's classification losses, shown live and exactly."""

__version__ = "0.1.0"
