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


def test_params_are_optional():
    doc = make_request("regression", "ridge")
    del doc["estimator"]["params"]
    assert _parse(doc).params == {}


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
