"""Build or check the SavedModel op allow-list of app/modelgraft/io/tf_ops.py from ``tf.raw_ops``.

The list is every op of the installed TensorFlow whose Python wrapper lives in one of the
ordinary op modules below (math, nn, array, control flow, variables, lookup tables, strings,
random, image, sparse/ragged, ...), plus hand-picked in-memory ops of the mixed modules
(``tf.data``, data-flow, logging), minus every op ``tf_ops`` names as dangerous and the few
left out below. Everything else (queues, TPU, collectives, file readers, summary writers,
boosted trees, custom ops) stays off the list.

Usage::

    python resources/make_op_allowlist.py           # check: exit 1 if tf_ops.py is out of date
    python resources/make_op_allowlist.py --write   # rewrite the generated block of tf_ops.py

A check also lists the raw ops this TensorFlow has that the rules have not classified, so a
new TensorFlow version's additions get reviewed instead of silently allowed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TF_OPS = Path(__file__).resolve().parents[1] / "app" / "modelgraft" / "io" / "tf_ops.py"
BEGIN = "# BEGIN GENERATED ALLOWED_OPS (resources/make_op_allowlist.py --write)\n"
END = "# END GENERATED ALLOWED_OPS\n"

WHOLE_MODULES = frozenset({
    "gen_array_ops", "gen_audio_ops", "gen_batch_ops", "gen_bitwise_ops", "gen_candidate_sampling_ops",
    "gen_composite_tensor_ops", "gen_control_flow_ops", "gen_count_ops", "gen_ctc_ops",
    "gen_cudnn_rnn_ops", "gen_functional_ops", "gen_image_ops", "gen_linalg_ops", "gen_list_ops",
    "gen_lookup_ops", "gen_manip_ops", "gen_map_ops", "gen_math_ops", "gen_nn_ops", "gen_optional_ops",
    "gen_parsing_ops", "gen_ragged_array_ops", "gen_ragged_conversion_ops", "gen_ragged_math_ops",
    "gen_random_index_shuffle_ops", "gen_random_ops", "gen_resource_variable_ops", "gen_rnn_ops",
    "gen_set_ops", "gen_sparse_csr_matrix_ops", "gen_sparse_ops", "gen_special_math_ops",
    "gen_spectral_ops", "gen_state_ops", "gen_stateful_random_ops", "gen_stateless_random_ops",
    "gen_stateless_random_ops_v2", "gen_string_ops", "gen_training_ops", "gen_uniform_quant_ops",
})
"""Op modules whose ops all compute in memory (their dangerous few are named in tf_ops)."""

PICKED = {
    "gen_data_flow_ops": r"DynamicPartition|DynamicStitch|ParallelDynamicStitch|Stack.*|TensorArray.*",
    "gen_logging_ops": r"Assert|Print|Timestamp|.*Summary(V2)?",
    "gen_io_ops": r"ShardedFilename|ShardedFilespec",
    "gen_dataset_ops": (
        r"Anonymous(Iterator(V2|V3)?|MemoryCache|RandomSeedGenerator|SeedGenerator)|"
        r"Delete(Iterator|MemoryCache|RandomSeedGenerator|SeedGenerator)|Dummy(MemoryCache|SeedGenerator)|"
        r"(Padded)?BatchDataset(V2)?|ParallelBatchDataset|ConcatenateDataset|DatasetCardinality|"
        r"DatasetToSingleElement|(Parallel)?FilterDataset|FilterByLastComponentDataset|FinalizeDataset|"
        r"FlatMapDataset|GeneratorDataset|GetOptions|InterleaveDataset|ParallelInterleaveDatasetV[234]|"
        r"Iterator(V2)?|IteratorGetNext(AsOptional|Sync)?|MakeIterator|OneShotIterator|"
        r"(Parallel)?MapDataset(V2)?|MapDefun|ModelDataset|OptimizeDataset(V2)?|OptionsDataset|"
        r"PrefetchDataset|RangeDataset|ReduceDataset|RepeatDataset|ShardDataset|"
        r"ShuffleDataset(V2|V3)?|ShuffleAndRepeatDataset(V2)?|SkipDataset|TakeDataset|"
        r"(Sparse)?TensorSliceDataset|TensorDataset|WindowDataset|WindowOp|ZipDataset"
    ),
    "gen_experimental_dataset_ops": (
        r"AssertCardinalityDataset|AssertNextDataset|AssertPrevDataset|DenseToSparseBatchDataset|"
        r"DirectedInterleaveDataset|DummyIterationCounter|GetElementAtIndex|GroupByReducerDataset|"
        r"GroupByWindowDataset|IgnoreErrorsDataset|InitializeTableFromDataset|ListDataset|"
        r"MapAndBatchDataset|MaxIntraOpParallelismDataset|NonSerializableDataset|"
        r"ParseExampleDatasetV2|PrivateThreadPoolDataset|SamplingDataset|ScanDataset|"
        r"TakeWhileDataset|UnbatchDataset|UniqueDataset"
    ),
}
"""In-memory ops picked from modules that also hold queues, file readers or service ops."""

LEFT_OUT = frozenset({"ConsumeMutexLock", "MutexLock", "MutexV2"})
"""Ops of the whole modules kept off the list anyway (critical sections can deadlock a load)."""


def raw_ops_by_module() -> dict[str, str]:
    """Every public op of the installed TensorFlow and the ``gen_*`` module that wraps it."""
    import tensorflow as tf

    ops = {}
    for name in dir(tf.raw_ops):
        if not name.startswith("_"):
            ops[name] = getattr(tf.raw_ops, name).__module__.rsplit(".", 1)[-1]
    return ops


def build(ops: dict[str, str]) -> frozenset[str]:
    """Apply the rules: whole modules and picks, minus named-dangerous and left-out ops."""
    from modelgraft.io.tf_ops import UNLISTED, op_concern

    picked = {module: re.compile(pattern) for module, pattern in PICKED.items()}
    allowed = set()
    for op, module in ops.items():
        if op in LEFT_OUT or op_concern(op) != UNLISTED:
            continue
        if module in WHOLE_MODULES or (module in picked and picked[module].fullmatch(op)):
            allowed.add(op)
    return frozenset(allowed)


def render(allowed: frozenset[str], width: int = 100) -> str:
    """The generated block of tf_ops.py, names sorted and wrapped."""
    lines, line = [], "   "
    for name in sorted(allowed):
        item = f' "{name}",'
        if len(line) + len(item) > width:
            lines.append(line)
            line = "   "
        line += item
    lines.append(line)
    body = "\n".join(lines)
    return (f"{BEGIN}ALLOWED_OPS: frozenset[str] = frozenset((\n{body}\n))\n"
            f'"""The {len(allowed)} ops a SavedModel may use anywhere without asking for trust."""\n{END}')


def main(argv: list[str] | None = None) -> int:
    """Check the list against the installed TensorFlow, or rewrite it with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the list in tf_ops.py")
    args = parser.parse_args(argv)
    ops = raw_ops_by_module()
    allowed = build(ops)
    text = TF_OPS.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    if args.write:
        TF_OPS.write_text(head + render(allowed) + tail, encoding="utf-8")
        print(f"wrote {len(allowed)} allowed ops of {len(ops)} raw ops to {TF_OPS}")
        return 0
    from modelgraft.io.tf_ops import ALLOWED_OPS, UNLISTED, op_concern

    known = set(WHOLE_MODULES) | set(PICKED)
    unreviewed = sorted(op for op, module in ops.items()
                        if module not in known and op_concern(op) == UNLISTED and op not in LEFT_OUT)
    print(f"{len(ops)} raw ops, {len(allowed)} allowed by the rules, {len(ALLOWED_OPS)} in tf_ops.py")
    print(f"left out with their modules, no named concern ({len(unreviewed)}): {' '.join(unreviewed)}")
    missing, extra = sorted(allowed - ALLOWED_OPS), sorted(ALLOWED_OPS - allowed)
    if missing or extra:
        print(f"tf_ops.py is out of date: would add {missing}, would drop {extra}; run with --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
