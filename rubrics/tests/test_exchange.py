import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from rubrics import exchange
from rubrics.exchange import MAX_MESSAGES, clean, dumps, parse_exchange, rubric_to_dict
from rubrics.selectors import rubric_get
from rubrics.tests.bad_files import bad_bytes, bad_data
from rubrics.tests.factories import builtin_file, exchange_data

DATA_DIR = Path(settings.BASE_DIR) / "rubrics" / "data"


def messages_for(data) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        clean(data)
    return caught.value.messages


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["creating-active-engagement", "building-support-through-data"])
def test_export_of_a_builtin_rubric_is_its_data_files_byte_for_byte(slug, django_assert_num_queries):
    # The rubric with its owner, then its levels, key actions, descriptors and translations.
    with django_assert_num_queries(5):
        text = dumps(rubric_to_dict(rubric_get(slug=slug, organization=None)))
    assert text.encode("utf-8") == builtin_file(slug)


def test_good_data_passes_unchanged():
    data = exchange_data()
    assert clean(copy.deepcopy(data)) == data
    assert parse_exchange(dumps(data).encode()) == data


def test_text_is_stripped_and_items_put_in_position_order():
    data = exchange_data(levels=2, key_actions=2)
    data["title"] = "  Custom Rubric \n"
    data["levels"].reverse()
    data["key_actions"].reverse()
    cleaned = clean(data)
    assert cleaned["title"] == "Custom Rubric"
    assert [level["position"] for level in cleaned["levels"]] == [1, 2]
    assert [key_action["position"] for key_action in cleaned["key_actions"]] == [1, 2]


def test_empty_source_sub_heading_and_summaries_are_allowed():
    data = exchange_data()
    data["source"] = data["row_subheading"] = data["levels"][0]["summary"] = ""
    assert clean(data)["source"] == ""


@bad_data
def test_each_problem_has_its_message(change, message):
    data = exchange_data()
    change(data)
    messages = messages_for(data)
    assert message in messages


@bad_bytes
def test_each_problem_of_the_raw_file_has_its_message(raw, message):
    with pytest.raises(ValidationError) as caught:
        parse_exchange(raw)
    assert message in caught.value.messages


def test_every_problem_is_reported_at_once():
    data = exchange_data()
    data["title"] = ""
    data["levels"][0]["name"] = 7
    data["key_actions"][2]["descriptors"] = ["only one"]
    assert messages_for(data) == [
        "title: must not be empty",
        "levels[1].name: expected text, got a whole number",
        "key_actions[3].descriptors: expected 4, got 1",
    ]


def test_the_list_of_problems_is_capped():
    data = exchange_data(key_actions=30)
    for key_action in data["key_actions"]:
        key_action["title"] = key_action["descriptors"][0] = ""
    messages = messages_for(data)
    assert len(messages) == MAX_MESSAGES + 1
    assert messages[-1] == "… and 10 more problems"


def test_descriptors_are_not_counted_against_a_wrong_number_of_levels():
    data = exchange_data()
    data["levels"] = data["levels"][:1]
    assert messages_for(data) == ["levels: expected 2 to 6 levels, got 1"]


def test_names_quoted_back_are_cut_short():
    data = exchange_data()
    data["x" * 1000] = 1
    [message] = messages_for(data)
    assert message == "x" * 39 + "…: unknown field"


def test_the_canonical_text_is_indented_utf8_with_a_final_newline():
    assert dumps({"title": "Año — “quoted”"}) == '{\n  "title": "Año — “quoted”"\n}\n'
    assert json.loads(dumps(exchange_data())) == exchange_data()


def test_the_size_limit_is_one_mebibyte_exactly():
    padding = exchange.MAX_FILE_BYTES - len(dumps(exchange_data()).encode())
    raw = dumps(exchange_data()).encode() + b" " * padding
    assert len(raw) == exchange.MAX_FILE_BYTES
    assert parse_exchange(raw) == exchange_data()


def test_an_empty_file_is_no_json():
    # (The upload form refuses an empty file before this, with Django's own message.)
    with pytest.raises(ValidationError) as caught:
        parse_exchange(b"")
    assert caught.value.messages == ["file: not valid JSON (line 1, column 1)"]


def test_a_byte_order_mark_is_ignored():
    assert parse_exchange(b"\xef\xbb\xbf" + dumps(exchange_data()).encode()) == exchange_data()
