"""Parsing pasted text: spreadsheets and printed arrays/tensors, never through eval."""

import numpy as np
import pytest

from lossgui.document import EditError
from lossgui.qt.paste import format_block, parse_block


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1\t2\t3\n4\t5\t6\n", [[1, 2, 3], [4, 5, 6]]),
        ("1,2\n3,4", [[1, 2], [3, 4]]),
        ("1; 2\r\n3; 4\r\n", [[1, 2], [3, 4]]),
        ("  1   2\n\n  3   4  ", [[1, 2], [3, 4]]),
        ("[[1.0, 2.0], [3.0, 4.0]]", [[1, 2], [3, 4]]),
        ("tensor([[ 0.1000, -2.0000e+00]], grad_fn=<AddmmBackward0>)", [[0.1, -2.0]]),
        ("tensor([[1., 2.]], dtype=torch.float64, requires_grad=True)", [[1, 2]]),
        ("array([[1., 2.],\n       [3., 4.]], dtype=float32)", [[1, 2], [3, 4]]),
        ("np.array([1, 2, 3])", [[1, 2, 3]]),
        ("[[1. 2.]\n [3. 4.]]", [[1, 2], [3, 4]]),
        ("[1, 2, 3]", [[1, 2, 3]]),
        ("[.5, -1e-3, +2]", [[0.5, -0.001, 2]]),
        ("7", [[7]]),
    ],
)
def test_parses_spreadsheet_and_printed_arrays(text, expected):
    block = parse_block(text)
    assert block.dtype == np.float64
    assert block.tolist() == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("1 2\n3", "not rectangular"),
        ("[[1, 2], [3]]", "not rectangular"),
        ("[[[1]]]", "more than 2-D"),
        ("a\tb", "not a number"),
        ("[1, __import__('os')]", "not a number"),
        ("[1,, 2]", "empty entry"),
        ("[1, 2", "unclosed"),
        ("[1, nan]", "not finite"),
        ("1e400", "not finite"),
        ("[]", "empty"),
    ],
)
def test_refuses_bad_text_with_a_reason(text, reason):
    with pytest.raises(EditError, match=reason):
        parse_block(text)


def test_format_block_round_trips_full_precision():
    rows = [[0.1, 1 / 3], [None, 2.0]]
    text = format_block(rows)
    assert text == "0.1\t0.3333333333333333\n\t2.0"
    assert parse_block(format_block([[0.1, 1 / 3]])).tolist() == [[0.1, 1 / 3]]
