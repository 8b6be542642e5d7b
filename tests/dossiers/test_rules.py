"""Pure rules: early / on time / late, name folding and masking, lookup secrets."""

from __future__ import annotations

import datetime as dt

from tests.dossiers.conftest import at

from onestop.dossiers import deadlines
from onestop.dossiers.intake.lookup_secret import SECRET_ALPHABET, new_secret, secret_matches
from onestop.dossiers.names import fold, mask
from onestop.worktime import TimeLimit, load_calendar

CAL = load_calendar()


def test_classify_early_on_time_late() -> None:
    due = at("2026-03-11 09:00")
    assert deadlines.classify(CAL, at("2026-03-10 16:00"), due) == "early"  # before 07:00 of 11/03
    assert deadlines.classify(CAL, at("2026-03-11 07:00"), due) == "on_time"
    assert deadlines.classify(CAL, at("2026-03-11 09:00"), due) == "on_time"  # due instant itself
    assert deadlines.classify(CAL, at("2026-03-11 09:01"), due) == "late"


def test_due_with_pause_and_restart() -> None:
    start = at("2026-03-10 09:00")
    limit = TimeLimit(1, "working_days")
    pause = [(at("2026-03-10 10:00"), at("2026-03-10 14:00"))]  # 1.5 h + 0.5 h of working time
    assert deadlines.due(CAL, start, limit) == at("2026-03-11 09:00")
    assert deadlines.due(CAL, start, limit, pause) == at("2026-03-11 11:00")
    assert deadlines.due(CAL, start, limit, pause, "restart") == at("2026-03-11 14:00")
    assert deadlines.due(CAL, start, limit).tzinfo == dt.UTC


def test_fold() -> None:
    assert fold("Nguyễn Văn Ân") == "nguyen van an"
    assert fold("  ĐẶNG   thị  Hường ") == "dang thi huong"


def test_mask() -> None:
    assert mask("Nguyễn Văn An") == "Nguyễn V*** A*"
    assert mask("Lê Thị Thu Hà") == "Lê T*** T*** H*"
    assert mask("Hùng") == "H*"
    assert mask("Trần Bình") == "Trần B*"
    assert mask("") == ""


def test_secret_is_stored_salted_and_checked_case_blind() -> None:
    secret, stored = new_secret()
    assert len(secret) == 10 and set(secret) <= set(SECRET_ALPHABET)
    assert secret not in stored
    assert secret_matches(stored, secret)
    assert secret_matches(stored, secret.lower())
    assert not secret_matches(stored, "WRONGWRONG")
    _, other = new_secret()
    assert other != stored  # salted


def test_lookup_secrets_use_the_whole_alphabet_evenly() -> None:
    from collections import Counter

    from onestop.dossiers.intake.lookup_secret import SECRET_LENGTH, random_secret

    secrets_drawn = [random_secret() for _ in range(62_000)]
    assert all(len(s) == SECRET_LENGTH for s in secrets_drawn)
    counts = Counter("".join(secrets_drawn))
    assert set(counts) == set(SECRET_ALPHABET)
    expected = 62_000 * SECRET_LENGTH / len(SECRET_ALPHABET)  # 20,000 per character (σ ≈ 0.7 %)
    # A byte taken modulo 31 without rejection would give the first 8 letters 9 % more.
    assert all(abs(n - expected) < 0.04 * expected for n in counts.values())
    assert len(set(secrets_drawn)) == len(secrets_drawn)
