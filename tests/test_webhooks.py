"""Callbacks: parsing every body shape Kie documents, and Kie's HMAC signature scheme."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import Headers as StarletteHeaders

from kieai._errors import (
    APIResponseValidationError,
    KieError,
    KieInputError,
    WebhookVerificationError,
)
from kieai.types import TaskState
from kieai.webhooks import (
    MAX_CALLBACK_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    MalformedCallbackError,
    parse_callback,
    sign_callback,
    verify_callback,
)

KEY = "kie-test-hmac-key"
#: A child process that has not answered after this is stuck, not slow (it needs well under
#: a second).
HANG_GUARD_S = 120
TS = 1769670760

# Kie's motion-control page, verbatim: note the trailing commas (invalid JSON as published).
KIE_SUCCESS_EXAMPLE = """{
    "code": 200,
    "data": {
        "completeTime": 1755599644000,
        "costTime": 8,
        "createTime": 1755599634000,
        "model": "kling-2.6/motion-control",
        "param": "{\\"callBackUrl\\":\\"https://your-domain.com/api/callback\\",\\"model\\":\\"kling-2.6/motion-control\\",\\"input\\":{\\"prompt\\":\\"The cartoon character is dancing.\\",\\"input_urls\\":[\\"https://static.aiquickdraw.com/tools/example/1767694885407_pObJoMcy.png\\"],\\"video_urls\\":[\\"https://static.aiquickdraw.com/tools/example/1767525918769_QyvTNib2.mp4\\"],\\"character_orientation\\":\\"video\\",\\"mode\\":\\"720p\\"}}",
        "resultJson": "{\\"resultUrls\\":[\\"https://example.com/generated-image.jpg\\"]}",
        "state": "success",
        "taskId": "e989621f54392584b05867f87b160672",
        "failCode": null,
        "failMsg": null,
    },
    "msg": "Playground task completed successfully."
}"""

KIE_FAILURE_EXAMPLE = """{
    "code": 501,
    "data": {
        "completeTime": 1755597081000,
        "costTime": 0,
        "createTime": 1755596341000,
        "failCode": "500",
        "failMsg": "Internal server error",
        "model": "kling-2.6/motion-control",
        "param": "{\\"callBackUrl\\":\\"https://your-domain.com/api/callback\\",\\"model\\":\\"kling-2.6/motion-control\\",\\"input\\":{\\"prompt\\":\\"The cartoon character is dancing.\\"}}",
        "state": "fail",
        "taskId": "bd3a37c523149e4adf45a3ddb5faf1a8",
        "resultJson": null,
    },
    "msg": "Playground task failed."
}"""

# The shape of the sample request on Kie's webhook-verification page.
KIE_VERIFICATION_PAGE_EXAMPLE = {
    "taskId": "ee9c2715375b7837f8bb51d641ff5863",
    "code": 200,
    "msg": "Success",
    "data": {
        "task_id": "ee9c2715375b7837f8bb51d641ff5863",
        "callbackType": "task_completed",
        "state": "success",
    },
}
# Computed independently: printf '%s' 'ee9c…5863.1769670760' | openssl dgst -sha256
#   -hmac 'kie-test-hmac-key' -binary | base64
KIE_VERIFICATION_PAGE_SIGNATURE = "XtPdIqcu2ApbbXj39jiCVexel5PX3yEm5UN+OZ2EbzE="


def callback(task_id: str = "task-1", state: str = "success", **fields: Any) -> bytes:
    data: dict[str, Any] = {"taskId": task_id, "state": state, **fields}
    return json.dumps({"code": 200, "msg": "ok", "data": data}).encode()


def signed(task_id: str = "task-1", *, key: str = KEY, ts: int = TS) -> dict[str, str]:
    return sign_callback(task_id, key, ts)


# --- parse_callback: the bodies Kie documents -----------------------------------------------


def test_parse_reads_kie_success_example() -> None:
    task = parse_callback(KIE_SUCCESS_EXAMPLE)
    assert task.task_id == "e989621f54392584b05867f87b160672"
    assert task.state == TaskState.SUCCESS
    assert task.is_success
    assert task.result_urls == ["https://example.com/generated-image.jpg"]
    assert task.param is not None
    assert task.param["input"]["mode"] == "720p"
    assert task.cost_time == 8
    assert task.fail_code is None
    assert task.fail_msg is None
    assert task.complete_time == datetime(2025, 8, 19, 10, 34, 4, tzinfo=timezone.utc)


def test_parse_reads_kie_failure_example() -> None:
    task = parse_callback(KIE_FAILURE_EXAMPLE)
    assert task.state == TaskState.FAIL
    assert task.fail_code == "500"
    assert task.fail_msg == "Internal server error"
    assert task.result_urls == []
    assert task.is_finished
    assert not task.is_success


def test_parse_reads_kie_verification_page_example_with_snake_case_task_id() -> None:
    task = parse_callback(KIE_VERIFICATION_PAGE_EXAMPLE)
    assert task.task_id == "ee9c2715375b7837f8bb51d641ff5863"
    assert task.model_extra == {"callbackType": "task_completed"}


def test_parse_accepts_message_instead_of_msg() -> None:
    body = {"code": 200, "message": "success", "data": {"taskId": "t", "state": "success"}}
    assert parse_callback(body).task_id == "t"


def test_parse_accepts_envelope_without_code_or_msg() -> None:
    assert parse_callback({"data": {"taskId": "t", "state": "waiting"}}).state == TaskState.WAITING


def test_parse_treats_empty_fail_fields_as_none() -> None:
    task = parse_callback(callback(failCode="", failMsg="", resultJson=""))
    assert (task.fail_code, task.fail_msg, task.result_urls) == (None, None, [])


def test_parse_keeps_credit_fields() -> None:
    body = callback(consumeCredits=120, remainedCredits=880.5, creditsConsumed=120)
    task = parse_callback(body)
    assert task.model_extra == {
        "consumeCredits": 120,
        "remainedCredits": 880.5,
        "creditsConsumed": 120,
    }


def test_parse_keeps_cost_time_as_reported() -> None:
    assert parse_callback(callback(costTime=15000)).cost_time == 15000


def test_parse_keeps_unknown_state_as_string() -> None:
    assert parse_callback(callback(state="archived")).state == "archived"


BODY_FORMS: dict[str, Callable[[bytes], Any]] = {
    "bytes": lambda b: b,
    "str": lambda b: b.decode(),
    "bytearray": bytearray,
    "memoryview": memoryview,
    "mapping": json.loads,
}


@pytest.mark.parametrize("convert", BODY_FORMS.values(), ids=BODY_FORMS.keys())
def test_parse_accepts_raw_text_and_parsed_bodies(convert: Callable[[bytes], Any]) -> None:
    assert parse_callback(convert(callback("abc"))).task_id == "abc"


def test_parse_accepts_utf8_byte_order_mark() -> None:
    assert parse_callback(b"\xef\xbb\xbf" + callback("bom")).task_id == "bom"


def test_parse_state_wins_over_envelope_code_200() -> None:
    body = {
        "code": 200,
        "msg": "Playground task completed successfully.",
        "data": {"taskId": "t", "state": "fail"},
    }
    assert parse_callback(body).state == TaskState.FAIL


def test_parse_state_wins_over_envelope_code_501() -> None:
    body = {
        "code": 501,
        "msg": "Playground task failed.",
        "data": {"taskId": "t", "state": "success"},
    }
    assert parse_callback(body).state == TaskState.SUCCESS


def test_parse_tolerates_trailing_commas() -> None:
    body = '{"code": 200, "data": {"taskId": "t", "state": "success", "x": [1, 2,],},}'
    assert parse_callback(body).model_extra == {"x": [1, 2]}


def test_parse_leaves_commas_inside_strings_alone() -> None:
    body = '{"data": {"taskId": "t", "state": "fail", "failMsg": "a,} \\",]",}}'
    assert parse_callback(body).fail_msg == 'a,} ",]'


def test_parse_reports_the_original_error_when_commas_were_not_the_only_problem() -> None:
    body = '{"data": {"taskId": "t",}, oops}'
    message = malformed_message(body)
    # The wording differs across Python versions (3.13: "Illegal trailing comma ..."); what
    # matters is that the strict parser's own error on the original body is the one reported.
    with pytest.raises(json.JSONDecodeError) as original:
        json.loads(body)
    assert f"{original.value.msg} at line 1 column {original.value.colno}" in message


def test_parse_reads_task_id_from_top_level_when_data_has_none() -> None:
    assert parse_callback({"taskId": "top", "data": {"state": "success"}}).task_id == "top"


def test_parse_accepts_task_id_in_several_places_when_they_agree() -> None:
    body = {"taskId": "t", "data": {"taskId": "t", "task_id": "t", "state": "success"}}
    task = parse_callback(body)
    assert task.task_id == "t"
    assert task.model_extra == {}


# --- parse_callback: malformed bodies -------------------------------------------------------


def malformed_message(body: Any) -> str:
    with pytest.raises(MalformedCallbackError) as info:
        parse_callback(body)
    return str(info.value)


def test_malformed_callback_error_is_a_response_validation_error() -> None:
    with pytest.raises(APIResponseValidationError):
        parse_callback(b"nope")


def test_parse_rejects_empty_body() -> None:
    assert malformed_message(b"  \n") == "callback body is empty"


def test_parse_rejects_invalid_utf8() -> None:
    assert "not UTF-8" in malformed_message(b'{"data": "\xff"}')


def test_parse_rejects_body_that_is_not_json() -> None:
    message = malformed_message("<html>Bad Gateway</html>")
    assert "not JSON (Expecting value at line 1 column 1)" in message
    assert "'<html>Bad Gateway</html>'" in message


def test_parse_shortens_long_bodies_in_messages() -> None:
    assert len(malformed_message("x" * 10_000)) < 200


def test_parse_rejects_nan() -> None:
    assert "NaN is not a JSON value" in malformed_message('{"data": {"taskId": "t", "state": NaN}}')


def test_parse_rejects_deeply_nested_json() -> None:
    assert "nested too deeply" in malformed_message("[" * 100_000)


@pytest.mark.parametrize(
    ("body", "kind"),
    [("[]", "array"), ('"x"', "string"), ("3", "number"), ("null", "null"), ("true", "boolean")],
)
def test_parse_rejects_json_that_is_not_an_object(body: str, kind: str) -> None:
    assert malformed_message(body) == f"callback body is a JSON {kind}, expected an object"


def test_parse_rejects_body_without_data_and_quotes_the_envelope() -> None:
    message = malformed_message({"code": 500, "message": "server error", "data": None})
    assert message == "callback body has no 'data' object (code 500, msg 'server error')"


def test_parse_hints_when_given_the_data_object_itself() -> None:
    assert "pass the whole callback body" in malformed_message({"taskId": "t", "state": "success"})


def test_parse_rejects_data_that_is_not_an_object() -> None:
    assert (
        malformed_message({"data": ["t"]}) == "callback 'data' is a JSON array, expected an object"
    )


def test_parse_rejects_data_without_task_id() -> None:
    assert "has no task id" in malformed_message({"data": {"state": "success"}})


@pytest.mark.parametrize("task_id", [123, "", "  ", ["t"]])
def test_parse_rejects_task_id_that_is_not_a_non_empty_string(task_id: object) -> None:
    message = malformed_message({"data": {"taskId": task_id, "state": "success"}})
    assert "data.taskId must be a non-empty string" in message


def test_parse_rejects_task_ids_that_name_different_tasks() -> None:
    message = malformed_message({"taskId": "b", "data": {"task_id": "a", "state": "success"}})
    assert message == "callback data.task_id 'a' and taskId 'b' name different tasks"


def test_parse_rejects_data_without_state() -> None:
    assert (
        malformed_message({"data": {"taskId": "t", "state": None}})
        == "callback data for task 't' has no 'state'"
    )


def test_parse_names_invalid_field_without_echoing_its_value() -> None:
    message = malformed_message(callback(costTime="secret-looking-value"))
    assert "data.costTime: Input should be a valid number" in message
    assert "secret-looking-value" not in message


def test_parse_rejects_timestamp_outside_datetime_range() -> None:
    assert "is invalid" in malformed_message(callback(createTime=1e300))


def test_parse_error_carries_the_parsed_body() -> None:
    with pytest.raises(MalformedCallbackError) as info:
        parse_callback({"code": 500, "data": None})
    assert info.value.body == {"code": 500, "data": None}


def test_parse_rejects_request_object_with_a_kie_error_not_a_type_error() -> None:
    with pytest.raises(MalformedCallbackError, match=r"await request.body\(\)"):
        parse_callback(object())  # pyright: ignore[reportArgumentType]


@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "str"])
def test_parse_refuses_a_body_over_one_mib_unread(as_text: bool) -> None:
    # Valid JSON, so only the size can be what refuses it.
    body = callback(note="x" * MAX_CALLBACK_BYTES)
    with pytest.raises(MalformedCallbackError, match="larger than 1,048,576 bytes"):
        parse_callback(body.decode() if as_text else body)


def test_parse_measures_a_str_body_in_utf8_bytes() -> None:
    # 400,000 characters of 3 UTF-8 bytes each: 1.2 MB on the wire.
    body = '{"data": {"taskId": "t", "state": "success", "note": "' + "\u20ac" * 400_000 + '"}}'
    assert len(body) < MAX_CALLBACK_BYTES
    with pytest.raises(MalformedCallbackError, match="larger than"):
        parse_callback(body)


def test_parse_accepts_a_body_just_under_one_mib() -> None:
    padding = MAX_CALLBACK_BYTES - len(callback(note=""))
    body = callback(note="x" * padding)
    assert len(body) == MAX_CALLBACK_BYTES
    assert parse_callback(body).task_id == "task-1"


# Bodies that cost time quadratic in their length before the fix (an unterminated string full
# of escapes: each quote restarted the trailing-comma scan to the end): 8.9 s at 32 KB then,
# so about 9 hours at 1 MiB. Run in a child process whose timeout only guards against a hang.
_QUADRATIC_BODIES = """
import sys
from kieai.webhooks import MAX_CALLBACK_BYTES, parse_callback, sign_callback, verify_callback
from kieai import KieError
n = MAX_CALLBACK_BYTES
bodies = [b'"\\\\' * (n // 2), b'{"a":"' + b'\\\\"' * (n // 2 - 4), b'"x' * (n // 2)]
headers = sign_callback("task-1", "key", 1769670760)
for body in bodies:
    assert len(body) <= n
    for check in (lambda: parse_callback(body), lambda: verify_callback(body, headers, "key", None)):
        try:
            check()
        except KieError:
            pass
        else:
            sys.exit("accepted")
print("handled")
"""


def test_bodies_that_were_quadratic_are_read_in_linear_time() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _QUADRATIC_BODIES],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "handled"


# --- verify_callback: acceptance ------------------------------------------------------------


def test_verify_accepts_signature_computed_by_kie_algorithm() -> None:
    headers = {TIMESTAMP_HEADER: str(TS), SIGNATURE_HEADER: KIE_VERIFICATION_PAGE_SIGNATURE}
    task = verify_callback(json.dumps(KIE_VERIFICATION_PAGE_EXAMPLE), headers, KEY, now=TS)
    assert task.task_id == "ee9c2715375b7837f8bb51d641ff5863"


def test_sign_callback_matches_kie_algorithm() -> None:
    headers = sign_callback("ee9c2715375b7837f8bb51d641ff5863", KEY, TS)
    assert headers == {TIMESTAMP_HEADER: str(TS), SIGNATURE_HEADER: KIE_VERIFICATION_PAGE_SIGNATURE}


def test_verify_returns_the_parsed_task() -> None:
    task = verify_callback(
        KIE_SUCCESS_EXAMPLE, signed("e989621f54392584b05867f87b160672"), KEY, now=TS
    )
    assert task == parse_callback(KIE_SUCCESS_EXAMPLE)


def test_verify_reads_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", KEY)
    assert verify_callback(callback(), signed(), now=TS).task_id == "task-1"


def test_verify_strips_whitespace_around_environment_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", f" {KEY}\n")
    assert verify_callback(callback(), signed(), now=TS).task_id == "task-1"


def test_verify_key_argument_overrides_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", "other-key")
    assert verify_callback(callback(), signed(), KEY, now=TS).task_id == "task-1"


def test_verify_accepts_bytes_key() -> None:
    assert verify_callback(callback(), signed(), KEY.encode(), now=TS).task_id == "task-1"


def test_verify_uses_current_time_by_default() -> None:
    assert verify_callback(callback(), sign_callback("task-1", KEY), KEY).task_id == "task-1"


HEADER_FORMS: dict[str, Callable[[dict[str, str]], Any]] = {
    "lowercase-dict": lambda h: {k.lower(): v for k, v in h.items()},
    "uppercase-dict": lambda h: {k.upper(): v for k, v in h.items()},
    "httpx": httpx.Headers,
    "str-pairs": lambda h: list(h.items()),
    "asgi-bytes-pairs": lambda h: [(k.lower().encode(), v.encode()) for k, v in h.items()],
    "starlette": lambda h: StarletteHeaders(h),
    "padded": lambda h: {k: f" {v} " for k, v in h.items()},
    "among-others": lambda h: {"Content-Type": "application/json", "User-Agent": "kie", **h},
}


@pytest.mark.parametrize("to_headers", HEADER_FORMS.values(), ids=HEADER_FORMS.keys())
def test_verify_finds_headers_in_any_container_and_case(
    to_headers: Callable[[dict[str, str]], Any],
) -> None:
    assert verify_callback(callback(), to_headers(signed()), KEY, now=TS).task_id == "task-1"


def test_verify_accepts_integer_timestamp_value_in_mapping() -> None:
    headers: dict[str, Any] = {**signed(), TIMESTAMP_HEADER: TS}
    assert verify_callback(callback(), headers, KEY, now=TS).task_id == "task-1"


def test_verify_accepts_repeated_identical_header() -> None:
    headers = [*signed().items(), (TIMESTAMP_HEADER.lower(), str(TS))]
    assert verify_callback(callback(), headers, KEY, now=TS).task_id == "task-1"


def test_verify_signs_top_level_task_id_when_data_has_none() -> None:
    body = {"taskId": "top", "data": {"state": "success"}}
    assert verify_callback(body, signed("top"), KEY, now=TS).task_id == "top"


@pytest.mark.parametrize("skew", [-300, 300])
def test_verify_accepts_timestamp_at_the_tolerance_edge(skew: int) -> None:
    assert verify_callback(callback(), signed(), KEY, now=TS + skew).task_id == "task-1"


def test_verify_without_tolerance_accepts_any_timestamp() -> None:
    assert verify_callback(callback(), signed(ts=1), KEY, None, now=TS).task_id == "task-1"


# --- verify_callback: rejection -------------------------------------------------------------


def rejection(
    body: Any = None, headers: Any = None, key: str | bytes | None = KEY, **kwargs: Any
) -> str:
    options: dict[str, Any] = {"now": TS, **kwargs}
    with pytest.raises(WebhookVerificationError) as info:
        verify_callback(
            callback() if body is None else body,
            signed() if headers is None else headers,
            key,
            **options,
        )
    return str(info.value)


def test_verify_without_any_key_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("KIE_WEBHOOK_HMAC_KEY", raising=False)
    assert "KIE_WEBHOOK_HMAC_KEY" in rejection(key=None)


def test_verify_treats_empty_environment_variable_as_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", "")
    assert "KIE_WEBHOOK_HMAC_KEY" in rejection(key=None)


def test_verify_rejects_empty_key_argument() -> None:
    assert rejection(key="").startswith("hmac_key is empty")


@pytest.mark.parametrize("missing", [TIMESTAMP_HEADER, SIGNATURE_HEADER])
def test_verify_rejects_missing_header(missing: str) -> None:
    headers = {k: v for k, v in signed().items() if k != missing}
    assert rejection(headers=headers).startswith(f"missing {missing} header")


def test_verify_rejects_empty_header() -> None:
    assert rejection(headers={**signed(), SIGNATURE_HEADER: ""}).startswith(
        f"missing {SIGNATURE_HEADER}"
    )


@pytest.mark.parametrize(
    "value", ["abc", "1769670760.5", "-5", "1e9", "+1769670760", "٣", "9" * 16]
)
def test_verify_rejects_timestamp_that_is_not_whole_seconds(value: str) -> None:
    assert "must be whole Unix seconds" in rejection(headers={**signed(), TIMESTAMP_HEADER: value})


def test_verify_rejects_stale_timestamp() -> None:
    message = rejection(now=TS + 301)
    assert message.startswith(
        f"{TIMESTAMP_HEADER} {TS} is 301 s old, outside the tolerance of 300 s"
    )


def test_verify_rejects_timestamp_from_the_future() -> None:
    assert "is 301 s in the future" in rejection(now=TS - 301)


def test_verify_honours_a_custom_tolerance() -> None:
    assert "outside the tolerance of 10 s" in rejection(tolerance=10, now=TS + 11)


def test_verify_hints_at_millisecond_timestamps() -> None:
    headers = sign_callback("task-1", KEY, TS * 1000)
    assert "looks like milliseconds" in rejection(headers=headers)


def test_verify_checks_the_window_before_the_signature() -> None:
    headers = {**signed(), SIGNATURE_HEADER: base64.b64encode(b"\0" * 32).decode()}
    assert "outside the tolerance" in rejection(headers=headers, now=TS + 1000)


@pytest.mark.parametrize(
    "value", ["not base64!", "abc", "XtPdIqcu2ApbbXj39jiCVexel5PX3yEm5UN-OZ2EbzE="]
)
def test_verify_rejects_signature_that_is_not_standard_base64(value: str) -> None:
    assert (
        rejection(headers={**signed(), SIGNATURE_HEADER: value})
        == f"{SIGNATURE_HEADER} is not valid standard base64"
    )


def test_verify_rejects_signature_of_the_wrong_length() -> None:
    message = rejection(
        headers={**signed(), SIGNATURE_HEADER: base64.b64encode(b"\0" * 20).decode()}
    )
    assert message == f"{SIGNATURE_HEADER} decodes to 20 bytes; an HMAC-SHA256 signature has 32"


def test_verify_rejects_signature_made_with_another_key() -> None:
    assert "does not match task 'task-1'" in rejection(headers=signed(key="another-key"))


def test_verify_rejects_signature_replayed_for_another_task() -> None:
    assert "does not match task 'task-2'" in rejection(body=callback("task-2"))


def test_verify_rejects_signature_replayed_with_another_timestamp() -> None:
    headers = {**signed(), TIMESTAMP_HEADER: str(TS + 1)}
    assert "does not match" in rejection(headers=headers)


def test_verify_rejects_conflicting_duplicate_headers() -> None:
    headers = [*signed().items(), (TIMESTAMP_HEADER, str(TS + 1))]
    assert (
        rejection(headers=headers)
        == f"{TIMESTAMP_HEADER} header appears more than once with different values"
    )


def test_verify_reports_malformed_body_as_malformed_not_as_verification_failure() -> None:
    with pytest.raises(MalformedCallbackError):
        verify_callback(b"not json", signed(), KEY, now=TS)


def test_verify_checks_signature_before_complaining_about_state() -> None:
    body = {"data": {"taskId": "task-1"}}
    assert "does not match" in rejection(body=body, headers=signed(key="another-key"))


def test_verify_rejects_body_whose_task_ids_disagree() -> None:
    # A captured signature for task-1 must not vouch for a body that also names task-2.
    body = {"data": {"task_id": "task-1", "taskId": "task-2", "state": "success"}}
    with pytest.raises(MalformedCallbackError, match="name different tasks"):
        verify_callback(body, signed(), KEY, now=TS)


@pytest.mark.parametrize("tolerance", [-1, float("nan"), float("inf")])
def test_verify_rejects_invalid_tolerance(tolerance: float) -> None:
    with pytest.raises(KieInputError, match="tolerance: must be >= 0 seconds or None"):
        verify_callback(callback(), signed(), KEY, tolerance, now=TS)


@pytest.mark.parametrize(
    "headers", [None, "X-Webhook-Timestamp: 1", [("a",)], ["ab"], [(1.5, "x")]]
)
def test_verify_rejects_headers_that_are_not_name_value_pairs(headers: Any) -> None:
    with pytest.raises(WebhookVerificationError, match=r"headers|header names"):
        verify_callback(callback(), headers, KEY, now=TS)


def test_verify_checks_the_signature_header_before_reading_the_body() -> None:
    # The body is not even JSON: a bad signature is what the sender hears about.
    with pytest.raises(WebhookVerificationError, match="base64"):
        verify_callback(b"not json", {**signed(), SIGNATURE_HEADER: "!!"}, KEY, now=TS)


def test_verify_refuses_a_body_over_one_mib_before_parsing_it() -> None:
    body = callback(note="x" * MAX_CALLBACK_BYTES)
    with pytest.raises(MalformedCallbackError, match="larger than"):
        verify_callback(body, signed(), KEY, now=TS)


# --- the key never leaks --------------------------------------------------------------------


SECRET = "s3cr3t-hmac-key-value"


def leak_cases() -> list[tuple[str, Any, Any]]:
    """Failures where the request itself happens to contain the key somewhere."""
    return [
        ("wrong signature, key as task id", callback(SECRET), signed(SECRET, key="other")),
        ("key inside a non-JSON body", f"<p>{SECRET}</p>", signed()),
        ("key as non-integer timestamp", callback(), {**signed(), TIMESTAMP_HEADER: SECRET}),
        (
            "key as conflicting task id",
            {"taskId": SECRET, "data": {"taskId": "a", "state": "x"}},
            signed(),
        ),
        ("key as task id without state", {"data": {"taskId": SECRET}}, signed(SECRET, key=SECRET)),
        ("key as non-string task id", {"data": {"taskId": [SECRET], "state": "x"}}, signed()),
        ("stale", callback(), signed(ts=TS - 1000)),
        ("bad base64", callback(), {**signed(), SIGNATURE_HEADER: "!!"}),
    ]


@pytest.mark.parametrize(
    ("body", "headers"), [case[1:] for case in leak_cases()], ids=[c[0] for c in leak_cases()]
)
def test_verify_errors_never_contain_the_key(body: Any, headers: Any) -> None:
    with pytest.raises(KieError) as info:
        verify_callback(body, headers, SECRET, now=TS)
    error = info.value
    assert SECRET not in str(error)
    assert SECRET not in repr(error)
    assert SECRET not in repr(getattr(error, "body", None))
    assert error.__cause__ is None
    assert error.__context__ is None


def test_verify_error_for_bytes_key_never_contains_the_key() -> None:
    with pytest.raises(WebhookVerificationError) as info:
        verify_callback(callback(SECRET), signed(SECRET, key="other"), SECRET.encode(), now=TS)
    assert SECRET not in str(info.value)


def test_verify_error_for_key_from_environment_never_contains_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIE_WEBHOOK_HMAC_KEY", SECRET)
    with pytest.raises(WebhookVerificationError) as info:
        verify_callback(callback(SECRET), signed(SECRET, key="other"), now=TS)
    assert SECRET not in str(info.value)


LONG_SECRET = "whk_" + "A1b2C3d4E5f6G7h8" * 6  # longer than an excerpt (60 characters)


def _prefix_leaks(text: str, secret: str) -> list[str]:
    return [secret[:n] for n in range(4, len(secret) + 1) if secret[:n] in text]


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str-key", "bytes-key"])
@pytest.mark.parametrize(
    "where",
    ["task id, wrong signature", "timestamp", "conflicting task id", "task id prefix"],
)
def test_verify_errors_leave_no_prefix_of_a_long_key(where: str, as_bytes: bool) -> None:
    key: str | bytes = LONG_SECRET.encode() if as_bytes else LONG_SECRET
    if where == "task id, wrong signature":
        body, headers = callback(LONG_SECRET), signed(LONG_SECRET, key="other")
    elif where == "timestamp":
        body, headers = callback(), {**signed(), TIMESTAMP_HEADER: LONG_SECRET}
    elif where == "conflicting task id":
        body = {"taskId": LONG_SECRET, "data": {"taskId": "a", "state": "x"}}
        headers = signed()
    else:
        body, headers = callback("id-" + LONG_SECRET), signed("id-" + LONG_SECRET, key="other")
    with pytest.raises(KieError) as info:
        verify_callback(body, headers, key, now=TS)
    error = info.value
    seen = "\n".join([str(error), repr(error), repr(getattr(error, "body", None))])
    assert _prefix_leaks(seen, LONG_SECRET) == []


def test_verify_keeps_the_body_on_errors_that_do_not_involve_the_key() -> None:
    with pytest.raises(MalformedCallbackError) as info:
        verify_callback({"data": None}, signed(), SECRET, now=TS)
    assert info.value.body == {"data": None}


# --- sign_callback --------------------------------------------------------------------------


def test_sign_callback_uses_current_time_by_default() -> None:
    before = int(time.time())
    stamp = int(sign_callback("t", KEY)[TIMESTAMP_HEADER])
    assert before <= stamp <= int(time.time())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", KEY, TS), "task_id: must be a non-empty string"),
        (("t", "", TS), "hmac_key: must not be empty"),
        (("t", KEY, -1), "timestamp: must be whole Unix seconds >= 0"),
        (("t", KEY, 1.5), "timestamp: must be whole Unix seconds >= 0"),
    ],
)
def test_sign_callback_rejects_invalid_arguments(args: tuple[Any, Any, Any], message: str) -> None:
    with pytest.raises(KieInputError, match=message):
        sign_callback(*args)


# --- properties -----------------------------------------------------------------------------

task_ids = st.text(min_size=1, max_size=80).filter(str.strip)
keys = st.one_of(st.text(min_size=1, max_size=64), st.binary(min_size=1, max_size=64))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
task_fields = st.fixed_dictionaries(
    {},
    optional={
        "taskId": st.one_of(task_ids, json_values),
        "task_id": st.one_of(task_ids, json_values),
        "state": st.one_of(st.sampled_from([s.value for s in TaskState]), json_values),
        "param": st.one_of(st.text(max_size=40), json_values),
        "resultJson": st.one_of(st.just('{"resultUrls":["https://x/y.mp4"]}'), json_values),
        "failCode": json_values,
        "failMsg": json_values,
        "costTime": st.one_of(st.integers(), st.floats(allow_nan=False), json_values),
        "createTime": st.one_of(st.integers(), st.floats(allow_nan=False), json_values),
        "completeTime": st.one_of(st.integers(min_value=-(10**30), max_value=10**30), json_values),
        "progress": json_values,
    },
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "code": json_values,
        "msg": json_values,
        "taskId": json_values,
        "data": st.one_of(task_fields, json_values),
    },
)
PROPERTY_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(task_id=task_ids, key=keys, timestamp=st.integers(min_value=0, max_value=2**40))
def test_signed_callbacks_always_verify(task_id: str, key: str | bytes, timestamp: int) -> None:
    body = json.dumps({"code": 200, "data": {"taskId": task_id, "state": "success"}})
    headers = sign_callback(task_id, key, timestamp)
    assert verify_callback(body, headers, key, now=timestamp).task_id == task_id


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8", "surrogatepass") if isinstance(key, str) else key


@PROPERTY_SETTINGS
@given(task_id=task_ids, key=keys, other=keys)
def test_signatures_from_another_key_never_verify(
    task_id: str, key: str | bytes, other: str | bytes
) -> None:
    if _key_bytes(key) == _key_bytes(other):
        return
    body = json.dumps({"data": {"taskId": task_id, "state": "success"}})
    with pytest.raises(WebhookVerificationError):
        verify_callback(body, sign_callback(task_id, other, TS), key, now=TS)


@PROPERTY_SETTINGS
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_arbitrary_bytes_parse_or_raise_malformed_callback_error(body: bytes | str) -> None:
    with contextlib.suppress(MalformedCallbackError):
        parse_callback(body)


@PROPERTY_SETTINGS
@given(body=st.one_of(envelopes, json_values), as_text=st.booleans())
def test_arbitrary_json_parses_or_raises_malformed_callback_error(body: Any, as_text: bool) -> None:
    try:
        task = parse_callback(json.dumps(body) if as_text else body)
    except MalformedCallbackError:
        return
    assert isinstance(body, Mapping)
    assert task.task_id.strip()


@PROPERTY_SETTINGS
@given(
    body=st.one_of(envelopes, st.binary(max_size=100)),
    timestamp=st.one_of(st.integers(min_value=0, max_value=10**16).map(str), st.text(max_size=20)),
    signature=st.one_of(
        st.text(max_size=60),
        st.binary(min_size=32, max_size=32).map(lambda b: base64.b64encode(b).decode()),
    ),
)
def test_arbitrary_requests_raise_only_kie_errors(
    body: Any, timestamp: str, signature: str
) -> None:
    headers = [(TIMESTAMP_HEADER, timestamp), (SIGNATURE_HEADER, signature)]
    with contextlib.suppress(WebhookVerificationError, MalformedCallbackError):
        verify_callback(body, headers, KEY, tolerance=None)


#: Anything a caller (or a framework) might hand over where headers or a body belong.
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.builds(object),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.binary(max_size=5)), max_size=3),
    st.tuples(st.integers(), st.text(max_size=5)),
)
odd_headers = st.one_of(
    odd_values,
    st.dictionaries(st.one_of(st.text(max_size=20), st.binary(max_size=20)), odd_values),
    st.lists(st.one_of(odd_values, st.tuples(odd_values, odd_values)), max_size=4),
    st.dictionaries(st.sampled_from([TIMESTAMP_HEADER, SIGNATURE_HEADER]), odd_values),
)


@PROPERTY_SETTINGS
@given(body=st.one_of(odd_values, envelopes, st.binary(max_size=50)), headers=odd_headers)
def test_every_wrong_input_raises_a_kie_error_never_a_type_error(body: Any, headers: Any) -> None:
    with pytest.raises(KieError):
        verify_callback(body, headers, KEY, tolerance=None)
    with contextlib.suppress(MalformedCallbackError):
        parse_callback(body)
