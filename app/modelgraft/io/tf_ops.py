"""TensorFlow ops a SavedModel may use without asking for trust, and what the others would do.

:data:`ALLOWED_OPS` is static data: the ordinary math, neural-network, array, control-flow,
variable, lookup-table, string, random, image, sparse/ragged and in-memory ``tf.data`` ops of
``tf.raw_ops`` (TensorFlow 2.21), written out by ``resources/make_op_allowlist.py``. Ops that TF
versions add later stay outside the list until someone reviews them; custom ops are never in it.

Ops that read or write files, run Python, talk to other processes, drive TPUs or rebuild
graphs the scan cannot see are named with what they do (:func:`op_concern`), so a finding
can say why the op matters. The checkpoint ops (:data:`CHECKPOINT_OPS`) are among them: the
scan accepts them only inside a SavedModel's own saver.
"""

from __future__ import annotations

import re

__all__ = ["ALLOWED_OPS", "CHECKPOINT_OPS", "CONCERNS", "UNLISTED", "concern_rank", "op_concern"]

UNLISTED = "not on ModelGraft's list of safe TensorFlow ops"
"""What a finding says about an op that is neither allowed nor named below (custom ops, new ops)."""

CONCERNS: dict[str, tuple[str, ...]] = {
    "runs Python code": ("EagerPyFunc", "PyFunc", "PyFuncStateless"),
    "writes files": (
        "CloseSummaryWriter", "CreateSummaryDbWriter", "CreateSummaryFileWriter",
        "DatasetToTFRecord", "DistributedSave", "ExperimentalDatasetToTFRecord",
        "FlushSummaryWriter", "ImportEvent", "SaveDataset", "SaveDatasetV2", "SnapshotDataset",
        "SnapshotDatasetV2", "StatsAggregatorSetSummaryWriter", "SummaryWriter",
        "WriteAudioSummary", "WriteFile", "WriteGraphSummary", "WriteHistogramSummary",
        "WriteImageSummary", "WriteRawProtoSummary", "WriteScalarSummary", "WriteSummary",
    ),
    "writes checkpoint files": ("MergeV2Checkpoints", "Save", "SaveSlices", "SaveV2"),
    "caches a dataset, possibly in files": ("CacheDataset", "CacheDatasetV2"),
    "prints, possibly to a file": ("PrintV2",),
    "sends tensors to a debugger or a file": (
        "Copy", "CopyHost", "DebugIdentity", "DebugIdentityV2", "DebugIdentityV3", "DebugNanCount",
        "DebugNumericSummary", "DebugNumericSummaryV2",
    ),
    "reads files": (
        "CSVDataset", "CSVDatasetV2", "ExperimentalCSVDataset", "ExperimentalLMDBDataset",
        "ExperimentalMatchingFilesDataset", "ExperimentalSqlDataset", "FixedLengthRecordDataset",
        "FixedLengthRecordDatasetV2", "FixedLengthRecordReader", "FixedLengthRecordReaderV2",
        "GenerateVocabRemapping", "IdentityReader", "IdentityReaderV2", "ImmutableConst",
        "InitializeTableFromTextFile", "InitializeTableFromTextFileV2", "LMDBDataset", "LMDBReader",
        "ListSnapshotChunksDataset", "LoadAndRemapMatrix", "LoadDataset", "MatchingFiles",
        "MatchingFilesDataset", "ReadFile", "ReaderNumRecordsProduced", "ReaderNumRecordsProducedV2",
        "ReaderNumWorkUnitsCompleted", "ReaderNumWorkUnitsCompletedV2", "ReaderRead",
        "ReaderReadUpTo", "ReaderReadUpToV2", "ReaderReadV2", "ReaderReset", "ReaderResetV2",
        "ReaderRestoreState", "ReaderRestoreStateV2", "ReaderSerializeState",
        "ReaderSerializeStateV2", "RecordInput", "SnapshotChunkDataset", "SnapshotDatasetReader",
        "SnapshotNestedDatasetReader", "SqlDataset", "TFRecordDataset", "TFRecordDatasetV2",
        "TFRecordReader", "TFRecordReaderV2", "TextLineDataset", "TextLineReader", "TextLineReaderV2",
        "WholeFileReader", "WholeFileReaderV2",
    ),
    "reads checkpoint files": ("Restore", "RestoreSlice", "RestoreV2"),
    "may read a protobuf descriptor file": ("DecodeProtoV2", "EncodeProto"),
    "changes file-system settings": ("FileSystemSetConfiguration",),
    "rebuilds a dataset from a serialized graph the scan cannot see": (
        "DatasetFromGraph", "DeserializeIterator",
    ),
    "talks to other processes or machines": (
        "DataServiceDataset", "DataServiceDatasetV2", "DataServiceDatasetV3", "DataServiceDatasetV4",
        "DeleteSessionTensor", "GetSessionHandle", "GetSessionHandleV2", "GetSessionTensor",
        "NcclAllReduce", "NcclBroadcast", "NcclReduce", "Recv", "RegisterDataset",
        "RegisterDatasetV2", "RemoteCall", "Send", "WorkerHeartbeat",
    ),
    "stops the process": ("Abort",),
}
"""What a dangerous op does, by op name (the most telling concerns first)."""

_PATTERN_CONCERNS = (
    (re.compile(r"^(Collective|Rpc|TryRpc)"), "talks to other processes or machines"),
    (re.compile(r"TPU|XlaSparse|Xla(Concat|Split)ND|^Infeed|^Outfeed|^Prelinearize|SparseCore|"
                r"^ConvertToCooTensor$|^GetMinibatch|^StoreMinibatchStatistics|^AllToAll$|"
                r"^CrossReplicaSum$|^SyncDevice$|^GlobalIterId$"),
     "drives TPUs or other devices directly"),
)
"""Op families named by pattern: collectives and RPC (``CollectivePermute`` among them), TPU ops."""

_BY_OP = {op: concern for concern, ops in CONCERNS.items() for op in ops}
_ORDER = dict.fromkeys([*CONCERNS, *(concern for _, concern in _PATTERN_CONCERNS), UNLISTED])
_RANK = {concern: i for i, concern in enumerate(_ORDER)}

CHECKPOINT_OPS = frozenset(CONCERNS["writes checkpoint files"] + CONCERNS["reads checkpoint files"])
"""The ops of a SavedModel's saver: allowed where only its save and restore functions reach."""


def op_concern(op: str) -> str:
    """Say why an op that is not in :data:`ALLOWED_OPS` matters.

    Args:
        op: The op name.

    Returns:
        A phrase such as ``"reads files"``, or :data:`UNLISTED` for ops not named here.
    """
    concern = _BY_OP.get(op)
    if concern is not None:
        return concern
    for pattern, named in _PATTERN_CONCERNS:
        if pattern.search(op):
            return named
    return UNLISTED


def concern_rank(concern: str) -> int:
    """Order concerns from the most telling (runs Python code) to :data:`UNLISTED`.

    Args:
        concern: A phrase returned by :func:`op_concern`.

    Returns:
        A sort key; smaller is more telling.
    """
    return _RANK.get(concern, _RANK[UNLISTED])


# BEGIN GENERATED ALLOWED_OPS (resources/make_op_allowlist.py --write)
ALLOWED_OPS: frozenset[str] = frozenset((
    "Abs", "AccumulateNV2", "Acos", "Acosh", "Add", "AddManySparseToTensorsMap", "AddN",
    "AddSparseToTensorsMap", "AddV2", "AdjustContrast", "AdjustContrastv2", "AdjustHue",
    "AdjustSaturation", "All", "AllCandidateSampler", "Angle", "AnonymousHashTable",
    "AnonymousIterator", "AnonymousIteratorV2", "AnonymousIteratorV3", "AnonymousMemoryCache",
    "AnonymousMutableDenseHashTable", "AnonymousMutableHashTable",
    "AnonymousMutableHashTableOfTensors", "AnonymousRandomSeedGenerator", "AnonymousSeedGenerator",
    "Any", "ApplyAdaMax", "ApplyAdadelta", "ApplyAdagrad", "ApplyAdagradDA", "ApplyAdagradV2",
    "ApplyAdam", "ApplyAddSign", "ApplyCenteredRMSProp", "ApplyFtrl", "ApplyFtrlV2",
    "ApplyGradientDescent", "ApplyMomentum", "ApplyPowerSign", "ApplyProximalAdagrad",
    "ApplyProximalGradientDescent", "ApplyRMSProp", "ApproxTopK", "ApproximateEqual", "ArgMax",
    "ArgMin", "AsString", "Asin", "Asinh", "Assert", "AssertCardinalityDataset",
    "AssertNextDataset", "AssertPrevDataset", "Assign", "AssignAdd", "AssignAddVariableOp",
    "AssignSub", "AssignSubVariableOp", "AssignVariableOp", "Atan", "Atan2", "Atanh",
    "AudioSpectrogram", "AudioSummary", "AudioSummaryV2", "AvgPool", "AvgPool3D", "AvgPool3DGrad",
    "AvgPoolGrad", "BandedTriangularSolve", "Batch", "BatchCholesky", "BatchCholeskyGrad",
    "BatchDataset", "BatchDatasetV2", "BatchFFT", "BatchFFT2D", "BatchFFT3D", "BatchFunction",
    "BatchIFFT", "BatchIFFT2D", "BatchIFFT3D", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3",
    "BatchMatrixBandPart", "BatchMatrixDeterminant", "BatchMatrixDiag", "BatchMatrixDiagPart",
    "BatchMatrixInverse", "BatchMatrixSetDiag", "BatchMatrixSolve", "BatchMatrixSolveLs",
    "BatchMatrixTriangularSolve", "BatchNormWithGlobalNormalization",
    "BatchNormWithGlobalNormalizationGrad", "BatchSelfAdjointEig", "BatchSelfAdjointEigV2",
    "BatchSvd", "BatchToSpace", "BatchToSpaceND", "BesselI0", "BesselI0e", "BesselI1", "BesselI1e",
    "BesselJ0", "BesselJ1", "BesselK0", "BesselK0e", "BesselK1", "BesselK1e", "BesselY0",
    "BesselY1", "Betainc", "BiasAdd", "BiasAddGrad", "BiasAddV1", "Bincount", "Bitcast",
    "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BlockLSTM", "BlockLSTMGrad", "BlockLSTMGradV2",
    "BlockLSTMV2", "BroadcastArgs", "BroadcastGradientArgs", "BroadcastTo", "Bucketize",
    "CSRSparseMatrixComponents", "CSRSparseMatrixToDense", "CSRSparseMatrixToSparseTensor",
    "CTCBeamSearchDecoder", "CTCGreedyDecoder", "CTCLoss", "CTCLossV2", "Case", "Cast", "Ceil",
    "CheckNumerics", "CheckNumericsV2", "Cholesky", "CholeskyGrad", "ClipByValue",
    "CombinedNonMaxSuppression", "Complex", "ComplexAbs", "CompositeTensorVariantFromComponents",
    "CompositeTensorVariantToComponents", "ComputeAccidentalHits", "Concat", "ConcatOffset",
    "ConcatV2", "ConcatenateDataset", "Conj", "ConjugateTranspose", "Const", "ControlTrigger",
    "Conv", "Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropFilterV2", "Conv2DBackpropInput",
    "Conv2DBackpropInputV2", "Conv3D", "Conv3DBackpropFilter", "Conv3DBackpropFilterV2",
    "Conv3DBackpropInput", "Conv3DBackpropInputV2", "Cos", "Cosh", "CountUpTo", "CropAndResize",
    "CropAndResizeGradBoxes", "CropAndResizeGradImage", "Cross", "CudnnRNN", "CudnnRNNBackprop",
    "CudnnRNNBackpropV2", "CudnnRNNBackpropV3", "CudnnRNNCanonicalToParams",
    "CudnnRNNCanonicalToParamsV2", "CudnnRNNParamsSize", "CudnnRNNParamsToCanonical",
    "CudnnRNNParamsToCanonicalV2", "CudnnRNNV2", "CudnnRNNV3", "Cumprod", "Cumsum",
    "CumulativeLogsumexp", "DataFormatDimMap", "DataFormatVecPermute", "DatasetCardinality",
    "DatasetToSingleElement", "Dawsn", "DebugGradientIdentity", "DebugGradientRefIdentity",
    "DecodeAndCropJpeg", "DecodeBase64", "DecodeBmp", "DecodeCSV", "DecodeCompressed", "DecodeGif",
    "DecodeImage", "DecodeJSONExample", "DecodeJpeg", "DecodeJxl", "DecodePaddedRaw", "DecodePng",
    "DecodeRaw", "DecodeWav", "DecodeWebP", "DeepCopy", "DeleteIterator", "DeleteMemoryCache",
    "DeleteRandomSeedGenerator", "DeleteSeedGenerator", "DenseBincount", "DenseCountSparseOutput",
    "DenseToCSRSparseMatrix", "DenseToDenseSetOperation", "DenseToSparseBatchDataset",
    "DenseToSparseSetOperation", "DepthToSpace", "DepthwiseConv2dNative",
    "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "Dequantize",
    "DeserializeManySparse", "DeserializeSparse", "DestroyResourceOp", "DestroyTemporaryVariable",
    "DeviceIndex", "Diag", "DiagPart", "Digamma", "Dilation2D", "Dilation2DBackpropFilter",
    "Dilation2DBackpropInput", "DirectedInterleaveDataset", "DisableCopyOnRead", "Div", "DivNoNan",
    "DrawBoundingBoxes", "DrawBoundingBoxesV2", "DummyIterationCounter", "DummyMemoryCache",
    "DummySeedGenerator", "DynamicPartition", "DynamicStitch", "EditDistance", "Eig", "Einsum",
    "Elu", "EluGrad", "Empty", "EmptyTensorList", "EmptyTensorMap", "EncodeBase64", "EncodeJpeg",
    "EncodeJpegVariableQuality", "EncodePng", "EncodeWav", "EnsureShape", "Enter", "Equal", "Erf",
    "Erfc", "Erfinv", "EuclideanNorm", "Exit", "Exp", "ExpandDims", "Expint", "Expm1",
    "ExtractGlimpse", "ExtractGlimpseV2", "ExtractImagePatches", "ExtractJpegShape",
    "ExtractVolumePatches", "FFT", "FFT2D", "FFT3D", "FFTND", "FakeParam",
    "FakeQuantWithMinMaxArgs", "FakeQuantWithMinMaxArgsGradient", "FakeQuantWithMinMaxVars",
    "FakeQuantWithMinMaxVarsGradient", "FakeQuantWithMinMaxVarsPerChannel",
    "FakeQuantWithMinMaxVarsPerChannelGradient", "Fill", "FilterByLastComponentDataset",
    "FilterDataset", "FinalizeDataset", "Fingerprint", "FixedUnigramCandidateSampler",
    "FlatMapDataset", "Floor", "FloorDiv", "FloorMod", "For", "FractionalAvgPool",
    "FractionalAvgPoolGrad", "FractionalMaxPool", "FractionalMaxPoolGrad", "FresnelCos",
    "FresnelSin", "FusedBatchNorm", "FusedBatchNormGrad", "FusedBatchNormGradV2",
    "FusedBatchNormGradV3", "FusedBatchNormV2", "FusedBatchNormV3", "FusedPadConv2D",
    "FusedResizeAndPadConv2D", "GRUBlockCell", "GRUBlockCellGrad", "Gather", "GatherNd", "GatherV2",
    "GenerateBoundingBoxProposals", "GeneratorDataset", "GetElementAtIndex", "GetOptions",
    "Greater", "GreaterEqual", "GroupByReducerDataset", "GroupByWindowDataset", "GuaranteeConst",
    "HSVToRGB", "HashTable", "HashTableV2", "HistogramFixedWidth", "HistogramSummary", "IFFT",
    "IFFT2D", "IFFT3D", "IFFTND", "IRFFT", "IRFFT2D", "IRFFT3D", "IRFFTND", "Identity", "IdentityN",
    "If", "Igamma", "IgammaGradA", "Igammac", "IgnoreErrorsDataset", "Imag",
    "ImageProjectiveTransformV2", "ImageProjectiveTransformV3", "ImageSummary", "InTopK",
    "InTopKV2", "InitializeTable", "InitializeTableFromDataset", "InitializeTableV2", "InplaceAdd",
    "InplaceSub", "InplaceUpdate", "InterleaveDataset", "Inv", "InvGrad", "Invert",
    "InvertPermutation", "IsFinite", "IsInf", "IsNan", "IsVariableInitialized",
    "IsotonicRegression", "Iterator", "IteratorGetNext", "IteratorGetNextAsOptional",
    "IteratorGetNextSync", "IteratorV2", "L2Loss", "LRN", "LRNGrad", "LSTMBlockCell",
    "LSTMBlockCellGrad", "LeakyRelu", "LeakyReluGrad", "LearnedUnigramCandidateSampler",
    "LeftShift", "Less", "LessEqual", "Lgamma", "LinSpace", "ListDataset", "ListDiff", "Log",
    "Log1p", "LogMatrixDeterminant", "LogSoftmax", "LogUniformCandidateSampler", "LogicalAnd",
    "LogicalNot", "LogicalOr", "LookupTableExport", "LookupTableExportV2", "LookupTableFind",
    "LookupTableFindV2", "LookupTableImport", "LookupTableImportV2", "LookupTableInsert",
    "LookupTableInsertV2", "LookupTableRemoveV2", "LookupTableSize", "LookupTableSizeV2",
    "LoopCond", "LowerBound", "Lu", "MakeIterator", "MapAndBatchDataset", "MapDataset", "MapDefun",
    "MatMul", "MatrixBandPart", "MatrixDeterminant", "MatrixDiag", "MatrixDiagPart",
    "MatrixDiagPartV2", "MatrixDiagPartV3", "MatrixDiagV2", "MatrixDiagV3", "MatrixExponential",
    "MatrixInverse", "MatrixLogarithm", "MatrixSetDiag", "MatrixSetDiagV2", "MatrixSetDiagV3",
    "MatrixSolve", "MatrixSolveLs", "MatrixSquareRoot", "MatrixTriangularSolve", "Max",
    "MaxIntraOpParallelismDataset", "MaxPool", "MaxPool3D", "MaxPool3DGrad", "MaxPool3DGradGrad",
    "MaxPoolGrad", "MaxPoolGradGrad", "MaxPoolGradGradV2", "MaxPoolGradGradWithArgmax",
    "MaxPoolGradV2", "MaxPoolGradWithArgmax", "MaxPoolV2", "MaxPoolWithArgmax", "Maximum", "Mean",
    "Merge", "MergeSummary", "Mfcc", "Min", "Minimum", "MirrorPad", "MirrorPadGrad", "Mod",
    "ModelDataset", "Mul", "MulNoNan", "Multinomial", "MutableDenseHashTable",
    "MutableDenseHashTableV2", "MutableHashTable", "MutableHashTableOfTensors",
    "MutableHashTableOfTensorsV2", "MutableHashTableV2", "Ndtri", "Neg", "NextAfter",
    "NextIteration", "NoOp", "NonDeterministicInts", "NonMaxSuppression", "NonMaxSuppressionV2",
    "NonMaxSuppressionV3", "NonMaxSuppressionV4", "NonMaxSuppressionV5",
    "NonMaxSuppressionWithOverlaps", "NonSerializableDataset", "NotEqual", "NthElement", "OneHot",
    "OneShotIterator", "OnesLike", "OptimizeDataset", "OptimizeDatasetV2", "OptionalFromValue",
    "OptionalGetValue", "OptionalHasValue", "OptionalNone", "OptionsDataset", "Pack", "Pad",
    "PadV2", "PaddedBatchDataset", "PaddedBatchDatasetV2", "ParallelBatchDataset", "ParallelConcat",
    "ParallelDynamicStitch", "ParallelFilterDataset", "ParallelInterleaveDatasetV2",
    "ParallelInterleaveDatasetV3", "ParallelInterleaveDatasetV4", "ParallelMapDataset",
    "ParallelMapDatasetV2", "ParameterizedTruncatedNormal", "ParseExample", "ParseExampleDatasetV2",
    "ParseExampleV2", "ParseSequenceExample", "ParseSequenceExampleV2", "ParseSingleExample",
    "ParseSingleSequenceExample", "ParseTensor", "PartitionedCall", "Placeholder", "PlaceholderV2",
    "PlaceholderWithDefault", "Polygamma", "PopulationCount", "Pow", "PrefetchDataset",
    "PreventGradient", "Print", "PrivateThreadPoolDataset", "Prod", "Qr", "QuantizeAndDequantize",
    "QuantizeAndDequantizeV2", "QuantizeAndDequantizeV3", "QuantizeAndDequantizeV4",
    "QuantizeAndDequantizeV4Grad", "QuantizeDownAndShrinkRange", "QuantizeV2", "QuantizedAdd",
    "QuantizedAvgPool", "QuantizedBatchNormWithGlobalNormalization", "QuantizedBiasAdd",
    "QuantizedConcat", "QuantizedConv2D", "QuantizedConv2DAndRelu",
    "QuantizedConv2DAndReluAndRequantize", "QuantizedConv2DAndRequantize",
    "QuantizedConv2DPerChannel", "QuantizedConv2DWithBias", "QuantizedConv2DWithBiasAndRelu",
    "QuantizedConv2DWithBiasAndReluAndRequantize", "QuantizedConv2DWithBiasAndRequantize",
    "QuantizedConv2DWithBiasSignedSumAndReluAndRequantize", "QuantizedConv2DWithBiasSumAndRelu",
    "QuantizedConv2DWithBiasSumAndReluAndRequantize", "QuantizedDepthwiseConv2D",
    "QuantizedDepthwiseConv2DWithBias", "QuantizedDepthwiseConv2DWithBiasAndRelu",
    "QuantizedDepthwiseConv2DWithBiasAndReluAndRequantize", "QuantizedInstanceNorm",
    "QuantizedMatMul", "QuantizedMatMulWithBias", "QuantizedMatMulWithBiasAndDequantize",
    "QuantizedMatMulWithBiasAndRelu", "QuantizedMatMulWithBiasAndReluAndRequantize",
    "QuantizedMatMulWithBiasAndRequantize", "QuantizedMaxPool", "QuantizedMul", "QuantizedRelu",
    "QuantizedRelu6", "QuantizedReluX", "QuantizedReshape", "QuantizedResizeBilinear", "RFFT",
    "RFFT2D", "RFFT3D", "RFFTND", "RGBToHSV", "RaggedBincount", "RaggedCountSparseOutput",
    "RaggedCross", "RaggedFillEmptyRows", "RaggedFillEmptyRowsGrad", "RaggedGather", "RaggedRange",
    "RaggedTensorFromVariant", "RaggedTensorToSparse", "RaggedTensorToTensor",
    "RaggedTensorToVariant", "RaggedTensorToVariantGradient", "RandomCrop", "RandomGamma",
    "RandomGammaGrad", "RandomIndexShuffle", "RandomPoisson", "RandomPoissonV2", "RandomShuffle",
    "RandomStandardNormal", "RandomUniform", "RandomUniformInt", "Range", "RangeDataset", "Rank",
    "ReadVariableOp", "Real", "RealDiv", "Reciprocal", "ReciprocalGrad", "ReduceDataset",
    "ReduceJoin", "RefEnter", "RefExit", "RefIdentity", "RefMerge", "RefNextIteration", "RefSelect",
    "RefSwitch", "RegexFullMatch", "RegexReplace", "Relu", "Relu6", "Relu6Grad", "ReluGrad",
    "RepeatDataset", "RequantizationRange", "RequantizationRangePerChannel", "Requantize",
    "RequantizePerChannel", "Reshape", "ResizeArea", "ResizeBicubic", "ResizeBicubicGrad",
    "ResizeBilinear", "ResizeBilinearGrad", "ResizeNearestNeighbor", "ResizeNearestNeighborGrad",
    "ResourceApplyAdaMax", "ResourceApplyAdadelta", "ResourceApplyAdagrad",
    "ResourceApplyAdagradDA", "ResourceApplyAdagradV2", "ResourceApplyAdam",
    "ResourceApplyAdamWithAmsgrad", "ResourceApplyAddSign", "ResourceApplyCenteredRMSProp",
    "ResourceApplyFtrl", "ResourceApplyFtrlV2", "ResourceApplyGradientDescent",
    "ResourceApplyKerasMomentum", "ResourceApplyMomentum", "ResourceApplyPowerSign",
    "ResourceApplyProximalAdagrad", "ResourceApplyProximalGradientDescent", "ResourceApplyRMSProp",
    "ResourceCountUpTo", "ResourceGather", "ResourceGatherNd", "ResourceScatterAdd",
    "ResourceScatterDiv", "ResourceScatterMax", "ResourceScatterMin", "ResourceScatterMul",
    "ResourceScatterNdAdd", "ResourceScatterNdMax", "ResourceScatterNdMin", "ResourceScatterNdSub",
    "ResourceScatterNdUpdate", "ResourceScatterSub", "ResourceScatterUpdate",
    "ResourceSparseApplyAdadelta", "ResourceSparseApplyAdagrad", "ResourceSparseApplyAdagradDA",
    "ResourceSparseApplyAdagradV2", "ResourceSparseApplyCenteredRMSProp", "ResourceSparseApplyFtrl",
    "ResourceSparseApplyFtrlV2", "ResourceSparseApplyKerasMomentum", "ResourceSparseApplyMomentum",
    "ResourceSparseApplyProximalAdagrad", "ResourceSparseApplyProximalGradientDescent",
    "ResourceSparseApplyRMSProp", "ResourceStridedSliceAssign", "Reverse", "ReverseSequence",
    "ReverseV2", "RightShift", "Rint", "RngReadAndSkip", "RngSkip", "Roll", "Round", "Rsqrt",
    "RsqrtGrad", "SampleDistortedBoundingBox", "SampleDistortedBoundingBoxV2", "SamplingDataset",
    "ScalarSummary", "ScaleAndTranslate", "ScaleAndTranslateGrad", "ScanDataset", "ScatterAdd",
    "ScatterDiv", "ScatterMax", "ScatterMin", "ScatterMul", "ScatterNd", "ScatterNdAdd",
    "ScatterNdMax", "ScatterNdMin", "ScatterNdNonAliasingAdd", "ScatterNdSub", "ScatterNdUpdate",
    "ScatterSub", "ScatterUpdate", "SegmentMax", "SegmentMaxV2", "SegmentMean", "SegmentMin",
    "SegmentMinV2", "SegmentProd", "SegmentProdV2", "SegmentSum", "SegmentSumV2", "Select",
    "SelectV2", "SelfAdjointEig", "SelfAdjointEigV2", "Selu", "SeluGrad", "SerializeManySparse",
    "SerializeSparse", "SerializeTensor", "SetSize", "Shape", "ShapeN", "ShardDataset",
    "ShardedFilename", "ShardedFilespec", "ShuffleAndRepeatDataset", "ShuffleAndRepeatDatasetV2",
    "ShuffleDataset", "ShuffleDatasetV2", "ShuffleDatasetV3", "Sigmoid", "SigmoidGrad", "Sign",
    "Sin", "Sinh", "Size", "SkipDataset", "Slice", "Snapshot", "SobolSample", "Softmax",
    "SoftmaxCrossEntropyWithLogits", "Softplus", "SoftplusGrad", "Softsign", "SoftsignGrad",
    "SpaceToBatch", "SpaceToBatchND", "SpaceToDepth", "SparseAdd", "SparseAddGrad",
    "SparseApplyAdadelta", "SparseApplyAdagrad", "SparseApplyAdagradDA", "SparseApplyAdagradV2",
    "SparseApplyCenteredRMSProp", "SparseApplyFtrl", "SparseApplyFtrlV2", "SparseApplyMomentum",
    "SparseApplyProximalAdagrad", "SparseApplyProximalGradientDescent", "SparseApplyRMSProp",
    "SparseBincount", "SparseConcat", "SparseCountSparseOutput", "SparseCross", "SparseCrossHashed",
    "SparseCrossV2", "SparseDenseCwiseAdd", "SparseDenseCwiseDiv", "SparseDenseCwiseMul",
    "SparseFillEmptyRows", "SparseFillEmptyRowsGrad", "SparseMatMul", "SparseMatrixAdd",
    "SparseMatrixMatMul", "SparseMatrixMul", "SparseMatrixNNZ", "SparseMatrixOrderingAMD",
    "SparseMatrixSoftmax", "SparseMatrixSoftmaxGrad", "SparseMatrixSparseCholesky",
    "SparseMatrixSparseMatMul", "SparseMatrixTranspose", "SparseMatrixZeros", "SparseReduceMax",
    "SparseReduceMaxSparse", "SparseReduceSum", "SparseReduceSumSparse", "SparseReorder",
    "SparseReshape", "SparseSegmentMean", "SparseSegmentMeanGrad", "SparseSegmentMeanGradV2",
    "SparseSegmentMeanWithNumSegments", "SparseSegmentSqrtN", "SparseSegmentSqrtNGrad",
    "SparseSegmentSqrtNGradV2", "SparseSegmentSqrtNWithNumSegments", "SparseSegmentSum",
    "SparseSegmentSumGrad", "SparseSegmentSumGradV2", "SparseSegmentSumWithNumSegments",
    "SparseSlice", "SparseSliceGrad", "SparseSoftmax", "SparseSoftmaxCrossEntropyWithLogits",
    "SparseSparseMaximum", "SparseSparseMinimum", "SparseSplit", "SparseTensorDenseAdd",
    "SparseTensorDenseMatMul", "SparseTensorSliceDataset", "SparseTensorToCSRSparseMatrix",
    "SparseToDense", "SparseToSparseSetOperation", "Spence", "Split", "SplitV", "Sqrt", "SqrtGrad",
    "Square", "SquaredDifference", "Squeeze", "Stack", "StackClose", "StackCloseV2", "StackPop",
    "StackPopV2", "StackPush", "StackPushV2", "StackV2", "StatefulPartitionedCall",
    "StatefulRandomBinomial", "StatefulStandardNormal", "StatefulStandardNormalV2",
    "StatefulTruncatedNormal", "StatefulUniform", "StatefulUniformFullInt", "StatefulUniformInt",
    "StatelessCase", "StatelessIf", "StatelessMultinomial", "StatelessParameterizedTruncatedNormal",
    "StatelessRandomBinomial", "StatelessRandomGammaV2", "StatelessRandomGammaV3",
    "StatelessRandomGetAlg", "StatelessRandomGetKeyCounter", "StatelessRandomGetKeyCounterAlg",
    "StatelessRandomNormal", "StatelessRandomNormalV2", "StatelessRandomPoisson",
    "StatelessRandomUniform", "StatelessRandomUniformFullInt", "StatelessRandomUniformFullIntV2",
    "StatelessRandomUniformInt", "StatelessRandomUniformIntV2", "StatelessRandomUniformV2",
    "StatelessSampleDistortedBoundingBox", "StatelessShuffle", "StatelessTruncatedNormal",
    "StatelessTruncatedNormalV2", "StatelessWhile", "StaticRegexFullMatch", "StaticRegexReplace",
    "StopGradient", "StridedSlice", "StridedSliceAssign", "StridedSliceGrad", "StringFormat",
    "StringJoin", "StringLength", "StringLower", "StringNGrams", "StringSplit", "StringSplitV2",
    "StringStrip", "StringToHashBucket", "StringToHashBucketFast", "StringToHashBucketStrong",
    "StringToNumber", "StringUpper", "Sub", "Substr", "Sum", "Svd", "Switch", "SymbolicGradient",
    "TakeDataset", "TakeManySparseFromTensorsMap", "TakeWhileDataset", "Tan", "Tanh", "TanhGrad",
    "TemporaryVariable", "TensorArray", "TensorArrayClose", "TensorArrayCloseV2",
    "TensorArrayCloseV3", "TensorArrayConcat", "TensorArrayConcatV2", "TensorArrayConcatV3",
    "TensorArrayGather", "TensorArrayGatherV2", "TensorArrayGatherV3", "TensorArrayGrad",
    "TensorArrayGradV2", "TensorArrayGradV3", "TensorArrayGradWithShape", "TensorArrayPack",
    "TensorArrayRead", "TensorArrayReadV2", "TensorArrayReadV3", "TensorArrayScatter",
    "TensorArrayScatterV2", "TensorArrayScatterV3", "TensorArraySize", "TensorArraySizeV2",
    "TensorArraySizeV3", "TensorArraySplit", "TensorArraySplitV2", "TensorArraySplitV3",
    "TensorArrayUnpack", "TensorArrayV2", "TensorArrayV3", "TensorArrayWrite", "TensorArrayWriteV2",
    "TensorArrayWriteV3", "TensorDataset", "TensorListConcat", "TensorListConcatLists",
    "TensorListConcatV2", "TensorListElementShape", "TensorListFromTensor", "TensorListGather",
    "TensorListGetItem", "TensorListLength", "TensorListPopBack", "TensorListPushBack",
    "TensorListPushBackBatch", "TensorListReserve", "TensorListResize", "TensorListScatter",
    "TensorListScatterIntoExistingList", "TensorListScatterV2", "TensorListSetItem",
    "TensorListSplit", "TensorListStack", "TensorMapErase", "TensorMapHasKey", "TensorMapInsert",
    "TensorMapLookup", "TensorMapSize", "TensorMapStackKeys", "TensorScatterAdd",
    "TensorScatterMax", "TensorScatterMin", "TensorScatterSub", "TensorScatterUpdate",
    "TensorSliceDataset", "TensorStridedSliceUpdate", "TensorSummary", "TensorSummaryV2",
    "ThreadUnsafeUnigramCandidateSampler", "Tile", "TileGrad", "Timestamp", "ToBool", "TopK",
    "TopKV2", "Transpose", "TridiagonalMatMul", "TridiagonalSolve", "TruncateDiv", "TruncateMod",
    "TruncatedNormal", "Unbatch", "UnbatchDataset", "UnbatchGrad", "UnicodeDecode",
    "UnicodeDecodeWithOffsets", "UnicodeEncode", "UnicodeScript", "UnicodeTranscode",
    "UniformCandidateSampler", "UniformDequantize", "UniformQuantize", "UniformQuantizedAdd",
    "UniformQuantizedClipByValue", "UniformQuantizedConvolution",
    "UniformQuantizedConvolutionHybrid", "UniformQuantizedDot", "UniformQuantizedDotHybrid",
    "UniformRequantize", "Unique", "UniqueDataset", "UniqueV2", "UniqueWithCounts",
    "UniqueWithCountsV2", "Unpack", "UnravelIndex", "UnsortedSegmentJoin", "UnsortedSegmentMax",
    "UnsortedSegmentMin", "UnsortedSegmentProd", "UnsortedSegmentSum", "UpperBound", "VarHandleOp",
    "VarIsInitializedOp", "Variable", "VariableShape", "VariableV2", "Where", "While",
    "WindowDataset", "WindowOp", "Xdivy", "Xlog1py", "Xlogy", "ZerosLike", "Zeta", "ZipDataset",
))
"""The 1039 ops a SavedModel may use anywhere without asking for trust."""
# END GENERATED ALLOWED_OPS
