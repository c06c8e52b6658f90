"""Reads the verdicts out of an Evidently 0.7 report dict (Report(..., include_tests=True).run(...).dict()).

Shared by the drift agreement tests (test/reference/drift_reference.py) and
the drift benchmark's peer (bench/drift_evidently.py), so both read
Evidently's answers the same way.
"""

VALUE_DRIFT = "Value Drift for column "
SHARE_OF_DRIFTED = "Share of Drifted Columns"


def verdicts_of(result):
    """(per-column drifted flags by column name, {"drifted": data-set verdict}) from the report's tests."""
    verdicts = {}
    dataset = {}
    for test in result["tests"]:
        name = test["name"]
        if name.startswith(VALUE_DRIFT):
            verdicts[name[len(VALUE_DRIFT):]] = test["status"] == "FAIL"
        elif name.startswith(SHARE_OF_DRIFTED):
            dataset["drifted"] = test["status"] == "FAIL"
    return verdicts, dataset
