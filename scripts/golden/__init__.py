"""Cases for ``tests/core/golden/golden.json``: reference values computed by PyTorch.

Every case is built from a seed derived from its id, so running the generator twice with
the same PyTorch gives the same file. Each *case* records the positional arguments and
keywords of a ``torch.nn.functional`` loss (``sigmoid_focal_loss`` follows torchvision's
formula, re-implemented in torch so torchvision is not needed), the value torch returns
and torch's autograd gradient with respect to the input(s) (of the sum of the loss for
``reduction='none'``). Each *rejected* case records arguments torch raises on, with the
exception's type and message.

Modules
-------
encoding
    JSON encoding of arrays and scalars; NumPy-to-torch conversion.
torch_losses
    The torch functions cases are computed with, by name.
recorder
    :class:`~golden.recorder.Golden`, which computes and records each case.
inputs
    Seeded random inputs and the dtype / reduction grids.
categorical, binary, divergence_embedding_margin
    The cases of each loss family.
rejected
    The arguments each loss rejects.
build
    Every case, in the file's order.
output
    Writing the golden file.

Run ``python scripts/make_golden.py`` from the repository root; it puts ``scripts/`` on
``sys.path`` so this package needs no install.
"""
