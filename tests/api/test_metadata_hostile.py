"""`/models` and `/user/balance` from a hostile or broken server (issue 19 §4, §6):
fields are type-checked when read, so a wrong type is "not understood" rather than
a crash or a guess, and a body past 1 MB or a list of 200,000 ids is not taken whole."""

from __future__ import annotations

import json

import pytest

from deepseek_tui.api import DeepSeekClient, errors
from deepseek_tui.api.client import MAX_MODEL_IDS
from deepseek_tui.emulator import Emulator, Faults

NOT_UNDERSTOOD = "The server's answer was not understood"


def _info(**changed: object) -> dict[str, object]:
    return {"currency": "USD", "total_balance": "1.00", **changed}


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"id": "deepseek-chat"}, {"id": 5}]},
        {"data": [{"id": ["a"]}]},
        {"is_available": True, "balance_infos": 5},
        {"is_available": "no", "balance_infos": []},
        {"is_available": True, "balance_infos": ["USD"]},
        {"is_available": True, "balance_infos": [_info(total_balance={"x": 1})]},
        {"is_available": True, "balance_infos": [_info(currency=["USD"])]},
    ],
    ids=["id-int", "id-list", "infos-int", "available-str", "info-str", "total-dict", "cur-list"],
)
async def test_a_field_of_the_wrong_type_is_not_understood(
    emulator: Emulator, client: DeepSeekClient, body: dict
) -> None:
    models = "data" in body
    raw = json.dumps(body)
    emulator.faults = Faults(models_body=raw) if models else Faults(balance_body=raw)
    with pytest.raises(errors.ProtocolError, match=NOT_UNDERSTOOD):
        await (client.list_models() if models else client.balance())


async def test_numbers_as_amounts_are_written_out_and_false_is_false(
    emulator: Emulator, client: DeepSeekClient
) -> None:
    body = {"is_available": False, "balance_infos": [_info(total_balance=2.5)]}
    emulator.faults = Faults(balance_body=json.dumps(body))
    report = await client.balance()
    assert report.is_available is False
    assert report.balances[0].total == "2.5"


async def test_a_body_over_its_limit_is_not_read_on(
    emulator: Emulator, client: DeepSeekClient
) -> None:
    """1 MB for the balance, 8 MB for /models (a big gateway's list is about 1 MB)."""
    for pad, limit, call in ((2_000_000, 1, client.balance), (9_000_000, 8, client.list_models)):
        huge = json.dumps({"is_available": True, "data": [], "pad": "x" * pad})
        emulator.faults = Faults(balance_body=huge, models_body=huge)
        with pytest.raises(errors.ProtocolError, match=f"more than {limit} MB"):
            await call()


async def test_a_list_of_many_ids_is_cut(emulator: Emulator, client: DeepSeekClient) -> None:
    ids = [{"id": f"m{n}"} for n in range(200_000)]  # ~3 MB: under the byte limit
    emulator.faults = Faults(models_body=json.dumps({"data": ids}))
    listed = await client.list_models()
    assert listed[:2] == ["m0", "m1"]
    assert len(listed) == MAX_MODEL_IDS
