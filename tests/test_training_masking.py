"""Assistant-only loss masks, rendered with real chat templates and a real tokenizer (SmolLM2's).

Templates: SmolLM2's own (no tool support: the agent's text tool protocol is used), Qwen2.5's
(ChatML with tools; compared with TRL's ``assistant_only_loss`` masks from TRL's training
variant of it) and GLM-4.5's (a turn ends with the next role marker), both as TRL ships them.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
from pathlib import Path

import pytest

from agent.toolprompt import render_assistant, render_messages
from training.masking import IGNORE, ChatRenderer, MaskedSample, fit_length, mask_row


ROWS = [json.loads(line) for line in (Path(__file__).parent / "data" / "limi_rows.jsonl").read_text().splitlines()]
GLM_TOKENS = ["[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"]


def trl_template(name: str) -> str:
    return (importlib.resources.files("trl") / "chat_templates" / name).read_text()


@pytest.fixture(scope="module")
def tokenizer(tiny_hf_model_dir):
    import transformers

    return transformers.AutoTokenizer.from_pretrained(str(tiny_hf_model_dir))


@pytest.fixture(scope="module")
def glm_tokenizer(tokenizer):
    """SmolLM2's tokenizer with GLM-4.5's role markers added as special tokens."""
    tok = copy.deepcopy(tokenizer)
    tok.add_special_tokens({"additional_special_tokens": GLM_TOKENS})
    return tok


def trained_spans(sample: MaskedSample, tokenizer) -> list[str]:
    """The decoded runs of labelled tokens, in order."""
    spans, run = [], []
    for token, label in zip(sample.input_ids, sample.labels):
        if label != IGNORE:
            assert label == token
            run.append(token)
        elif run:
            spans.append(tokenizer.decode(run))
            run = []
    if run:
        spans.append(tokenizer.decode(run))
    return spans


def test_smollm2_template_labels_each_assistant_reply_and_its_end_of_turn_only(tokenizer):
    renderer = ChatRenderer(tokenizer)
    [sample] = mask_row(ROWS[0], renderer)
    call = ROWS[0]["messages"][2]
    assert not renderer.native
    assert trained_spans(sample, tokenizer) == [
        render_assistant(call["content"], call["tool_calls"]) + "<|im_end|>\n",
        "It prints hello.<|im_end|>\n",
    ]


def test_smollm2_rows_render_through_the_agents_tool_prompt(tokenizer):
    [sample] = mask_row(ROWS[1], ChatRenderer(tokenizer))
    flat = render_messages(ROWS[1]["messages"], ROWS[1]["tools"])
    inference_text = tokenizer.apply_chat_template(flat, tokenize=False)
    assert tokenizer.decode(sample.input_ids) == inference_text
    assert '"name": "read_file"' in inference_text and "<think>\nThe tests run with pytest.\n</think>" in inference_text


def test_brief_tool_prompt_trains_on_the_text_the_embedded_agent_sends(tokenizer):
    """tool_prompt "auto" resolves the same way for training (from the model's context) and for
    the agent (from n_ctx): an 8k model is tuned on, and later run with, brief tool descriptions."""
    from agent.toolprompt import prompt_style_for

    style = prompt_style_for("auto", 8192)
    [sample] = mask_row(ROWS[1], ChatRenderer(tokenizer, tool_prompt=style))
    inference_text = tokenizer.apply_chat_template(render_messages(ROWS[1]["messages"], ROWS[1]["tools"], style), tokenize=False)
    assert style == "brief" and tokenizer.decode(sample.input_ids) == inference_text
    assert "read_file(" in inference_text and '"name": "read_file", "description"' not in inference_text


def test_steps_marked_not_to_train_are_masked(tokenizer):
    renderer = ChatRenderer(tokenizer)
    [not_trained] = mask_row(ROWS[2], renderer)  # "train": false on the tool-calling step
    [weight_zero] = mask_row(ROWS[3], renderer)  # "weight": 0 on the middle reply
    assert trained_spans(not_trained, tokenizer) == ["There are 2 files: a.py and b.py.<|im_end|>\n"]
    assert trained_spans(weight_zero, tokenizer) == ["Hi!<|im_end|>\n", "Hi, once more!<|im_end|>\n"]
    assert "Hi again!" in tokenizer.decode(weight_zero.input_ids)


def test_qwen25_template_gets_the_tools_natively(tokenizer):
    renderer = ChatRenderer(tokenizer, chat_template=trl_template("qwen2_5.jinja"))
    [sample] = mask_row(ROWS[0], renderer)
    text = tokenizer.decode(sample.input_ids)
    assert renderer.native
    assert "<tools>\n" + json.dumps(ROWS[0]["tools"][0]) in text
    assert '<tool_call>\n{"name": "read_file", "arguments": {"path": "app.py"}}\n</tool_call><|im_end|>' in text


def test_qwen25_masks_match_trls_assistant_only_loss_but_for_the_header_newline(tokenizer):
    renderer = ChatRenderer(tokenizer, chat_template=trl_template("qwen2_5.jinja"))
    plain = {**ROWS[3], "messages": [{k: v for k, v in m.items() if k != "weight"} for m in ROWS[3]["messages"]]}
    for row in (ROWS[0], plain):
        [sample] = mask_row(row, renderer)
        theirs = tokenizer.apply_chat_template(
            row["messages"], tools=row["tools"] or None, chat_template=trl_template("qwen2_5_training.jinja"),
            tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
        )
        assert theirs["input_ids"] == sample.input_ids
        ours = [label != IGNORE for label in sample.labels]
        assert not [i for i, (t, o) in enumerate(zip(theirs["assistant_masks"], ours)) if o and not t]
        # TRL also labels the "\n" of "<|im_start|>assistant\n", which the prompt supplies at inference
        only_theirs = [tokenizer.decode(sample.input_ids[i]) for i, (t, o) in enumerate(zip(theirs["assistant_masks"], ours)) if t and not o]
        assert only_theirs == ["\n"] * sum(m["role"] == "assistant" for m in row["messages"])


def test_glm_template_labels_the_next_role_marker_so_the_model_learns_to_stop(glm_tokenizer):
    renderer = ChatRenderer(glm_tokenizer, chat_template=trl_template("glm4moe.jinja"))
    [sample] = mask_row(ROWS[0], renderer)
    spans = trained_spans(sample, glm_tokenizer)
    assert spans[0].endswith("</tool_call><|observation|>")
    assert spans[1] == "\n<think></think>\nIt prints hello.<|user|>"
    assert sample.input_ids[-1] == glm_tokenizer.convert_tokens_to_ids("<|user|>")


def test_template_that_drops_earlier_reasoning_splits_the_row(glm_tokenizer):
    renderer = ChatRenderer(glm_tokenizer, chat_template=trl_template("glm4moe.jinja"))
    row = copy.deepcopy(ROWS[3])
    row["messages"][1]["reasoning_content"] = "greet back"
    samples = mask_row(row, renderer)
    assert len(samples) == 2
    assert "<think>greet back</think>" in glm_tokenizer.decode(samples[0].input_ids)
    assert "greet back" not in glm_tokenizer.decode(samples[1].input_ids)


def test_long_samples_are_cut_at_a_turn_boundary_or_dropped(tokenizer):
    [sample] = mask_row(ROWS[3], ChatRenderer(tokenizer))
    limit = sample.turn_ends[-1] - 1
    [cut], report = fit_length([sample], limit, "cut")
    assert len(cut) == sample.turn_ends[-2] and report.cut == 1
    assert tokenizer.decode(cut.input_ids).endswith("Hi again!<|im_end|>\n")
    kept, report = fit_length([sample], limit, "drop")
    assert kept == [] and report.dropped == 1
