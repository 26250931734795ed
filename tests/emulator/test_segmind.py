"""The emulator's Segmind: v1 answers at once, v2 polls can be made to fail."""

from __future__ import annotations

import httpx

from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY

SEGMIND = {"x-api-key": TEST_KEY}
QUESTION = {"messages": [{"role": "user", "content": "echo: hi"}]}


def test_v1_answers_with_the_completion_and_the_credits_left(emulator: Emulator) -> None:
    emulator.faults = Faults(segmind_seconds=0)
    response = httpx.post(f"{emulator.base_url}/v1/deepseek-chat", json=QUESTION, headers=SEGMIND)
    assert response.status_code == 200
    assert response.headers["x-remaining-credits"] == "100.0000"
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "hi"


def test_deepseeks_own_v1_routes_stay_deepseeks(emulator: Emulator) -> None:
    response = httpx.get(f"{emulator.base_url}/v1/models", headers=SEGMIND)
    assert response.status_code == 401  # DeepSeek's route wants a Bearer key
    assert emulator.errors == []


def test_poll_faults_count_down_and_carry_retry_after(emulator: Emulator) -> None:
    emulator.faults = Faults(
        segmind_seconds=0, segmind_poll_error=429, segmind_poll_error_count=2, retry_after="3"
    )
    with httpx.Client(base_url=emulator.base_url, headers=SEGMIND) as http:
        job = http.post("/v2/deepseek-chat", json=QUESTION).json()
        polls = [http.get(f"/v2/requests/{job['request_id']}/status") for _ in range(3)]
    assert [p.status_code for p in polls] == [429, 429, 200]
    assert polls[0].headers["retry-after"] == "3"
    assert polls[2].json()["status"] == "COMPLETED"
