"""Reload an export and run it on a probe batch; run as ``python -c <this file> ARGS_JSON``.

This file is executed as a script in a fresh process by :mod:`modelgraft.engine.verify`;
it is not imported. For SavedModels it makes ``modelgraft`` unimportable first, proving the
export runs with TensorFlow alone.
"""

import json
import os
import runpy
import sys

import numpy as np

ARGS = json.loads(sys.argv[1])
FORMAT, PATH, OUTPUTS = ARGS["format"], ARGS["path"], ARGS["outputs"]

if FORMAT == "savedmodel":
    sys.modules["modelgraft"] = None  # any import of modelgraft now fails

import tensorflow as tf  # noqa: E402

with np.load(ARGS["probe"]) as data:
    PROBE = {k: data[k] for k in data.files}


def as_outputs(result):
    """Outputs keyed by output name, from a dict, a list or one tensor."""
    if isinstance(result, dict):
        if len(OUTPUTS) == 1 and OUTPUTS[0] not in result:
            return {OUTPUTS[0]: np.asarray(next(iter(result.values())))}
        return {k: np.asarray(result[k]) for k in OUTPUTS}
    if isinstance(result, (list, tuple)):
        return {k: np.asarray(v) for k, v in zip(OUTPUTS, result)}
    return {OUTPUTS[0]: np.asarray(result)}


def model_inputs():
    """The probe as the model expects it: one array, or a dict by input name."""
    return next(iter(PROBE.values())) if len(PROBE) == 1 else PROBE


if FORMAT == "savedmodel":
    loaded = tf.saved_model.load(PATH)
    fn = loaded.signatures["serving_default"] if "serving_default" in loaded.signatures \
        else loaded.signatures["serve"]
    kwargs = fn.structured_input_signature[1]
    if len(kwargs) == 1:
        result = fn(**{next(iter(kwargs)): tf.constant(next(iter(PROBE.values())))})
    else:
        result = fn(**{k: tf.constant(v) for k, v in PROBE.items()})
elif FORMAT == "keras":
    import keras

    import modelgraft.engine.layers as mg_layers

    mg_layers.register_custom_layers()
    model = keras.saving.load_model(PATH, compile=False, safe_mode=True)
    result = model(model_inputs(), training=False)
elif FORMAT == "python":
    script = runpy.run_path(PATH)
    model = script["build_model"]()
    result = model(model_inputs(), training=False)
else:
    raise SystemExit(f"unknown format {FORMAT}")

np.savez(ARGS["out"], **as_outputs(result))
os._exit(0)
