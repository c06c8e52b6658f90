"""User-code estimators: imported only from DRIFTLOOP_USER_CODE, called with
the params, checked for the task, seeded, trained and converted like a
built-in (in process, except one CLI run)."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import make_request, run_cli, train_in_process
from driftloop_trainer.errors import ConversionError, InvalidRequest
from driftloop_trainer.estimators import Estimators
from driftloop_trainer.request import parse_request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "user_code"


def _request(code: str, params: dict | None = None, task: str = "binary", **overrides) -> dict:
    request = make_request(task, "logistic_regression" if task != "regression" else "ridge", **overrides)
    request["estimator"] = {"code": code, "params": params or {}}
    return request


def _estimators(request: dict) -> Estimators:
    return Estimators(parse_request(json.dumps(request)))


def _refused(request: dict) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as info:
        _estimators(request)
    return info.value


@pytest.fixture
def user_code(tmp_path, monkeypatch):
    """A fresh user-code directory in DRIFTLOOP_USER_CODE; its modules are
    forgotten afterwards so that tests cannot see each other's."""
    root = tmp_path / "user-code"
    root.mkdir()
    monkeypatch.setenv("DRIFTLOOP_USER_CODE", str(root))
    before = set(sys.modules)

    def write(relative: str, source: str) -> Path:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    write.root = root  # type: ignore[attr-defined]
    yield write
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        if module is not None and str(getattr(module, "__file__", "") or "").startswith(str(root)):
            del sys.modules[name]


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.setenv("DRIFTLOOP_USER_CODE", str(EXAMPLES))
    yield
    sys.modules.pop("churn_models", None)


def test_worked_example_trains_converts_and_records_the_code(tmp_path, datasets, examples):
    request = _request("churn_models:build", {"C": 0.5, "n_components": 4})
    out, events = train_in_process(tmp_path, request, datasets["binary"])
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["estimator"] == {"code": "churn_models:build", "class": "Pipeline", "params": {"C": 0.5, "n_components": 4}}
    assert meta["parity"]["maxAbsDiff"] <= meta["parity"]["tolerance"] and meta["parity"]["labelMismatches"] == 0
    assert meta["metrics"]["accuracy"] > 0.85
    assert meta["onnx"]["outputs"] == ["label", "probabilities"]
    assert "fitting Pipeline" in next(e["message"] for e in events if e.get("stage") == "fit")


def test_user_estimator_gets_the_params_and_unset_random_states_from_the_seed(examples):
    built = _estimators(_request("churn_models:build", {"C": 0.25, "n_components": 2}, seed=9)).build()
    params = built.get_params()
    assert (params["pca__n_components"], params["classify__C"]) == (2, 0.25)
    assert params["pca__random_state"] == 9 and params["classify__random_state"] == 9


def test_random_state_set_by_the_user_is_kept(user_code):
    user_code("fixed.py", """
        from sklearn.linear_model import LogisticRegression
        def build():
            return LogisticRegression(random_state=3)
    """)
    assert _estimators(_request("fixed:build")).build().random_state == 3


def test_packages_and_helper_modules_import_from_the_directory(user_code):
    user_code("helpers.py", "C = 0.75\n")
    user_code("models/__init__.py", "")
    user_code("models/linear.py", """
        import helpers
        from sklearn.linear_model import Ridge
        def build(alpha=None):
            return Ridge(alpha=alpha or helpers.C)
    """)
    path_before = list(sys.path)
    built = _estimators(_request("models.linear:build", task="regression")).build()
    assert type(built).__name__ == "Ridge" and built.alpha == 0.75
    assert sys.path == path_before and str(user_code.root) not in sys.path  # not left on sys.path
    assert Path(sys.modules["models.linear"].__file__).is_relative_to(user_code.root)


def test_user_code_needs_the_environment_variable(monkeypatch, examples):
    monkeypatch.delenv("DRIFTLOOP_USER_CODE")
    error = _refused(_request("churn_models:build"))
    assert (error.code, error.context["field"]) == ("user_code_unavailable", "estimator.code")
    assert "DRIFTLOOP_USER_CODE" in error.message


def test_module_missing_from_the_directory_is_not_found(user_code):
    error = _refused(_request("absent_models:build"))
    assert (error.code, error.context["field"]) == ("user_code_not_found", "estimator.code")
    assert "absent_models" in error.message and str(user_code.root) in error.message
    user_code("models.py", "def other(): pass\n")
    error = _refused(_request("models:build"))
    assert error.code == "user_code_not_found" and '"build"' in error.message and "other" in error.message


@pytest.mark.parametrize("code", ["os:system", "sklearn.base:clone", "subprocess:run", "tabnanny:check"])
def test_modules_outside_the_directory_are_refused(user_code, code):
    module = code.split(":")[0].split(".")[0]
    error = _refused(_request(code))
    assert (error.code, error.context["field"]) == ("user_code_outside_directory", "estimator.code")
    assert f'"{module}"' in error.message and "outside the user-code directory" in error.message
    if module == "tabnanny":  # never imported: it must not have been imported now either
        assert "tabnanny" not in sys.modules


@pytest.mark.parametrize("name", ["tabnanny", "json"], ids=["not-yet-imported", "already-imported"])
def test_a_user_module_cannot_shadow_an_installed_one(user_code, name):
    user_code(f"{name}.py", "def check(): pass\n")  # a standard-library module name
    was_imported = name in sys.modules
    error = _refused(_request(f"{name}:check"))
    assert (error.code, error.context["field"]) == ("user_code_name_conflict", "estimator.code")
    assert f'"{name}"' in error.message
    assert (name in sys.modules) == was_imported
    if was_imported:
        assert not Path(sys.modules[name].__file__).is_relative_to(user_code.root)


def test_a_symlink_leading_out_of_the_directory_is_refused(user_code, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("raise RuntimeError('must never run')\n")
    (user_code.root / "linked.py").symlink_to(outside)
    error = _refused(_request("linked:build"))
    assert error.code == "user_code_outside_directory" and "elsewhere.py" in error.message


def test_exceptions_in_user_code_are_user_code_failed(user_code):
    user_code("broken_import.py", "import not_a_real_dependency\n")
    error = _refused(_request("broken_import:build"))
    assert (error.code, error.context["field"]) == ("user_code_failed", "estimator.code")
    assert "ModuleNotFoundError" in error.message and "not_a_real_dependency" in error.message
    user_code("raises.py", """
        def build(C=1.0):
            raise ValueError(f"C={C} is not supported by this model")
    """)
    error = _refused(_request("raises:build", {"C": 2}))
    assert error.code == "user_code_failed" and "ValueError: C=2 is not supported by this model" in error.message
    assert "raises.py" in error.context["traceback"]


@pytest.mark.parametrize(
    "source,task,fragment",
    [
        ("def build():\n    return {'model': 'logreg'}\n", "binary", "builtins.dict"),
        ("from sklearn.linear_model import Ridge\ndef build():\n    return Ridge()\n", "binary", "sklearn.linear_model._ridge.Ridge"),
        ("from sklearn.linear_model import LogisticRegression\ndef build():\n    return LogisticRegression()\n", "regression", "LogisticRegression"),
        ("from sklearn.decomposition import PCA\ndef build():\n    return PCA()\n", "multiclass", "PCA"),
    ],
    ids=["dict", "regressor-for-binary", "classifier-for-regression", "transformer"],
)
def test_returning_the_wrong_kind_of_object_is_refused_with_what_it_was(user_code, source, task, fragment):
    user_code("wrong.py", source)
    error = _refused(_request("wrong:build", task=task))
    assert (error.code, error.context["field"]) == ("user_code_wrong_estimator", "estimator.code")
    assert fragment in error.message
    assert ("classifier" if task != "regression" else "regressor") in error.message


def test_params_and_searched_params_must_be_arguments_of_the_function(examples):
    error = _refused(_request("churn_models:build", {"penalty": "l1"}))
    assert (error.code, error.context["field"]) == ("unknown_param", "estimator.params.penalty")
    assert "C, n_components" in error.message
    search = {"space": {"gamma": [1, 2]}, "iterations": 2, "folds": 3, "timeBudgetSeconds": 60}
    error = _refused(_request("churn_models:build", search=search))
    assert (error.code, error.context["field"]) == ("unknown_param", "search.space.gamma")


def test_an_estimator_skl2onnx_cannot_convert_is_a_conversion_error(user_code, tmp_path, datasets):
    user_code("custom.py", """
        import numpy as np
        from sklearn.base import BaseEstimator, ClassifierMixin

        class Majority(ClassifierMixin, BaseEstimator):
            def fit(self, X, y):
                self.classes_, counts = np.unique(y, return_counts=True)
                self.prior_ = counts / counts.sum()
                return self
            def predict_proba(self, X):
                return np.tile(self.prior_, (len(X), 1))
            def predict(self, X):
                return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

        def build():
            return Majority()
    """)
    with pytest.raises(ConversionError) as info:
        train_in_process(tmp_path, _request("custom:build"), datasets["binary"])
    assert info.value.code == "convert_failed" and "Majority" in info.value.message
    assert not (tmp_path / "out").exists()


def test_cli_refuses_os_system_as_an_invalid_request(tmp_path, datasets):
    result = run_cli(tmp_path, _request("os:system", {"command": "touch pwned"}), datasets["binary"],
                     env={"DRIFTLOOP_USER_CODE": str(EXAMPLES)})
    assert (result.returncode, result.error["class"], result.error["code"]) == (
        2, "invalid_request", "user_code_outside_directory",
    )
    assert not (Path.cwd() / "pwned").exists() and not result.out.exists()


@pytest.mark.parametrize(
    "reference",
    ["../evil:build", "..evil:build", "/abs/evil:build", "evil\x00:build", "%2e%2e.evil:build", ".evil:build",
     "evil/../../x:build", "evil\\..\\x:build", "evil:build\n", "evil:", ":build", "evil", ""],
)
def test_the_loader_itself_refuses_references_that_are_not_module_paths(user_code, tmp_path, reference):
    """Defence in depth below the request schema: a path, "..", a NUL byte or
    a trailing newline never reaches the import machinery, and a module beside
    the mount (where "../evil" would point) is never executed."""
    from driftloop_trainer import usercode

    marker = tmp_path / "executed"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef build(): pass\n", encoding="utf-8")
    user_code("evil.py", f"open({str(marker)!r}, 'w').close()\ndef build(): pass\n")
    with pytest.raises(InvalidRequest) as info:
        usercode.load_function(reference)
    assert (info.value.code, info.value.context["field"]) == ("invalid_value", "estimator.code")
    assert '"module.path:function"' in info.value.message
    assert not marker.exists()
