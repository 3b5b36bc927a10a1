"""Files without TensorFlow: project files, model-file inspection, the pre-load scan, atomic saves.

Nothing here imports TensorFlow, Keras or Qt (an import-linter contract enforces it).
"""

from __future__ import annotations

from .atomic import (
    atomic_path,
    atomic_replace_dir,
    atomic_write_bytes,
    atomic_write_text,
)
from .config_scan import scan_config
from .findings import Finding
from .migrations import CURRENT_VERSION
from .model_check import model_file_problems
from .model_files import ModelFormat, detect_format, read_model_config, sha256_file
from .prescan import check_safe, prescan, unsafe_message
from .project_file import (
    EdgeData,
    NodeData,
    ProjectData,
    data_to_graph,
    graph_to_data,
    open_project,
    parse_project,
    read_project,
    save_project,
    write_project,
)
from .savedmodel_scan import scan_savedmodel
from .signature import model_node_params, read_signature, signature_from_config

__all__ = [
    "CURRENT_VERSION",
    "EdgeData",
    "Finding",
    "ModelFormat",
    "NodeData",
    "ProjectData",
    "atomic_path",
    "atomic_replace_dir",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_safe",
    "data_to_graph",
    "detect_format",
    "graph_to_data",
    "model_file_problems",
    "model_node_params",
    "open_project",
    "parse_project",
    "prescan",
    "read_model_config",
    "read_project",
    "read_signature",
    "save_project",
    "scan_config",
    "scan_savedmodel",
    "sha256_file",
    "signature_from_config",
    "unsafe_message",
    "write_project",
]
