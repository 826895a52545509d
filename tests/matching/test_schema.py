"""The shipped JSON Schema and the fast plain-Python check used for very large inputs agree."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from matching.io import _fast_valid, schema

from .test_cli_bad_input import CASES, _base


def _schema_valid(doc) -> bool:
    return jsonschema.Draft202012Validator(schema()).is_valid(doc)


def test_schema_file_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_dev_set_satisfies_the_schema(dev_data):
    assert _schema_valid(dev_data) and _fast_valid(dev_data)


@pytest.mark.parametrize("mutate", [c[0] for c in CASES], ids=[c[0].__name__ for c in CASES])
def test_fast_check_agrees_with_the_schema(mutate):
    d = copy.deepcopy(_base())
    mutate(d)
    d = json.loads(json.dumps(d))
    assert _fast_valid(d) == _schema_valid(d)
