"""driftloop trainer: fits a scikit-learn pipeline from a JSON training
request, converts it to ONNX with skl2onnx and proves the two agree.

Entry points (see ``__main__`` for the process contract)::

    python -m driftloop_trainer train --request REQ.json --data DATA --out OUTDIR
    python -m driftloop_trainer inspect --data DATA --target COL
    python -m driftloop_trainer worker        # the Temporal activity "train"
"""

__version__ = "0.1.0"
