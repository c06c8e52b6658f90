"""skl2onnx conversion with the conventions the TypeScript side relies on.

One [None, 1] input per feature named like the feature (float32 or string),
outputs "label" + "probabilities" (no ZipMap) or "variable", and byte-stable
output: the fields skl2onnx fills with random or hash-ordered values are
pinned so that the same fit always serialises to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import onnx
import onnxruntime as ort
from onnx import TensorProto
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from skl2onnx.shape_calculators.scaler import calculate_sklearn_scaler_output_shapes
from sklearn.preprocessing import StandardScaler

from .errors import ConversionError
from .estimators import final_estimator
from .request import TrainingRequest

OPSET = 17
# ai.onnx.ml 3 is the version paired with opset 17 (onnx 1.12); skl2onnx may
# use a lower one when the model needs nothing newer.
ML_OPSET = 3
OUTPUTS = {"classification": ["label", "probabilities"], "regression": ["variable"]}

# FATAL only: onnxruntime logs load failures to stderr itself, and stderr is
# reserved for the one JSON error line.
ort.set_default_logger_severity(4)


@dataclass
class Converted:
    model: onnx.ModelProto
    data: bytes
    session: ort.InferenceSession


def input_types(request: TrainingRequest) -> list[tuple[str, Any]]:
    return [
        (f.name, FloatTensorType([None, 1]) if f.kind == "numeric" else StringTensorType([None, 1]))
        for f in request.features
    ]


def convert(request: TrainingRequest, pipeline: Any) -> Converted:
    estimator = final_estimator(pipeline)
    options = {type(estimator): {"zipmap": False}} if request.is_classification else None
    what = f"{type(estimator).__name__} pipeline"
    try:
        model = convert_sklearn(
            pipeline,
            initial_types=input_types(request),
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
            options=options,
            custom_conversion_functions={StandardScaler: _convert_scaler_float64},
            custom_shape_calculators={StandardScaler: calculate_sklearn_scaler_output_shapes},
        )
    except Exception as exc:
        raise ConversionError("convert_failed", f"skl2onnx cannot convert the {what}: {type(exc).__name__}: {str(exc).strip()}") from exc
    _make_deterministic(model, request.model_name)
    _check_signature(request, model, what)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:
        raise ConversionError("invalid_model", f"the ONNX model converted from the {what} is invalid: {str(exc).strip()}") from exc
    data = model.SerializeToString()
    try:
        session = load_session(data)
    except Exception as exc:
        raise ConversionError(
            "runtime_rejected", f"onnxruntime cannot load the ONNX model converted from the {what}: {str(exc).strip()}"
        ) from exc
    return Converted(model=model, data=data, session=session)


def _convert_scaler_float64(scope: Any, operator: Any, container: Any) -> None:
    """StandardScaler as sklearn computes it: (x - mean) / scale in float64,
    then float32. skl2onnx's own converters round mean and scale to float32
    first, which is enough to flip tree splits (see pipeline.py)."""
    scaler = operator.raw_operator
    names = [v.full_name for v in operator.inputs]
    x = names[0]
    if len(names) > 1:
        x = scope.get_unique_variable_name("scaler_input")
        container.add_node("Concat", names, x, axis=1, name=scope.get_unique_operator_name("Concat"))
    value = scope.get_unique_variable_name("scaler_double")
    container.add_node("Cast", x, value, to=TensorProto.DOUBLE, name=scope.get_unique_operator_name("Cast"))
    for op_type, params in (("Sub", scaler.mean_), ("Div", scaler.scale_)):
        if params is None:
            continue
        constant = scope.get_unique_variable_name(op_type.lower() + "_by")
        container.add_initializer(constant, TensorProto.DOUBLE, [len(params)], [float(v) for v in params])
        result = scope.get_unique_variable_name("scaler_double")
        container.add_node(op_type, [value, constant], result, name=scope.get_unique_operator_name(op_type))
        value = result
    container.add_node(
        "Cast", value, operator.outputs[0].full_name, to=TensorProto.FLOAT, name=scope.get_unique_operator_name("Cast")
    )


def load_session(data: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.log_severity_level = 4
    # Small models and a 2-core budget: threads cost more than they save.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])


def _make_deterministic(model: onnx.ModelProto, model_name: str) -> None:
    # skl2onnx names the graph with a fresh uuid and emits opset imports in
    # set (hash) order, which varies between processes.
    model.graph.name = model_name
    model.graph.doc_string = ""
    model.doc_string = ""
    imports = sorted((o.domain, o.version) for o in model.opset_import)
    del model.opset_import[:]
    for domain, version in imports:
        model.opset_import.add(domain=domain, version=version)


def _check_signature(request: TrainingRequest, model: onnx.ModelProto, what: str) -> None:
    inputs = [i.name for i in model.graph.input]
    outputs = [o.name for o in model.graph.output]
    want_inputs = [f.name for f in request.features]
    if inputs != want_inputs or outputs != OUTPUTS[request.family]:
        raise ConversionError(
            "unexpected_signature",
            f"the ONNX model converted from the {what} has inputs {inputs} and outputs {outputs}; "
            f"expected inputs {want_inputs} and outputs {OUTPUTS[request.family]}",
        )


def opset_imports(model: onnx.ModelProto) -> dict[str, int]:
    return {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import}
