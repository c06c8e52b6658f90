"""driftloop trainer: fits a scikit-learn pipeline from a JSON training
request, converts it to ONNX with skl2onnx and proves the two agree.

Entry point: ``python -m driftloop_trainer --request REQ.json --data DATA --out OUTDIR``
(see ``__main__`` for the process contract).
"""

__version__ = "0.1.0"
