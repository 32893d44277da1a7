"""The one id validator: every id that enters, and ids that name folders."""

import pytest

from engine.io.csvtable import FieldError
from engine.io.ids import MAX_ID_LEN, check_id, id_problem


@pytest.mark.parametrize("bad", ["../../ESCAPED", "/abs/path", "a/b", "a\\b", ".hidden", "..", ".", "a b",
                                 "W:1", "", "x" * (MAX_ID_LEN + 1), "w\x00", "w\n"])
def test_folder_ids_refused(bad: str) -> None:
    with pytest.raises(FieldError):
        check_id(bad, "wave_id", file_name=True)
    assert id_problem(bad, "wave_id", file_name=True)


@pytest.mark.parametrize("good", ["W-20261201T0600", "W-3f2a9c", "B0001", "wave_1.2", "x" * MAX_ID_LEN])
def test_folder_ids_accepted(good: str) -> None:
    assert check_id(good, "wave_id", file_name=True) == good


def test_plain_ids_allow_any_printable_text() -> None:
    assert check_id("order 7/B'; --", "order_id") == "order 7/B'; --"
    with pytest.raises(FieldError, match="control character"):
        check_id("a\tb", "order_id")
