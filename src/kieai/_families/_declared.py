"""The five families as data: Market and Kie's dedicated Veo 3.1, Suno, Runway and Aleph
endpoints. Facts from Kie's own pages (snapshot 2026-04-29; the page each comes from is named
beside it). Where the pages contradict each other the reading followed is said here and in
the family's docs page.
"""

from __future__ import annotations

from ._family import CallbackShape, Family, Operation, StateWord

__all__ = ["ALEPH", "FAMILIES", "MARKET", "RUNWAY", "SUNO", "VEO"]

_MARKET_STATES: dict[str, tuple[StateWord, str | None]] = {
    word: (word, None) for word in ("waiting", "queuing", "generating", "success", "fail")
}

# market/common/get-task-detail: data.state, resultJson (a JSON string), failCode/failMsg;
# epoch-millisecond times. Callbacks carry the same record in ``data``.
MARKET = Family(
    name="market",
    title="Market",
    operations={"create": Operation("create", "/api/v1/jobs/createTask", model_id="*")},
    record_path="/api/v1/jobs/recordInfo",
    status_path="state",
    states=_MARKET_STATES,
    fail_code_path="failCode",
    fail_msg_path="failMsg",
    result_paths=("resultJson.@json.resultUrls",),
    param_path="param.@json",
    model_paths=("model",),
    create_time_paths=("createTime",),
    update_time_paths=("updateTime",),
    complete_time_paths=("completeTime",),
    callback=CallbackShape(
        task_id_paths=("data.taskId", "data.task_id", "taskId"), record_path="data"
    ),
    output="video",
    docs="market.md",
)

# veo3-api/get-veo-3-video-details: successFlag 0 generating, 1 success, 2 failed, 3
# generation failed (its schema's enum lists only 0-2; the table and the field text list 3:
# 3 is mapped). errorCode/errorMessage; response.resultUrls (an array here) and, for
# extended videos, response.fullResultUrls. One record-info serves generate, extend, 1080P and
# 4K tasks. Times: "number" in the schema, "2025-06-06 10:30:00" text in the example: both read.
VEO = Family(
    name="veo",
    title="Veo 3.1",
    operations={
        "generate": Operation("generate", "/api/v1/veo/generate", model_id="veo/generate"),
        "extend": Operation("extend", "/api/v1/veo/extend", model_id="veo/extend"),
        # get-veo-3-1080-p-video: a GET with taskId and index, answered by data.resultUrl once
        # ready (a non-200 code until then: 1-3 minutes).
        "get-1080p": Operation(
            "get-1080p", "/api/v1/veo/get-1080p-video", model_id="veo/get-1080p", method="GET"
        ),
        # get-veo-3-4k-video: a POST with taskId, index, callBackUrl; asking again answers 422
        # "processing" or 422 "generated" with data.resultUrls (5-10 minutes).
        "get-4k": Operation("get-4k", "/api/v1/veo/get-4k-video", model_id="veo/get-4k"),
    },
    record_path="/api/v1/veo/record-info",
    status_path="successFlag",
    states={
        "0": ("generating", None),
        "1": ("success", None),
        "2": ("fail", None),
        "3": ("fail", None),
    },
    fail_code_path="errorCode",
    fail_msg_path="errorMessage",
    result_paths=("response.resultUrls", "response.fullResultUrls"),
    param_path="paramJson.@json",
    model_paths=("paramJson.@json.model",),
    create_time_paths=("createTime",),
    complete_time_paths=("completeTime",),
    # generate-veo-3-video-callbacks: {code, msg, data: {taskId, info: {resultUrls,
    # originUrls, resolution}, fallbackFlag}}; the generate page's schema types
    # info.resultUrls as a string "[http://...]", the callbacks page as an array: both read.
    # get-veo-3-4k-video-callbacks: data.taskId + data.info.resultUrls; the 4K page's own
    # schema: data.task_id + data.result_urls: both read.
    callback=CallbackShape(
        task_id_paths=("data.taskId", "data.task_id", "taskId"),
        result_paths=("data.info.resultUrls", "data.result_urls", "data.info.result_urls"),
    ),
    output="video",
    docs="veo.md",
)

# suno-api/get-music-details: data.status PENDING, TEXT_SUCCESS, FIRST_SUCCESS, SUCCESS,
# CREATE_TASK_FAILED, GENERATE_AUDIO_FAILED, CALLBACK_EXCEPTION, SENSITIVE_WORD_ERROR;
# errorCode/errorMessage; response.sunoData[] {audioUrl, streamAudioUrl, ...}: two tracks.
# TEXT_SUCCESS and FIRST_SUCCESS are stages of a running task, not success (the quickstart's
# sample code returns at FIRST_SUCCESS; the details page says SUCCESS is "all tracks").
# CALLBACK_EXCEPTION is a failure, as the quickstart treats it.
_SUNO_FAILED = (
    "CREATE_TASK_FAILED",
    "GENERATE_AUDIO_FAILED",
    "CALLBACK_EXCEPTION",
    "SENSITIVE_WORD_ERROR",
    # The same words on Suno's cover, lyrics and WAV pages (their own record-info endpoints).
    "GENERATE_COVER_FAILED",
    "GENERATE_LYRICS_FAILED",
    "GENERATE_WAV_FAILED",
)
_SUNO_STATES: dict[str, tuple[StateWord, str | None]] = {
    "PENDING": ("waiting", None),
    "TEXT_SUCCESS": ("generating", "text"),
    "FIRST_SUCCESS": ("generating", "first"),
    "SUCCESS": ("success", "complete"),
    **dict.fromkeys(_SUNO_FAILED, ("fail", "error")),
}
SUNO = Family(
    name="suno",
    title="Suno",
    operations={
        "generate": Operation("generate", "/api/v1/generate", model_id="suno/generate"),
        "extend": Operation("extend", "/api/v1/generate/extend", model_id="suno/extend"),
    },
    record_path="/api/v1/generate/record-info",
    status_path="status",
    states=_SUNO_STATES,
    fail_code_path="errorCode",
    fail_msg_path="errorMessage",
    result_paths=("response.sunoData[].audioUrl",),
    param_path="param.@json",
    model_paths=("param.@json.model",),
    # generate-music: callBackUrl is in the schema's required list and "Required for all
    # music generation requests".
    callback_required=True,
    # generate-music-callbacks: {code, msg, data: {callbackType: text|first|complete|error,
    # task_id, data: [{audio_url, stream_audio_url, ...}] | null}} - snake_case, unlike the
    # record's camelCase sunoData.
    callback=CallbackShape(
        task_id_paths=("data.task_id", "data.taskId", "taskId"),
        result_paths=("data.data[].audio_url", "data.data[].audioUrl"),
        stage_path="data.callbackType",
        stages={
            "text": ("generating", "text"),
            "first": ("generating", "first"),
            "complete": ("success", "complete"),
            "error": ("fail", "error"),
        },
    ),
    output="audio",
    docs="suno.md",
)

# runway-api/get-ai-video-details: data.state wait, queueing, generating, success, fail (not
# Market's waiting/queuing: both spellings are mapped, since clients report seeing both);
# failCode/failMsg; videoInfo.videoUrl; generateTime (completion, "2023-08-15 14:30:45").
RUNWAY = Family(
    name="runway",
    title="Runway",
    operations={
        "generate": Operation("generate", "/api/v1/runway/generate", model_id="runway/generate"),
        "extend": Operation("extend", "/api/v1/runway/extend", model_id="runway/extend"),
    },
    record_path="/api/v1/runway/record-detail",
    status_path="state",
    states={
        "wait": ("waiting", None),
        "waiting": ("waiting", None),
        "queueing": ("queuing", None),
        "queuing": ("queuing", None),
        "generating": ("generating", None),
        "success": ("success", None),
        "fail": ("fail", None),
    },
    fail_code_path="failCode",
    fail_msg_path="failMsg",
    result_paths=("videoInfo.videoUrl",),
    param_path="generateParam",
    complete_time_paths=("generateTime",),
    # generate-ai-video / extend-ai-video: callBackUrl's text says "Required", the schema's
    # required list leaves it out and the quickstart's requests omit it: optional here.
    # generate-ai-video-callbacks: {code, msg, data: {task_id, video_id, video_url,
    # image_url}}.
    callback=CallbackShape(
        task_id_paths=("data.task_id", "data.taskId", "taskId"),
        result_paths=("data.video_url", "data.videoUrl"),
    ),
    output="video",
    docs="runway.md",
)

# runway-api/get-aleph-video-details: successFlag 1 = success, 0 = "failed or in progress";
# errorCode (0 when fine) / errorMessage tell the two apart; response.resultVideoUrl.
ALEPH = Family(
    name="aleph",
    title="Runway Aleph",
    operations={
        "generate": Operation("generate", "/api/v1/aleph/generate", model_id="aleph/generate")
    },
    record_path="/api/v1/aleph/record-info",
    status_path="successFlag",
    states={"0": ("generating", None), "1": ("success", None)},
    error_means_fail=True,
    fail_code_path="errorCode",
    fail_msg_path="errorMessage",
    result_paths=("response.resultVideoUrl",),
    param_path="paramJson.@json",
    create_time_paths=("createTime",),
    complete_time_paths=("completeTime",),
    # generate-aleph-video-callbacks: {code, msg, data: {result_video_url, result_image_url}
    # | null, taskId} - the id at the top, not in data.
    callback=CallbackShape(
        task_id_paths=("taskId", "data.taskId", "data.task_id"),
        result_paths=("data.result_video_url",),
    ),
    output="video",
    docs="runway.md",
)

FAMILIES: dict[str, Family] = {f.name: f for f in (MARKET, VEO, SUNO, RUNWAY, ALEPH)}
