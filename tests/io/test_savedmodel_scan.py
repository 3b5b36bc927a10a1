"""The SavedModel pre-scan: ordinary SavedModels pass, file/Python/unknown ops are findings, bad files
are one clear ModelFileError. Fixtures are real SavedModels written by Keras and TensorFlow (TensorFlow
is used here and in the crafted variants, never by the scan itself)."""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from modelgraft.core.errors import ModelFileError
from modelgraft.io.savedmodel_scan import _parse_saved_model, scan_savedmodel
from modelgraft.io.tf_ops import (
    ALLOWED_OPS,
    CHECKPOINT_OPS,
    CONCERNS,
    UNLISTED,
    op_concern,
)

ROOT = Path(__file__).resolve().parents[2]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def tf():
    from modelgraft.engine import runtime

    return runtime.tf()


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory, tf) -> dict[str, Path]:
    """SavedModels of Keras models, each written by ``model.export`` and ``tf.saved_model.save``:
    Dense; Normalization, Conv2D, BatchNormalization; StringLookup, Embedding, MultiHeadAttention,
    LSTM, GRU."""
    import keras
    from keras import layers

    def build(name):
        if name == "dense":
            x = keras.Input((4,))
            return keras.Model(x, layers.Dense(2)(layers.Dense(3, activation="relu")(x)))
        if name == "image":
            x = keras.Input((8, 8, 3))
            y = layers.Normalization(mean=[0.5] * 3, variance=[2.0] * 3)(x)
            y = layers.GlobalAveragePooling2D()(layers.BatchNormalization()(layers.Conv2D(4, 3)(y)))
            return keras.Model(x, layers.Dense(2)(y))
        words = keras.Input((5,), dtype="string")
        ids = layers.StringLookup(vocabulary=["a", "b", "c"])(words)
        seq = layers.Embedding(5, 8)(ids)
        seq = layers.MultiHeadAttention(2, 4)(seq, seq)
        return keras.Model(words, layers.GRU(3)(layers.LSTM(4, return_sequences=True)(seq)))

    out = tmp_path_factory.mktemp("ordinary")
    paths = {}
    for name in ("dense", "image", "text"):
        model = build(name)
        paths[f"{name}_export"] = out / f"{name}_export"
        model.export(str(paths[f"{name}_export"]), verbose=False)
        paths[f"{name}_saved"] = out / f"{name}_saved"
        tf.saved_model.save(model, str(paths[f"{name}_saved"]))
    return paths


@pytest.fixture(scope="module")
def risky(tmp_path_factory, tf) -> dict[str, Path]:
    """tf.Modules whose signature does something a model should not, plus in-memory tf.data ones."""
    out = tmp_path_factory.mktemp("risky")
    text = out / "lines.txt"
    text.write_text("a\nb\n")
    paths = {}

    def save(name, fn, arg=True, **attrs):
        module = tf.Module()
        for key, value in attrs.items():
            setattr(module, key, value)
        module.f = tf.function(fn, input_signature=[tf.TensorSpec([], tf.string)] if arg else [])
        paths[name] = out / name
        tf.saved_model.save(module, str(paths[name]), signatures=module.f.get_concrete_function())

    def printer(p):
        tf.print(p, output_stream=f"file://{out / 'printed.txt'}")
        return p

    def saver(p):
        tf.raw_ops.SaveV2(prefix=p, tensor_names=["x"], shape_and_slices=[""], tensors=[tf.constant(1.0)])
        return p

    save("read_file", lambda p: tf.io.read_file(p))
    save("write_file", lambda p: (tf.io.write_file(p, "x"), p)[1])
    save("matching_files", lambda p: tf.io.matching_files(p))
    save("py_function", lambda p: tf.py_function(lambda s: s, [p], tf.string))
    save("print_to_file", printer)
    save("text_lines", lambda p: tf.data.TextLineDataset(p).reduce(tf.constant(""), lambda a, b: a + b))
    save("custom_save", saver)
    save("dataset_attribute", lambda: tf.constant(1), arg=False,
         ds=tf.data.TextLineDataset(str(text)).map(lambda s: s + "!"))
    save("dataset_in_memory", lambda p: tf.data.Dataset.range(3).map(lambda x: x * 2).reduce(
        tf.constant(0, tf.int64), lambda a, b: a + b))
    save("dataset_attribute_in_memory", lambda: tf.constant(1), arg=False,
         ds=tf.data.Dataset.range(5).map(lambda x: x + 1).batch(2))
    return paths


def read_proto(path: Path):
    from tensorflow.core.protobuf import saved_model_pb2

    return saved_model_pb2.SavedModel.FromString((path / "saved_model.pb").read_bytes())


def write_proto(proto, path: Path) -> Path:
    path.mkdir()
    (path / "saved_model.pb").write_bytes(proto.SerializeToString())
    return path


def expected(path: Path, op: str, concern: str) -> str:
    """The finding TensorFlow's own parser predicts: first place in file order, count of the others
    (the SavedModel's own saver functions, ``__inference__traced_*``, do not count)."""
    graph = read_proto(path).meta_graphs[0].graph_def
    places = [(None, n.name) for n in graph.node if n.op == op]
    places += [(f.signature.name, n.name) for f in graph.library.function for n in f.node_def
               if n.op == op and not f.signature.name.startswith("__inference__traced_")]
    function, node = places[0]
    where = f"in function '{function}' (node '{node}')" if function else f"in the main graph (node '{node}')"
    more = len(places) - 1
    also = f" and in {more} other place{'s' if more > 1 else ''}" if more else ""
    return (f"SavedModel '{path.name}' uses the op '{op}' ({concern}) {where}{also}; "
            "load it only if you trust it")


def all_ops(path: Path) -> set[str]:
    graph = read_proto(path).meta_graphs[0].graph_def
    return {n.op for n in graph.node} | {n.op for f in graph.library.function for n in f.node_def}


# --- ordinary SavedModels -------------------------------------------------------------------

@pytest.mark.parametrize("name", [f"{model}_{how}" for model in ("dense", "image", "text")
                                  for how in ("export", "saved")])
def test_ordinary_savedmodels_have_no_findings(ordinary, name):
    assert scan_savedmodel(ordinary[name]) == []


def test_every_op_of_the_ordinary_savedmodels_is_allowed_or_a_saver_op(ordinary):
    ops = set().union(*(all_ops(path) for path in ordinary.values()))
    assert ops - ALLOWED_OPS == {"SaveV2", "RestoreV2", "MergeV2Checkpoints"}
    assert ops - ALLOWED_OPS <= CHECKPOINT_OPS


def test_in_memory_tf_data_pipelines_have_no_findings(risky):
    assert scan_savedmodel(risky["dataset_in_memory"]) == []
    assert scan_savedmodel(risky["dataset_attribute_in_memory"]) == []
    assert {"MapDataset", "RangeDataset", "BatchDatasetV2"} <= all_ops(risky["dataset_attribute_in_memory"])


def test_modelgraft_savedmodel_exports_have_no_findings(tmp_path, tf):
    import keras
    import modelgraft as mg

    x = keras.Input((4,), name="x")
    keras.Model(x, keras.layers.Dense(3, name="d")(x)).export(str(tmp_path / "part"), verbose=False)
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).save(tmp_path / "part.keras")
    for source in ("part.keras", "part"):
        p = mg.Project("exported")
        enc = p.add_model(str(tmp_path / source), name="enc", trainable=False)
        norm = p.add_node("normalize", name="norm", mode="standardize", mean=0.5, variance=4.0)
        head = p.add_node("dense", name="head", units=2, activation="tanh")
        p.connect(p.add_input("x", shape=(4,)), enc)
        p.connect(enc.outputs[0], norm)
        p.connect(norm, head)
        p.connect(head, p.add_output("y"))
        target = tmp_path / f"from_{source.replace('.', '_')}"
        p.export(target, format="savedmodel")
        assert scan_savedmodel(target) == []


def test_a_tf1_savedmodel_with_its_saver_in_the_main_graph_has_no_findings(tmp_path, tf):
    graph = tf.Graph()
    with graph.as_default(), tf.compat.v1.Session(graph=graph) as session:
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        w = tf.compat.v1.get_variable("w", [3, 2], use_resource=False,  # a constant initializer:
                                      initializer=tf.compat.v1.zeros_initializer())  # no seed needed
        session.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.saved_model.simple_save(session, str(tmp_path / "tf1"), {"x": x}, {"y": tf.matmul(x, w)})
    assert {"SaveV2", "RestoreV2", "VariableV2"} <= all_ops(tmp_path / "tf1")
    assert scan_savedmodel(tmp_path / "tf1") == []

    proto = read_proto(tmp_path / "tf1")
    meta = proto.meta_graphs[0]
    meta.signature_def["serving_default"].outputs["leak"].name = meta.saver_def.save_tensor_name
    findings = scan_savedmodel(write_proto(proto, tmp_path / "leaky"))
    assert [f.path for f in findings if "'SaveV2'" in f.message] == ["save/SaveV2"]
    assert all("in the main graph" in f.message for f in findings)


# --- risky SavedModels -----------------------------------------------------------------------

@pytest.mark.parametrize("name, op, concern", [
    ("read_file", "ReadFile", "reads files"),
    ("write_file", "WriteFile", "writes files"),
    ("matching_files", "MatchingFiles", "reads files"),
    ("py_function", "EagerPyFunc", "runs Python code"),
    ("print_to_file", "PrintV2", "prints, possibly to a file"),
    ("text_lines", "TextLineDataset", "reads files"),
    ("custom_save", "SaveV2", "writes checkpoint files"),
    ("dataset_attribute", "TextLineDataset", "reads files"),
])
def test_ops_that_touch_files_or_run_python_are_findings(risky, name, op, concern):
    findings = scan_savedmodel(risky[name])
    assert [f.message for f in findings] == [expected(risky[name], op, concern)]
    assert [f.code for f in findings] == ["op"]
    assert findings[0].path.endswith(f"/{op}") and findings[0].path.startswith("__inference_")


def test_the_findings_name_the_function_and_node(risky):
    message = scan_savedmodel(risky["read_file"])[0].message
    assert message.startswith("SavedModel 'read_file' uses the op 'ReadFile' (reads files) in function "
                              "'__inference_<lambda>_")
    assert message.endswith("(node 'ReadFile') and in 1 other place; load it only if you trust it")


# --- crafted SavedModels ---------------------------------------------------------------------

@pytest.fixture()
def base(risky):
    """A fresh copy of the protobuf of an ordinary tf.Module SavedModel, with its function names."""
    proto = read_proto(risky["dataset_in_memory"])
    library = proto.meta_graphs[0].graph_def.library.function
    names = {f.signature.name: f for f in library}
    wrapper = next(f for name, f in names.items() if name.startswith("__inference_signature_wrapper"))
    save = next(name for name in names if name.startswith("__inference__traced_save"))
    return proto, wrapper, save


def test_a_signature_that_calls_the_saver_function_is_a_finding(base, tmp_path):
    proto, wrapper, save = base
    node = wrapper.node_def.add(name="sneak", op="StatefulPartitionedCall")
    node.attr["f"].func.name = save
    findings = scan_savedmodel(write_proto(proto, tmp_path / "sm"))
    assert [(f.path.split("/")[-1], f.path.split("/")[0] == save) for f in findings] == [
        ("SaveV2", True), ("MergeV2Checkpoints", True)]


def test_function_names_nested_in_attributes_are_followed(base, tmp_path):
    proto, wrapper, save = base
    node = wrapper.node_def.add(name="outer", op="Identity")
    nested = node.attr["payload"].func
    nested.name = "not_a_function"
    nested.attr["deeper"].list.func.add(name=save)
    nested.attr["op"].func.name = "ReadFile"
    findings = scan_savedmodel(write_proto(proto, tmp_path / "sm"))
    assert [f.message.split(" (")[0] for f in findings] == [
        "SavedModel 'sm' uses the op 'SaveV2'", "SavedModel 'sm' uses the op 'MergeV2Checkpoints'",
        "SavedModel 'sm' uses the op 'ReadFile'", "SavedModel 'sm' uses the op 'not_a_function'"]
    assert findings[2].path == f"{wrapper.signature.name}/outer"
    assert f"({UNLISTED})" in findings[3].message


def test_dataset_graph_carriers_custom_ops_and_main_graph_ops_are_findings(base, tmp_path):
    proto, wrapper, _ = base
    wrapper.node_def.add(name="rebuild", op="DatasetFromGraph")
    wrapper.node_def.add(name="mine", op="MyCustomOp")
    proto.meta_graphs[0].graph_def.node.add(name="peek", op="ReadFile")
    findings = scan_savedmodel(write_proto(proto, tmp_path / "sm"))
    name = wrapper.signature.name
    assert [f.message for f in findings] == [
        ("SavedModel 'sm' uses the op 'ReadFile' (reads files) in the main graph (node 'peek'); "
         "load it only if you trust it"),
        ("SavedModel 'sm' uses the op 'DatasetFromGraph' (rebuilds a dataset from a serialized graph the "
         f"scan cannot see) in function '{name}' (node 'rebuild'); load it only if you trust it"),
        (f"SavedModel 'sm' uses the op 'MyCustomOp' ({UNLISTED}) in function '{name}' (node 'mine'); "
         "load it only if you trust it"),
    ]
    assert [f.path for f in findings] == ["peek", f"{name}/rebuild", f"{name}/mine"]


def test_each_metagraph_is_named_when_there_are_several(base, tmp_path):
    proto, wrapper, _ = base
    wrapper.node_def.add(name="read", op="ReadFile")
    second = proto.meta_graphs.add()
    second.CopyFrom(proto.meta_graphs[0])
    second.meta_info_def.tags[:] = ["train", "gpu"]
    messages = [f.message for f in scan_savedmodel(write_proto(proto, tmp_path / "sm"))]
    assert [m.split(") of the ")[1].split(";")[0] for m in messages] == [
        "MetaGraph tagged 'serve'", "MetaGraph tagged 'train, gpu'"]


# --- bad files -------------------------------------------------------------------------------

DAMAGED = "has a saved_model.pb that is damaged, truncated or not a SavedModel; save or download it again"


@pytest.mark.parametrize("content", ["empty", "truncated", "random", "lfs", "html"])
def test_bad_saved_model_files_raise_one_clear_sentence(ordinary, tmp_path, content):
    real = (ordinary["image_export"] / "saved_model.pb").read_bytes()
    data = {
        "empty": b"",
        "truncated": real[: len(real) // 2],
        "random": random.Random(5).randbytes(4096),
        "lfs": b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n",
        "html": b"<!doctype html><html><body>Not found</body></html>",
    }[content]
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(data)
    message = {
        "empty": "SavedModel 'sm' has an empty saved_model.pb (0 bytes); save or download it again",
        "lfs": "SavedModel 'sm' has a saved_model.pb that is damaged, truncated or not a SavedModel "
               "(it is a Git LFS pointer: run `git lfs pull`)",
    }.get(content, f"SavedModel 'sm' {DAMAGED}")
    with pytest.raises(ModelFileError) as info:
        scan_savedmodel(tmp_path / "sm")
    assert str(info.value) == message


def test_directories_that_are_not_savedmodels_raise_one_clear_sentence(tmp_path):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "saved_model.pbtxt").write_text("saved_model_schema_version: 1\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "model.keras").write_bytes(b"PK\x03\x04")
    cases = {
        "text": "SavedModel 'text' is stored as text (saved_model.pbtxt), which ModelGraft cannot check; "
                "save it again as a binary saved_model.pb",
        "folder": "directory 'folder' is not a SavedModel (it has no saved_model.pb)",
        "model.keras": "'model.keras' is not a SavedModel directory",
        "missing": "SavedModel directory 'missing' does not exist",
    }
    for name, message in cases.items():
        with pytest.raises(ModelFileError) as info:
            scan_savedmodel(tmp_path / name)
        assert str(info.value) == message


def test_an_oversized_saved_model_pb_is_refused_without_reading_it(tmp_path):
    (tmp_path / "big").mkdir()
    with open(tmp_path / "big" / "saved_model.pb", "wb") as f:
        f.truncate(2 * 1024 ** 3 + 1)  # sparse: no disk space used
    with pytest.raises(ModelFileError) as info:
        scan_savedmodel(tmp_path / "big")
    assert str(info.value) == ("SavedModel 'big' has a saved_model.pb of 2.0 GiB, more than the 2 GiB "
                               "a SavedModel can hold")


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def message(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def test_crafted_nesting_and_lengths_are_refused_without_recursion_or_allocation(tmp_path):
    value = b""
    for _ in range(3000):  # AttrValue.func -> NameAttrList.attr -> entry.value -> AttrValue ...
        value = message(10, message(1, b"f") + message(2, message(1, b"k") + message(2, value)))
    node = message(1, b"n") + message(2, b"Identity") + message(5, message(1, b"a") + message(2, value))
    cases = {
        "deep": message(2, message(2, message(1, node))),
        "long": b"\x12\xff\xff\xff\xff\x07" + b"\x00" * 16,  # meta_graphs says 2 GiB
        "no_meta_graph": b"\x08\x01",
        "stranger": b"\x08\x01" + message(9, b""),
    }
    for name, data in cases.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "saved_model.pb").write_bytes(data)
        with pytest.raises(ModelFileError) as info:
            scan_savedmodel(tmp_path / name)
        assert str(info.value) == f"SavedModel '{name}' {DAMAGED}"


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "sm"
    path.mkdir()
    return path


def scan_only_fails_cleanly(directory: Path, data: bytes) -> None:
    (directory / "saved_model.pb").write_bytes(data)
    try:
        findings = scan_savedmodel(directory)
    except ModelFileError as err:
        assert "\n" not in str(err) and "'sm'" in str(err)
    else:
        assert all(f.code == "op" and f.message.startswith("SavedModel 'sm' uses the op ") for f in findings)


@FUZZ
@given(data=st.binary(min_size=1, max_size=2048))
def test_fuzz_random_bytes_only_raise_model_file_error(fuzz_dir, data):
    scan_only_fails_cleanly(fuzz_dir, data)


@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255),
                                st.sampled_from(["set", "insert", "delete"])), min_size=1, max_size=8),
       cut=st.floats(0.05, 1))
def test_fuzz_mutated_real_savedmodels_only_raise_model_file_error(ordinary, fuzz_dir, edits, cut):
    data = bytearray((ordinary["text_saved"] / "saved_model.pb").read_bytes())
    for where, byte, how in edits:
        i = int(where * len(data))
        if how == "set":
            data[i] = byte
        elif how == "insert":
            data.insert(i, byte)
        else:
            del data[i]
    scan_only_fails_cleanly(fuzz_dir, bytes(data[: max(1, int(cut * len(data)))]))


# --- the allow-list and the parser against TensorFlow itself ---------------------------------

def test_the_allow_list_and_the_named_ops_exist_in_tf_raw_ops(tf):
    raw = {name for name in dir(tf.raw_ops) if not name.startswith("_")}
    named = {op for ops in CONCERNS.values() for op in ops}
    assert ALLOWED_OPS - raw == set()
    assert named - raw == set()
    assert {op for op in ALLOWED_OPS if op_concern(op) != UNLISTED} == set()
    assert {"MatMul", "Conv2D", "StatefulPartitionedCall", "While", "LookupTableFindV2", "StringJoin",
            "MapDataset", "ReadVariableOp"} <= ALLOWED_OPS
    assert op_concern("TPUPartitionedCall") == "drives TPUs or other devices directly"
    assert op_concern("CollectiveReduceV2") == "talks to other processes or machines"


def test_the_allow_list_is_what_the_generator_builds_from_this_tensorflow(tf, capsys):
    script_path = ROOT / "resources" / "make_op_allowlist.py"
    spec = importlib.util.spec_from_file_location("make_op_allowlist", script_path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main([]) == 0, capsys.readouterr().out


def tf_function_names(attrs) -> list[str]:
    """The function names of a map of AttrValues, as TensorFlow's parser sees them (one level)."""
    return [name for v in attrs.values() for name in [v.func.name] * v.HasField("func")
            + [f.name for f in v.list.func]]


def test_the_parser_reads_what_tensorflow_reads(ordinary, risky):
    for path in [ordinary["text_export"], ordinary["image_saved"], risky["dataset_attribute"]]:
        meta = read_proto(path).meta_graphs[0]
        (graph,) = _parse_saved_model((path / "saved_model.pb").read_bytes())
        assert graph.tags == list(meta.meta_info_def.tags) == ["serve"]
        saver = meta.saver_def
        assert graph.saver_roots == [saver.filename_tensor_name, saver.save_tensor_name,
                                     saver.restore_op_name]
        signatures = [t.name for s in meta.signature_def.values()
                      for t in [*s.inputs.values(), *s.outputs.values()]]
        collections = [name for c in meta.collection_def.values() for name in c.node_list.value]
        assert sorted(graph.run_roots) == sorted(signatures + collections)
        assert [(n.name, n.op, n.inputs, sorted(n.funcs)) for n in graph.nodes] == [
            (n.name, n.op, list(n.input), sorted(tf_function_names(n.attr))) for n in meta.graph_def.node]
        assert {name: [(n.name, n.op, sorted(n.funcs)) for n in nodes if n.name]
                for name, nodes in graph.functions.items()} == {
            f.signature.name: [(n.name, n.op, sorted(tf_function_names(n.attr))) for n in f.node_def]
            for f in meta.graph_def.library.function}


def test_the_scan_imports_neither_tensorflow_nor_protobuf(ordinary):
    code = ("import sys\n"
            "from modelgraft.io.savedmodel_scan import scan_savedmodel\n"
            f"assert scan_savedmodel({str(ordinary['text_export'])!r}) == []\n"
            "bad = [m for m in ('tensorflow', 'keras', 'google.protobuf') if m in sys.modules]\n"
            "assert not bad, bad\n")
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
