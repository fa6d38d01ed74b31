"""Which cells of the per-sample table an edit changed, so only those are repainted.

An edit of one logit changes that row's loss, p(target) and prediction, and
(under a sum or mean) every row's share of the sum, though mostly by less
than the three digits the table shows. Announcing the whole table as changed
repaints every visible cell through the Python model on every keystroke or
drag step; :func:`changed_cells` names the rows of each column whose shown
value can differ instead.
"""

from __future__ import annotations

import numpy as np

from lossgui.core.evaluate import Evaluation
from lossgui.document import Document
from lossgui.qt.grid_changes import differs, texts_differ

__all__ = ["changed_cells", "share_percent_text"]

#: Above this many rows every cell counts as changed: finding them (predictions for
#: every row) costs more than the repaint of the rows on screen.
_COMPARE_ROWS = 4096


def share_percent_text(share: float) -> str:
    """How the share column shows a row's share of the summed loss (a fraction)."""
    return "—" if np.isnan(share) else f"{100 * share:.3g}"


def changed_cells(
    old_doc: Document,
    old: Evaluation,
    new_doc: Document,
    new: Evaluation,
    columns: dict[str, int],
) -> dict[int, np.ndarray] | None:
    """Per table column, the grid rows whose shown value may have changed.

    Parameters
    ----------
    old_doc, old, new_doc, new
        What the table showed and will show; the same number of rows P.
    columns : dict
        The table's column numbers by name: 'sample', 'loss', 'share', 'p_target',
        'target' and 'predicted'.

    Returns
    -------
    dict of {column: ndarray of bool, shape (P,)}, or None
        None when every cell may have changed (another loss, other options,
        other targets, or too many rows to compare).
    """
    rows = new.row_loss.shape[0]
    same_setup = (
        old_doc.loss == new_doc.loss
        and old_doc.target_kind == new_doc.target_kind
        and old_doc.options == new_doc.options
        and old_doc.target is new_doc.target
        and old.reduction == new.reduction
    )
    if not same_setup or rows > _COMPARE_ROWS or old.row_loss.shape[0] != rows:
        return None
    # A row's own numbers: its loss, p(target), prediction, and whether it is ignored.
    own = differs(old.row_loss, new.row_loss) | differs(old.target_prob, new.target_prob)
    own |= differs(old.ignored, new.ignored)
    predicted = differs(old.predicted(), new.predicted())
    share = texts_differ(old.row_share, new.row_share, share_percent_text)
    return {
        columns["sample"]: own,
        columns["loss"]: own,
        columns["p_target"]: own,
        columns["target"]: own,
        columns["predicted"]: own | predicted,
        columns["share"]: share | own,
    }
