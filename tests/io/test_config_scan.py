"""The pre-load scan: what would run when a model loads, found in its config without TensorFlow."""

from __future__ import annotations

import importlib
import inspect
import json
import zipfile
from pathlib import Path

import pytest
from modelgraft.core.errors import ModelFileError, UnsafeModelError
from modelgraft.io import check_safe, read_model_config, scan_config
from modelgraft.io import keras_allowlist as allow

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted(p for p in ROOT.glob("resources/examples/*/models/*") if p.suffix in (".keras", ".h5"))
SAFE = ["seq.keras", "seq.h5", "multi.keras", "multi.h5", "nested.keras", "dict.keras",
        "stack.keras", "saved", "seq_dir"]


@pytest.fixture(scope="session")
def zoo(tmp_path_factory, keras) -> dict[str, Path]:
    """Real saved models using the layers, wrappers and config features people ship, by name."""
    from keras import layers, ops
    from modelgraft.engine.training.optimizers import make_optimizer

    out = tmp_path_factory.mktemp("zoo")
    files: dict[str, Path] = {}

    def save(name: str, model) -> None:
        files[name] = out / name
        model.save(files[name])

    img = keras.Input((8, 8, 3), name="img")
    h = layers.Conv2D(4, 3, padding="same", activation="relu", kernel_regularizer="l2",
                      kernel_constraint=keras.constraints.MaxNorm(2), name="conv")(img)
    h = layers.BatchNormalization(name="bn")(h)
    h = layers.Flatten(name="flat")(layers.MaxPooling2D(name="pool")(h))
    h = ops.concatenate([h * 2.0 + 1.0, ops.mean(h, axis=-1, keepdims=True)], axis=-1)[:, 1:9]
    h = layers.Dense(3, activation=keras.activations.gelu,
                     kernel_initializer=keras.initializers.HeNormal(seed=1), name="dense")(h)
    cnn = keras.Model(img, h, name="cnn")
    cnn.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)),
                loss=keras.losses.MeanSquaredError(),
                metrics=["mae", keras.metrics.AUC(), keras.metrics.mean_absolute_error])
    save("cnn.keras", cnn)

    words = keras.Input((5,), dtype="string", name="words")
    t = layers.StringLookup(vocabulary=["a", "b", "c"], name="lookup")(words)
    t = layers.Embedding(10, 4, name="emb")(t)
    t = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(t)
    t = layers.TimeDistributed(layers.Dense(2), name="td")(t)
    save("text.keras", keras.Model(words, layers.GRU(2, name="gru")(t), name="text"))

    q = keras.Input((6, 4), name="q")
    a = layers.LayerNormalization(name="ln")(layers.MultiHeadAttention(2, 4, name="mha")(q, q))
    a = layers.Normalization(mean=[0.0] * 4, variance=[1.0] * 4, name="norm")(a)
    save("attention.keras", keras.Model(q, a, name="attention"))

    lookup = layers.StringLookup(name="adapted")
    lookup.adapt(["x", "y", "z"])
    vectorize = layers.TextVectorization(max_tokens=20, output_mode="tf_idf", name="tv")
    vectorize.adapt(["a b c", "b c d"])
    ids = keras.Input((3,), dtype="int64", name="ids")
    text = keras.Input((1,), dtype="string", name="text")
    save("adapted.keras", keras.Model(
        [text, ids], [lookup(text), vectorize(ops.squeeze(text, -1)),
                      layers.IntegerLookup(vocabulary=[7, 8, 9], name="ints")(ids)]))

    x = keras.Input((4, 3), name="x")
    cells = keras.Model(x, layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], name="rnn")(x), name="inner")
    y = keras.Input((4, 3), name="y")
    middle = keras.Model(y, layers.Dense(2, name="mid")(cells(y)), name="middle")
    z = keras.Input((4, 3), name="z")
    head = keras.Sequential([layers.Dense(2, name="s1"), layers.Dense(1, name="s2")], name="seq_head")
    save("nested.keras", keras.Model(z, head(middle(z)), name="outer"))
    save("legacy.h5", keras.Model(z, head(middle(z)), name="outer_h5"))

    f = keras.Input((3,), name="f")
    scaled = keras.Model(f, layers.Dense(2, activation="softmax", name="p")(f), name="scaled")
    scaled.compile(optimizer=make_optimizer("adam", 0.01), loss="categorical_crossentropy",
                   metrics=["accuracy"])
    save("scaled.keras", scaled)
    return files


@pytest.fixture(scope="session")
def exported(tmp_path_factory, zoo) -> Path:
    """A .keras file exported by ModelGraft from a composite of every adapter and merge kind."""
    import modelgraft as mg

    p = mg.Project("zoo")
    x, ids = p.add_input("x", shape=(8,)), p.add_input("ids", shape=(5,), dtype="int32")
    img = p.add_input("img", shape=(6, 6, 3))
    part = p.add_model(ROOT / "resources/examples/s4_reshape/models/model_a.keras", name="part")

    def chain(src, *nodes):
        for node in nodes:
            p.connect(src, node)
            src = node
        return src

    r = chain(x, p.add_node("reshape", target_shape=(2, 4)), p.add_node("permute", dims=(2, 1)),
              p.add_node("flatten"), p.add_node("expand_dims", axis=-1), p.add_node("squeeze", axis=-1),
              p.add_node("cast", dtype="float32"),
              p.add_node("normalize", mode="standardize", mean=0.5, variance=2.0),
              p.add_node("rescale", scale=2.0, offset=0.1), p.add_node("slice", axis=1, start=0, stop=6),
              p.add_node("pad", length=8), p.add_node("dense", units=8, activation="relu"))
    e = chain(ids, p.add_node("embedding", input_dim=10, output_dim=4), p.add_node("flatten"),
              p.add_node("dense", units=8))
    ends = [chain(ids, p.add_node("one_hot", depth=4), p.add_node("flatten"), p.add_node("dense", units=8)),
            chain(img, p.add_node("resize", height=4, width=4), p.add_node("flatten"),
                  p.add_node("dense", units=8)),
            chain(r, part, p.add_node("flatten"), p.add_node("dense", units=8))]
    for kind in ("add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate",
                 "stack", "dot"):
        merge = p.add_node(kind)
        p.connect(r, merge.inputs[0])
        p.connect(e, merge.inputs[1])
        ends.append(chain(merge, p.add_node("flatten")))
    everything = p.add_node("concatenate", inputs=len(ends))
    for i, end in enumerate(ends):
        p.connect(end, everything.inputs[i])
    chain(everything, p.add_node("dense", units=2), p.add_output("y"))
    path = tmp_path_factory.mktemp("exported") / "zoo.keras"
    p.export(path, format="keras")
    return path


# ---------------------------------------------------------------- no false positives


@pytest.mark.parametrize("path", EXAMPLES, ids=[f"{p.parent.parent.name}/{p.name}" for p in EXAMPLES])
def test_example_models_have_no_findings(path):
    assert scan_config(read_model_config(path), path.name) == []
    check_safe(path)


@pytest.mark.parametrize("name", ["cnn.keras", "text.keras", "attention.keras", "adapted.keras",
                                  "nested.keras", "legacy.h5", "scaled.keras"])
def test_real_keras_models_have_no_findings(zoo, name):
    assert scan_config(read_model_config(zoo[name]), name) == []
    check_safe(zoo[name])


def test_the_zoo_holds_what_it_claims(zoo):
    """The no-finding tests above see the features they are meant to (assets, ops, compile)."""
    with zipfile.ZipFile(zoo["adapted.keras"]) as zf:
        assert any(n.startswith("assets/") for n in zf.namelist())
    text = {name: json.dumps(read_model_config(path)) for name, path in zoo.items()}
    for name, needles in {
        "cnn.keras": ['"keras.src.ops.numpy"', '"__keras_tensor__"', '"__slice__"', '"compile_config"',
                      '"ExponentialDecay"', '"builtins"', '"DTypePolicy"', '"MaxNorm"'],
        "text.keras": ['"Bidirectional"', '"TimeDistributed"', '"vocabulary": ["a", "b", "c"]'],
        "adapted.keras": ['"TextVectorization"', '"IntegerLookup"'],
        "nested.keras": ['"StackedRNNCells"', '"Sequential"', '"name": "middle"'],
        "scaled.keras": ['"modelgraft>ScaledAdam"'],
    }.items():
        assert all(n in text[name] for n in needles), name


def test_a_modelgraft_export_has_no_findings(exported):
    config = read_model_config(exported)
    kinds = {layer.get("registered_name") for layer in config["config"]["layers"]}
    assert {"modelgraft>Cast", "modelgraft>Normalize", "modelgraft>PadOrTruncate", "modelgraft>Slice",
            "modelgraft>Stack", "modelgraft>OneHot", "modelgraft>Reshape"} <= kinds
    assert scan_config(config, exported.name) == []
    check_safe(exported)


@pytest.mark.parametrize("name", SAFE)
def test_safe_models_pass(models, name):
    check_safe(models[name])


# ---------------------------------------------------------------- refusals in real files


@pytest.mark.parametrize(("name", "message"), [
    ("lambda.keras", ("model 'lambda.keras' contains a Lambda layer at 'outer/lambda_1' whose code "
                     "would run when loaded; load it only if you trust the file (trusted=True)")),
    ("lambda.h5", ("model 'lambda.h5' contains a Lambda layer at 'outer/lambda_1' whose code "
                  "would run when loaded; load it only if you trust the file (trusted=True)")),
    ("wrapped.keras", ("model 'wrapped.keras' contains a Lambda layer at 'td/lam_in' whose code "
                      "would run when loaded; load it only if you trust the file (trusted=True)")),
    ("tfsm.keras", "model 'tfsm.keras' contains a SavedModel layer at 'tfsm' that loads the SavedModel"),
    ("custom.keras", ("model 'custom.keras' uses the custom object 'thirdparty>Scale' at 'scale', "
                     "code from outside Keras that would run when loaded; load it only if you trust")),
    ("own.keras", ("model 'own.keras' uses the custom object 'modelgraft>TestIdentity' at 'ident', "
                  "code from outside Keras that would run when loaded")),
])
def test_unsafe_models_are_refused_with_the_layer_path(models, name, message):
    with pytest.raises(UnsafeModelError) as info:
        check_safe(models[name])
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("name", ["lambda.keras", "wrapped.keras", "tfsm.keras"])
def test_what_the_scan_refuses_keras_safe_mode_refuses_too(keras, models, name):
    with pytest.raises(Exception, match="safe_mode"):
        keras.saving.load_model(models[name], compile=False, safe_mode=True)


def test_a_vocabulary_path_outside_the_archive_is_refused(keras, zoo, tmp_path):
    """A lookup layer given a file path would read it on load (Keras's safe mode refuses it too)."""
    outside = tmp_path / "secret.txt"
    outside.write_text("alpha\nbeta\n")
    forged = tmp_path / "vocab.keras"
    with zipfile.ZipFile(zoo["text.keras"]) as src, zipfile.ZipFile(forged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "config.json":
                data = data.replace(b'"vocabulary": ["a", "b", "c"]', f'"vocabulary": "{outside}"'.encode())
            dst.writestr(info, data)
    with pytest.raises(Exception, match="vocabulary file outside of the model archive"):
        keras.saving.load_model(forged, compile=False, safe_mode=True)
    with pytest.raises(UnsafeModelError) as info:
        check_safe(forged)
    assert str(info.value) == (
        f"model 'vocab.keras' has a StringLookup layer at 'lookup' that reads its vocabulary from the "
        f"file '{outside}' outside the model when loaded; load it only if you trust the file (trusted=True)")
    findings = scan_config(read_model_config(forged), "v")
    assert [(f.path, f.code) for f in findings] == [("lookup", "vocabulary")]


# ---------------------------------------------------------------- refusals, one per kind


def layer(class_name: str, name: str, module: str | None = "keras.layers", registered=None, **config):
    return {"module": module, "class_name": class_name, "config": {"name": name, **config},
            "registered_name": registered}


def fn(name: str, module: str = "builtins", registered="function"):
    return {"module": module, "class_name": "function", "config": name, "registered_name": registered}


def model(*layers, compile_config=None, name="m"):
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": name, "layers": list(layers)},
              "registered_name": None}
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


NOT_LISTED = "a Keras class outside ModelGraft's allow-list whose code would run when loaded"
NOT_MODELING = "a Keras API that is not part of a model and would run when loaded"

REFUSALS = [
    ("lambda by registered name", model(layer("Dense", "sneaky", registered="Lambda")),
     "lambda", "model 'm.keras' contains a Lambda layer at 'sneaky' whose code would run when loaded"),
    ("keras_hub", model(layer("BertBackbone", "bert", "keras_hub.src.models.bert.bert_backbone",
                              "keras_hub>BertBackbone")),
     "custom", ("model 'm.keras' uses the custom object 'keras_hub>BertBackbone' at 'bert', code from "
               "outside Keras that would run when loaded")),
    ("module outside keras", model(layer("Evil", "evil", "os")),
     "custom", ("model 'm.keras' uses 'os.Evil' at 'evil', code from outside Keras that would run "
                "when loaded")),
    ("refused layer", model(layer("TorchModuleWrapper", "torch")),
     "class", ("model 'm.keras' contains a TorchModuleWrapper layer at 'torch', which unpickles a PyTorch "
              "module (arbitrary Python code) when loaded")),
    ("unknown layer", model(layer("Evil", "evil")),
     "class", f"model 'm.keras' uses 'keras.layers.Evil' at 'evil', {NOT_LISTED}"),
    ("control-flow op", model(layer("WhileLoop", "loop", "keras.src.ops.core", "WhileLoop")),
     "class", f"model 'm.keras' uses 'keras.src.ops.core.WhileLoop' at 'loop', {NOT_LISTED}"),
    ("loss outside compile", model(layer("Dense", "d", kernel_initializer=layer("MeanSquaredError", "l",
                                                                               "keras.losses"))),
     "class", (f"model 'm.keras' uses 'keras.losses.MeanSquaredError' at 'd' (in 'kernel_initializer'), "
              f"{NOT_LISTED}")),
    ("legacy class", model(layer("Evil", "evil", None)),
     "class", f"model 'm.keras' uses 'Evil' at 'evil', {NOT_LISTED}"),
    ("get_file", model(layer("Dense", "d", kernel_initializer=fn("get_file", "keras.utils", None))),
     "module", (f"model 'm.keras' refers to the function 'keras.utils.get_file' at 'd' (in "
               f"'kernel_initializer'), {NOT_MODELING}")),
    ("unsafe switch", model(layer("Dense", "d", activation=fn("enable_unsafe_deserialization", "keras.config",
                                                               None))),
     "module", ("model 'm.keras' refers to the function 'keras.config.enable_unsafe_deserialization' at "
               f"'d' (in 'activation'), {NOT_MODELING}")),
    ("keras.saving class", model(layer("KerasFileEditor", "editor", "keras.saving")),
     "module", f"model 'm.keras' refers to 'keras.saving.KerasFileEditor' at 'editor', {NOT_MODELING}"),
    ("keras.src.utils", model(layer("Dense", "d", activation=fn(
        "extract_archive", "keras.src.utils.file_utils", None))),
     "module", ("model 'm.keras' refers to the function 'keras.src.utils.file_utils.extract_archive' at "
               f"'d' (in 'activation'), {NOT_MODELING}")),
    ("builtin function not listed", model(layer("Dense", "d", activation=fn("deserialize"))),
     "class", ("model 'm.keras' uses the function 'deserialize' at 'd' (in 'activation'), a Keras "
              "function outside ModelGraft's allow-list that would run when loaded")),
    ("callback in compile", model(compile_config={"optimizer": "adam", "loss": layer(
        "BackupAndRestore", "b", "keras.callbacks")}),
     "module", (f"model 'm.keras' refers to 'keras.callbacks.BackupAndRestore' at 'm' (in 'loss'), "
               f"{NOT_MODELING}")),
    ("custom loss", model(compile_config={"loss": fn("focal", "mylib.losses", "mylib>focal")}),
     "custom", ("model 'm.keras' uses the function 'mylib>focal' from module 'mylib.losses' at 'm' "
               "(in 'loss'), code from outside Keras that would run when loaded")),
    ("vocabulary path", model(layer("StringLookup", "lookup", vocabulary="/etc/passwd")),
     "vocabulary", ("model 'm.keras' has a StringLookup layer at 'lookup' that reads its vocabulary from "
                   "the file '/etc/passwd' outside the model when loaded")),
    ("idf path", model(layer("TextVectorization", "tv", vocabulary=["a"], idf_weights="/data/idf.txt")),
     "vocabulary", ("model 'm.keras' has a TextVectorization layer at 'tv' that reads its idf_weights "
                   "from the file '/data/idf.txt' outside the model when loaded")),
    ("savedmodel layer", model(layer("SavedModelLayer", "sm", "modelgraft.engine.savedmodel_layer",
                                     "modelgraft>SavedModelLayer", filepath="/models/sm")),
     "tfsm", ("model 'm.keras' contains a SavedModel layer at 'sm' that loads the SavedModel "
             "'/models/sm' when the model is loaded")),
]


@pytest.mark.parametrize(("config", "code", "message"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_each_kind_of_refusal_names_the_file_the_layer_and_what_runs(config, code, message):
    findings = scan_config(config, "m.keras")
    assert [(f.code, f.message) for f in findings] == [(code, message)]


def test_objects_inside_tuples_and_slices_are_checked():
    hidden = {"class_name": "__tuple__", "items": [1, {"class_name": "__slice__", "config": {
        "start": fn("get_file", "keras.utils", None), "stop": None, "step": None}}]}
    op = layer("GetItem", "get_item", "keras.src.ops.numpy", "GetItem")
    op["inbound_nodes"] = [{"args": [hidden], "kwargs": {}}]
    assert [(f.path, f.code) for f in scan_config(model(op), "m.keras")] == [("get_item", "module")]


def test_a_config_nested_beyond_the_recursion_limit_is_a_model_file_error():
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ModelFileError, match="the model config in 'm.keras' is nested too deeply to check"):
        scan_config(model(layer("Dense", "d", units=deep)), "m.keras")


def test_findings_in_nested_models_and_wrappers_carry_the_whole_layer_path():
    lam = layer("Lambda", "lambda_1", function={"class_name": "__lambda__", "config": {"code": "AAAA"}})
    inner = layer("Functional", "inner", "keras.src.models.functional", "Functional",
                  layers=[lam, layer("TimeDistributed", "td", layer=layer("Evil", "deep"))])
    outer = layer("Functional", "outer", "keras.src.models.functional", "Functional", layers=[inner])
    findings = scan_config(model(outer), "m.keras")
    assert [(f.path, f.code) for f in findings] == [("outer/inner/lambda_1", "lambda"),
                                                    ("outer/inner/td/deep", "class")]


def test_data_entries_and_own_layers_are_not_findings():
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None, 3], "dtype": "float32",
                                                           "keras_history": ["x", 0, 0]}}
    op = layer("GetItem", "get_item", "keras.src.ops.numpy", "GetItem")
    op["inbound_nodes"] = [{"args": [tensor, [{"class_name": "__slice__", "config": {
        "start": 1, "stop": None, "step": None}}]], "kwargs": {}}]
    dense = layer("Dense", "d", activation="relu",
                  kernel_initializer=layer("GlorotUniform", "", "keras.initializers"),
                  dtype={"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}},
                  kernel_regularizer=layer("L2", "", "keras.regularizers"),
                  bias_constraint=layer("NonNeg", "", "keras.constraints"))
    dense["build_config"] = {"input_shape": [None, 3]}
    numpy = {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int64"}}
    legacy = {"class_name": "__tuple__", "items": [{"class_name": "TensorShape", "items": [None, 3]}, 2]}
    dense["inbound_nodes"] = [[["x", 0, 0, {"shape": legacy}]]]
    own = layer("Cast", "c", "modelgraft.engine.custom_layers", "modelgraft>Cast")
    schedule = layer("CosineDecay", "", "keras.optimizers.schedules")
    compile_config = {"optimizer": layer("ScaledAdam", "o", "modelgraft.engine.training.optimizers",
                                         "modelgraft>ScaledAdam", learning_rate=schedule),
                      "loss": [layer("Huber", "h", "keras.losses"), fn("mean_squared_error")],
                      "metrics": [fn("binary_accuracy"), layer("AUC", "auc", "keras.metrics"), "mae"]}
    config = model(op, dense, own, layer("Normalization", "n", mean=numpy, variance=numpy),
                   layer("StringLookup", "s", vocabulary=["a", "b"]), compile_config=compile_config)
    assert scan_config(config, "m.keras") == []


def test_modelgraft_package_names_that_are_not_ours_are_custom():
    own = layer("Cast", "c", None, "modelgraft>Cast")
    impostor = layer("Evil", "e", None, "modelgraft>Evil")
    legacy = {"class_name": "mine>Scale", "config": {"name": "sc"}}
    config = {"class_name": "Sequential", "config": {"name": "m", "layers": [own, impostor, legacy]}}
    assert [(f.path, f.code) for f in scan_config(config, "m.h5")] == [("e", "custom"), ("sc", "custom")]


def test_scan_walks_bidirectional_cells_and_reports_foreign_functions():
    config = {"class_name": "Sequential", "module": "keras", "config": {"name": "s", "layers": [
        {"class_name": "Bidirectional", "module": "keras.layers", "config": {
            "name": "bi",
            "layer": {"class_name": "RNN", "module": "keras.layers", "config": {
                "name": "rnn",
                "cell": {"class_name": "Cell", "module": "mylib.cells", "registered_name": None,
                         "config": {"name": "mycell"}}}},
            "backward_layer": {"class_name": "LSTM", "module": "keras.layers", "config": {
                "name": "back",
                "activation": {"module": "mylib.acts", "class_name": "function",
                               "config": "swoosh", "registered_name": "mylib>swoosh"},
                "recurrent_activation": {"class_name": "__lambda__",
                                         "config": {"code": "AAAA", "defaults": None}}}}}},
        {"class_name": "Dense", "module": "keras.layers", "config": {
            "name": "d", "activation": {"module": "builtins", "class_name": "function",
                                        "config": "relu", "registered_name": None}}},
        {"class_name": "Lambda", "module": "keras.layers", "config": {
            "name": "named_fn", "function": {"module": "mylib", "class_name": "function",
                                             "config": "f", "registered_name": "f"}}},
    ]}}
    findings = scan_config(config, "s.keras")
    assert [(f.path, f.code) for f in findings] == [
        ("bi/rnn/mycell", "custom"), ("bi/back", "custom"), ("bi/back", "bytecode"),
        ("named_fn", "lambda")]
    assert findings[1].message == (
        "model 's.keras' uses the function 'mylib>swoosh' from module 'mylib.acts' at 'bi/back' "
        "(in 'activation'), code from outside Keras that would run when loaded")
    assert findings[2].message == (
        "model 's.keras' holds a Python lambda at 'bi/back' (in 'recurrent_activation') whose "
        "code would run when loaded")
    assert findings[3].message == (
        "model 's.keras' contains a Lambda layer at 'named_fn' that calls the function 'f' "
        "from module 'mylib'")


# ---------------------------------------------------------------- the allow-list against Keras


def test_every_allowed_class_exists_in_the_module_keras_writes(keras):
    from keras.src.ops.operation import Operation

    modules = {**allow.CLASS_MODULES, **allow.COMPILE_CLASS_MODULES}
    for module, names in modules.items():
        namespace = importlib.import_module(module)
        base = Operation if module in allow.OPS_MODULES else object
        missing = sorted(n for n in names if not (inspect.isclass(getattr(namespace, n, None))
                                                  and issubclass(getattr(namespace, n), base)
                                                  and hasattr(getattr(namespace, n), "from_config")))
        assert missing == [], f"{module}: {missing}"
    assert all(issubclass(getattr(keras.layers, n), keras.layers.Layer) for n in allow.LAYERS)


def test_every_allowed_function_exists(keras):
    for module, names in {**allow.FUNCTION_MODULES, **allow.COMPILE_FUNCTION_MODULES}.items():
        homes = ([keras.activations, keras.losses, keras.metrics] if module == "builtins"
                 else [importlib.import_module(module)])
        missing = sorted(n for n in names if not any(inspect.isfunction(getattr(h, n, None)) for h in homes))
        assert missing == [], f"{module}: {missing}"
    for name in ("get", "serialize", "deserialize"):
        assert all(name not in names for names in allow.COMPILE_FUNCTION_MODULES.values())


def test_every_public_keras_layer_is_allowed_or_refused_on_purpose(keras):
    classes = {n: getattr(keras.layers, n) for n in dir(keras.layers)}
    public = {n for n, c in classes.items() if inspect.isclass(c) and issubclass(c, keras.layers.Layer)}
    assert public - allow.LAYERS - set(allow.REFUSED_LAYERS) == set(), "new Keras layers: decide about them"
    assert set(allow.REFUSED_LAYERS) <= public
    assert allow.LAYERS.isdisjoint(allow.REFUSED_LAYERS)
    assert {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"} <= set(allow.REFUSED_LAYERS)
    assert not {"Cond", "WhileLoop", "Scan", "Map"} & set().union(*allow.OPS_MODULES.values())


def test_own_names_are_exactly_modelgraft_registered_objects(keras):
    import modelgraft.engine.custom_layers
    import modelgraft.engine.savedmodel_layer
    import modelgraft.engine.training.optimizers  # noqa: F401

    ours = {n for n, c in keras.saving.get_custom_objects().items()  # not test classes
            if n.startswith("modelgraft>") and c.__module__.startswith("modelgraft.")}
    assert ours == allow.OWN | {allow.OWN_SAVEDMODEL_LAYER}
