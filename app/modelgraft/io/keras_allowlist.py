"""Which Keras classes and functions a stored model config may name: static data, no Keras import.

The pre-load scan (:mod:`modelgraft.io.config_scan`) accepts an object of a ``.keras`` or
``.h5`` config only if its module and name are listed here. Everything else would run code
that is not part of a Keras model (a class from another package, ``keras.utils.get_file``,
a Python lambda) and needs the user's trust. The lists hold the public modeling API of
Keras 3 (layers, models, initializers, regularizers, constraints, activations, dtype
policies, quantization configs, the ops that functional configs reference) and, inside a
``compile_config`` only, losses, metrics, optimizers and learning-rate schedules.

``tests/io/test_config_scan.py`` checks every name against the installed Keras, and that
every public ``keras.layers`` layer is either in :data:`LAYERS` or in :data:`REFUSED_LAYERS`,
so a Keras upgrade that adds a layer fails the tests until someone decides about it.
"""

from __future__ import annotations

__all__ = [
    "CLASS_MODULES",
    "COMPILE_CLASS_MODULES",
    "COMPILE_FUNCTION_MODULES",
    "FUNCTION_MODULES",
    "LAYERS",
    "LEGACY_CLASSES",
    "LEGACY_COMPILE_CLASSES",
    "OPS_MODULES",
    "OWN",
    "OWN_SAVEDMODEL_LAYER",
    "REFUSED_LAYERS",
]

LAYERS = frozenset({
    "Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
    "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
    "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AdditiveAttention", "AlphaDropout",
    "Attention", "AugMix", "AutoContrast", "Average", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "BatchNormalization",
    "Bidirectional", "CategoryEncoding", "CenterCrop", "Concatenate",
    "ContrastLimitedAdaptiveHistogramEqualization", "Conv1D", "Conv1DTranspose", "Conv2D",
    "Conv2DTranspose", "Conv3D", "Conv3DTranspose", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
    "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D",
    "CutMix", "Dense", "DepthwiseConv1D", "DepthwiseConv2D", "Discretization", "Dot", "Dropout",
    "ELU", "EinsumDense", "Embedding", "Equalization", "Flatten", "GRU", "GRUCell",
    "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization", "GroupQueryAttention",
    "HashedCrossing", "Hashing", "Identity", "InputLayer", "IntegerLookup", "LSTM", "LSTMCell",
    "LayerNormalization", "LeakyReLU", "Masking", "MaxNumBoundingBoxes", "MaxPool1D",
    "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Maximum",
    "MelSpectrogram", "Minimum", "MixUp", "MultiHeadAttention", "Multiply", "Normalization",
    "PReLU", "Permute", "Pipeline", "RMSNormalization", "RNN", "RandAugment",
    "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
    "RandomCrop", "RandomElasticTransform", "RandomErasing", "RandomFlip", "RandomGaussianBlur",
    "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
    "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation",
    "RandomZoom", "ReLU", "RepeatVector", "Rescaling", "Reshape", "Resizing",
    "ReversibleEmbedding", "STFTSpectrogram", "SeparableConv1D", "SeparableConv2D",
    "SeparableConvolution1D", "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax",
    "Solarization", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "SpectralNormalization", "StackedRNNCells", "StringLookup", "Subtract", "TextVectorization",
    "TimeDistributed", "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
})
"""Public ``keras.layers`` layers (aliases included) that only compute on tensors."""

INITIALIZERS = frozenset({
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "OrthogonalInitializer", "RandomNormal", "RandomUniform", "STFT", "STFTInitializer",
    "TruncatedNormal", "VarianceScaling", "Zeros", "constant", "glorot_normal",
    "glorot_uniform", "he_normal", "he_uniform", "identity", "lecun_normal", "lecun_uniform",
    "ones", "orthogonal", "random_normal", "random_uniform", "stft", "truncated_normal",
    "variance_scaling", "zeros",
})
"""``keras.initializers`` classes, aliases included (the bases are left out)."""

REGULARIZERS = frozenset({
    "L1", "L1L2", "L2", "OrthogonalRegularizer", "l1", "l1_l2", "l2", "orthogonal_regularizer",
})
"""``keras.regularizers`` classes."""

CONSTRAINTS = frozenset({
    "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
    "unit_norm",
})
"""``keras.constraints`` classes."""

DTYPE_POLICIES = frozenset({
    "AWQDTypePolicy", "DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "GPTQDTypePolicy",
    "Int4DTypePolicy", "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy",
})
"""``keras.dtype_policies`` classes."""

ACTIVATIONS = frozenset({
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
    "tanh_shrink", "threshold",
})
"""``keras.activations`` functions (not ``get``, ``serialize``, ``deserialize``)."""

LOSSES = frozenset({
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "Tversky",
})
"""``keras.losses`` classes (compile only)."""

LOSS_FUNCTIONS = frozenset({
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "circle", "cosine_similarity", "ctc", "dice", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge", "tversky",
})
"""``keras.losses`` functions (compile only)."""

METRICS = frozenset({
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryCrossentropy", "BinaryIoU",
    "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalHinge",
    "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "FalseNegatives",
    "FalsePositives", "Hinge", "IoU", "KLDivergence", "LogCoshError", "Mean",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanIoU", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "OneHotIoU", "OneHotMeanIoU",
    "PearsonCorrelation", "Poisson", "Precision", "PrecisionAtRecall", "R2Score", "Recall",
    "RecallAtPrecision", "RootMeanSquaredError", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity", "SquaredHinge", "Sum",
    "TopKCategoricalAccuracy", "TrueNegatives", "TruePositives",
})
"""``keras.metrics`` classes (compile only)."""

METRIC_FUNCTIONS = frozenset({
    "binary_accuracy", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_accuracy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_hinge", "concordance_correlation", "hinge", "huber", "kl_divergence",
    "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "pearson_correlation", "poisson",
    "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy", "squared_hinge", "top_k_categorical_accuracy",
})
"""``keras.metrics`` functions (compile only)."""

OPTIMIZERS = frozenset({
    "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax", "Ftrl", "Lamb", "Lion",
    "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "OptimizerMap", "RMSprop", "SGD",
    "ScheduleFreeAdamW",
})
"""``keras.optimizers`` classes (compile only)."""

SCHEDULES = frozenset({
    "CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
    "PiecewiseConstantDecay", "PolynomialDecay",
})
"""``keras.optimizers.schedules`` classes (compile only)."""

_OPS_CORE = frozenset({
    "Cast", "ConvertToTensor", "SaturateCast", "Scatter", "ScatterUpdate", "Slice",
    "SliceUpdate", "StopGradient", "Unstack",
})

_OPS_EINOPS = frozenset({
    "Rearrange",
})

_OPS_IMAGE = frozenset({
    "AffineTransform", "CropImages", "ElasticTransform", "ExtractPatches", "GaussianBlur",
    "HSVToRGB", "MapCoordinates", "PadImages", "PerspectiveTransform", "RGBToGrayscale",
    "RGBToHSV", "Resize", "SSIM", "ScaleAndTranslate", "SobelEdges",
})

_OPS_LINALG = frozenset({
    "Cholesky", "CholeskyInverse", "Det", "Eig", "Eigh", "Inv", "Lstsq", "LuFactor",
    "MatrixRank", "Norm", "Pinv", "Qr", "SVD", "Solve", "SolveTriangular",
})

_OPS_MATH = frozenset({
    "CDist", "Erf", "Erfc", "Erfinv", "ExtractSequences", "FFT", "FFT2", "IFFT2", "IRFFT",
    "ISTFT", "InTopK", "Logdet", "Logsumexp", "RFFT", "Rsqrt", "STFT", "SegmentMax",
    "SegmentMin", "SegmentProd", "SegmentReduction", "SegmentSum", "TopK", "ViewAsComplex",
    "ViewAsReal",
})

_OPS_NN = frozenset({
    "AdaptiveAveragePool", "AdaptiveMaxPool", "AveragePool", "BatchNorm", "BinaryCrossentropy",
    "CTCDecode", "CTCLoss", "CategoricalCrossentropy", "Celu", "Conv", "ConvTranspose",
    "DepthToSpace", "DepthwiseConv", "DotProductAttention", "Elu", "Fold", "Gelu", "Glu",
    "HardShrink", "HardSigmoid", "HardSilu", "HardTanh", "LayerNorm", "LeakyRelu", "LogSigmoid",
    "LogSoftmax", "MaxPool", "Moments", "MultiHot", "Normalize", "OneHot", "PSNR", "Polar",
    "RMSNorm", "Relu", "Relu6", "Selu", "SeparableConv", "Sigmoid", "Silu", "SoftShrink",
    "Softmax", "Softplus", "Softsign", "SpaceToDepth", "SparseCategoricalCrossentropy",
    "SparsePlus", "SparseSigmoid", "Sparsemax", "Squareplus", "TanhShrink", "Threshold",
    "Unfold",
})

_OPS_NUMPY = frozenset({
    "Abs", "Absolute", "Add", "All", "AllClose", "Amax", "Amin", "Angle", "Any", "Append",
    "Arange", "Arccos", "Arccosh", "Arcsin", "Arcsinh", "Arctan", "Arctan2", "Arctanh",
    "Argmax", "Argmin", "Argpartition", "Argsort", "Array", "ArraySplit", "Average", "Bincount",
    "BitwiseAnd", "BitwiseInvert", "BitwiseLeftShift", "BitwiseNot", "BitwiseOr",
    "BitwiseRightShift", "BitwiseXor", "BroadcastTo", "Cbrt", "Ceil", "Clip", "Concatenate",
    "Conj", "Conjugate", "Copy", "Corrcoef", "Correlate", "Cos", "Cosh", "CountNonzero",
    "Cross", "Cumprod", "Cumsum", "Deg2rad", "Diag", "Diagflat", "Diagonal", "Diff", "Digitize",
    "Divide", "DivideNoNan", "Dot", "Dsplit", "Dstack", "Einsum", "EmptyLike", "Equal", "Exp",
    "Exp2", "ExpandDims", "Expm1", "Fabs", "Flip", "Fliplr", "Flipud", "Floor", "FloorDivide",
    "Fmax", "Fmin", "Fmod", "Full", "FullLike", "Gcd", "Geomspace", "GetItem", "Greater",
    "GreaterEqual", "Heaviside", "Histogram", "Hsplit", "Hstack", "Hypot", "I0", "Imag",
    "Inner", "IsIn", "Isclose", "Isfinite", "Isinf", "Isnan", "Isneginf", "Isposinf", "Isreal",
    "Kron", "Lcm", "Ldexp", "LeftShift", "Less", "LessEqual", "Linspace", "Log", "Log10",
    "Log1p", "Log2", "Logaddexp", "Logaddexp2", "LogicalAnd", "LogicalNot", "LogicalOr",
    "LogicalXor", "Logspace", "Matmul", "Max", "Maximum", "Mean", "Median", "Meshgrid", "Min",
    "Minimum", "Mod", "Moveaxis", "Multiply", "NanToNum", "Nanargmax", "Nanargmin",
    "Nancumprod", "Nancumsum", "Nanmax", "Nanmean", "Nanmedian", "Nanmin", "Nanpercentile",
    "Nanprod", "Nanquantile", "Nanstd", "Nansum", "Nanvar", "Ndim", "Negative", "Nextafter",
    "Nonzero", "NotEqual", "OnesLike", "Outer", "Pad", "Percentile", "Power", "Prod", "Ptp",
    "Quantile", "Rad2deg", "Ravel", "Real", "Reciprocal", "Repeat", "Reshape", "RightShift",
    "Roll", "Rot90", "Round", "SearchSorted", "Select", "Sign", "Signbit", "Sin", "Sinc",
    "Sinh", "Size", "Slogdet", "Sort", "Split", "Sqrt", "Square", "Squeeze", "Stack", "Std",
    "Subtract", "Sum", "Swapaxes", "Take", "TakeAlongAxis", "Tan", "Tanh", "Tensordot", "Tile",
    "Trace", "Transpose", "Trapezoid", "Tril", "Triu", "TrueDivide", "Trunc", "Unique",
    "UnravelIndex", "Vander", "Var", "Vdot", "View", "Vsplit", "Vstack", "Where", "ZerosLike",
})

REFUSED_LAYERS: dict[str, str] = {
    "FlaxLayer": "which runs a Flax module's Python code",
    "JaxLayer": "which calls a Python function",
    "Lambda": "whose Python code would run",
    "Layer": "the abstract base class, which no saved model needs",
    "TFSMLayer": "which loads a SavedModel from outside the file",
    "TorchModuleWrapper": "which unpickles a PyTorch module (arbitrary Python code)",
    "Wrapper": "the abstract base class, which no saved model needs",
}
"""Public ``keras.layers`` layers that are refused, with what they would run."""

OWN = frozenset({
    "modelgraft>Cast", "modelgraft>ExpandDims", "modelgraft>Flatten", "modelgraft>Normalize",
    "modelgraft>OneHot", "modelgraft>PadOrTruncate", "modelgraft>Permute", "modelgraft>Reshape",
    "modelgraft>ScaledAdam", "modelgraft>ScaledAdamW", "modelgraft>ScaledRMSprop",
    "modelgraft>ScaledSGD", "modelgraft>Slice", "modelgraft>Squeeze", "modelgraft>Stack",
})
"""ModelGraft's own registered layers and optimizers (``modelgraft.engine``), by registered name."""

OWN_SAVEDMODEL_LAYER = "modelgraft>SavedModelLayer"
"""ModelGraft's TFSMLayer: registered, but it loads a SavedModel from outside the file."""

QUANTIZERS = frozenset({
    "AbsMaxQuantizer", "Float8QuantizationConfig", "Int4QuantizationConfig",
    "Int8QuantizationConfig",
})
"""``keras.quantizers`` configs a quantized layer stores (not GPTQ/AWQ calibration configs)."""

MODELS = frozenset({"Functional", "Model", "Sequential"})

OPS_MODULES: dict[str, frozenset[str]] = {
    "keras.src.ops.core": _OPS_CORE,
    "keras.src.ops.einops": _OPS_EINOPS,
    "keras.src.ops.image": _OPS_IMAGE,
    "keras.src.ops.linalg": _OPS_LINALG,
    "keras.src.ops.math": _OPS_MATH,
    "keras.src.ops.nn": _OPS_NN,
    "keras.src.ops.numpy": _OPS_NUMPY,
}
"""The op classes a functional config names when a model applies ``keras.ops`` to tensors.

Control-flow ops that take Python callables (``Cond``, ``WhileLoop``, ``Scan``, ``Map``,
``ForiLoop``, ``Switch``, ``VectorizedMap``, ``AssociativeScan``, ``JVP``) are left out.
"""

CLASS_MODULES: dict[str, frozenset[str]] = {
    "keras": frozenset({"DTypePolicy", "FloatDTypePolicy", "Model", "Sequential"}),
    "keras.layers": LAYERS,
    "keras.models": frozenset({"Model", "Sequential"}),
    "keras.src.models.functional": frozenset({"Functional"}),
    "keras.src.models.model": frozenset({"Model"}),
    "keras.src.models.sequential": frozenset({"Sequential"}),
    "keras.initializers": INITIALIZERS,
    "keras.regularizers": REGULARIZERS,
    "keras.constraints": CONSTRAINTS,
    "keras.dtype_policies": DTYPE_POLICIES,
    "keras.mixed_precision": frozenset({"DTypePolicy", "Policy"}),
    "keras.quantizers": QUANTIZERS,
    **OPS_MODULES,
}
"""The module Keras writes next to a class name, and the classes allowed from it anywhere."""

COMPILE_CLASS_MODULES: dict[str, frozenset[str]] = {
    "keras.losses": LOSSES,
    "keras.metrics": METRICS,
    "keras.optimizers": OPTIMIZERS,
    "keras.optimizers.schedules": SCHEDULES,
}
"""Classes allowed only inside a ``compile_config``."""

FUNCTION_MODULES: dict[str, frozenset[str]] = {
    "builtins": ACTIVATIONS,
    "keras.activations": ACTIVATIONS,
}
"""Functions (``"class_name": "function"``) allowed anywhere; Keras writes ``builtins`` for its own."""

COMPILE_FUNCTION_MODULES: dict[str, frozenset[str]] = {
    "builtins": ACTIVATIONS | LOSS_FUNCTIONS | METRIC_FUNCTIONS,
    "keras.activations": ACTIVATIONS,
    "keras.losses": LOSS_FUNCTIONS,
    "keras.metrics": METRIC_FUNCTIONS,
}
"""Functions allowed inside a ``compile_config`` (losses and metrics given as functions)."""

LEGACY_CLASSES = (LAYERS | MODELS | INITIALIZERS | REGULARIZERS | CONSTRAINTS | DTYPE_POLICIES
                  | frozenset({"Policy"}))
"""Class names allowed without a module: legacy ``.h5`` configs name layers by class alone."""

LEGACY_COMPILE_CLASSES = LEGACY_CLASSES | LOSSES | METRICS | OPTIMIZERS | SCHEDULES
"""Class names allowed without a module inside a ``compile_config``."""
