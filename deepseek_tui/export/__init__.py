"""Conversations as files: writers (JSON, Markdown) and the parser that reads an
export back into the store's plain values. Nothing here opens the database."""

from __future__ import annotations

from deepseek_tui.export.parser import (
    InvalidExport,
    load_export,
    normalize_timestamp,
    parse_export,
    usage_from_json,
    validate_export,
)
from deepseek_tui.export.writers import (
    FORMATS,
    ExportFormat,
    NotAFile,
    conversation_to_json,
    conversation_to_markdown,
    export_filename,
    export_target,
    export_text,
    format_for,
    write_export,
)

__all__ = [
    "FORMATS",
    "ExportFormat",
    "InvalidExport",
    "NotAFile",
    "conversation_to_json",
    "conversation_to_markdown",
    "export_filename",
    "export_target",
    "export_text",
    "format_for",
    "load_export",
    "normalize_timestamp",
    "parse_export",
    "usage_from_json",
    "validate_export",
    "write_export",
]
