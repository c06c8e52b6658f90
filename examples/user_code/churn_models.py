"""A worked example of a driftloop user-code estimator.

Reference it from a pipeline config (or a training request) as

    estimator: {"code": "churn_models:build", "params": {"C": 0.5, "n_components": 3}}

and point the trainer at this directory: DRIFTLOOP_USER_CODE=examples/user_code
locally, or mount it at /user-code in the trainer image.

The contract (see trainer/README.md, "User-code estimators"):
- the function is called with the request's ``estimator.params`` (plus the
  parameters a hyperparameter search is trying) as keyword arguments;
- it returns an *unfitted* scikit-learn estimator: a classifier for binary
  and multiclass tasks, a regressor for regression, or a Pipeline ending in
  one;
- the estimator receives driftloop's preprocessed matrix (numeric features
  imputed and scaled, categorical features one-hot encoded), dense and all
  numeric, so it needs no preprocessing of its own for raw columns;
- every step must be convertible to ONNX by skl2onnx;
- leave ``random_state`` unset (None): driftloop sets it from the request's
  seed, so that the same request reproduces the same model.
"""

from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


def build(C: float = 1.0, n_components: int = 3) -> Pipeline:
    """PCA down to ``n_components`` dimensions, then an L2 logistic regression."""
    return Pipeline(
        [
            ("pca", PCA(n_components=n_components)),
            ("classify", LogisticRegression(C=C, max_iter=1000)),
        ]
    )
