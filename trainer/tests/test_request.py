"""Request validation: every rule fails with its own code and names the field."""

from __future__ import annotations

import json

import pytest

from conftest import make_request
from driftloop_trainer.errors import InvalidRequest
from driftloop_trainer.estimators import build_estimator
from driftloop_trainer.request import parse_request


def _parse(doc) -> object:
    return parse_request(doc if isinstance(doc, str) else json.dumps(doc))


def _rejected(doc) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        _parse(doc)
    return info.value


def test_valid_request_is_parsed_into_typed_fields():
    request = _parse(make_request("binary", "random_forest"))
    assert request.model_name == "binary-random-forest"
    assert request.task == "binary" and request.is_classification
    assert request.features[-1].name == "plan" and request.features[-1].kind == "categorical"
    assert request.estimator_name == "random_forest" and request.params == {"n_estimators": 15, "max_depth": 8}
    assert request.validation_fraction == 0.2 and request.seed == 42


def test_params_are_required_by_the_schema():
    doc = make_request("regression", "ridge")
    del doc["estimator"]["params"]
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("missing_field", "estimator.params")


@pytest.mark.parametrize(
    "text,fragment",
    [("{", "not valid JSON"), ('{"seed": NaN}', "NaN is not valid JSON"), ('{"seed": 1, "seed": 2}', "duplicate key 'seed'")],
)
def test_malformed_json_is_invalid_json(text, fragment):
    error = _rejected(text)
    assert error.code == "invalid_json" and fragment in error.message


def test_missing_field_is_named():
    doc = make_request("binary", "random_forest")
    del doc["seed"]
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("missing_field", "seed")
    assert '"seed"' in error.message


@pytest.mark.parametrize(
    "mutate,field",
    [
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d["features"][0].update(color="red"), "features[0].color"),
        (lambda d: d["estimator"].update(version=2), "estimator.version"),
        (lambda d: d["validation"].update(kfold=5), "validation.kfold"),
    ],
)
def test_unknown_fields_are_errors(mutate, field):
    doc = make_request("binary", "random_forest")
    mutate(doc)
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("unknown_field", field)
    assert f'"{field}"' in error.message


@pytest.mark.parametrize(
    "mutate,field,fragment",
    [
        (lambda d: d.update(task="ranking"), "task", '"binary", "multiclass", "regression"'),
        (lambda d: d.update(modelName="Churn Model"), "modelName", "a-z"),
        (lambda d: d.update(modelName="churn\n"), "modelName", "a-z"),
        (lambda d: d.update(seed=-1), "seed", "minimum"),
        (lambda d: d.update(seed="42"), "seed", "integer"),
        (lambda d: d["validation"].update(fraction=0.9), "validation.fraction", "0.9"),
        (lambda d: d["validation"].update(fraction=0), "validation.fraction", "0"),
        (lambda d: d["features"][1].update(kind="text"), "features[1].kind", '"numeric", "categorical"'),
        (lambda d: d.update(features=[]), "features", "non-empty"),
        (lambda d: d["estimator"].update(name="xgboost"), "estimator.name", '"random_forest"'),
        (lambda d: d["estimator"].update(params=[1]), "estimator.params", "object"),
    ],
)
def test_invalid_values_name_the_field(mutate, field, fragment):
    doc = make_request("binary", "random_forest")
    mutate(doc)
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("invalid_value", field)
    assert fragment in error.message


def test_unsupported_schema_version():
    error = _rejected(make_request("binary", "random_forest", schemaVersion=2))
    assert (error.code, error.context["field"]) == ("unsupported_schema_version", "schemaVersion")


def test_duplicate_feature_names_are_rejected():
    doc = make_request("binary", "random_forest")
    doc["features"].append({"name": "plan", "kind": "numeric"})
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("duplicate_feature", "features[7].name")


def test_target_among_features_is_rejected():
    doc = make_request("binary", "random_forest")
    doc["features"].append({"name": "target", "kind": "numeric"})
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("target_is_feature", "features[7].name")


def test_feature_named_like_an_onnx_output_is_rejected():
    doc = make_request("binary", "random_forest")
    doc["features"][0]["name"] = "probabilities"
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("reserved_feature_name", "features[0].name")


@pytest.mark.parametrize(
    "task,estimator",
    [("regression", "logistic_regression"), ("binary", "linear_regression"), ("multiclass", "ridge")],
)
def test_estimator_must_fit_the_task(task, estimator):
    doc = make_request(task, "random_forest")
    doc["estimator"] = {"name": estimator, "params": {}}
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("estimator_task_mismatch", "estimator.name")
    assert estimator in error.message and task in error.message


@pytest.mark.parametrize(
    "task,estimator,cls",
    [
        ("binary", "random_forest", "RandomForestClassifier"),
        ("regression", "random_forest", "RandomForestRegressor"),
        ("multiclass", "gradient_boosting", "GradientBoostingClassifier"),
        ("regression", "gradient_boosting", "GradientBoostingRegressor"),
        ("binary", "hist_gradient_boosting", "HistGradientBoostingClassifier"),
        ("regression", "hist_gradient_boosting", "HistGradientBoostingRegressor"),
        ("binary", "logistic_regression", "LogisticRegression"),
        ("regression", "ridge", "Ridge"),
        ("regression", "linear_regression", "LinearRegression"),
    ],
)
def test_estimator_name_maps_to_class_by_task_and_gets_the_seed(task, estimator, cls):
    built = build_estimator(_parse(make_request(task, estimator, seed=7)))
    assert type(built).__name__ == cls
    params = built.get_params()
    assert params.get("random_state", 7) == 7  # set wherever the estimator takes one


def test_unknown_hyperparameter_is_named():
    doc = make_request("binary", "random_forest")
    doc["estimator"]["params"] = {"n_estimator": 10}
    with pytest.raises(InvalidRequest) as info:
        build_estimator(_parse(doc))
    assert (info.value.code, info.value.context["field"]) == ("unknown_param", "estimator.params.n_estimator")
    assert '"n_estimator"' in info.value.message and "n_estimators" in info.value.message


def test_invalid_hyperparameter_value_is_named():
    doc = make_request("binary", "random_forest")
    doc["estimator"]["params"] = {"n_estimators": 0}
    with pytest.raises(InvalidRequest) as info:
        build_estimator(_parse(doc))
    assert (info.value.code, info.value.context["field"]) == ("invalid_param", "estimator.params.n_estimators")


def test_random_state_param_is_reserved_for_the_seed():
    doc = make_request("binary", "random_forest")
    doc["estimator"]["params"] = {"random_state": 1}
    with pytest.raises(InvalidRequest) as info:
        build_estimator(_parse(doc))
    assert (info.value.code, info.value.context["field"]) == ("reserved_param", "estimator.params.random_state")


# --- The committed JSON Schema is the contract ---------------------------------------------


def test_validation_uses_the_committed_json_schema_file():
    from pathlib import Path

    from driftloop_trainer import request as request_module

    committed = json.loads((Path(request_module.__file__).parent / "train_request.schema.json").read_text())
    assert request_module.schema() == committed
    assert committed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert not hasattr(request_module, "SCHEMA")  # no second, hand-written copy


def test_every_top_level_key_is_required_even_when_nullable():
    for key in ("timeColumn", "search"):
        doc = make_request("binary", "random_forest")
        del doc[key]
        error = _rejected(doc)
        assert (error.code, error.context["field"]) == ("missing_field", key)


@pytest.mark.parametrize(
    "estimator",
    [
        {"name": "ridge", "code": "models:build", "params": {}},
        {"params": {}},
        ["random_forest"],
    ],
    ids=["both", "neither", "not-an-object"],
)
def test_estimator_needs_either_a_name_or_code(estimator):
    doc = make_request("regression", "ridge")
    doc["estimator"] = estimator
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("invalid_value", "estimator")
    assert '{"name", "params"}' in error.message and '{"code", "params"}' in error.message


def test_estimator_branch_is_picked_by_its_keys_so_the_error_is_precise():
    doc = make_request("binary", "random_forest")
    doc["estimator"] = {"name": "xgboost", "params": {}}
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("invalid_value", "estimator.name")
    assert '"hist_gradient_boosting"' in error.message and '"xgboost"' in error.message
    doc["estimator"] = {"code": "models:build", "params": {}, "x": 1}
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("unknown_field", "estimator.x")


@pytest.mark.parametrize("code", ["os.system", "models:", ":build", "my-models:build", "models:build\n", "a..b:c"])
def test_user_code_reference_must_be_module_colon_function(code):
    doc = make_request("binary", "random_forest")
    doc["estimator"] = {"code": code, "params": {}}
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("invalid_value", "estimator.code")
    assert '"module.path:function"' in error.message


def test_param_values_must_be_scalars_or_arrays_of_scalars():
    doc = make_request("binary", "random_forest")
    doc["estimator"]["params"] = {"max_depth": {"low": 1}}
    error = _rejected(doc)
    assert (error.code, error.context["field"]) == ("invalid_value", "estimator.params.max_depth")
    assert "scalar" in error.message and "array" in error.message
    doc["estimator"]["params"] = {"class_weight": None, "max_features": ["sqrt"][0], "n_estimators": 3}
    assert _parse(doc).params == {"class_weight": None, "max_features": "sqrt", "n_estimators": 3}


@pytest.mark.parametrize(
    "key,value,fragment",
    [("timeColumn", "", "non-empty"), ("timeColumn", 3, "a string or null"), ("search", 5, "or null")],
)
def test_nullable_fields_name_the_field(key, value, fragment):
    error = _rejected(make_request("binary", "random_forest", **{key: value}))
    assert (error.code, error.context["field"]) == ("invalid_value", key)
    assert fragment in error.message


def _search(**space) -> dict:
    return {"space": space, "iterations": 4, "folds": 3, "timeBudgetSeconds": 60}


@pytest.mark.parametrize(
    "search,code,field,fragment",
    [
        (_search(C={"distribution": "normal", "low": 0, "high": 1}), "invalid_value", "search.space.C.distribution", '"uniform"'),
        (_search(C={"distribution": "uniform", "low": 0}), "missing_field", "search.space.C.high", '"search.space.C.high"'),
        (_search(C=[]), "invalid_value", "search.space.C", "non-empty"),
        ({**_search(C=[1]), "iterations": 0}, "invalid_value", "search.iterations", "minimum"),
        ({**_search(C=[1]), "folds": 1}, "invalid_value", "search.folds", "minimum"),
        ({**_search(C=[1]), "timeBudgetSeconds": 0}, "invalid_value", "search.timeBudgetSeconds", "0"),
        ({**_search(C=[1]), "budget": 1}, "unknown_field", "search.budget", '"search.budget"'),
    ],
    ids=["distribution", "missing-high", "empty-list", "iterations", "folds", "budget", "unknown"],
)
def test_search_shape_errors_come_from_the_schema(search, code, field, fragment):
    error = _rejected(make_request("binary", "logistic_regression", search=search))
    assert (error.code, error.context["field"]) == (code, field)
    assert fragment in error.message


# --- Cross-field rules the schema cannot express -------------------------------------------


def test_full_request_is_parsed_into_typed_fields():
    from driftloop_trainer.request import Distribution

    doc = make_request(
        "binary", "logistic_regression", timeColumn="signup_at",
        validation={"policy": "time", "fraction": 0.25},
        search=_search(C={"distribution": "loguniform", "low": 0.01, "high": 10}, solver=["lbfgs", "saga"],
                       max_iter={"distribution": "randint", "low": 100, "high": 300.0}),
    )
    doc["estimator"]["params"] = {}
    request = _parse(doc)
    assert (request.time_column, request.validation_policy, request.validation_fraction) == ("signup_at", "time", 0.25)
    assert request.search.space == {
        "C": Distribution("loguniform", 0.01, 10),
        "solver": ["lbfgs", "saga"],
        "max_iter": Distribution("randint", 100, 300),
    }
    assert (request.search.iterations, request.search.folds, request.search.time_budget_seconds) == (4, 3, 60.0)
    assert request.estimator_code is None and request.estimator_name == "logistic_regression"


def test_time_policy_requires_a_time_column():
    error = _rejected(make_request("binary", "random_forest", validation={"policy": "time", "fraction": 0.2}))
    assert (error.code, error.context["field"]) == ("missing_time_column", "timeColumn")


@pytest.mark.parametrize("column,code", [("plan", "time_column_is_feature"), ("target", "time_column_is_target")])
def test_time_column_is_neither_a_feature_nor_the_target(column, code):
    error = _rejected(make_request("binary", "random_forest", timeColumn=column))
    assert (error.code, error.context["field"]) == (code, "timeColumn")
    assert f'"{column}"' in error.message


@pytest.mark.parametrize(
    "dimension,fragment",
    [
        ({"distribution": "uniform", "low": 2, "high": 1}, "low (2) must be less than high (1)"),
        ({"distribution": "uniform", "low": 1, "high": 1}, "must be less than"),
        ({"distribution": "loguniform", "low": 0, "high": 1}, "loguniform distribution needs low > 0"),
        ({"distribution": "randint", "low": 1.5, "high": 4}, "randint distribution needs integer bounds"),
    ],
)
def test_search_dimensions_must_be_sane(dimension, fragment):
    error = _rejected(make_request("binary", "logistic_regression", search=_search(max_depth=dimension)))
    assert (error.code, error.context["field"]) == ("invalid_search_space", "search.space.max_depth")
    assert fragment in error.message


def test_random_state_cannot_be_searched_and_a_param_cannot_be_both_fixed_and_searched():
    error = _rejected(make_request("binary", "random_forest", search=_search(random_state=[1, 2])))
    assert (error.code, error.context["field"]) == ("reserved_param", "search.space.random_state")
    error = _rejected(make_request("binary", "random_forest", search=_search(max_depth=[3, 5])))  # max_depth is fixed
    assert (error.code, error.context["field"]) == ("param_searched_and_fixed", "search.space.max_depth")


def test_searched_param_must_exist_on_the_estimator():
    doc = make_request("binary", "random_forest", search=_search(n_trees=[10, 20]))
    with pytest.raises(InvalidRequest) as info:
        build_estimator(_parse(doc))
    assert (info.value.code, info.value.context["field"]) == ("unknown_param", "search.space.n_trees")
    assert "n_estimators" in info.value.message


@pytest.mark.parametrize(
    "dimension",
    [[10, 0], {"distribution": "uniform", "low": 5, "high": 50}, {"distribution": "randint", "low": -3, "high": 10}],
    ids=["bad-candidate", "float-for-int", "negative-end"],
)
def test_searched_values_are_checked_against_sklearn_constraints(dimension):
    doc = make_request("binary", "random_forest", search=_search(n_estimators=dimension))
    doc["estimator"]["params"] = {}
    with pytest.raises(InvalidRequest) as info:
        build_estimator(_parse(doc))
    assert (info.value.code, info.value.context["field"]) == ("invalid_param", "search.space.n_estimators")
    assert "n_estimators" in info.value.message


def test_python_knows_every_builtin_estimator_of_the_schema_and_no_other():
    from driftloop_trainer.estimators import _CLASSES
    from driftloop_trainer.request import ESTIMATOR_FAMILIES, schema

    (builtin,) = [b for b in schema()["properties"]["estimator"]["anyOf"] if "name" in b["properties"]]
    names = builtin["properties"]["name"]["enum"]
    assert sorted(ESTIMATOR_FAMILIES) == sorted(names)
    assert {(n, f) for n, families in ESTIMATOR_FAMILIES.items() for f in families} == set(_CLASSES)
    assert schema()["properties"]["schemaVersion"]["const"] == 1
